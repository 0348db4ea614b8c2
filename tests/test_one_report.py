"""One report however it is run: the course's maximum stated once with what is not counted here and why, and
one cause said once."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT

from grader.catalog import course_points
from grader.config import Settings
from grader.pipeline.check import check_submission
from grader.report.text import to_text, total_line
from grader.results import CheckResult, ExerciseResult, Report, Status


def test_an_import_error_is_said_once_for_the_whole_file(settings: Settings, tmp_path: Path) -> None:
    file = tmp_path / "lstm_numpy.py"
    file.write_text("import numpy as np\n\ndef learn_gate(:\n    pass\n")
    text = to_text(check_submission(file, settings=settings))
    assert text.count("could not be imported") == 1, text
    assert text.count("the same cause as learn_gate") == 6, text  # the six other numpy exercises


def test_the_course_maximum_is_stated_once_with_what_is_not_counted(settings: Settings, tmp_path: Path) -> None:
    file = tmp_path / "lstm_numpy.py"
    file.write_text((ROOT / "solutions" / "lstm_numpy.py").read_text())
    report = check_submission(file, exercise="remember_gate", settings=settings)
    line = total_line(report)
    course = sum(course_points().values())
    assert line.count(f"The course's maximum is {course:g} points") == 1, line
    assert "in lstm_torch.py (not checked here)" in line and "in lstm_numpy.py" in line  # the rest of it too


def test_a_report_with_everything_counted_says_nothing_more() -> None:
    checks = tuple(CheckResult(exercise=e, id=c, title=c, status=Status.PASSED, points=p, max_points=p, message="",
                               hint="h") for (e, c), p in course_points().items())
    exercises = tuple(ExerciseResult(id=e, title=e, file="f", checks=tuple(c for c in checks if c.exercise == e))
                      for e in dict.fromkeys(c.exercise for c in checks))
    line = total_line(Report(submission="s", seed=0, exercises=exercises))
    assert "maximum" not in line and "not counted" not in line


def test_skipped_checks_are_named_with_their_reason_in_the_total() -> None:
    skipped = CheckResult(exercise="LSTMCell", id="gpu", title="on the GPU", status=Status.SKIPPED, points=0,
                          max_points=0, message="skipped: no CUDA device here; GPU checks run only with CUDA",
                          hint="h")
    line = total_line(Report(submission="s", seed=0, exercises=(
        ExerciseResult(id="LSTMCell", title="t", file="lstm_torch.py", checks=(skipped,)),)))
    points = course_points()[("LSTMCell", "gpu")]
    assert f"{points:g} point{'' if points == 1 else 's'} on 1 check (no CUDA device here)" in line, line
