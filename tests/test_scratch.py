"""Scratch folders are named after their maker, and a later batch sweeps those whose maker is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import scratch


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_a_folder_is_named_after_its_maker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    made = scratch.make("session")
    assert made.parent == tmp_path and made.name.startswith(f"grade-session-{os.getpid()}-")


def test_sweep_removes_the_folders_of_processes_that_are_gone_and_nothing_else(tmp_path: Path) -> None:
    gone = tmp_path / f"grade-zygote-{dead_pid()}-abc_123"
    (gone / "runtime").mkdir(parents=True)
    (gone / "runtime" / "child.py").write_text("x")
    mine = tmp_path / f"grade-batch-{os.getpid()}-xyz"
    mine.mkdir()
    other = tmp_path / f"grade-notes-{dead_pid()}"  # not a scratch folder's name
    other.mkdir()
    file = tmp_path / f"grade-session-{dead_pid()}-file"
    file.write_text("not a folder")
    assert scratch.sweep(tmp_path) == 1
    assert not gone.exists() and mine.exists() and other.exists() and file.exists()


def test_a_killed_process_waiting_to_be_reaped_counts_as_gone(tmp_path: Path) -> None:
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        for _ in range(200):  # exited, not yet waited for: a zombie
            if Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z":
                break
            subprocess.run(["sleep", "0.01"])
        folder = tmp_path / f"grade-session-{zombie.pid}-abc"
        folder.mkdir()
        assert scratch.sweep(tmp_path) == 1 and not folder.exists()
    finally:
        zombie.wait()
