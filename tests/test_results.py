"""The result model: JSON round trip, scores, statuses and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import numpy_fixture

from grader.api import check_submission
from grader.config import Settings
from grader.errors import ExitCode
from grader.results import CheckResult, ExerciseResult, Report, Status, report_from_dict
from grader.scoring import exit_code


def test_reports_survive_a_json_round_trip(submission: Callable[[str], Path], settings: Settings) -> None:
    report = check_submission(submission(numpy_fixture("buggy", "batch_of_one")), exercise="forget_gate",
                              settings=settings)
    assert report_from_dict(report.to_dict()) == report
    assert any(c.counterexample is not None for c in report.checks())


def check(status: Status, points: float = 1.0) -> CheckResult:
    return CheckResult(exercise="e", id=str(status), title="t", status=status,
                       points=points if status is Status.PASSED else 0.0, max_points=points)


def report_of(*statuses: Status) -> Report:
    exercise = ExerciseResult(id="e", title="E", file="f.py", checks=tuple(check(s) for s in statuses))
    return Report(submission="s", seed=0, exercises=(exercise,))


def test_exit_codes_follow_the_worst_outcome() -> None:
    assert exit_code(report_of(Status.PASSED)) is ExitCode.OK
    assert exit_code(report_of(Status.PASSED, Status.FAILED)) is ExitCode.FAILED
    assert exit_code(report_of(Status.FAILED, Status.ERROR)) is ExitCode.UNGRADABLE
    assert exit_code(report_of(Status.PASSED, Status.SKIPPED)) is ExitCode.OK


def test_scores_add_up_and_ungradable_checks_score_zero() -> None:
    report = report_of(Status.PASSED, Status.ERROR, Status.FAILED)
    assert (report.points, report.max_points) == (1.0, 3.0)
    assert report.exercises[0].status is Status.ERROR
