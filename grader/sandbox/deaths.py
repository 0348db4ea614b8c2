"""Why a child stopped answering, in one sentence a learner can act on."""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from typing import Any

from grader.errors import SandboxFailure

_SIGNALS = {
    signal.SIGSEGV: "crashed with a segmentation fault",
    signal.SIGBUS: "crashed with a bus error",
    signal.SIGABRT: "aborted",
    signal.SIGFPE: "crashed with a floating-point exception",
    signal.SIGXCPU: "used up its CPU-time limit",
    signal.SIGXFSZ: "wrote more output than allowed",
    signal.SIGKILL: "was killed (most likely it used more memory than allowed)",
}


@dataclass(frozen=True)
class Death:
    how: str  # timeout | died | protocol
    detail: str  # what was malformed, for protocol errors
    subject: str  # the function running ("forget_gate", "importing lstm_numpy.py")
    during: str  # "while running forget_gate"
    over_budget: bool  # the whole submission's time was used up
    log_tail: str  # the end of the child's output (faulthandler writes crash sites there)
    file: str
    memory: bool = False  # its cgroup saw the memory limit hit
    processes: bool = False  # its cgroup refused a new process or thread


def explain(death: Death, code: int | None, limits: Any) -> SandboxFailure:
    """The ``SandboxFailure`` for a child that died with exit ``code`` (negative: a signal)."""
    call_timeout, submission_timeout = limits.call_timeout, limits.submission_timeout
    where = crash_site(death.log_tail, death.file)
    if death.memory and death.how != "timeout":
        return SandboxFailure(f"the submission's process used more than the {limits.memory_mb} MiB memory limit "
                              f"{death.during}", kind="memory")
    if death.how == "timeout" and death.over_budget:
        return SandboxFailure(
            f"grading stopped: all checks of this submission together took longer than the "
            f"{submission_timeout:g} s limit",
            kind="budget",
        )
    if death.how == "timeout":
        return SandboxFailure(
            f"{death.subject} took longer than the {call_timeout:g} s time limit (an endless loop, or very slow code?)",
            kind="timeout",
        )
    if death.how == "protocol":
        return SandboxFailure(f"the submission's process sent a reply the grader cannot read ({death.detail})",
                              kind="protocol")
    if death.processes and death.how != "timeout":
        return SandboxFailure(f"the submission's process tried to start more than {limits.processes} processes or "
                              f"threads {death.during} (a fork bomb?)", kind="crash")
    if code is not None and code < 0:
        number = signal.Signals(-code)
        what = _SIGNALS.get(number, f"was stopped by signal {number.name}")
        kind = "memory" if number == signal.SIGKILL else "crash"
        return SandboxFailure(f"the submission's process {what} {death.during}{where}", kind=kind)
    return SandboxFailure(
        f"the submission's process exited (status {code}) {death.during}{where}; does the code call exit() or "
        "os._exit()?",
        kind="crash",
    )


def crash_site(log_tail: str, file: str) -> str:
    """Where faulthandler saw the crash in the submission, if it did."""
    sites = re.findall(r'File "[^"]*/' + re.escape(file) + r'", line (\d+) in (\w+)', log_tail)
    if not sites:
        return ""
    line, function = sites[0]
    return f" (at {file} line {line}, in {function})"
