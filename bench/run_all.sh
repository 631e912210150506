#!/usr/bin/env bash
# Builds the bench programs, runs them with their peers (fsspec, aiofiles; for S3 awscli, rclone
# and boto3 against an RGW bench_s3 starts) and limit references,
# and plots the results: one command from a fresh clone after `bash .ci/deps.sh`.
#   bench/run_all.sh            full sizes; results (*.tsv), program output (*.txt), charts
#                               (*.svg), the table of ratios (summary.md) in docs/plots/
#   bench/run_all.sh --quick    small sizes (a check that every row runs, ~3 min), in
#                               /tmp/cofs-bench-quick/ (docs/plots/ untouched)
# COFS_BENCH_BUILD picks the build directory (default build/default, configured with the default
# preset if it is not yet); COFS_REACTOR the reactor (default io_uring where it is available).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
build=${COFS_BENCH_BUILD:-build/default}
if [ $quick = 1 ]; then out=/tmp/cofs-bench-quick; else out=docs/plots; fi
mkdir -p "$out"

[ -f "$build/build.ninja" ] || [ -f "$build/Makefile" ] || cmake --preset default -B "$build"
cmake --build "$build" --target bench_local bench_http bench_runtime bench_s3 \
  bench_read_fresh -j"$(nproc)"

if [ $quick = 1 ]; then
  local_args=(/tmp/cofs-bench-local-quick --small 1000 --big-mib 64 --dirs 50)
  http_args=(--small 1000 --get 500 --big-mib 64)
  runtime_args=(a b --peer-tasks 100000)
  s3_args=(--small 500 --keys 2000 --big-mib 64)
else
  local_args=()
  http_args=()
  runtime_args=(a b)
  s3_args=()
fi

run() {  # name, args...: runs bench_<name>, its output to <out>/<name>.txt and the terminal
  local name=$1
  shift
  local t0=$SECONDS
  echo "== bench_$name $*"
  "$build/bench/bench_$name" "$@" --results "$out/$name.tsv" 2>&1 | tee "$out/$name.txt"
  echo "== bench_$name took $((SECONDS - t0)) s" | tee -a "$out/$name.txt"
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/meta.txt"
run local "${local_args[@]}"
echo "load after bench_local: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/meta.txt"
run http "${http_args[@]}"
echo "load after bench_http: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/meta.txt"
run runtime "${runtime_args[@]}"
echo "load after bench_runtime: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/meta.txt"
# bench_s3 exits 77 where Ceph is not installed (no RGW to start): its rows are left out.
run s3 "${s3_args[@]}" || { echo "bench_s3 skipped or failed"; rm -f "$out/s3.tsv"; }
echo "load after bench_s3: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/meta.txt"
bench/plot.sh "$out" "$out"
"${COFS_BENCH_PYTHON:-/usr/bin/python3}" bench/summary.py --charts "" \
  $(ls "$out"/{local,http,runtime,s3}.tsv 2> /dev/null) \
  > "$out/summary.md"
cat "$out/meta.txt"
