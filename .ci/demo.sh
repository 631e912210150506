#!/usr/bin/env bash
# Installs what is missing, builds, and runs the end-to-end demo (local files, a loopback HTTP
# server it starts itself, an S3 store and the memory filesystem). The S3 store is a one-node Ceph
# RADOS Gateway started here by the tests' fixture (tests/s3/rgw_server), stopped when the demo
# ends; without Ceph the demo says how to point it at a store instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
rgw=./build/default/tests/s3/rgw_server
if [[ -x "$rgw" ]]; then
  work=$(mktemp -d)
  mkfifo "$work/stdin"
  "$rgw" <"$work/stdin" >"$work/out" &
  rgw_pid=$!
  exec {rgw_stdin}>"$work/stdin"  # held open while the demo runs; closed, the cluster stops
  stop_rgw() {
    exec {rgw_stdin}>&-
    wait "$rgw_pid" || true
    rm -rf "$work"
  }
  trap stop_rgw EXIT
  # Its first lines: the endpoint and credentials as assignments, then "ready" (or it exits:
  # 77 without Ceph).
  while kill -0 "$rgw_pid" 2>/dev/null && ! grep -qx ready "$work/out"; do sleep 0.2; done
  while IFS= read -r line; do
    [[ "$line" == ready ]] && break
    export "${line?}"
  done <"$work/out"
fi
./build/default/examples/demo
