"""boto3 (Debian's python3-boto3) against the RGW bench_s3 started, as a user writes it without
s3fs (not packaged): a thread pool of get_object calls, the paginator, the transfer manager.
The endpoint and credentials come from the environment bench_s3 sets (COFS_BENCH_S3_ENDPOINT,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).

  boto3_s3.py cat RUNS THREADS BUCKET @KEYFILE  get_object of every key on a ThreadPoolExecutor
                                                of THREADS, each body read into memory
  boto3_s3.py find RUNS BUCKET PREFIX COUNT     list_objects_v2 paginator over PREFIX
  boto3_s3.py get_file BUCKET KEY PATH SIZE     download_file (the transfer manager's defaults)
  boto3_s3.py put_file PATH BUCKET KEY          upload_file (the transfer manager's defaults)
cat and find run once to warm the connections, then RUNS more; the best is reported.
Prints RESULT seconds=<best> vmhwm_kib=<peak RSS>."""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from peer_common import best_of, fail, report, require

boto3 = require("boto3")
botocore_config = require("botocore.config")


def client(pool):
    return boto3.client(
        "s3",
        endpoint_url=os.environ["COFS_BENCH_S3_ENDPOINT"],
        config=botocore_config.Config(
            max_pool_connections=pool, s3={"addressing_style": "path"}, retries={"max_attempts": 3}
        ),
    )


def main():
    op = sys.argv[1]
    if op == "cat":
        runs, threads, bucket = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        with open(sys.argv[5][1:]) as f:
            keys = [line.rstrip("\n") for line in f if line.strip()]
        s3 = client(threads)
        pool = ThreadPoolExecutor(max_workers=threads)

        def get(key):
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

        def run():
            bodies = list(pool.map(get, keys))
            if len(bodies) != len(keys) or any(len(b) != 4096 for b in bodies):
                fail("get_object returned wrong bodies")

        run()
        report(seconds=best_of(runs, run), version=boto3.__version__)
    elif op == "find":
        runs, bucket, prefix, count = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
        s3 = client(10)

        def run():
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            n = sum(len(p.get("Contents", [])) for p in pages)
            if n != count:
                fail(f"listed {n} keys, expected {count}")

        run()
        report(seconds=best_of(runs, run))
    elif op == "get_file":
        bucket, key, path, size = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        s3 = client(10)
        t0 = time.perf_counter()
        s3.download_file(bucket, key, path)
        seconds = time.perf_counter() - t0
        n = os.path.getsize(path)
        os.remove(path)
        if n != size:
            fail(f"download_file wrote {n} bytes, expected {size}")
        report(seconds=seconds)
    elif op == "put_file":
        path, bucket, key = sys.argv[2], sys.argv[3], sys.argv[4]
        s3 = client(10)
        t0 = time.perf_counter()
        s3.upload_file(path, bucket, key)
        report(seconds=time.perf_counter() - t0)
    else:
        fail(f"unknown operation {op}")


main()
