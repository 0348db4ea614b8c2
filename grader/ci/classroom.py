"""GitHub Classroom's runner result: ``result=<base64 of JSON>``, appended to ``$GITHUB_OUTPUT``.

The shape is the one classroom-resources' graders write and autograding-grading-reporter@v1
reads: ``{"version": 1, "status", "max_score", "tests": [{"name", "status", "score", "message",
"test_code", "filename", "line_no", "duration"}]}``, statuses ``pass``/``fail``/``error``.

- One test per check, named ``"<exercise>: <check>"``, at the learner's ``def`` line. A check that
  did not apply here (a GPU check without CUDA) is not graded and counts for nothing: it is left
  out, never reported as passed. ``tests`` is always there: an exercise not implemented yet, a file
  that does not import, a check that ran out of time are tests at score 0 with the reason.
- Scores are rounded to 2 decimals so that the reporter's floating-point sum is our total
  (``grader.ci.scores``).
- Each message holds at most 1 KiB and the JSON at most 64 KiB (UTF-8): the reporter gets the
  result through an environment variable, which Linux caps at 128 KiB. Longer messages are cut,
  with an ellipsis; no test is ever dropped.
- ``test_code`` of a check that lost points is the command that reproduces it; ``duration`` is 0
  (the report holds no timings: the same submission gives the same bytes).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from grader.ci.feedback import check_name, clip, feedback
from grader.ci.locations import Locator
from grader.ci.scores import classroom_scores
from grader.errors import GraderError
from grader.results import Report, Status

MESSAGE_BYTES = 1024
RESULT_BYTES = 64 * 1024
STATUS = {Status.PASSED: "pass", Status.FAILED: "fail", Status.ERROR: "error"}


def classroom_result(report: Report, locator: Locator) -> dict[str, Any]:
    """The runner result of ``report``, within the size limits."""
    graded = [(e, c) for e in report.exercises for c in e.checks if c.status is not Status.SKIPPED]
    scores = classroom_scores([c.points for _, c in graded], report.points)
    tests = []
    for (exercise, check), score in zip(graded, scores, strict=True):
        place = locator.place(exercise.file, exercise.id)
        tests.append({
            "name": check_name(check),
            "status": STATUS[check.status],
            "score": _number(score),
            "message": feedback(check),
            "test_code": "" if check.status is Status.PASSED else check.reproduce,
            "filename": place.file,
            "line_no": place.line,
            "duration": 0,
        })
    statuses = {test["status"] for test in tests}
    status = "error" if "error" in statuses else "fail" if "fail" in statuses else "pass"
    return fit({"version": 1, "status": status, "max_score": _number(round(report.max_points, 2)), "tests": tests})


def error_result(reason: str, command: str) -> dict[str, Any]:
    """The result of a run that graded nothing (``reason``: why), still with a test saying so."""
    test = {"name": "grade ci", "status": "error", "score": 0, "message": reason, "test_code": command,
            "filename": "", "line_no": 0, "duration": 0}
    return fit({"version": 1, "status": "error", "max_score": 0, "tests": [test]})


def fit(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with every message at most 1 KiB, cut shorter (the longest first) until the JSON fits 64 KiB."""
    messages = [test["message"] for test in result["tests"]]

    def clipped(limit: int) -> dict[str, Any]:
        tests = [{**test, "message": clip(text, limit)} for test, text in zip(result["tests"], messages, strict=True)]
        return {**result, "tests": tests}

    if size(clipped(MESSAGE_BYTES)) <= RESULT_BYTES:
        return clipped(MESSAGE_BYTES)
    low, high = 0, MESSAGE_BYTES  # the largest limit that fits: low fits (empty messages do), high does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if size(clipped(middle)) <= RESULT_BYTES else (low, middle)
    return clipped(low)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def size(result: dict[str, Any]) -> int:
    return len(to_json(result).encode("utf-8"))


def encode(result: dict[str, Any]) -> str:
    """The step output's value: the JSON, base64-encoded."""
    return base64.b64encode(to_json(result).encode("utf-8")).decode("ascii")


def write_output(path: Path, result: dict[str, Any]) -> None:
    """Append ``result=<base64>`` to ``$GITHUB_OUTPUT`` (``path``)."""
    try:
        with path.open("a", encoding="utf-8") as output:
            output.write(f"result={encode(result)}\n")
    except OSError as error:
        raise GraderError(f"{path} ($GITHUB_OUTPUT): cannot write the Classroom result ({error.strerror})") from None


def _number(value: float) -> float | int:
    """A whole number as an int (``5``, not ``5.0``); the same value in JavaScript either way."""
    return int(value) if value == int(value) else value
