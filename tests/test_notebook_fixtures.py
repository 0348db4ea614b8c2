"""Every fixture submission, cut into a learner's notebook, scores exactly what its ``.py`` scores, exercise by
exercise: both go through ``grade batch`` in one class, each student in the sandbox, hidden checks too."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, fixture_names, numpy_fixture, requires_torch
from notebook_support import as_notebook

from grader.batch.records import GRADED
from grader.batch.run import run_batch
from grader.config import load_settings


def scores_py_and_notebook(tmp_path: Path, track: str) -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """Fixture -> (its .py's points per exercise, its notebook's), graded in one batch."""
    file = f"lstm_{track}.py"
    names = [(kind, name) for kind in ("correct", "buggy") for name in fixture_names(kind, track)]
    for kind, name in names:
        source = numpy_fixture(kind, name, track)
        student = f"{kind}-{name}".replace("_", "-")
        handed_in = (("py", file, source), ("nb", file.replace(".py", ".ipynb"), as_notebook(source)))
        for suffix, filename, text in handed_in:
            folder = tmp_path / "class" / f"{student}.{suffix}"
            folder.mkdir(parents=True)
            (folder / filename).write_text(text)
    outcome = run_batch(tmp_path / "class", settings=load_settings(ROOT), out=tmp_path / "graded", workers=2)
    assert all(r.status == GRADED and r.report is not None for r in outcome.records), \
        [(r.student, r.problem) for r in outcome.records if r.status != GRADED]
    points = {r.student: {e.id: e.points for e in r.report.exercises} for r in outcome.records if r.report}
    reproduce = {r.student: [c.reproduce for e in r.report.exercises for c in e.checks if c.reproduce]
                 for r in outcome.records if r.report}
    for student, commands in reproduce.items():  # each names the file the student handed in
        wanted = file.replace(".py", ".ipynb") if student.endswith(".nb") else file
        assert all(c.startswith(f"grade check {wanted} ") for c in commands), (student, commands)
    pairs = {}
    for kind, name in names:
        student = f"{kind}-{name}".replace("_", "-")
        pairs[f"{kind}/{name}"] = (points[f"{student}.py"], points[f"{student}.nb"])
    return pairs


def assert_same_scores(pairs: dict[str, tuple[dict[str, float], dict[str, float]]]) -> None:
    differ = {name: (py, nb) for name, (py, nb) in pairs.items() if py != nb}
    assert not differ, differ
    buggy = [py for name, (py, _) in pairs.items() if name.startswith("buggy/")]
    correct = [py for name, (py, _) in pairs.items() if name.startswith("correct/")]
    assert buggy and correct  # the comparison saw both kinds: the buggy ones lose points, the correct ones do not
    assert all(sum(p.values()) < sum(c.values()) for p in buggy for c in correct[:1])


def test_every_numpy_fixture_scores_the_same_as_a_notebook(tmp_path: Path) -> None:
    assert_same_scores(scores_py_and_notebook(tmp_path, "numpy"))


@pytest.mark.slow
@requires_torch
def test_every_torch_fixture_scores_the_same_as_a_notebook(tmp_path: Path) -> None:
    assert_same_scores(scores_py_and_notebook(tmp_path, "torch"))
