"""Grade many students at once on this machine: a warm parent forks one worker per student.

The parent imports the grader, numpy, the checks and the references once (torch too when a
student has a torch file), then keeps ``workers`` forked children busy, each grading one
student and sending back the record as JSON through a pipe (nothing is unpickled). Each child
still runs the student's code in its own sandbox. A child that dies, or outlives every time
limit the student's checks could use, becomes a ``grader failed`` record for that student
alone; the others carry on. The parent is the only one that touches the gradebook: it hands
each record to ``done`` as soon as it arrives.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from grader.batch.jobs import grade_student
from grader.batch.records import FAILED, StudentRecord
from grader.config import Settings
from grader.sandbox.zygote import Zygote, install, start_zygotes

Done = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Job:
    student: str
    files: dict[str, bytes]
    content_hash: str


@dataclass
class _Running:
    job: Job
    pid: int
    fd: int
    deadline: float
    slot: int
    chunks: list[bytes] = field(default_factory=list)


def warm_up(jobs: Sequence[Job], settings: Settings, isolation: str = "process") -> list[str]:
    """Do once, in the parent, what every worker would otherwise do again: import the grader, the
    checks and each track's libraries, and record the cases of every track's checks (replayed by
    every worker, ``grader.checks.replay``) by grading the references in this process."""
    import numpy  # noqa: F401

    import grader.grading  # noqa: F401
    from grader.catalog import missing

    if not missing("torch"):  # the checks' oracles use torch in the grader, the numpy track's too
        import torch

        torch.set_num_threads(1)  # the batch runs students in parallel; and no thread pool is forked
    tracks = tracks_of(jobs)
    record_cases(settings, tracks)
    if "numpy" in tracks:
        prime_frames(settings, isolation)
    return tracks


def prime_frames(settings: Settings, isolation: str) -> None:
    """Grade the numpy reference once more, through the sandbox: the requests it sends are the
    replayed ones every student gets, so every forked worker inherits them already encoded
    (``grader.sandbox.frames``). The torch track's requests are mostly built per call."""
    _grade_references(settings, ["numpy"], isolation)


def tracks_of(jobs: Sequence[Job]) -> list[str]:
    """The tracks the students' files belong to, among those this machine can grade."""
    from grader.catalog import TRACKS, missing

    return [name for name, info in TRACKS.items()
            if any(info.file in job.files for job in jobs) and not (info.needs and missing(info.needs))]


def record_cases(settings: Settings, tracks: Sequence[str] = ("numpy",)) -> None:
    """Turn replay on and record the cases of ``tracks``' checks from the references (trusted code, run here)."""
    from grader.checks import replay

    replay.disable()  # forget an earlier batch's record: the references may have changed since
    replay.enable()
    _grade_references(settings, tracks, "none")


def _grade_references(settings: Settings, tracks: Sequence[str], isolation: str) -> None:
    """Grade the references of ``tracks``: with replay on, this records their cases (in this process)
    or, through the sandbox, encodes the requests every student will get."""
    from grader.api import check_submission
    from grader.catalog import load_track

    for name in tracks:
        track = load_track(name)
        check_submission(settings.course / "solutions" / track.file, exercise=[e.id for e in track.exercises],
                         settings=settings, isolation=isolation, jobs=1)


def run_local(jobs: Sequence[Job], *, workers: int, settings: Settings, isolation: str, done: Done,
              tick: Callable[[], None] = lambda: None) -> None:
    """Grade ``jobs`` with up to ``workers`` children at a time; ``done(record)`` for each."""
    threads = _torch_threads()
    slots = Slots(max(1, workers), tracks_of(jobs), settings, isolation)  # the zygotes import while we warm up
    waiting = list(reversed(jobs))
    running: dict[int, _Running] = {}
    limit = _time_limit(settings)
    try:
        warm_up(jobs, settings, isolation)
        while waiting or running:
            while waiting and slots.free:
                slot = slots.take()
                child = _fork(waiting.pop(), settings, isolation, limit, slot, slots.zygotes[slot])
                running[child.fd] = child
            ready, _, _ = select.select(list(running), [], [], 0.25)
            for fd in ready:
                chunk = os.read(fd, 1 << 20)
                if chunk:
                    running[fd].chunks.append(chunk)
                else:
                    child = running.pop(fd)
                    done(_finish(child))
                    slots.give_back(child.slot)
            now = time.monotonic()
            for fd in [fd for fd, child in running.items() if now > child.deadline]:
                child = running.pop(fd)
                os.kill(child.pid, signal.SIGKILL)
                done(_finish(child, problem=f"grading took longer than {limit:.0f} s, every time limit of its "
                                            "checks included; the worker was stopped"))
                slots.give_back(child.slot)
            tick()
    finally:
        slots.close()
        _restore(threads)


def _torch_threads() -> int | None:
    """torch's thread count before the warm-up sets it to one (None: torch is not imported yet)."""
    import sys

    torch = sys.modules.get("torch")
    return None if torch is None else int(torch.get_num_threads())


def _restore(threads: int | None) -> None:
    """Leave this process as it was: replay off, torch's threads as they were."""
    import sys

    from grader.checks import replay

    replay.disable()
    torch = sys.modules.get("torch")
    if torch is not None and threads is not None:
        torch.set_num_threads(threads)


class Slots:
    """The places a worker can run in; under bwrap each has its own warm zygote per track
    (``grader.sandbox.zygote``), replaced when a submission broke it."""

    def __init__(self, size: int, tracks: Sequence[str], settings: Settings, isolation: str) -> None:
        self._tracks, self._settings = list(tracks), settings
        self._warm = isolation == "bwrap"
        self._free = list(range(size))
        self.zygotes: list[dict[str, Zygote]] = [self._start() for _ in range(size)]

    def _start(self) -> dict[str, Zygote]:
        if not self._warm:
            return {}
        from grader.catalog import TRACKS
        from grader.isolation import launcher
        from grader.sandbox.session import RUNTIME
        from grader.workers import limits_for

        def make(track: str) -> Zygote:
            limits = limits_for(self._settings, track)
            return Zygote(launcher=launcher("bwrap"), runtime=RUNTIME, preload_torch=TRACKS[track].needs == "torch",
                          processes=limits.processes, memory_bytes=limits.memory_mb << 20)

        return start_zygotes(self._tracks, make)

    @property
    def free(self) -> bool:
        return bool(self._free)

    def take(self) -> int:
        return self._free.pop()

    def give_back(self, slot: int) -> None:
        if not all(z.alive for z in self.zygotes[slot].values()):
            for zygote in self.zygotes[slot].values():
                zygote.close()
            self.zygotes[slot] = self._start()
        self._free.append(slot)

    def close(self) -> None:
        for zygotes in self.zygotes:
            for zygote in zygotes.values():
                zygote.close()


def _time_limit(settings: Settings) -> float:
    """The longest one student may take: every track's checks and start-up, with a margin."""
    return 2 * (settings.submission_timeout + settings.startup_timeout) + 60


def _fork(job: Job, settings: Settings, isolation: str, limit: float, slot: int,
          zygotes: dict[str, Zygote]) -> _Running:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: grade, send JSON, leave without cleanup handlers
        code = 0
        try:
            os.close(read_fd)
            install(zygotes)
            payload = json.dumps(grade_student(job.student, job.files, job.content_hash, settings, isolation),
                                 allow_nan=False).encode()
        except BaseException as error:  # reported as this student's failure, never the batch's
            code = 1
            payload = json.dumps({"error": f"{type(error).__name__}: {error}"}).encode()
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(code)
    os.close(write_fd)
    return _Running(job, pid, read_fd, time.monotonic() + limit, slot)


def _finish(child: _Running, problem: str = "") -> dict[str, Any]:
    os.close(child.fd)
    _, status = os.waitpid(child.pid, 0)
    if not problem:
        try:
            message = json.loads(b"".join(child.chunks))
        except ValueError:
            message = None
        if isinstance(message, dict) and "student" in message:
            return message
        if isinstance(message, dict) and "error" in message:
            problem = f"the grader failed on this submission ({message['error']})"
        elif os.WIFSIGNALED(status):
            problem = f"the grading worker was killed by signal {os.WTERMSIG(status)} before it finished"
        else:
            problem = f"the grading worker exited (status {os.waitstatus_to_exitcode(status)}) without a result"
    return failed(child.job, problem)


def failed(job: Job, problem: str) -> dict[str, Any]:
    """The record of a student whose grading the grader itself could not finish."""
    return asdict(StudentRecord(job.student, FAILED, problem=problem, content_hash=job.content_hash,
                                files=tuple(sorted(job.files))))
