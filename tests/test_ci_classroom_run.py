"""A GitHub Classroom run, simulated: the workflow's grading steps run as Actions runs them, and the reporter's
arithmetic on what they wrote gives the points `grade ci` reported."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from ci_support import RESULT_SCHEMA, RUNNERS, decode_outputs, reporter_points
from conftest import numpy_fixture

from grader import __version__
from grader.ci.workflow import write_workflow

STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.(\w+)\.outputs\.result\s*\}\}$")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=Alice", "-c", "user.email=alice@example.com",
                    "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A learner's Classroom repository: an edition's layout, a buggy lstm_numpy.py, the workflow, one commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "lstm-alice"
    (repo / "exercises").mkdir(parents=True)
    (repo / "exercises" / "lstm_numpy.py").write_text(numpy_fixture("buggy", "forget_tanh"))
    write_workflow(repo, version=__version__, install=f"lstm-grader=={__version__}", tracks=["numpy"])
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "my LSTM")
    return repo


def run_step(step: dict[str, Any], repo: Path, runner: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run a `run:` step as GitHub Actions does (bash -e, its own $GITHUB_OUTPUT file); return it and its output."""
    output = runner / f"output-{step['id']}"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(repo), "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(runner / f"summary-{step['id']}.md")}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return done, output.read_text() if output.exists() else ""


@pytest.mark.slow
def test_the_reporter_adds_up_exactly_what_grade_ci_graded(repository: Path, tmp_path: Path) -> None:
    workflow = yaml.safe_load((repository / ".github" / "workflows" / "classroom.yml").read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    runners = reporter["with"]["runners"]
    assert RUNNERS.fullmatch(runners)
    grading = [step for step in steps if step.get("id") in runners.split(",")]
    assert [step["id"] for step in grading] == runners.split(",")

    runner = tmp_path / "runner"
    runner.mkdir()
    outputs, totals = {}, []
    for step in grading:
        done, output = run_step(step, repository, runner)
        assert done.returncode == 0, done.stderr  # a grading step records; the reporter fails the job
        outputs[step["id"]] = output.removeprefix("result=").strip()
        points, maximum = re.findall(r"^Total: ([\d.]+)/([\d.]+) points", done.stdout, re.MULTILINE)[0]
        totals.append((float(points), float(maximum)))
        source = (repository / "exercises" / "lstm_numpy.py").read_text().splitlines()
        line = max(n for n, text in enumerate(source, 1) if text.startswith("def forget_gate("))  # the fixture's
        assert f"::error file=exercises/lstm_numpy.py,line={line},title=forget_gate%3A" in done.stdout
        assert "| forget\\_gate |" in (runner / f"summary-{step['id']}.md").read_text()

    environment = {}  # the reporter's env:, resolved as Actions resolves ${{steps.<id>.outputs.result}}
    for name, value in reporter["env"].items():
        matched = STEP_OUTPUT.match(value)
        assert matched is not None, value
        environment[name] = outputs[matched.group(1)]
    results = []
    for runner_id in runners.split(","):  # as src/main.js reads them
        [result] = decode_outputs(f"result={environment[f'{runner_id.strip().upper()}_RESULTS']}")
        jsonschema.validate(result, RESULT_SCHEMA)
        results.append(result)

    assert [r["status"] for r in results] == ["fail"]  # the reporter fails the job: a test failed
    total, maximum = reporter_points(results)
    assert (total, maximum) == (sum(t[0] for t in totals), sum(t[1] for t in totals))
    assert 0 < total < maximum
