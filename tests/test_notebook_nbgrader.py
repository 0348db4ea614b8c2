"""The nbgrader course: schema-v3 metadata, the solutions in their regions, autograder cells worth the catalog's
points, scored as plain floats with nothing on stderr; and, end to end with nbgrader itself, the autograded
scores equal ``grade batch``'s, exercise by exercise."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, replace_once, requires_torch, solution_source
from notebook_support import filled

from grader.catalog import load_track
from grader.notebook import autograde
from grader.notebook.cells import read_cells
from grader.notebook.solution_cells import BEGIN, END

NEEDS = "is not installed (pip install -e '.[nbgrader]')"


def nbformat() -> Any:
    return pytest.importorskip("nbformat", reason=f"nbformat {NEEDS}")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from grader.notebook import write_nbgrader_course

    nbformat()
    return write_nbgrader_course(ROOT, tmp_path_factory.mktemp("nbgrader"))


def cells_of(course: Path, name: str) -> list[Any]:
    book = nbformat().read(course / "source" / "lstm" / name, as_version=4)
    nbformat().validate(book)
    return list(book.cells)


def test_the_course_has_its_config_and_a_source_notebook_per_track(course: Path) -> None:
    config = (course / "nbgrader_config.py").read_text()
    assert 'c.CourseDirectory.course_id = "lstm"' in config and repr(str(ROOT)) in config
    assert sorted(p.name for p in (course / "source" / "lstm").iterdir()) == ["lstm_numpy.ipynb", "lstm_torch.ipynb"]


@pytest.mark.parametrize(("track", "name"), [("numpy", "lstm_numpy.ipynb"), ("torch", "lstm_torch.ipynb")])
def test_each_exercise_is_a_solution_cell_then_an_autograder_cell_worth_its_points(course: Path, track: str,
                                                                                  name: str) -> None:
    pytest.importorskip("nbgrader", reason=f"nbgrader {NEEDS}")
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    cells = cells_of(course, name)
    MetadataValidatorV3().validate_nb(nbformat().from_dict({"cells": cells, "metadata": {}, "nbformat": 4,
                                                          "nbformat_minor": 5}))
    exercises = load_track(track).exercises
    solutions = [c for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata.nbgrader.grade_id for c in solutions] == [e.symbol for e in exercises]
    assert [(c.metadata.nbgrader.grade_id, c.metadata.nbgrader.points) for c in tests] == [
        (f"{e.id}-checks", e.max_points) for e in exercises]
    for solution in solutions:
        after = cells[cells.index(solution) + 1]
        assert after.metadata.nbgrader.grade and after.metadata.nbgrader.locked
        assert solution.source.count(BEGIN) == solution.source.count(END) >= 1
        assert "raise NotImplementedError" not in solution.source  # the stub's raise gave way to the solution
    for test in tests:
        assert "### BEGIN HIDDEN TESTS\nautograde.hidden_checks()\n### END HIDDEN TESTS\n" in test.source
        assert test.source.endswith(f"autograde.score({test.metadata.nbgrader.grade_id.removesuffix('-checks')!r})")
    markdown = [c for c in cells if c.cell_type == "markdown"]
    assert markdown and all(c.metadata.nbgrader.locked and not c.metadata.nbgrader.grade for c in markdown)
    free = [c.id for c in cells if c.cell_type == "code" and "nbgrader" not in c.metadata]
    assert free == ["imports", *(["sigmoid"] if track == "numpy" else []), "check"]


def test_a_method_keeps_the_stubs_own_lines_once(course: Path) -> None:
    cell = next(c for c in cells_of(course, "lstm_torch.ipynb") if c.id == "LSTMCell")
    init = cell.source.split("def forward")[0]
    assert init.count("super().__init__()") == 1 and init.count("self.input_size") == 1
    assert "# create the five nn.Linear submodules\n        ### BEGIN SOLUTION\n        self.new_info" in init
    imports = next(c for c in cells_of(course, "lstm_torch.ipynb") if c.id == "imports")
    assert imports.source.splitlines() == ["import torch", "from torch import nn", "import math"]


@pytest.mark.parametrize("name", ["lstm_numpy.ipynb", pytest.param(
    "lstm_torch.ipynb", marks=[pytest.mark.slow, requires_torch])])
def test_the_instructors_source_notebook_scores_full_marks(course: Path, name: str) -> None:
    from grader.api import check_submission
    from grader.config import load_settings

    report = check_submission(course / "source" / "lstm" / name, settings=load_settings(ROOT))
    assert report.points == report.max_points > 0, [(e.id, e.note) for e in report.exercises]
    numbers = {c.number for c in read_cells((course / "source" / "lstm" / name).read_bytes(), "x")
               if c.autograder_test}
    assert numbers and not any(f"cell {n}" in note for n in numbers for note in report.notes)


def notebook_at(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lstm_numpy.ipynb"
    path.write_text(json.dumps(filled(ROOT / "exercises" / "lstm_numpy.ipynb", source)))
    return path


def test_a_score_is_a_plain_float_with_the_feedback_on_stdout_and_nothing_on_stderr(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(autograde._state, "hidden", False)
    notebook_at(tmp_path / "right", solution_source())
    wrong = replace_once(solution_source(), "return forget_out + learn_out", "return forget_out * learn_out")
    notebook_at(tmp_path / "wrong", wrong)
    right = autograde.score("remember_gate", tmp_path / "right")
    graded = len(autograde._cache)
    assert type(right) is float and right == 5.0
    assert autograde.score("use_gate", tmp_path / "right") == 10.0 and len(autograde._cache) == graded  # cached
    low = autograde.score("remember_gate", tmp_path / "wrong")
    assert type(low) is float and 0.0 <= low < 5.0
    missing = autograde.score("forget_gate", tmp_path)
    out, err = capfd.readouterr()
    assert err == ""
    assert missing == 0.0 and "lstm_numpy.ipynb is not in" in out
    assert "✔ remember_gate" in out and "✘ remember_gate" in out and "hint:" in out


@pytest.mark.slow
def test_the_hidden_checks_run_only_once_switched_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(autograde._state, "hidden", False)
    notebook_at(tmp_path, solution_source())
    autograde.score("lstm_forward", tmp_path)
    public = capsys.readouterr().out
    autograde.hidden_checks()
    assert autograde.score("lstm_forward", tmp_path) == 10.0
    hidden = capsys.readouterr().out
    assert re.search(r"✔ lstm_forward +9/9 ", public) and re.search(r"✔ lstm_forward +10/10 ", hidden), (public, hidden)
    assert "- treats batch rows independently (0/0)" in public and "rows independently" not in hidden  # hidden


def nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_nbgrader_autogrades_what_grade_batch_grades(tmp_path: Path) -> None:
    pytest.importorskip("nbgrader", reason=f"nbgrader {NEEDS}")
    from nbgrader.api import Gradebook

    from grader.batch.run import run_batch
    from grader.config import load_settings
    from grader.notebook import write_nbgrader_course

    course = write_nbgrader_course(ROOT, tmp_path / "course")
    nbgrader(course, "generate_assignment", "lstm")
    released = course / "release" / "lstm" / "lstm_numpy.ipynb"
    assert "### BEGIN SOLUTION" not in released.read_text() and "HIDDEN TESTS" not in released.read_text()
    wrong = replace_once(solution_source(), "return ltm_prev * f_t", "return stm_prev * f_t")
    for student, source in (("alice", solution_source()), ("bob", wrong)):
        folder = course / "submitted" / student / "lstm"
        folder.mkdir(parents=True)
        (folder / "lstm_numpy.ipynb").write_text(json.dumps(filled(released, source)))
    nbgrader(course, "autograde", "lstm")
    nbgrader(course, "export")
    with (course / "grades.csv").open() as table:
        totals = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(table)}
    exercises = load_track("numpy").exercises
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="lstm") as book:
        autograded = {s: {e.id: book.find_grade(f"{e.id}-checks", "lstm_numpy", "lstm", s).score for e in exercises}
                      for s in totals}
    outcome = run_batch(course, settings=load_settings(ROOT), out=tmp_path / "graded", assignment="lstm", workers=2)
    batch = {r.student: {e.id: e.points for e in r.report.exercises} for r in outcome.records if r.report}
    assert autograded == batch, (autograded, batch)
    assert totals == {s: sum(points.values()) for s, points in batch.items()}
    assert totals["alice"] == sum(e.max_points for e in exercises) > totals["bob"]
