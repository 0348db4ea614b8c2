"""A submission's time budget: every check together, across every worker, within submission_timeout; when it
runs out, partial credit, a full report, and each check that ran out of budget says so."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import replace_once, solution_source

from grader.api import check_submission
from grader.config import Settings
from grader.results import Status
from grader.sandbox.deaths import BUDGET_RAN_OUT

pytestmark = pytest.mark.slow


def test_correct_but_slow_calls_stop_at_the_submissions_budget_with_partial_credit(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    """Each call answers just under its own limit, so only the budget can stop it; two workers share it."""
    budget = dataclasses.replace(settings, call_timeout=2.0, submission_timeout=8.0, examples_scale=0.3)
    slow = replace_once(solution_source(), "    return forget_out + learn_out\n",
                        "    import time\n    time.sleep(1.5)\n    return forget_out + learn_out\n")
    started = time.monotonic()
    report = check_submission(submission(slow), settings=budget, jobs=2)
    took = time.monotonic() - started
    assert took < budget.submission_timeout + budget.call_timeout + 4, "one budget for the whole submission"
    over = [c for c in report.checks() if BUDGET_RAN_OUT in c.message]
    assert over and all(c.status is Status.ERROR and c.points == 0 for c in over)
    assert any("ran out while this check ran" in c.message for c in over)
    assert any("ran out before this check started" in c.message for c in over)
    assert "submission_timeout in [tool.grader]" in over[0].message
    learn = next(e for e in report.exercises if e.id == "learn_gate")
    assert learn.points == learn.max_points, "what was graded in time keeps its points"
    note = next(n for n in report.notes if "time budget ran out" in n)
    assert f"{len(over)} checks were not graded" in note and over[0].exercise in note


def test_a_submission_within_its_budget_is_not_touched_by_it(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(solution_source()), exercise="remember_gate",
                              settings=dataclasses.replace(settings, submission_timeout=60.0))
    assert report.points == report.max_points
    assert not any("time budget" in n for n in report.notes)
