"""Every closed choice of the grader, written once: the CLI's options, the settings' validation and
the code that acts on them all read these enums. Kept import-free: the CLI builds its options from
them before any heavy import.
"""

from __future__ import annotations

from enum import StrEnum


class Profile(StrEnum):
    """A settings profile ([tool.grader.profiles.<profile>])."""

    LOCAL = "local"
    CI = "ci"
    EXAM = "exam"


class Device(StrEnum):
    """Where the torch checks run."""

    AUTO = "auto"  # the CPU, plus GPU checks where CUDA is present
    CPU = "cpu"
    CUDA = "cuda"


class Sandbox(StrEnum):
    """The isolation level a submission is asked to run at (``none``, for benchmarks only, is no choice)."""

    AUTO = "auto"  # bwrap where bubblewrap works, else process
    BWRAP = "bwrap"
    PROCESS = "process"


class Format(StrEnum):
    """A report format."""

    TEXT = "text"
    JSON = "json"
    GRADESCOPE = "gradescope"
    HTML = "html"


class Visibility(StrEnum):
    """Who sees a check's outcome, and when."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    AFTER_DUE_DATE = "after_due_date"
    AFTER_PUBLISHED = "after_published"


def names(choice: type[StrEnum]) -> tuple[str, ...]:
    """The allowed values of ``choice``, in their declared order (e.g. for ``click.Choice``)."""
    return tuple(member.value for member in choice)
