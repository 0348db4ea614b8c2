"""Outcomes to points and a report to an exit code. A check with no outcome scores zero."""

from __future__ import annotations

from grader.errors import ExitCode
from grader.results import Report, Status


def points_for(status: Status, max_points: float) -> float:
    """All-or-nothing per check: the checks are small, so partial credit comes from their number."""
    return max_points if status is Status.PASSED else 0.0


def exit_code(report: Report) -> ExitCode:
    """3 if anything could not be graded, else 1 if anything failed, else 0."""
    statuses = {check.status for check in report.checks()}
    if Status.ERROR in statuses:
        return ExitCode.UNGRADABLE
    if Status.FAILED in statuses:
        return ExitCode.FAILED
    return ExitCode.OK
