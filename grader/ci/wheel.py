"""The grader as a wheel, built from its source checkout.

Built from a clean copy of the ``grader`` package with the project's ``pyproject.toml`` and
``README.md`` (a checkout's ``build/`` folder may hold stale files, and nothing of a course may get
in), by ``pip wheel --no-deps --no-build-isolation``: offline, with the setuptools at hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader import __version__
from grader.errors import GraderError, UsageError

PACKAGE = Path(__file__).resolve().parent.parent  # the installed or checked-out ``grader`` package


def build_wheel(out: Path) -> Path:
    """Build the grader's wheel into ``out`` and return its path."""
    project = PACKAGE.parent
    if not (project / "pyproject.toml").is_file():
        raise UsageError(f"{PACKAGE}: the grader's wheel is built from its source checkout, and this grader is "
                         "installed without one; give the wheel instead")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch)
        shutil.copytree(PACKAGE, source / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copyfile(project / name, source / name)
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                               "-w", str(out), str(source)], capture_output=True, text=True, check=False)
    built = sorted(out.glob(f"lstm_grader-{__version__}-*.whl"))
    if done.returncode != 0 or not built:
        raise GraderError(f"building the grader's wheel failed: {done.stderr.strip()[-300:] or 'no wheel was made'}")
    return built[-1]
