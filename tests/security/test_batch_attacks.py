"""The red-team suite through ``grade batch``: every attack is a student, each followed by an honest one.

A batch forks every student's child from a warm zygote (``grader/sandbox/zygote.py``) that serves
one student after another, so this is where one submission could reach the next: a process left
behind, files left in the sandbox's /tmp, a killed or tampered zygote. Every honest student must
still get full marks, every attack must still earn nothing on the exercise it targets, and nothing
may leak out of the sandbox or outlive the batch.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from grader.sandbox.bwrap import bwrap_path
from security.test_attacks import (
    MAY_STOP_THE_REST,
    SECRET,
    TORCH,
    WHOLE_FILE,
    Listeners,
    _sandboxed,
    attack_names,
    attack_source,
    processes,
    short_course,
    tree,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed (apt-get install bubblewrap)"),
]
SOLUTION = (ROOT / "solutions" / "lstm_numpy.py").read_text()


def test_no_attack_reaches_the_next_student(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    course = tmp_path / "course"
    course.mkdir()
    short_course(course)
    root, out, secret_dir, other = tmp_path / "class", tmp_path / "out", tmp_path / "secrets", tmp_path / "other"
    for folder in (secret_dir, other):
        folder.mkdir()
    (secret_dir / "token.txt").write_text(SECRET)
    (other / "lstm_numpy.py").write_text(f"# the neighbour's work: {SECRET}\n")
    listeners = Listeners()
    names = [n for n in attack_names() if n not in MAY_STOP_THE_REST]  # a time-budget attack leaves nothing behind
    for k, name in enumerate(names):
        places = {"PORT": str(listeners.tcp.getsockname()[1]), "UDP_PORT": str(listeners.udp.getsockname()[1]),
                  "OUTPUT": str(out / "students" / f"{k:02d}a" / "report.json"), "MARKER": f"survivor-{name}",
                  "MARKER_DIR": str(tmp_path), "OTHER_DIR": str(other), "SECRET_FILE": str(secret_dir / "token.txt")}
        file = "lstm_torch.py" if name in TORCH else "lstm_numpy.py"
        for student, text in ((f"{k:02d}a", attack_source(name, places)), (f"{k:02d}b", SOLUTION)):
            (root / student).mkdir(parents=True)
            (root / student / (file if student.endswith("a") else "lstm_numpy.py")).write_text(text)
    monkeypatch.setenv("GRADER_TEST_TOKEN", SECRET)
    before, pids = tree(ROOT, root, other, secret_dir), processes()
    done = subprocess.run([sys.executable, "-m", "grader", "--course", str(course), "batch", str(root), "--out",
                           str(out), "-j", "2", "--sandbox", "bwrap", "-q"], capture_output=True, text=True,
                          timeout=600)
    time.sleep(3.5)  # what a left-behind process would need to act
    listeners.close()

    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open(newline="") as handle:
        grades = {row["student"]: row for row in csv.DictReader(handle)}
    assert len(grades) == 2 * len(names)
    for k, name in enumerate(names):
        honest = grades[f"{k:02d}b"]
        graded = json.loads((out / "students" / f"{k:02d}b" / "report.json").read_text())["exercises"]
        numpy_parts = [e for e in graded if e["file"] == "lstm_numpy.py"]  # the torch ones: not submitted, 0
        assert len(numpy_parts) == 7 and all(e["score"] == e["max_score"] > 0 for e in numpy_parts), \
            f"the student after {name} lost points: {honest}"
        assert float(honest["total"]) == sum(e["max_score"] for e in numpy_parts)
        report = json.loads((out / "students" / f"{k:02d}a" / "report.json").read_text())
        exercises = {e["id"]: e for e in report["exercises"]}
        target = "LSTMCell" if name in TORCH else "remember_gate"
        assert exercises[target]["score"] < exercises[target]["max_score"], f"{name} earned points"
        if name in WHOLE_FILE:
            assert report["score"] == 0
    assert tree(ROOT, root, other, secret_dir) == before, "a file outside the sandbox changed"
    assert not list(tmp_path.glob("survivor-*")) and not list(Path("/tmp").glob("survivor-*")), "a process outlived"
    survivors = [p for p in processes() - pids if _sandboxed(p)]
    assert not survivors, f"processes left behind: {survivors}"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".csv"):
            assert SECRET not in path.read_text(errors="replace"), f"a secret reached {path}"
    assert not listeners.received, f"the sandbox reached the network: {listeners.received}"
