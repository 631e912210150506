#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs, under CTest, each stage
# (a CMake preset) in turn:
#   default  every test program on both reactors (io_uring and epoll), and consumers of the
#            installed package (find_package(cofs): cofs::cofs, and cofs::core alone without
#            curl, liburing or libaio), static and shared (tests/package)
#   asan     the same under AddressSanitizer + UndefinedBehaviorSanitizer, the programs on the
#            io_uring reactor only (the runtime tests on both)
#   tsan     the same under ThreadSanitizer (without the [fork] cases), the programs on the
#            epoll reactor only (the runtime tests on both)
#   fuzz     each libFuzzer target (fuzz/) for 30 s over its seed corpus
# `bash .ci/test.sh <stage>...` runs only those. A stage that fails does not stop the others; the
# output ends with each stage's result and a CTest-style total, and the exit status is 1 when any
# stage failed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then stages=("$@"); else stages=(default asan tsan fuzz); fi
bash .ci/deps.sh

# CPU time (user, sys; clock ticks) of the children this shell has waited for.
ticks=$(getconf CLK_TCK)
child_cpu() {
  local stat
  read -r -a stat <"/proc/$$/stat"
  echo "${stat[15]} ${stat[16]}"  # cutime, cstime: fields 16 and 17 (proc(5))
}

# Configures, builds and runs one stage (`built` tells whether it got to its tests); its CTest
# output goes to build/<stage>/ctest.log too.
run_stage() {
  local preset=$1
  built=0
  rm -f "build/$preset/ctest.log"
  cmake --preset "$preset" >/dev/null || return 1
  cmake --build --preset "$preset" || return 1
  built=1
  set +e
  ctest --preset "$preset" 2>&1 | tee "build/$preset/ctest.log"
  local status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

results=()
total=0
failed=0
for preset in "${stages[@]}"; do
  echo "cofs: stage $preset"
  start=$SECONDS
  read -r user0 sys0 <<<"$(child_cpu)"
  status=0
  run_stage "$preset" || status=$?
  read -r user1 sys1 <<<"$(child_cpu)"
  took="$((SECONDS - start)) s real, $(((user1 - user0) / ticks)) s user"
  took+=", $(((sys1 - sys0) / ticks)) s sys"
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "build/$preset/ctest.log" \
    2>/dev/null | tail -n 1 || true)
  if [ "$built" -eq 0 ] || [ -z "$line" ]; then
    # It did not get as far as its tests: counted as one failed test.
    results+=("cofs: $preset: no test results: configure or build failed ($took)")
    total=$((total + 1))
    failed=$((failed + 1))
    continue
  fi
  # Tests that could not run here (no io_uring, a mount refused ...) are listed by CTest as
  # "(Skipped)": counted in its total, never as passed, and said in the stage's line.
  skipped=$(grep -cE "\(Skipped\)$" "build/$preset/ctest.log" || true)
  results+=("cofs: $preset: $line, $skipped skipped ($took)")
  [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]
  failed=$((failed + BASH_REMATCH[1]))
  total=$((total + BASH_REMATCH[2]))
  # A stage whose CTest run failed without a failed test (say, no tests found) fails too.
  if [ "$status" -ne 0 ] && [ "${BASH_REMATCH[1]}" -eq 0 ]; then
    failed=$((failed + 1))
    total=$((total + 1))
  fi
done

echo
printf '%s\n' "${results[@]}"
# The closing line in CTest's form (and rounding: never 100% with a failure) for all stages.
percent=100
if [ "$total" -gt 0 ]; then percent=$(((200 * (total - failed) + total) / (2 * total))); fi
if [ "$failed" -gt 0 ] && [ "$percent" -gt 99 ]; then percent=99; fi
echo "${percent}% tests passed, ${failed} tests failed out of ${total}"
[ "$failed" -eq 0 ]
