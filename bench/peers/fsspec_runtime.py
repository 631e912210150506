"""fsspec's async machinery (fsspec.asyn), the counterpart of bench_runtime's rows.

  fsspec_runtime.py round_trip WARMUP N   fsspec.asyn.sync(get_loop(), trivial) from the main
                                          thread: a coroutine run on fsspec's IO thread, waited for
  fsspec_runtime.py gather N BATCH MODE   sync(loop, _run_coros_in_chunks, coros, batch_size=BATCH)
                                          over N coroutines; MODE noop (returns at once) or
                                          suspend (awaits asyncio.sleep(0) once)
round_trip prints RESULT median_us= p99_us= min_us=; gather prints RESULT seconds= ns_per_task=."""
import asyncio
import sys
import time

from peer_common import fail, report, require

asyn = require("fsspec.asyn")


async def trivial():
    return 1


async def noop():
    return None


async def suspend_once():
    await asyncio.sleep(0)


def round_trip(warmup, n):
    loop = asyn.get_loop()
    for _ in range(warmup):
        asyn.sync(loop, trivial)
    us = []
    clock = time.perf_counter
    for _ in range(n):
        t0 = clock()
        asyn.sync(loop, trivial)
        us.append((clock() - t0) * 1e6)
    us.sort()
    report(median_us=us[len(us) // 2], p99_us=us[int(0.99 * (len(us) - 1))], min_us=us[0])


def gather(n, batch, mode):
    loop = asyn.get_loop()
    make = noop if mode == "noop" else suspend_once
    t0 = time.perf_counter()
    coros = [make() for _ in range(n)]  # the API takes a list of coroutine objects
    out = asyn.sync(loop, asyn._run_coros_in_chunks, coros, batch_size=batch)
    seconds = time.perf_counter() - t0
    if len(out) != n:
        fail(f"{len(out)} results for {n} coroutines")
    report(seconds=seconds, ns_per_task=seconds * 1e9 / n)


def main():
    op = sys.argv[1]
    if op == "round_trip":
        round_trip(int(sys.argv[2]), int(sys.argv[3]))
    elif op == "gather":
        gather(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        fail(f"unknown operation {op}")


main()
