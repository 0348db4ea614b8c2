"""Grade many students at once on this machine: a warm parent and its resident workers.

The parent imports the grader, numpy, the checks and the references once (torch too when a
student has a torch file) and records the checks' cases, then forks ``workers`` resident
workers (``grader.batch.resident``) that grade student after student, each sending back the
record as JSON through a pipe (``grader.results.serialize``; nothing is unpickled). Each
student's code still runs in its own sandbox. A worker that dies, or outlives every time limit
the student's checks could use, becomes a ``grader failed`` record for that student alone, and a
fresh worker takes its place; the others carry on. The parent is the only one that touches the
gradebook: it hands each record to ``done`` as soon as it arrives.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grader.batch.records import FAILED, StudentRecord
from grader.batch.resident import Resident
from grader.config import Settings
from grader.sandbox.zygote import Zygote, start_zygotes

Done = Callable[[StudentRecord], None]


@dataclass(frozen=True)
class Job:
    student: str
    files: dict[str, bytes]
    content_hash: str


def warm_up(jobs: Sequence[Job], settings: Settings, isolation: str = "process") -> list[str]:
    """Do once, in the parent, what every worker would otherwise do again: import the grader, the
    checks and each track's libraries, and record the cases of every track's checks (replayed by
    every worker, ``grader.checks.replay``) by grading the references in this process."""
    import numpy  # noqa: F401

    import grader.pipeline.grade  # noqa: F401
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
    from grader.notebook.cells import notebook_name

    return [name for name, info in TRACKS.items()
            if any(info.file in job.files or notebook_name(info.file) in job.files for job in jobs)
            and not (info.needs and missing(info.needs))]


def record_cases(settings: Settings, tracks: Sequence[str] = ("numpy",)) -> None:
    """Turn replay on and record the cases of ``tracks``' checks from the references (trusted code, run here)."""
    from grader.checks import replay

    replay.disable()  # forget an earlier batch's record: the references may have changed since
    replay.enable()
    _grade_references(settings, tracks, "none")


def _grade_references(settings: Settings, tracks: Sequence[str], isolation: str) -> None:
    """Grade the references of ``tracks``: with replay on, this records their cases (in this process)
    or, through the sandbox, encodes the requests every student will get."""
    from grader.bank.edition import is_edition
    from grader.catalog import load_track
    from grader.pipeline.check import check_submission

    if is_edition(settings.course):  # a student edition has no references: its cases are published, or drawn
        return
    for name in tracks:
        track = load_track(name)
        check_submission(settings.course / "solutions" / track.file, exercise=[e.id for e in track.exercises],
                         settings=settings, isolation=isolation, jobs=1)


def run_local(jobs: Sequence[Job], *, workers: int, settings: Settings, isolation: str, done: Done,
              tick: Callable[[], None] = lambda: None) -> None:
    """Grade ``jobs`` with ``workers`` resident workers; ``done(record)`` for each."""
    threads = _torch_threads()
    slots = Slots(max(1, min(workers, len(jobs))), tracks_of(jobs), settings, isolation)  # they import meanwhile
    waiting = list(reversed(jobs))
    residents: dict[int, Resident] = {}
    limit = _time_limit(settings)

    def start(slot: int) -> None:
        inherited = [fd for resident in residents.values() for fd in resident.fds()]
        resident = Resident(slot, slots.zygotes[slot], settings, isolation, inherited)
        residents[resident.fd] = resident

    def replace(resident: Resident, record: StudentRecord, *, renew: bool = False) -> None:
        """``record`` for its job; a fresh worker (and fresh zygotes if ``renew`` or broken) in its place."""
        del residents[resident.fd]
        done(record)
        if renew or not slots.healthy(resident.slot):
            slots.renew(resident.slot)
        start(resident.slot)

    try:
        warm_up(jobs, settings, isolation)
        for slot in range(slots.size):
            start(slot)
        while True:
            for resident in list(residents.values()):
                if resident.job is None and waiting:
                    resident.give(waiting.pop(), limit)
            busy = {fd: resident for fd, resident in residents.items() if resident.job is not None}
            if not busy:
                break
            ready, _, _ = select.select(list(busy), [], [], 0.25)
            for fd in ready:
                resident = busy[fd]
                job = resident.job
                try:
                    answer = resident.take()
                except EOFError:
                    replace(resident, failed(job, _death(resident.stop())), renew=True)
                    continue
                if answer is None:
                    continue
                record = answer.record or failed(job, f"the grader failed on this submission ({answer.problem})")
                if answer.zygotes is False or not slots.healthy(resident.slot):
                    resident.stop()
                    replace(resident, record, renew=True)
                else:
                    done(record)
            now = time.monotonic()
            for resident in [r for r in busy.values() if residents.get(r.fd) is r and now > r.deadline]:
                job = resident.job
                resident.stop(kill=True)
                replace(resident, failed(job, f"grading took longer than {limit:.0f} s, every time limit of its "
                                              "checks included; the worker was stopped"), renew=True)
            tick()
    finally:
        for resident in residents.values():
            resident.stop(kill=resident.job is not None)
        slots.close()
        _restore(threads)


def _death(status: int) -> str:
    """Why a worker ended without a record, from its exit status."""
    if status < 0:
        return f"the grading worker was killed by signal {-status} before it finished"
    return f"the grading worker exited (status {status}) without a result"


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
    """The places a worker runs in; under bwrap each has its own warm zygote per track
    (``grader.sandbox.zygote``), replaced when a submission broke it."""

    def __init__(self, size: int, tracks: Sequence[str], settings: Settings, isolation: str) -> None:
        self._tracks, self._settings = list(tracks), settings
        self._warm = isolation == "bwrap"
        self.size = size
        self.zygotes: list[dict[str, Zygote]] = [self._start() for _ in range(size)]

    def _start(self) -> dict[str, Zygote]:
        if not self._warm:
            return {}
        from grader.catalog import TRACKS
        from grader.pipeline.workers import limits_for
        from grader.sandbox.isolation import launcher

        def make(track: str) -> Zygote:
            limits = limits_for(self._settings, track)
            return Zygote(launcher=launcher("bwrap"), preload_torch=TRACKS[track].needs == "torch",
                          processes=limits.processes, memory_bytes=limits.memory_mb << 20)

        return start_zygotes(self._tracks, make)

    def healthy(self, slot: int) -> bool:
        return all(zygote.alive for zygote in self.zygotes[slot].values())

    def renew(self, slot: int) -> None:
        """Fresh zygotes for ``slot`` (a submission may have broken the old ones)."""
        for zygote in self.zygotes[slot].values():
            zygote.close()
        self.zygotes[slot] = self._start()

    def close(self) -> None:
        for zygotes in self.zygotes:
            for zygote in zygotes.values():
                zygote.close()


def _time_limit(settings: Settings) -> float:
    """The longest one student may take: every track's checks and start-up, with a margin."""
    return 2 * (settings.submission_timeout + settings.startup_timeout) + 60


def failed(job: Job, problem: str) -> StudentRecord:
    """The record of a student whose grading the grader itself could not finish."""
    return StudentRecord(job.student, FAILED, problem=problem, content_hash=job.content_hash,
                         files=tuple(sorted(job.files)))
