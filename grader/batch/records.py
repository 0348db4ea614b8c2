"""One student's outcome in a batch, as the gradebook stores it and every export reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GRADED = "graded"  # the student's files were graded (some checks may still have failed or errored)
NO_FILES = "no files"  # the folder holds nothing the grader recognises
UNREADABLE = "unreadable"  # a recognised file could not be read
INVALID_ID = "invalid id"  # the folder's name is not a usable student id
FAILED = "grader failed"  # the grader itself could not finish (worker lost, internal error)
STATUSES = (GRADED, NO_FILES, UNREADABLE, INVALID_ID, FAILED)


@dataclass(frozen=True)
class StudentRecord:
    """A student's latest result.

    ``report`` is the code checks' report and ``quiz_report`` the quizzes' (each in the form of
    ``grader.results.Report.to_dict()``: exercises, each with checks carrying a status, points,
    a diagnosis...), or None where there was nothing of that kind to grade. ``problem`` says in
    one sentence why a student is not ``graded`` ('' when they are).
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
    report: dict[str, Any] | None = None
    quiz_report: dict[str, Any] | None = None
    files: tuple[str, ...] = field(default=())  # the files graded, relative to the student's folder

    def parts(self) -> dict[str, tuple[float, float]]:
        """Points and maximum per exercise and per quiz (quizzes prefixed ``quiz:``)."""
        found: dict[str, tuple[float, float]] = {}
        for prefix, report in (("", self.report), ("quiz:", self.quiz_report)):
            for exercise in (report or {}).get("exercises", []):
                found[prefix + exercise["id"]] = (float(exercise["score"]), float(exercise["max_score"]))
        return found

    def checks(self) -> list[dict[str, Any]]:
        """Every code check of the report, as dicts (exercise id added)."""
        return [{**check, "exercise": exercise["id"]} for exercise in (self.report or {}).get("exercises", [])
                for check in exercise["checks"]]


def record_from_dict(data: dict[str, Any]) -> StudentRecord:
    """The inverse of ``dataclasses.asdict`` on a record (JSON turns its tuple into a list)."""
    return StudentRecord(**{**data, "files": tuple(data.get("files", ()))})
