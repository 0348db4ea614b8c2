"""Where a track's answers come from for a course folder: the instructor's checkout (its references and
misconception library), a release being recorded, or the student edition's bank.

The course's own references always win: hand-in grading (``grade batch``, the ci profile in the
instructor's checkout) never reads a bank, so a tampered bank raises nobody's grade of record.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.bank.answers import LIVE, Answers, Published, Recorder
from grader.catalog import Track
from grader.diagnosis.source import Library, course_library
from grader.errors import InputError

BANK = "bank.npz"  # in the edition's root, beside its pyproject.toml
_recording: Recorder | None = None


@dataclass(frozen=True)
class CourseAnswers:
    reference: Any  # the track's reference module (a stand-in that refuses every use in the edition)
    answers: Answers
    library: Library


class NoReference(ModuleType):
    """The edition's stand-in for the reference solutions: every answer comes from the bank instead."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"the student edition has no reference solutions ({name}); its answers are in {BANK}")


def record(recorder: Recorder | None) -> None:
    """Record every answer into ``recorder`` (``grade release``), or stop recording (None)."""
    global _recording
    _recording = recorder


def is_edition(course: Path) -> bool:
    """A course folder without the reference solutions (the student edition, which has a bank instead)."""
    return not (course / "solutions").is_dir()


def course_answers(course: Path, track: Track) -> CourseAnswers:
    """The answers ``track``'s checks use in ``course``."""
    from grader.checks.references import load_reference

    if (course / track.solution).is_file():
        answers: Answers = _recording if _recording is not None else LIVE
        return CourseAnswers(load_reference(course, track), answers, course_library(course))
    from grader.config import find_course

    if find_course(course) != course.resolve():
        raise InputError(f"{course}: no course here: neither this folder nor one above it has a pyproject.toml "
                         "with a [tool.grader] table; run grade inside the course or the student edition your "
                         "instructor gave you, or name it with --course DIR")
    if not (course / BANK).is_file():
        raise InputError(f"{course / track.solution}: the course's reference solution is missing, and "
                         f"{course / BANK} (the student edition's case bank) is not there either: run grade in "
                         "the instructor's course, or in a student edition that `grade release` wrote")
    return _published(course.resolve())


@functools.lru_cache(maxsize=4)
def _published(course: Path) -> CourseAnswers:
    """The edition's answers, read once per process (a check's forked workers inherit them)."""
    from grader.bank.store import load_bank

    bank = load_bank(course / BANK, course)
    return CourseAnswers(NoReference("reference"), Published(bank.cases, bank.answers, bank.driven),
                         Library(bank.misconceptions))
