"""The student edition: `grade release` writes everything students get and nothing of the answers, and
`grade check` there grades against the published cases as the instructor's grader does at hand-in."""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, numpy_fixture, requires_torch

from grader.config import Settings, load_settings
from grader.pipeline.check import EDITION, check_submission
from grader.results import Report, Status

pytestmark = pytest.mark.slow
SECRET = "a-course-secret-for-the-tests-only"


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The course's student edition, written once for the module (its bank recorded from the references)."""
    from grader.release.edition import release

    folder = tmp_path_factory.mktemp("edition") / "lstm-course"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_COURSE_SECRET", SECRET)
        release(ROOT, folder)
    yield folder


def edition_settings(edition: Path) -> Settings:
    return load_settings(edition)


def _texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every file of the edition as text, the members of its zips (the grader's wheel) and the bank's manifest
    included: (name, text)."""
    import numpy as np

    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".whl":
            with zipfile.ZipFile(io.BytesIO(data)) as wheel:
                for member in wheel.namelist():
                    yield f"{path.name}:{member}", wheel.read(member).decode("utf-8", "replace")
        elif path.suffix == ".npz":
            with np.load(path) as bank:
                yield path.name, bytes(bank["manifest"]).decode()
        else:
            yield str(path.relative_to(folder)), data.decode("utf-8", "replace")


def _distinctive_lines(path: Path, stubs: str) -> set[str]:
    """The lines of a course file that say something of the answers: code inside its functions that is neither
    short nor in the stubs (docstrings left out)."""
    tree = ast.parse(path.read_text())
    lines = path.read_text().splitlines()
    docs = {n for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
            for n in range(node.body[0].lineno, (node.body[0].end_lineno or node.body[0].lineno) + 1)}
    inside = {n for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.Lambda))
              for n in range(node.lineno + 1, (node.end_lineno or node.lineno) + 1)}
    found = set()
    for number in sorted(inside - docs):
        line = lines[number - 1].strip()
        if len(line) >= 24 and not line.startswith("#") and line not in stubs:
            found.add(line)
    return found


def test_the_edition_holds_what_students_get(edition: Path) -> None:
    files = {str(p.relative_to(edition)) for p in edition.rglob("*") if p.is_file()}
    assert {"README.md", "pyproject.toml", "bank.npz", "exercises/lstm_numpy.py", "exercises/lstm_torch.py",
            "quizzes/gates.toml", ".github/workflows/classroom.yml"} <= files, files
    assert any(f.startswith("wheels/lstm_grader-") and f.endswith(".whl") for f in files), files
    assert not any(f.startswith(("solutions", "misconceptions")) or f == "quiz_secret" for f in files), files
    settings = tomllib.loads((edition / "pyproject.toml").read_text())["tool"]["grader"]
    assert settings["edition"]["course"] == "lstm-grader" and settings["visibility"]
    assert (edition / "bank.npz").stat().st_size <= 2_000_000  # both tracks


def test_nothing_of_the_answers_reaches_the_edition(edition: Path) -> None:
    from grader.diagnosis.source import course_library

    # what learners are shown anyway: the stubs, and each mistake's explanation and hint when it is named
    shown = [(ROOT / "exercises" / f).read_text() for f in ("lstm_numpy.py", "lstm_torch.py")]
    shown += [f"{m.explanation}\n{m.hint}" for m in course_library(ROOT).misconceptions]
    stubs = "\n".join(shown)
    secrets = {line: f"{path.relative_to(ROOT)}" for path in [*(ROOT / "solutions").glob("*.py"),
                                                             *(ROOT / "misconceptions").glob("*.py")]
               for line in _distinctive_lines(path, stubs)}
    assert len(secrets) > 40  # the test looks for something
    keys = []
    for quiz in (ROOT / "quizzes").glob("*.toml"):
        for question in tomllib.loads(quiz.read_text()).get("questions", []):
            if len(question.get("explanation", "")) > 30:
                keys.append(question["explanation"][:60])
    assert len(keys) > 20
    leaks = []
    for name, text in _texts(edition):
        leaks += [f"{name}: {line!r} (from {origin})" for line, origin in secrets.items() if line in text]
        leaks += [f"{name}: a quiz explanation {key!r}" for key in keys if key in text]
        if re.search(r"^answer\s*=", text, re.M) and name.startswith("quizzes"):
            leaks.append(f"{name}: a plain quiz answer")
        if SECRET in text:
            leaks.append(f"{name}: the course secret")
    assert not leaks, "\n".join(leaks[:20])


def test_the_edition_grades_the_stubs_zero_and_the_references_full(edition: Path, tmp_path: Path) -> None:
    stubs = check_submission(edition / "exercises", settings=edition_settings(edition))
    assert stubs.points == 0 and all(e.status is Status.FAILED for e in stubs.exercises)
    assert EDITION in stubs.notes
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("lstm_numpy.py", "lstm_torch.py"):
        (mine / name).write_text((ROOT / "solutions" / name).read_text())
    full = check_submission(mine, settings=edition_settings(edition))
    assert full.points == full.max_points > 90, [c for c in full.checks() if c.points < c.max_points]


DIAGNOSED = [("numpy", "concat_order", "concat_order"), ("numpy", "forget_on_stm", "forget_on_stm"),
             ("numpy", "backward_missing_tanh_derivative", "backward_missing_tanh_derivative"),
             ("torch", "cell_concat_order", "concat_order"), ("torch", "gate_order_fi", "gate_order_fi")]


@pytest.mark.parametrize(("track", "name", "misconception"), [
    pytest.param(*d, marks=[requires_torch] if d[0] == "torch" else [], id=f"{d[0]}-{d[1]}") for d in DIAGNOSED])
def test_the_edition_names_the_misconceptions_from_the_bank(edition: Path, tmp_path: Path, track: str, name: str,
                                                            misconception: str) -> None:
    file = tmp_path / f"lstm_{track}.py"
    file.write_text(numpy_fixture("buggy", name, track))
    report = check_submission(file, settings=edition_settings(edition))
    named = {part for c in report.checks() if c.diagnosis for part in c.diagnosis.id.split("+")}
    assert misconception in named, [c.message for c in report.checks() if c.status is Status.FAILED]


def _verdicts(report: Report) -> dict[str, list[str]]:
    """Per exercise, the checks that did not pass, hidden checks and GPU checks left out (they never run in a
    learner's check)."""
    return {e.id: sorted(c.id for c in e.checks if c.status not in (Status.PASSED, Status.SKIPPED)
                         and c.visibility == "visible" and c.id != "gpu") for e in report.exercises}


def test_a_submission_that_hard_codes_the_banks_outputs_passes_locally_and_fails_at_hand_in(
        edition: Path, tmp_path: Path) -> None:
    from grader.bank.edition import course_answers
    from grader.catalog import load_track
    from grader.checks.cases import as_float64

    answers = course_answers(edition, load_track("numpy")).answers
    table = {}
    for case in answers.cases_for("forget_gate:matches_reference", ()) or ():
        a = case.arrays
        found: dict[str, Any] = answers.oracle(case, "reference forget_gate", dict)
        table[as_float64(a["ltm_prev"]).tobytes().hex()] = found["forget_out"].tolist()
    assert table  # the bank publishes the forget gate's cases
    cheat = numpy_fixture("correct", "einsum", "numpy") + f'''

_SEEN = {table!r}


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    known = _SEEN.get(np.asarray(ltm_prev, dtype=np.float64).tobytes().hex())
    if known is not None:
        return np.asarray(known, dtype=ltm_prev.dtype)
    x = np.concatenate([stm_prev, event], axis=-1)
    return ltm_prev * sigmoid(0.9 * (x @ W_f.T) + b_f)  # every property of the forget gate, and wrong
'''
    file = tmp_path / "lstm_numpy.py"
    file.write_text(cheat)
    local = check_submission(file, exercise="forget_gate", settings=edition_settings(edition))
    at_hand_in = check_submission(file, exercise="forget_gate", settings=load_settings(ROOT, "ci"))
    assert local.points == local.max_points, [c.message for c in local.checks() if c.points < c.max_points]
    assert at_hand_in.points < at_hand_in.max_points


def test_grade_check_in_the_learners_folder_finds_the_edition(edition: Path, tmp_path: Path) -> None:
    """`grade check` run where lstm_numpy.py lies, inside the edition: the course is found upwards."""
    folder = edition / "exercises"
    result = subprocess.run([sys.executable, "-m", "grader", "check", "-e", "remember_gate"], cwd=folder,
                            capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 1, result.stderr
    assert "grade check ." in result.stdout and "not implemented yet" in result.stdout
    assert "published cases" in result.stdout


def test_the_editions_workflow_grades_a_push_against_the_bank(edition: Path, tmp_path: Path) -> None:
    """A learner's Classroom repository made from the edition: each grading step of its workflow, run as Actions
    runs it, grades against the bank (no answers there), and the reporter's sum is `grade ci`'s total."""
    import shutil

    import jsonschema
    import yaml
    from ci_support import RESULT_SCHEMA, decode_outputs, reporter_points
    from test_ci_classroom_run import run_step

    repo = tmp_path / "lstm-alice"
    shutil.copytree(edition, repo, ignore=shutil.ignore_patterns("wheels"))
    (repo / "exercises" / "lstm_numpy.py").write_text(numpy_fixture("buggy", "forget_tanh"))
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grading = [s for s in steps if s.get("id") in steps[-1]["with"]["runners"].split(",")]
    assert [s["id"] for s in grading] == ["numpy", "torch"]
    runner = tmp_path / "runner"
    runner.mkdir()
    results, totals = [], []
    for step in grading:
        done, output = run_step(step, repo, runner)
        assert done.returncode == 0, done.stderr
        assert "published cases" in done.stdout  # graded against the bank
        [result] = decode_outputs(output.strip())
        jsonschema.validate(result, RESULT_SCHEMA)
        results.append(result)
        points, maximum = re.findall(r"^Total: ([\d.]+)/([\d.]+) points", done.stdout, re.MULTILINE)[0]
        totals.append((float(points), float(maximum)))
    total, maximum = reporter_points(results)
    assert (total, maximum) == (sum(t[0] for t in totals), sum(t[1] for t in totals))
    assert 0 < total < maximum
