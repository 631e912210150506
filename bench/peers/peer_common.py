"""What every peer script shares: the result line the bench programs read, and how a missing
module is reported (a line the bench program prints as "peer not available", never a figure)."""
import sys
import time

UNAVAILABLE_EXIT = 3


def require(*modules):
    """Imports `modules` and returns them; exits with UNAVAILABLE if one is not installed."""
    import importlib

    out = []
    for name in modules:
        try:
            out.append(importlib.import_module(name))
        except ImportError as e:
            print(f"UNAVAILABLE python module {name} not installed ({e}) for {sys.executable}")
            sys.stdout.flush()
            sys.exit(UNAVAILABLE_EXIT)
    return out if len(out) != 1 else out[0]


def vm_hwm_kib():
    """Peak resident set of this process since exec (the figure cofs's children report too)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def best_of(runs, fn):
    """Best wall time of `runs` calls of `fn`, in seconds."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def report(**values):
    """The one line the bench program parses: RESULT key=value ..."""
    values.setdefault("vmhwm_kib", vm_hwm_kib())
    print("RESULT " + " ".join(f"{k}={v}" for k, v in values.items()))
    sys.stdout.flush()


def fail(message):
    print(f"FAILED {message}")
    sys.stdout.flush()
    sys.exit(1)
