"""A learner's install, end to end: the edition's wheel in a fresh venv holding only the grader (no checkout of
this repository), then `grade check` in the edition. The numpy track (torch is not installed there)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, numpy_fixture

pytestmark = pytest.mark.slow


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**env, "NO_COLOR": "1", "COLUMNS": "200"})


def test_a_fresh_venv_with_only_the_grader_checks_the_edition(tmp_path: Path) -> None:
    from grader.release.edition import release

    edition = tmp_path / "edition"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_COURSE_SECRET", "a-course-secret-for-the-tests-only")
        written = release(ROOT, edition)
    wheel = next(str(f) for f in written.files if str(f).endswith(".whl"))
    venv = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert made.returncode == 0, made.stderr
    installed = run([str(venv / "bin" / "pip"), "install", "-q", str(edition / wheel)], tmp_path, timeout=900)
    if installed.returncode != 0:
        pytest.skip(f"installing the grader's dependencies from the package registry failed: {installed.stderr[-300:]}")
    grade = str(venv / "bin" / "grade")

    stubs = run([grade, "check"], edition)
    assert stubs.returncode == 1, stubs.stderr
    assert "Total: 0/" in stubs.stdout and "published cases" in stubs.stdout

    mine = edition / "mine"
    mine.mkdir()
    (mine / "lstm_numpy.py").write_text((ROOT / "solutions" / "lstm_numpy.py").read_text())
    full = run([grade, "check"], mine)  # the learner's own folder, inside the edition
    assert full.returncode == 0, full.stdout[-2000:]
    score = re.search(r"Total: (\d+)/(\d+) points", full.stdout)
    assert score and score[1] == score[2] and int(score[1]) > 60, full.stdout[-1500:]

    (mine / "lstm_numpy.py").write_text(numpy_fixture("buggy", "concat_order", "numpy"))
    buggy = run([grade, "check", "-e", "learn_gate"], mine)
    assert buggy.returncode == 1 and "This looks like" in buggy.stdout and "concatenat" in buggy.stdout.lower()

    elsewhere = run([grade, "check", str(mine)], tmp_path)  # outside any course: found from the path graded
    assert elsewhere.returncode == 1 and "Total:" in elsewhere.stdout, elsewhere.stderr
    site = run([str(venv / "bin" / "python"), "-c", "import grader, pathlib; "
                "print(sorted(p.name for p in pathlib.Path(grader.__file__).parent.parent.iterdir()))"], tmp_path)
    assert "solutions" not in site.stdout and "misconceptions" not in site.stdout
