"""fsspec's LocalFileSystem on the files bench_local made.

  fsspec_local.py cat RUNS FILE...|@LISTFILE   fs.cat(paths): every file's bytes in a dict
  fsspec_local.py cat_file RUNS PATH SIZE      fs.cat_file(path): one file into memory
  fsspec_local.py find RUNS DIR COUNT          fs.find(dir): every file below DIR
Prints RESULT seconds=<best of RUNS> vmhwm_kib=<peak RSS>."""
import sys

from peer_common import best_of, fail, report, require

fsspec = require("fsspec")


def paths_from(args):
    if len(args) == 1 and args[0].startswith("@"):
        with open(args[0][1:]) as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    return args


def main():
    op, runs = sys.argv[1], int(sys.argv[2])
    fs = fsspec.filesystem("file")
    if op == "cat":
        paths = paths_from(sys.argv[3:])

        def run():
            out = fs.cat(paths)
            if len(out) != len(paths):
                fail(f"cat returned {len(out)} of {len(paths)} files")

    elif op == "cat_file":
        path, size = sys.argv[3], int(sys.argv[4])

        def run():
            if len(fs.cat_file(path)) != size:
                fail("cat_file returned the wrong size")

    elif op == "find":
        top, count = sys.argv[3], int(sys.argv[4])

        def run():
            n = len(fs.find(top))
            if n != count:
                fail(f"find found {n} files, expected {count}")

    else:
        fail(f"unknown operation {op}")
    report(seconds=best_of(runs, run), version=fsspec.__version__)


main()
