#!/usr/bin/env bash
# Installs the Debian packages cofs needs to build, test and benchmark, when any is missing.
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config liburing-dev libaio-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libexpat1-dev libfmt-dev catch2 nginx-light openssl
  curl fio wrk
  python3-fsspec python3-aiohttp python3-aiofiles gnuplot-nox  # the benchmarks' peers, plots
  awscli rclone python3-boto3  # bench_s3's peers
  clang-14 libclang-rt-14-dev llvm-14  # the fuzz targets: clang, libFuzzer, llvm-symbolizer
  radosgw ceph-mon ceph-osd)  # the S3 tests' server: a one-node Ceph RADOS Gateway (tests/s3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cofs: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
