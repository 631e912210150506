#!/bin/sh
# What including cofs costs a translation unit: the preprocessed lines and the best of 5
# `-fsyntax-only` times of `#include <cofs/cofs.hpp>` (the application's header) and of the
# backend author's header. Run from anywhere; CXX picks the compiler (default g++).
#   bench/include_cost.sh [header...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX:-g++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ $# -gt 0 ] || set -- cofs/cofs.hpp cofs/backend/loop.hpp
printf '%-28s %10s %10s\n' header lines "best s"
for h in "$@"; do
  echo "#include <$h>" > "$tmp/inc.cpp"
  lines=$($cxx -std=c++20 -I"$root/include" -E "$tmp/inc.cpp" | wc -l)
  best=
  for _ in 1 2 3 4 5; do
    t0=$(date +%s.%N)
    $cxx -std=c++20 -I"$root/include" -fsyntax-only "$tmp/inc.cpp"
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%-28s %10s %10.2f\n' "$h" "$lines" "$best"
done
