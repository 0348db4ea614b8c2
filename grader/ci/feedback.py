"""What a learner reads about one check in CI: its name, and its feedback as the text report gives it.

A check that is not visible says only its name, outcome and hint, as in Gradescope's results
(``grader.report.gradescope.redacted``). ``clip`` shortens text to a size in UTF-8 bytes on a
character boundary, with an ellipsis.
"""

from __future__ import annotations

from grader.choices import Visibility
from grader.report.gradescope import redacted
from grader.report.text import check_lines
from grader.results import CheckResult, Status

ELLIPSIS = "…"


def check_name(check: CheckResult) -> str:
    """``"<exercise>: <check>"``, the name Gradescope's results give the check too."""
    return f"{check.exercise}: {check.title}"


def feedback(check: CheckResult) -> str:
    """The check's feedback as the text report prints it (without its indentation)."""
    if check.visibility != Visibility.VISIBLE:
        return redacted(check)
    return "\n".join(check_lines(check))


def is_problem(check: CheckResult) -> bool:
    """A check that lost its points: failed, or could not be graded."""
    return check.status in (Status.FAILED, Status.ERROR)


def clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes: cut on a character boundary, ending with an ellipsis."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    if room < 0:
        return ""
    return data[:room].decode("utf-8", errors="ignore").rstrip() + ELLIPSIS
