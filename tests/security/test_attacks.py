"""The red-team suite: hostile submissions the grader must contain under bwrap.

Each attack (tests/security/attacks/<category>__<name>.py) edits a correct submission. For
every one, `grade check --sandbox bwrap` must: give the targeted exercise less than full marks;
grade every exercise that does not use it as it deserves; exit normally (1 or 3) with a JSON
report that names the reason; leave every file outside the sandbox unchanged (the course, the
submission, a neighbour's submission, a secret file: hashed before and after); leave no process
behind; and let nothing out (environment, secrets, network).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from grader.sandbox.bwrap import bwrap_path

ATTACKS = Path(__file__).parent / "attacks"
SECRET = "instructor-token-7f3a9c"
pytestmark = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed (apt-get install bubblewrap)")

# the exercises that call remember_gate (they may lose points with it); the others must not
USES_REMEMBER = {"remember_gate", "lstm_cell", "lstm_forward"}
WHOLE_FILE = {"crash__exit_at_import"}  # the file cannot be imported: every exercise fails, with the reason
MAY_STOP_THE_REST = {"exhaust__sleep_under_the_limit", "exhaust__forged_progress"}  # they use up the submission's time
TORCH = {"cheat__torch_function"}
FAST = "privacy__environment"  # the one attack in the fast loop (pytest -m "not slow"); all of them take minutes


def attack_names() -> list[str]:
    return sorted(p.stem for p in ATTACKS.glob("*.py"))


def test_the_suite_is_big_enough() -> None:
    names = attack_names()
    categories = {name.split("__")[0] for name in names}
    assert categories == {"cheat", "crash", "exhaust", "tamper", "privacy", "network"}
    assert len(names) >= 30


def tree(*roots: Path) -> dict[str, str]:
    """sha256 of every file under ``roots`` (caches and the virtualenv left out)."""
    skip = {".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
    hashes = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in skip]
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    hashes[path] = hashlib.sha256(f.read()).hexdigest()
    return hashes


def processes() -> set[int]:
    return {int(p) for p in os.listdir("/proc") if p.isdigit()}


def _sandboxed(pid: int) -> bool:
    """A sandbox child (or anything it started, which shares its command line) that is still alive."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"runtime/child.py" in cmdline or b"bwrap" in cmdline


class Listeners:
    """A TCP and a UDP socket on 127.0.0.1 that record whatever reaches them."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.tcp.settimeout(0.2)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.tcp.accept()
                self.received.append(connection.recv(100) or b"connected")
                connection.close()
            except OSError:
                pass
            with contextlib.suppress(OSError):
                self.received.append(self.udp.recv(100))

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.tcp.close()
        self.udp.close()


def short_course(folder: Path) -> Path:
    """This course in ``folder``, with short limits and fewer cases, so the attacks that hang cost seconds
    (an attack shows in the first calls it gets)."""
    text = (ROOT / "pyproject.toml").read_text().replace(
        "[tool.grader]\n",
        "[tool.grader]\ncall_timeout = 2.0\nsubmission_timeout = 20.0\nmemory_mb = 512\nexamples_scale = 0.3\n", 1)
    (folder / "pyproject.toml").write_text(text)
    (folder / "solutions").symlink_to(ROOT / "solutions")
    (folder / "quizzes").symlink_to(ROOT / "quizzes")
    return folder


def attack_source(name: str, places: dict[str, str]) -> str:
    """The attack ``name`` on its track's correct base, its placeholders (``{{PORT}}``, ...) filled in."""
    source = (ATTACKS / f"{name}.py").read_text()
    for key, value in places.items():
        source = source.replace("{{" + key + "}}", value)
    base = (FIXTURES / ("torch" if name in TORCH else "numpy") / "_base.py").read_text()
    return f"{base}\n\n# ---- the attack ----\n{source}"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_course(tmp_path_factory.mktemp("course"))


@pytest.mark.parametrize("name", [pytest.param(name, marks=() if name == FAST else pytest.mark.slow)
                                  for name in attack_names()])
def test_the_attack_is_contained(name: str, course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    track = "torch" if name in TORCH else "numpy"
    if track == "torch":
        pytest.importorskip("torch")
    file = f"lstm_{track}.py"
    submission, other, secret_dir = tmp_path / "student", tmp_path / "neighbour", tmp_path / "secrets"
    for folder in (submission, other, secret_dir):
        folder.mkdir()
    (other / "lstm_numpy.py").write_text(f"# the neighbour's work: {SECRET}\n")
    (secret_dir / "token.txt").write_text(SECRET)
    listeners = Listeners()
    output = tmp_path / "report.json"
    marker = f"survivor-{name}"
    places = {"PORT": str(listeners.tcp.getsockname()[1]), "UDP_PORT": str(listeners.udp.getsockname()[1]),
              "OUTPUT": str(output), "MARKER": marker, "MARKER_DIR": str(tmp_path), "OTHER_DIR": str(other),
              "SECRET_FILE": str(secret_dir / "token.txt")}
    (submission / file).write_text(attack_source(name, places))

    monkeypatch.setenv("GRADER_TEST_TOKEN", SECRET)
    before, pids = tree(ROOT, submission, other, secret_dir), processes()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "grader", "--course", str(course), "check", str(submission / file),
         "--sandbox", "bwrap", "--format", "json", "--output", str(output)],
        capture_output=True, text=True, timeout=240,
    )
    time.sleep(3.5 if "background" in name else 0.3)  # what a left-behind process would need to act
    listeners.close()

    assert done.returncode in (1, 3), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    report = json.loads(output.read_text())  # the grader's own report, not a planted one
    exercises = {e["id"]: e for e in report["exercises"]}
    target = "LSTMCell" if track == "torch" else "remember_gate"
    assert exercises[target]["score"] < exercises[target]["max_score"], f"{name} earned points"
    reasons = " ".join(c["message"] for c in exercises[target]["checks"])
    assert reasons.strip(), "the report must say why"
    for exercise in exercises.values():
        if name in WHOLE_FILE:
            assert exercise["score"] == 0 and exercise["note"]
        elif exercise["id"] not in USES_REMEMBER | {target, "LSTM"} and name not in MAY_STOP_THE_REST:
            assert exercise["score"] == exercise["max_score"], f"{name} cost {exercise['id']} points"
    assert tree(ROOT, submission, other, secret_dir) == before, "a file outside the sandbox changed"
    assert not (tmp_path / marker).exists() and not Path("/tmp", marker).exists(), "a process outlived grading"
    survivors = [p for p in processes() - pids if _sandboxed(p)]
    assert not survivors, f"processes left behind: {survivors}"
    assert SECRET not in output.read_text(), "a secret reached the report"
    assert not listeners.received, f"the sandbox reached the network: {listeners.received}"
    assert time.monotonic() - started < 200
