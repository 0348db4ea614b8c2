"""Gradescope's autograder zip: what it holds, scripts bash accepts, and a trial run against a stand-in /autograder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, numpy_fixture

from grader import __version__
from grader.catalog import TORCH_PIN, find_exercise
from grader.ci.autograder import ROOT_VARIABLE, build_autograder_zip
from grader.ci.workflow import TORCH_INDEX
from grader.config import load_settings
from grader.errors import UsageError

WHEEL = f"lstm_grader-{__version__}-py3-none-any.whl"


@pytest.fixture
def stand_in_zip(tmp_path: Path) -> Path:
    """The zip of this course, with a stand-in wheel (building the real one is the slow test's)."""
    wheel = tmp_path / WHEEL
    wheel.write_bytes(b"not a wheel")
    return build_autograder_zip(ROOT, tmp_path / "autograder.zip", wheel=wheel)


def test_the_zip_holds_the_scripts_the_wheel_and_the_course_without_secrets(stand_in_zip: Path) -> None:
    with zipfile.ZipFile(stand_in_zip) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
    assert names[:3] == ["setup.sh", "run_autograder", f"wheels/{WHEEL}"]
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert not modes["course/pyproject.toml"] & stat.S_IXUSR
    assert {"course/pyproject.toml", "course/solutions/lstm_numpy.py", "course/solutions/lstm_torch.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "quiz" in n or "secret" in n]
    assert f"torch=={TORCH_PIN} --index-url {TORCH_INDEX}" in setup and f'"$SOURCE/wheels/{WHEEL}"' in setup


def test_the_scripts_are_valid_bash(stand_in_zip: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(stand_in_zip) as archive:
        archive.extractall(tmp_path / "source")
    for script in ("setup.sh", "run_autograder"):
        done = subprocess.run(["bash", "-n", str(tmp_path / "source" / script)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
    broken = tmp_path / "broken.sh"  # the same check must catch a script that is not
    broken.write_text((tmp_path / "source" / "setup.sh").read_text().replace("fi\n", "", 1))
    assert subprocess.run(["bash", "-n", str(broken)], capture_output=True, check=False).returncode != 0


def test_a_folder_without_solutions_is_no_instructors_course(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.grader]\n")
    with pytest.raises(UsageError, match="not an instructor's course"):
        build_autograder_zip(tmp_path, tmp_path / "autograder.zip")


def gradescope_run(autograder: Path, source: str) -> dict[str, Any]:
    """Run run_autograder as Gradescope does, on a fresh /autograder (here: ``autograder``) with ``source`` as the
    submitted lstm_numpy.py; the current venv stands in for what setup.sh installs."""
    (autograder / "submission").mkdir()
    (autograder / "submission" / "lstm_numpy.py").write_text(source)
    env = {**os.environ, ROOT_VARIABLE: str(autograder),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", str(autograder / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr  # whatever the score: Gradescope reads results.json
    results: dict[str, Any] = json.loads((autograder / "results" / "results.json").read_text())
    return results


@pytest.mark.slow
def test_run_autograder_gives_full_marks_to_a_correct_file_and_less_to_a_buggy_one(tmp_path: Path) -> None:
    archive = build_autograder_zip(ROOT, tmp_path / "autograder.zip")
    with zipfile.ZipFile(archive) as opened:
        wheel = next(n for n in opened.namelist() if n.startswith("wheels/"))
        opened.extract(wheel, tmp_path)
    with zipfile.ZipFile(tmp_path / wheel) as built:  # a real wheel, with the templates `grade ci` renders
        assert {"grader/ci/templates/run_autograder.j2", "grader/report/gradescope.py"} <= set(built.namelist())

    runs = {}
    for name, source in (("correct", (ROOT / "solutions" / "lstm_numpy.py").read_text()),
                         ("buggy", numpy_fixture("buggy", "forget_tanh"))):
        autograder = tmp_path / name
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(autograder / "source")  # where Gradescope unpacks it
        shutil.copy(autograder / "source" / "run_autograder", autograder / "run_autograder")
        runs[name] = gradescope_run(autograder, source)

    correct, buggy = runs["correct"], runs["buggy"]
    maximum = sum(test["max_score"] for test in correct["tests"])
    assert maximum > 0 and correct["score"] == maximum and {t["status"] for t in correct["tests"]} == {"passed"}
    assert sum(test["max_score"] for test in buggy["tests"]) == maximum and 0 < buggy["score"] < maximum
    lost = {t["name"].split(":")[0] for t in buggy["tests"] if t["status"] == "failed"}
    assert lost == {"forget_gate", "lstm_cell", "lstm_forward"}
    visibility = load_settings(ROOT).visibility  # [tool.grader.visibility], as the course in the zip says
    for key, seen in visibility.items():
        exercise, check_id = key.split(":")
        if find_exercise(exercise)[0].name != "numpy":
            continue
        title = next(c.title for c in find_exercise(exercise)[1].checks if c.id == check_id)
        assert [t["visibility"] for t in correct["tests"] if t["name"] == f"{exercise}: {title}"] == [seen]
