"""Record the bank (``grade release``): grade the course's own references with every answer recorded.

Every check runs on its published cases (``cases.published``); those that ask for the course's
answers are the ones the edition runs on the bank. After each check, a failure is rehearsed on
every published case (``pipeline.steps.rehearse``), so the answers that explanations and diagnoses
need are recorded too. The references must pass every check they run, or the bank would teach
wrong answers: then nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.bank.answers import Recorder
from grader.bank.edition import record
from grader.bank.store import Bank, course_name, save_bank
from grader.catalog import TRACKS, missing
from grader.config import load_settings
from grader.diagnosis.source import course_library
from grader.errors import InputError
from grader.results import Status


@dataclass(frozen=True)
class Recorded:
    path: Path
    cases: int  # distinct published cases
    answers: int
    checks: int  # checks that run on the bank in the edition


def build_bank(course: Path, out: Path) -> Recorded:
    """Grade ``course``'s references with recording on and write the bank to ``out``."""
    from grader.pipeline.check import check_submission

    solutions = course / "solutions"
    for name, info in TRACKS.items():
        if info.needs and missing(info.needs):
            raise InputError(f"{solutions / info.file}: recording the {name} track's answers needs {info.needs}: "
                             f"install it (pip install {info.needs}=={info.pin}) and release again")
    settings = load_settings(course).with_overrides(jobs=1, submission_timeout=3600.0, call_timeout=120.0,
                                                    device="cpu")
    recorder = Recorder()
    record(recorder)
    try:
        report = check_submission(solutions, settings=settings, jobs=1)
    finally:
        record(None)
    wrong = [f"{c.exercise}:{c.id} ({c.message})" for e in report.exercises for c in e.checks
             if c.status not in (Status.PASSED, Status.SKIPPED)]
    if wrong:
        raise InputError(f"{solutions}: the course's references do not pass every check, so no bank was written: "
                         + "; ".join(wrong))
    bank = Bank(version=__version__, course=course_name(course), cases=dict(recorder.cases),
                driven=frozenset(recorder.driven), answers=dict(recorder.answers),
                misconceptions=course_library(course).misconceptions)
    save_bank(bank, out)
    distinct = {c for cases in bank.cases.values() for c in cases}
    return Recorded(out, len(distinct), len(bank.answers), len(bank.driven))
