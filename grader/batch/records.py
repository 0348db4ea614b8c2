"""One student's outcome in a batch, as the gradebook stores it and every export reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from grader.results import CheckResult, Report

GRADED = "graded"  # the student's files were graded (some checks may still have failed or errored)
NO_FILES = "no files"  # the folder holds nothing the grader recognises
UNREADABLE = "unreadable"  # a recognised file could not be read
INVALID_ID = "invalid id"  # the folder's name is not a usable student id
FAILED = "grader failed"  # the grader itself could not finish (worker lost, internal error)
STATUSES = (GRADED, NO_FILES, UNREADABLE, INVALID_ID, FAILED)


@dataclass(frozen=True)
class StudentRecord:
    """A student's latest result.

    ``report`` is the code checks' report and ``quiz_report`` the quizzes' (one exercise per quiz),
    or None where there was nothing of that kind to grade. ``problem`` says in one sentence why a
    student is not ``graded`` ('' when they are). ``grader.results.serialize`` and ``deserialize``
    turn a record into JSON and back (``to_dict``, ``from_dict``).
    """

    student: str
    status: str
    problem: str = ""
    points: float = 0.0
    max_points: float = 0.0
    seconds: float = 0.0
    content_hash: str = ""
    grader_version: str = ""
    graded_at: str = ""  # ISO 8601, UTC
    report: Report | None = None
    quiz_report: Report | None = None
    files: tuple[str, ...] = field(default=())  # the files graded, relative to the student's folder

    def parts(self) -> dict[str, tuple[float, float]]:
        """Points and maximum per exercise and per quiz (quizzes prefixed ``quiz:``)."""
        found: dict[str, tuple[float, float]] = {}
        for prefix, report in (("", self.report), ("quiz:", self.quiz_report)):
            for exercise in report.exercises if report else ():
                found[prefix + exercise.id] = (float(exercise.points), float(exercise.max_points))
        return found

    def checks(self) -> list[CheckResult]:
        """Every code check of the report."""
        return self.report.checks() if self.report else []

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the fields, each report in its own JSON form (``Report.to_dict``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**data, "report": _report_dict(self.report), "quiz_report": _report_dict(self.quiz_report),
                "files": list(self.files)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StudentRecord:
        """The inverse of ``to_dict``."""
        names = {f.name for f in fields(cls)} - {"report", "quiz_report", "files"}
        return cls(**{k: v for k, v in data.items() if k in names}, report=_report(data.get("report")),
                   quiz_report=_report(data.get("quiz_report")), files=tuple(data.get("files", ())))


def _report_dict(report: Report | None) -> dict[str, Any] | None:
    return None if report is None else report.to_dict()


def _report(data: Mapping[str, Any] | None) -> Report | None:
    return None if data is None else Report.from_dict(data)
