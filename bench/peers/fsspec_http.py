"""fsspec's HTTPFileSystem (aiohttp) against the nginx bench_http started.

  fsspec_http.py cat RUNS BATCH @LISTFILE       fs.cat(urls, batch_size=BATCH): every body kept
  fsspec_http.py get RUNS BATCH DIR @LISTFILE   fs.get(urls, DIR + "/", batch_size=BATCH)
  fsspec_http.py cat_file URL SIZE              fs.cat_file(url): the body in memory (one run)
  fsspec_http.py get_file URL PATH SIZE         fs.get_file(url, path): the body to disk
cat and get run once to warm connections and the page cache, then RUNS more; the best is
reported. Prints RESULT seconds=<best> vmhwm_kib=<peak RSS>."""
import os
import shutil
import sys
import time

from peer_common import best_of, fail, report, require

fsspec = require("fsspec")
require("aiohttp")  # fsspec's HTTP backend needs it; without it the peer is not available


def urls_from(arg):
    with open(arg[1:]) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def main():
    op = sys.argv[1]
    fs = fsspec.filesystem("http")
    if op == "cat":
        runs, batch, urls = int(sys.argv[2]), int(sys.argv[3]), urls_from(sys.argv[4])

        def run():
            out = fs.cat(urls, batch_size=batch)
            if len(out) != len(urls) or any(len(v) != 4096 for v in out.values()):
                fail("cat returned wrong bodies")

        run()
        report(seconds=best_of(runs, run), version=fsspec.__version__)
    elif op == "get":
        runs, batch, out_dir = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        urls = urls_from(sys.argv[5])

        # Each run into a fresh directory, all removed after the last (as bench_http does):
        # files removed just before would slow the next run's creations on ext4.
        rounds = iter(range(runs + 1))

        def run():
            target = os.path.join(out_dir, str(next(rounds)))
            os.makedirs(target)
            fs.get(urls, target + "/", batch_size=batch)
            if len(os.listdir(target)) != len(urls):
                fail(f"get wrote {len(os.listdir(target))} of {len(urls)} files")

        run()
        seconds = best_of(runs, run)
        shutil.rmtree(out_dir, ignore_errors=True)
        report(seconds=seconds, version=fsspec.__version__)
    elif op == "cat_file":
        url, size = sys.argv[2], int(sys.argv[3])
        t0 = time.perf_counter()
        n = len(fs.cat_file(url))
        seconds = time.perf_counter() - t0
        if n != size:
            fail(f"cat_file returned {n} bytes, expected {size}")
        report(seconds=seconds)
    elif op == "get_file":
        url, path, size = sys.argv[2], sys.argv[3], int(sys.argv[4])
        t0 = time.perf_counter()
        fs.get_file(url, path)
        seconds = time.perf_counter() - t0
        n = os.path.getsize(path)
        os.remove(path)
        if n != size:
            fail(f"get_file wrote {n} bytes, expected {size}")
        report(seconds=seconds)
    else:
        fail(f"unknown operation {op}")


main()
