"""`grade ci` end to end on a buggy and a correct submission: every output, from one graded report each.

Each submission is graded once (module-scoped, with the real grader); the CLI runs then get that report from a
stand-in for ``check_submission``, so each test checks the outputs, not the grading again (the Classroom run in
test_ci_classroom_run.py and the Gradescope run in test_ci_autograder.py grade for real).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ci_support import RESULT_SCHEMA, check, decode_outputs, report_of, reporter_points
from click.testing import CliRunner, Result
from conftest import ROOT, numpy_fixture
from junitparser import JUnitXml

from grader.api import check_submission
from grader.catalog import find_exercise
from grader.ci import run as ci_run
from grader.cli import main
from grader.config import Settings
from grader.report import render
from grader.results import Report, Status

Graded = tuple[Path, Report]  # the learner's file (in <repo>/exercises/) and its report


def graded(tmp: Path, source: str, settings: Settings) -> Graded:
    file = tmp / "repo" / "exercises" / "lstm_numpy.py"
    file.parent.mkdir(parents=True)
    file.write_text(source)
    return file, check_submission(file, settings=settings)


@pytest.fixture(scope="module")
def buggy(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Graded:
    """A forget gate with tanh for the sigmoid: forget_gate, lstm_cell and lstm_forward lose points."""
    return graded(tmp_path_factory.mktemp("buggy"), numpy_fixture("buggy", "forget_tanh"), settings)


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Graded:
    return graded(tmp_path_factory.mktemp("correct"), (ROOT / "solutions" / "lstm_numpy.py").read_text(), settings)


@pytest.fixture
def run_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., tuple[Result, dict[str, Any]]]:
    """Run `grade [BEFORE] ci FILE [ARGS]` as GitHub Actions would, with ``report`` as the grade; returns the CLI's
    result and what it wrote (``settings``: the settings it graded with)."""

    def run(file: Path, report: Report, *args: str, actions: bool = True,
            before: tuple[str, ...] = ()) -> tuple[Result, dict[str, Any]]:
        seen: dict[str, Any] = {}

        def grade(path: Path, *, settings: Settings) -> Report:
            assert path == file
            seen["settings"] = settings
            return report

        monkeypatch.setattr(ci_run, "check_submission", grade)
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        env = {"GITHUB_OUTPUT": str(out / "output"), "GITHUB_STEP_SUMMARY": str(out / "summary.md"),
               "GITHUB_WORKSPACE": str(file.parent.parent), "GITHUB_ACTIONS": "true" if actions else "false"}
        result = CliRunner().invoke(main, [*before, "ci", str(file), "--junit", str(out / "junit.xml"),
                                           "--gradescope", str(out / "results.json"), *args], env=env)
        for name in ("output", "summary.md", "junit.xml", "results.json"):
            seen[name] = (out / name).read_text() if (out / name).is_file() else None
        return result, seen

    return run


def def_line(file: Path, exercise: str) -> int:
    """The line of the last ``def``/``class`` of the exercise's symbol, found by text (Python uses the last)."""
    symbol = find_exercise(exercise)[1].symbol
    lines = file.read_text().splitlines()
    return max(n for n, line in enumerate(lines, 1) if line.startswith((f"def {symbol}(", f"class {symbol}")))


def failing(report: Report) -> list[tuple[str, str]]:
    return [(c.exercise, c.title) for c in report.checks() if c.status is Status.FAILED]


@pytest.mark.slow  # grades a whole file once per module
def test_a_buggy_submission_fails_everywhere_at_the_right_lines(buggy: Graded, run_ci: Any) -> None:
    file, report = buggy
    assert {e for e, _ in failing(report)} == {"forget_gate", "lstm_cell", "lstm_forward"}  # the fixture's premise
    result, wrote = run_ci(file, report)
    assert result.exit_code == 1, result.output

    [classroom] = decode_outputs(wrote["output"])
    jsonschema.validate(classroom, RESULT_SCHEMA)
    assert classroom["status"] == "fail"
    assert reporter_points([classroom]) == (report.points, report.max_points)
    bad = [t for t in classroom["tests"] if t["status"] == "fail"]
    assert [tuple(t["name"].split(": ", 1)) for t in bad] == failing(report)
    for test in bad:
        exercise = test["name"].split(":")[0]
        assert (test["filename"], test["line_no"]) == ("exercises/lstm_numpy.py", def_line(file, exercise))

    forget = next(e for e in report.exercises if e.id == "forget_gate")
    first = next(c for c in forget.checks if c.status is Status.FAILED)
    assert f"| forget\\_gate | {forget.points:g}/{forget.max_points:g} | ❌ failed |" in wrote["summary.md"]
    assert first.message in wrote["summary.md"]

    opening, *_ = result.output.splitlines()
    token = opening.removeprefix("::stop-commands::")
    report_text, annotations = result.output.split(f"::{token}::\n")
    assert render(report, "text") in report_text
    errors = annotations.splitlines()
    assert errors and all(line.startswith("::error file=exercises/lstm_numpy.py,line=") for line in errors)
    line = def_line(file, "forget_gate")
    assert any(f"line={line},title=forget_gate%3A {first.title}::" in error for error in errors)

    junit = JUnitXml.fromstring(wrote["junit.xml"])
    assert sum(suite.failures for suite in junit) == len(failing(report))
    assert json.loads(wrote["results.json"])["score"] == report.points


@pytest.mark.slow  # grades a whole file once per module
def test_a_correct_submission_passes_everywhere_with_full_marks(correct: Graded, run_ci: Any) -> None:
    file, report = correct
    assert report.points == report.max_points > 0
    result, wrote = run_ci(file, report)
    assert result.exit_code == 0, result.output
    [classroom] = decode_outputs(wrote["output"])
    jsonschema.validate(classroom, RESULT_SCHEMA)
    assert classroom["status"] == "pass" and {t["status"] for t in classroom["tests"]} == {"pass"}
    assert reporter_points([classroom]) == (report.max_points, report.max_points)
    full = f"{report.max_points:g}/{report.max_points:g}"
    assert "###" not in wrote["summary.md"] and f"**{full}**" in wrote["summary.md"]
    assert "::error" not in result.output
    junit = JUnitXml.fromstring(wrote["junit.xml"])
    assert sum(suite.failures + suite.errors for suite in junit) == 0 and sum(s.tests for s in junit) > 0
    assert json.loads(wrote["results.json"])["score"] == report.max_points


@pytest.mark.slow  # grades a whole file once per module
def test_the_minimum_score_decides_the_exit_code(buggy: Graded, run_ci: Any) -> None:
    file, report = buggy
    assert run_ci(file, report, "--min-score", f"{report.points:g}")[0].exit_code == 0
    assert run_ci(file, report, "--min-score", f"{report.points + 0.5:g}")[0].exit_code == 1
    assert run_ci(file, report, "--min-score", "0")[0].exit_code == 0  # what the Classroom workflow passes


@pytest.mark.slow  # grades a whole file once per module
def test_below_the_minimum_with_checks_not_graded_exits_3(buggy: Graded, run_ci: Any) -> None:
    file, _ = buggy
    report = report_of(("forget_gate", [check("forget_gate", 1, Status.PASSED),
                                        check("forget_gate", 2, Status.ERROR, message="could not be graded: timeout")]))
    result, wrote = run_ci(file, report)
    assert result.exit_code == 3
    assert decode_outputs(wrote["output"])[0]["status"] == "error"


@pytest.mark.slow  # grades a whole file once per module
def test_it_grades_with_the_ci_profile_unless_another_is_given(correct: Graded, run_ci: Any) -> None:
    file, report = correct
    assert run_ci(file, report)[1]["settings"].profile == "ci"
    assert run_ci(file, report, before=("--profile", "exam"))[1]["settings"].profile == "exam"


@pytest.mark.slow  # grades a whole file once per module
def test_outside_github_actions_there_are_no_workflow_commands(buggy: Graded, run_ci: Any) -> None:
    file, report = buggy
    result, _ = run_ci(file, report, actions=False)
    assert result.exit_code == 1
    assert "::" not in result.output.replace("::error", "") and "::error" not in result.output
    assert result.output.startswith(render(report, "text"))


def test_a_missing_file_is_one_sentence_exit_2_and_a_result_that_says_so(tmp_path: Path) -> None:
    output, results = tmp_path / "output", tmp_path / "results.json"
    missing = tmp_path / "lstm_numpy.py"
    result = CliRunner().invoke(main, ["ci", str(missing), "--gradescope", str(results)],
                                env={"GITHUB_OUTPUT": str(output), "GITHUB_ACTIONS": "true"})
    assert result.exit_code == 2
    assert result.output == f"Error: {missing}: no such file or folder\n"
    [classroom] = decode_outputs(output.read_text())
    jsonschema.validate(classroom, RESULT_SCHEMA)
    assert classroom["status"] == "error" and str(missing) in classroom["tests"][0]["message"]
    assert json.loads(results.read_text())["score"] == 0


@pytest.mark.slow  # grades a whole file once per module
def test_an_unwritable_report_file_is_one_sentence_and_exit_2(correct: Graded, run_ci: Any, tmp_path: Path) -> None:
    file, report = correct
    nowhere = tmp_path / "no such folder" / "junit.xml"
    result, _ = run_ci(file, report, "--junit", str(nowhere))  # the last --junit counts
    assert result.exit_code == 2
    assert result.output.endswith(f"Error: {nowhere}: cannot write the JUnit XML (No such file or directory)\n")
