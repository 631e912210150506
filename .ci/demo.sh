#!/usr/bin/env bash
# Installs what is missing, builds, and runs the end-to-end demo (local files, a loopback HTTP
# server it starts itself, and the memory filesystem).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
./build/default/examples/demo
