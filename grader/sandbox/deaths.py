"""Why a child stopped answering, in one sentence a learner can act on."""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass
from typing import Any

from grader.errors import SandboxFailure
from grader.sandbox.untrusted import clean

_SIGNALS = {
    signal.SIGSEGV: "crashed with a segmentation fault",
    signal.SIGBUS: "crashed with a bus error",
    signal.SIGABRT: "aborted",
    signal.SIGFPE: "crashed with a floating-point exception",
    signal.SIGXCPU: "used up its CPU-time limit",
    signal.SIGXFSZ: "wrote more output than allowed",
    signal.SIGKILL: "was killed (most likely it used more memory than allowed)",
}

# Shortly before a call (or the import) runs out of time, the child writes where the submission is,
# innermost frame first, as one line of its log: STUCK_MARKER, then a JSON list of frames.
STUCK_MARKER = "\x00grader: stuck at "
STUCK_AT = 0.9  # of the time limit: early enough to be in the log when the parent stops the child


BUDGET_RAN_OUT = "the submission's time budget ran out"  # how every over-budget check's reason starts


def budget(seconds: float) -> str:
    """The submission's time budget, in the words every over-budget check uses."""
    return f"all the checks of one submission together may take {seconds:g} s (submission_timeout in [tool.grader])"


@dataclass(frozen=True)
class Death:
    how: str  # timeout | died | protocol
    detail: str  # what was malformed, for protocol errors
    subject: str  # the function running ("forget_gate", "importing lstm_numpy.py")
    during: str  # "while running forget_gate"
    limit: float  # the time limit of what was running: a call's, or the import's
    over_budget: bool  # the whole submission's time was used up
    log_tail: str  # the end of the child's output (faulthandler writes crash sites there, the child where it was stuck)
    file: str
    memory: bool = False  # its cgroup saw the memory limit hit
    processes: bool = False  # its cgroup refused a new process or thread


def explain(death: Death, code: int | None, limits: Any) -> SandboxFailure:
    """The ``SandboxFailure`` for a child that died with exit ``code`` (negative: a signal)."""
    submission_timeout = limits.submission_timeout
    where = crash_site(death.log_tail, death.file)
    if death.memory and death.how != "timeout":
        return SandboxFailure(f"the submission's process used more than the {limits.memory_mb} MiB memory limit "
                              f"{death.during}", kind="memory")
    if death.how == "timeout" and death.over_budget:
        return SandboxFailure(f"{BUDGET_RAN_OUT} while this check ran: {budget(submission_timeout)}", kind="budget")
    if death.how == "timeout":
        return SandboxFailure(f"{death.subject} took longer than the {death.limit:g} s time limit (an endless loop, or "
                              f"very slow code?){stuck_site(death.log_tail)}", kind="timeout")
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


def stuck_site(log_tail: str) -> str:
    """Where the child said the submission was stuck (its last such line), as a clause of the message; what
    the line says is the child's (a submission can write such lines too), so it is cleaned here."""
    found = [line for line in log_tail.splitlines() if line.startswith(STUCK_MARKER)]
    try:
        frames = json.loads(found[-1][len(STUCK_MARKER):]) if found else []
    except ValueError:
        return ""
    if not isinstance(frames, list) or not frames or not all(_is_frame(f) for f in frames):
        return ""
    inner, callers = frames[0], [clean(f["function"], 100) for f in frames[1:] if f["function"] != "<module>"]
    name = clean(inner["function"], 100)
    where = "in the top-level code" if name == "<module>" else f"in {name}"
    if callers and callers[0] != name:
        where += f", called from {callers[0]}"
    code = f" ({clean(inner['code'], 300)})" if inner["code"] else ""
    return f"; it was stopped at {clean(inner['file'], 100)} line {inner['line']}{code}, {where}"


def _is_frame(frame: Any) -> bool:
    """One frame as the child writes it (a submission can print lines that look like it: all are checked)."""
    return (isinstance(frame, dict) and type(frame.get("line")) is int and 0 < frame["line"] < 1 << 20
            and all(isinstance(frame.get(key), str) and len(frame[key]) <= cap
                    for key, cap in (("file", 100), ("function", 100), ("code", 300))))


def without_stuck(output: str) -> str:
    """The child's output without the lines it wrote to say where it was stuck (a call that then finished)."""
    if STUCK_MARKER not in output:
        return output
    return re.sub("\n?" + re.escape(STUCK_MARKER) + "[^\n]*\n?", "", output)  # the child starts it on a line of its own
