"""Where a batch's CPU goes per student: the worker (the grader's side) against the sandbox.

Sets up as `grade batch` does (warm-up, recorded cases, a warm zygote under bwrap), then grades
the same student several times in this process and reads the CPU time of this process and of
every process under it (the sandbox: bwrap, the zygote and the children it forks, from /proc).
Students: the numpy reference, a buggy numpy fixture, and the torch reference. For the numpy
students it also prints their own share: the CPU their functions take on the very calls the
checks made, run directly in this process (no sandbox, no protocol, no judging), the floor under
any harness that runs those cases. With a zygote, it prints how long the zygote took to fork each
student's child and to kill it (wall milliseconds per student, the worker waiting).

    python benchmarks/batch_cpu.py [--repeat 10] [--sandbox bwrap|process]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import time
import types
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.batch import pool
from grader.batch.jobs import grade_student, grading_settings
from grader.catalog import missing
from grader.config import load_settings
from grader.sandbox.calls import Call, ModuleCall
from grader.sandbox.isolation import resolve
from grader.sandbox.session import Session
from grader.sandbox.zygote import Zygote, install

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def descendants_cpu() -> float:
    """CPU seconds of every process under this one (their own and their reaped children's)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(x) for x in fields[11:15]) / TICK

    def under_me(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return sum(t for pid, t in times.items() if under_me(pid))


class Counted:
    """How many calls and round trips the sandbox sessions made (counted as each session closes)."""

    def __init__(self) -> None:
        self.calls = self.trips = 0
        real = Session.close

        def close(session: Session) -> None:
            self.calls, self.trips = self.calls + session.calls, self.trips + session.trips
            real(session)

        Session.close = close  # type: ignore[method-assign]


class ZygoteTimed:
    """How long the zygote took to answer each kind of request (fork a child, kill it), summed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        real = Zygote.request

        def request(zygote: Zygote, message: dict[str, Any], fds: tuple[int, ...] = ()) -> dict[str, Any] | None:
            started = time.perf_counter()
            try:
                return real(zygote, message, fds)
            finally:
                op = str(message.get("op"))
                self.seconds[op] = self.seconds.get(op, 0.0) + time.perf_counter() - started

        Zygote.request = request  # type: ignore[method-assign]
        self.real = real

    def stop(self) -> None:
        Zygote.request = self.real  # type: ignore[method-assign]


class Recorded:
    """The function calls the sandbox sessions were asked to make (numpy track), as they were sent."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        real = Session.call_many

        def call_many(session: Session, calls: Sequence[Call | ModuleCall]) -> list[Any]:
            self.calls += [copy.deepcopy(call) for call in calls if isinstance(call, Call)]
            return real(session, calls)

        Session.call_many = call_many  # type: ignore[method-assign]
        self.real = real

    def stop(self) -> None:
        Session.call_many = self.real  # type: ignore[method-assign]


def own_calls(text: bytes, calls: Sequence[Call], repeat: int) -> float:
    """CPU seconds the submission's own functions take on ``calls``, run in this process."""
    module = types.ModuleType("submission")
    exec(compile(text, "submission.py", "exec"), module.__dict__)  # trusted here: the benchmark's own files
    runs = [(getattr(module, call.symbol), copy.deepcopy(list(call.args))) for _ in range(repeat) for call in calls]
    started = time.process_time()
    with warnings.catch_warnings():  # a buggy submission's overflows are part of its work, not news
        warnings.simplefilter("ignore")
        for function, args in runs:  # each run on its own copy of the inputs, as in a fresh child
            with contextlib.suppress(Exception):  # and so is its raise
                function(*args)
    return (time.process_time() - started) / repeat


def measure(label: str, file: str, text: bytes, repeat: int, isolation: str) -> None:
    settings = grading_settings(load_settings(ROOT))
    job = pool.Job("student", {file: text}, "")
    tracks = pool.warm_up([job], settings, isolation)
    slots = pool.Slots(1, tracks, settings, isolation)
    try:
        install(slots.zygotes[0])
        grade_student("student", job.files, "", settings, isolation)  # the zygote's start, once
        recorded = Recorded()
        grade_student("student", job.files, "", settings, isolation)
        recorded.stop()
        counted, zygote = Counted(), ZygoteTimed()
        wall, worker, sandbox = time.perf_counter(), time.process_time(), descendants_cpu()
        for _ in range(repeat):
            grade_student("student", job.files, "", settings, isolation)
        wall, worker = (time.perf_counter() - wall) / repeat, (time.process_time() - worker) / repeat
        sandbox = (descendants_cpu() - sandbox) / repeat
        zygote.stop()
    finally:
        slots.close()
    print(f"  {label:<28} {wall:6.3f} s wall   worker {worker:6.3f} s CPU   sandbox {sandbox:6.3f} s CPU   "
          f"{counted.calls // repeat} calls in {counted.trips // repeat} round trips")
    if zygote.seconds:
        print(f"  {'':<28} the zygote's answers: " + ", ".join(
            f"{op} {1000 * seconds / repeat:.1f} ms" for op, seconds in sorted(zygote.seconds.items())))
    if recorded.calls:
        own = own_calls(text, recorded.calls, repeat)
        print(f"  {'':<28} its own functions on those {len(recorded.calls)} calls, in-process: {own:6.3f} s CPU "
              f"({100 * own / (worker + sandbox):.0f}% of the student's CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    isolation = resolve(args.sandbox)
    buggy = (ROOT / "tests/fixtures/numpy/_base.py").read_text() + "\n\n" + \
        (ROOT / "tests/fixtures/numpy/buggy/forget_on_stm.py").read_text()
    print(f"one student at a time, {isolation} ({'a warm zygote' if isolation == 'bwrap' else 'a child each'}), "
          f"mean of {args.repeat}:")
    measure("numpy reference", "lstm_numpy.py", (ROOT / "solutions/lstm_numpy.py").read_bytes(), args.repeat,
            isolation)
    measure("numpy, forget on STM (buggy)", "lstm_numpy.py", buggy.encode(), args.repeat, isolation)
    if not missing("torch"):
        measure("torch reference", "lstm_torch.py", (ROOT / "solutions/lstm_torch.py").read_bytes(),
                max(2, args.repeat // 3), isolation)


if __name__ == "__main__":
    main()
