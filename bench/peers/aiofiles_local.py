"""aiofiles (asyncio over a thread pool) on the files bench_local made, written as a user of
aiofiles would: a semaphore bounding the files open at once, asyncio.gather over all of them.

  aiofiles_local.py cat RUNS CONCURRENCY @LISTFILE   every file's bytes, kept in a dict
  aiofiles_local.py cat_file RUNS PATH SIZE          one file into memory (await f.read())
  aiofiles_local.py find RUNS DIR COUNT              aiofiles.os.scandir, directories in parallel
Prints RESULT seconds=<best of RUNS> vmhwm_kib=<peak RSS>."""
import asyncio
import sys

from peer_common import best_of, fail, report, require

aiofiles = require("aiofiles")
require("aiofiles.os")


async def read_all(path):
    async with aiofiles.open(path, "rb") as f:
        return await f.read()


async def cat(paths, concurrency):
    sem = asyncio.Semaphore(concurrency)

    async def one(p):
        async with sem:
            return p, await read_all(p)

    return dict(await asyncio.gather(*(one(p) for p in paths)))


async def find(top):
    files = []

    async def walk(d):
        subdirs = []
        with await aiofiles.os.scandir(d) as entries:
            for entry in entries:
                (subdirs if entry.is_dir(follow_symlinks=False) else files).append(entry.path)
        await asyncio.gather(*(walk(s) for s in subdirs))

    await walk(top)
    return sorted(files)


def main():
    op, runs = sys.argv[1], int(sys.argv[2])
    if op == "cat":
        concurrency = int(sys.argv[3])
        with open(sys.argv[4][1:]) as f:
            paths = [line.rstrip("\n") for line in f if line.strip()]

        def run():
            if len(asyncio.run(cat(paths, concurrency))) != len(paths):
                fail("cat lost files")

    elif op == "cat_file":
        path, size = sys.argv[3], int(sys.argv[4])

        def run():
            if len(asyncio.run(read_all(path))) != size:
                fail("read returned the wrong size")

    elif op == "find":
        top, count = sys.argv[3], int(sys.argv[4])

        def run():
            n = len(asyncio.run(find(top)))
            if n != count:
                fail(f"find found {n} files, expected {count}")

    else:
        fail(f"unknown operation {op}")
    report(seconds=best_of(runs, run))


main()
