"""What each isolation level costs per submission: start, first call, teardown.

For each level, starts a sandboxed child for the reference submission (--runs times), and
times: start (spawn to the child's greeting, which includes its Python and numpy or torch
imports), the first call, and teardown (kill, reap, remove the private folder and cgroup).
Prints medians and bwrap's extra over process (target: under 100 ms).

    python benchmarks/sandbox_levels.py [--runs 15] [--file lstm_numpy.py]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from grader.config import load_settings
from grader.pipeline.workers import limits_for
from grader.sandbox import ModuleCall, Session
from grader.sandbox.cgroups import available
from grader.sandbox.isolation import launcher

ROOT = Path(__file__).resolve().parent.parent


def one(level: str, file: str) -> tuple[float, float, float]:
    track = "torch" if "torch" in file else "numpy"
    session = Session(ROOT / "solutions", file, limits=limits_for(load_settings(), track), launcher=launcher(level))
    start = time.perf_counter()
    session.start()
    session.hello()
    started = time.perf_counter()
    if track == "numpy":
        session.call("remember_gate", [np.ones((2, 3)), np.ones((2, 3))])
    else:
        session.call_many([ModuleCall("LSTMCell", (2, 3), args=[np.ones((4, 2)), None])])
    called = time.perf_counter()
    session.close()
    closed = time.perf_counter()
    return started - start, called - started, closed - called


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", default="lstm_numpy.py")
    args = parser.parse_args()
    print(f"{args.file}: median of {args.runs} children per level (cgroups {'on' if available() else 'off'})")
    medians = {}
    for level in ("process", "bwrap"):
        one(level, args.file)  # warm the disk cache
        runs = [one(level, args.file) for _ in range(args.runs)]
        medians[level] = [statistics.median(r[i] for r in runs) for i in range(3)]
        start, call, teardown = medians[level]
        print(f"  {level:8} start {start * 1000:7.1f} ms   first call {call * 1000:6.1f} ms   "
              f"teardown {teardown * 1000:6.1f} ms   total {sum(medians[level]) * 1000:7.1f} ms")
    extra = sum(medians["bwrap"]) - sum(medians["process"])
    print(f"  bwrap adds {extra * 1000:.1f} ms per submission over process (target: under 100 ms)")


if __name__ == "__main__":
    main()
