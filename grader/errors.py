"""The grader's exceptions and exit codes: one root, user errors kept apart from bugs.

- ``UsageError`` / ``InputError``: the person running ``grade`` gave something we cannot
  use (a missing path, a malformed quiz). The CLI prints one ``Error: ...`` sentence and
  exits with ``ExitCode.USAGE``.
- ``SandboxFailure``: the submission's process could not answer (crash, hang, memory, a
  malformed reply). Checks turn it into a "could not be graded" outcome scoring zero.
- Anything else escaping is a bug in the grader and keeps its traceback.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Documented exit codes of every ``grade`` command."""

    OK = 0  # every graded check passed
    FAILED = 1  # some checks failed (the submission is wrong somewhere)
    USAGE = 2  # usage or input error: nothing was graded
    UNGRADABLE = 3  # some checks could not be graded (crash, timeout, memory, ...)


class GraderError(Exception):
    """Root of every error the grader raises on purpose."""

    exit_code: ExitCode = ExitCode.UNGRADABLE


class UsageError(GraderError):
    """A command was called with an argument we cannot use."""

    exit_code = ExitCode.USAGE


class InputError(UsageError):
    """A file given to the grader (quiz, answers, settings) is missing or malformed.

    The message names the file and the problem in one sentence.
    """


class SandboxFailure(GraderError):
    """The sandboxed process died, hung, ran out of memory or sent a malformed reply.

    ``reason`` is a learner-readable sentence ("took longer than the 5 s limit").
    """

    def __init__(self, reason: str, *, kind: str = "crash") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # crash | timeout | memory | protocol | budget | startup
