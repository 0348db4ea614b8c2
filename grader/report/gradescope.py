"""Gradescope's ``results.json``: a test per check, named ``"<exercise>: <check>"``.

Shape (gradescope/autograder_samples docs/specs.md): top-level ``score``, ``tests`` (each with
``name``, ``score``, ``max_score``, ``output``, ``status``, ``visibility``), ``output`` and
``stdout_visibility``. Checks that could not be graded say so in their output.
"""

from __future__ import annotations

import json
from typing import Any

from grader.report.text import check_lines
from grader.results import CheckResult, Report, Status


def to_gradescope(report: Report) -> str:
    tests: list[dict[str, Any]] = []
    for exercise in report.exercises:
        for check in exercise.checks:
            tests.append(
                {
                    "name": f"{exercise.id}: {check.title}",
                    "score": check.points,
                    "max_score": check.max_points,
                    "status": "passed" if check.status is Status.PASSED else "failed",
                    "visibility": check.visibility,
                    "output": "\n".join(check_lines(check)) if check.visibility == "visible" else redacted(check),
                }
            )
    data = {
        "score": report.points,
        "output": f"{report.points:g} / {report.max_points:g} points",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def redacted(check: CheckResult) -> str:
    """A check that is not visible shows its name, its outcome and its hint: never inputs or values."""
    outcome = "passed" if check.status is Status.PASSED else "not passed"
    return f"{check.title}: {outcome} (details are not shown for this check). hint: {check.hint}"
