"""Which isolation level grades a submission: ``bwrap``, ``process``, or ``none`` (benchmarks only).

``auto`` picks ``bwrap`` wherever bubblewrap is installed and can create its namespaces, and
falls back to ``process`` elsewhere (macOS, plain Windows Python, a container without user
namespaces), saying so in the report: at the process level hostile code is not contained
(docs/security.md).
"""

from __future__ import annotations

from grader.choices import Sandbox, names
from grader.errors import UsageError
from grader.sandbox.bwrap import bwrap_launcher, bwrap_path
from grader.sandbox.launch import Launcher, process_launcher

FALLBACK = ("bubblewrap is not available here, so the submission ran at the process level, which contains "
            "crashes and hangs but not hostile code (see docs/security.md; Debian: apt-get install bubblewrap)")


def resolve(requested: str) -> str:
    """The level that will run: ``bwrap``, ``process`` or ``none``."""
    if requested == "none":
        return "none"
    if requested not in names(Sandbox):
        raise UsageError(f"unknown sandbox level {requested!r}; choose one of {', '.join(names(Sandbox))}")
    if requested == Sandbox.PROCESS:
        return Sandbox.PROCESS.value
    if bwrap_path() is not None:
        return Sandbox.BWRAP.value
    if requested == Sandbox.BWRAP:
        raise UsageError("--sandbox bwrap was asked for, but bubblewrap is not installed or cannot create its "
                         "namespaces here (Debian: apt-get install bubblewrap)")
    return Sandbox.PROCESS.value


def fallback(requested: str, resolved: str) -> str:
    """A warning when ``auto`` had to fall back ('' otherwise)."""
    return FALLBACK if requested == Sandbox.AUTO and resolved == Sandbox.PROCESS else ""


def launcher(level: str) -> Launcher:
    return bwrap_launcher if level == Sandbox.BWRAP else process_launcher
