"""Choosing the isolation level: auto prefers bwrap, says so when it falls back, and an explicit
bwrap where there is none is a usage error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from grader.cli import main
from grader.errors import UsageError
from grader.sandbox import bwrap, isolation


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "bwrap_path", lambda: None)


def test_auto_and_explicit_levels(no_bwrap: None) -> None:
    assert isolation.resolve("auto") == "process"
    assert isolation.resolve("process") == "process"
    with pytest.raises(UsageError, match="bubblewrap is not installed"):
        isolation.resolve("bwrap")
    with pytest.raises(UsageError, match="unknown sandbox level"):
        isolation.resolve("docker")
    assert isolation.fallback("auto", "process") == isolation.FALLBACK
    assert isolation.fallback("process", "process") == ""


def test_auto_picks_bwrap_where_it_works() -> None:
    if bwrap.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    assert isolation.resolve("auto") == "bwrap"


def test_ci_and_exam_profiles_warn_loudly_when_they_fall_back(no_bwrap: None) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--profile", "ci", "check", str(ROOT / "solutions" / "lstm_numpy.py"),
                                  "-e", "remember_gate", "--format", "json"])
    assert result.exit_code == 0
    assert "WARNING: bubblewrap is not available here" in result.stderr
    assert json.loads(result.stdout)["environment"]["isolation"] == "process"
    quiet = runner.invoke(main, ["check", str(ROOT / "solutions" / "lstm_numpy.py"), "-e", "remember_gate"])
    assert "WARNING" not in quiet.stderr  # a learner's own check falls back quietly (the report still says so)
    assert "process level" in quiet.stdout


def test_the_report_records_the_level_used() -> None:
    if bwrap.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    result = CliRunner().invoke(main, ["check", str(ROOT / "solutions" / "lstm_numpy.py"), "-e", "remember_gate",
                                       "--format", "json", "--sandbox", "bwrap"])
    assert json.loads(result.stdout)["environment"]["isolation"] == "bwrap"


def test_a_python_runtime_under_tmp_stays_visible_inside_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clone in /tmp with its venv inside: bwrap's private /tmp must not hide the interpreter."""
    if bwrap.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    runtime = tmp_path / "venv"  # tmp_path lies under /tmp
    runtime.mkdir()
    (runtime / "marker").write_text("the runtime is here")
    roots = bwrap.python_roots()
    monkeypatch.setattr(bwrap, "python_roots", lambda: [*roots, str(runtime)])
    workdir = tmp_path / "work"
    for folder in ("runtime", "submission"):
        (workdir / folder).mkdir(parents=True)
    argv, env = bwrap.bwrap_launcher(sys.executable, workdir / "runtime" / "child.py", {}, workdir)
    command = [*argv[: argv.index("--") + 1], "/bin/cat", str(runtime / "marker")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0 and done.stdout == "the runtime is here", done.stderr
    secret = tmp_path / "secret"
    secret.write_text("not for the child")
    hidden = subprocess.run([*argv[: argv.index("--") + 1], "/bin/cat", str(secret)], capture_output=True,
                            text=True, env=env, timeout=30)
    assert hidden.returncode != 0, "the rest of /tmp stays hidden"
