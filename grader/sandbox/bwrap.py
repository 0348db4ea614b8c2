"""The ``bwrap`` isolation level: the child runs inside bubblewrap (Debian's ``bubblewrap``).

What the child sees: a read-only view of the system's libraries and of the Python runtime
(interpreter and site-packages, nothing else of the grader's install), its own runtime files
and the submission's private copy, both read-only, at /sandbox, and a private writable tmpfs
at /tmp where it works. Not there at all: the course (``solutions/``, checks, quizzes), every
other submission, the grader's home, /etc beyond the dynamic linker's cache. Namespaces: its
own user (uid 1000 inside, no capabilities), PID (it cannot see or signal the grader), network
(no interface but loopback, and nothing listens there), IPC, UTS and cgroup; it dies with its
parent and runs in a new session (no access to the grader's terminal).
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from grader.sandbox.launch import child_argv, scrubbed_environment

INSIDE = Path("/sandbox")
SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/ld.so.conf",
          "/etc/ld.so.conf.d", "/etc/alternatives")


@functools.cache
def bwrap_path() -> str | None:
    """bubblewrap, if it is installed and can create its namespaces here (probed once)."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--dev", "/dev", "--proc", "/proc",
             "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if done.returncode == 0 else None


def python_roots() -> list[str]:
    """The folders the interpreter and its libraries live in (resolved, deduplicated)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths |= {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    resolved = sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})
    return [p for p in resolved if not any(p != q and p.startswith(q + os.sep) for q in resolved)]


def bwrap_launcher(python: str, child: Path, config: dict[str, Any], workdir: Path) -> tuple[list[str], dict[str, str]]:
    bwrap = bwrap_path()
    if bwrap is None:
        raise RuntimeError("bubblewrap is not available")  # callers pick the level with bwrap_path() first
    inside = {**config, "submission": str(INSIDE / "submission"), "cwd": "/tmp"}
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", "1000", "--gid", "1000", "--hostname", "sandbox", "--clearenv"]
    for name, value in scrubbed_environment(Path("/tmp")).items():
        argv += ["--setenv", name, value]
    argv += ["--setenv", "TMPDIR", "/tmp"]
    for path in SYSTEM:
        argv += ["--ro-bind-try", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in python_roots():  # after the tmpfs: a runtime under /tmp (a venv in a clone there) stays visible
        argv += ["--ro-bind", path, path]
    argv += ["--ro-bind", str(workdir / "runtime"), str(INSIDE / "runtime"),
             "--ro-bind", str(workdir / "submission"), str(INSIDE / "submission")]
    for device in sorted(glob.glob("/dev/nvidia*")):  # a GPU, where there is one, for the torch checks
        argv += ["--dev-bind-try", device, device]
    argv += ["--chdir", "/tmp", "--"]
    argv += child_argv(python, INSIDE / "runtime" / "child.py", inside)  # the venv's python: its pyvenv.cfg
    return argv, {"PATH": os.defpath}


def describe_argv(argv: list[str]) -> str:
    """A readable one-liner of a launch (for docs and debugging)."""
    return " ".join(json.dumps(a) if " " in a else a for a in argv)
