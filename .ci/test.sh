#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test program on both
# reactors (io_uring and epoll). `bash .ci/test.sh asan` or `tsan` runs it under a sanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
bash .ci/deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
# The installed package works for a consumer (find_package(cofs) -> cofs::cofs).
build="build/$preset"
cmake --install "$build" --prefix "$build/install" >/dev/null
cmake -S tests/package -B "$build/package" -G Ninja -DCMAKE_PREFIX_PATH="$PWD/$build/install" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build/package" >/dev/null
"$build/package/consumer"
