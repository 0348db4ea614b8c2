"""What the tests of `grade ci` share: GitHub Classroom's runner-result schema, the reporter's arithmetic, and
small hand-built reports.

The schema and the arithmetic are read off classroom-resources' code (shared/reference/
classroom-nbgrader-datasets.md §1.3-1.4): the command grader's ``generateResult`` writes these keys, and
autograding-grading-reporter@v1 (``src/notify-classroom.js``) skips a runner whose ``max_score`` is falsy, adds
up ``max_score`` and, in order, every ``tests[].score``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from grader.results import CheckResult, ExerciseResult, Report, Status

RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "status", "max_score", "tests"],
    "properties": {
        "version": {"const": 1},
        "status": {"enum": ["pass", "fail", "error"]},
        "max_score": {"type": "number", "minimum": 0},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "status", "score", "message", "test_code", "filename", "line_no", "duration"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "status": {"enum": ["pass", "fail", "error"]},
                    "score": {"type": "number", "minimum": 0},
                    "message": {"type": "string"},
                    "test_code": {"type": "string"},
                    "filename": {"type": "string"},
                    "line_no": {"type": "integer", "minimum": 0},
                    "duration": {"type": "number", "minimum": 0},
                },
            },
        },
    },
}
RUNNERS = re.compile(r"^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$")  # what the reporter's `runners` input must match


def decode_outputs(text: str) -> list[dict[str, Any]]:
    """Every ``result=`` line of a ``$GITHUB_OUTPUT`` file, decoded as the reporter decodes it."""
    found = []
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name == "result":
            found.append(json.loads(base64.b64decode(value, validate=True).decode("utf-8")))
    return found


def reporter_points(results: list[dict[str, Any]]) -> tuple[float, float]:
    """(totalPoints, maxPoints) as the reporter hands them to Classroom."""
    total, maximum = 0.0, 0.0
    for result in results:
        if not result["max_score"]:
            continue
        maximum += result["max_score"]
        for test in result["tests"]:
            total += test["score"]
    return total, maximum


def check(exercise: str, number: int, status: Status, points: float = 1.0, **fields: Any) -> CheckResult:
    return CheckResult(exercise=exercise, id=f"c{number}", title=f"check {number}", status=status,
                       points=points if status is Status.PASSED else 0.0,
                       max_points=0.0 if status is Status.SKIPPED else points, **fields)


def report_of(*exercises: tuple[str, list[CheckResult]], file: str = "lstm_numpy.py", note: str = "") -> Report:
    return Report(submission=file, seed=0,
                  exercises=tuple(ExerciseResult(name, name.title(), file, tuple(checks), note=note)
                                  for name, checks in exercises))
