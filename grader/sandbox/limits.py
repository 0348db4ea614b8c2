"""The limits of a sandbox session: time, memory, output, files and processes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from grader.config import Settings


@dataclass(frozen=True)
class Limits:
    """A session's limits: the first six come from the settings (``from_settings``; ``Settings`` holds their
    defaults), the rest are the sandbox's own."""

    call_timeout: float
    startup_timeout: float
    submission_timeout: float
    memory_mb: int
    output_kb: int  # captured output kept per call
    spin: float  # seconds the parent polls for a reply before sleeping (0 in pools)
    memory_kind: str = "RLIMIT_AS"  # torch reserves huge address space: it uses RLIMIT_DATA
    output_bytes: int = 1 << 20  # stdout+stderr the child may write through Python, per batch
    file_mb: int = 16  # largest file the child may write (the log included)
    processes: int = 64  # processes and threads the child may have (where cgroups can enforce it)
    open_files: int = 256
    child_spin: float = 0.0  # seconds the child polls for a request before sleeping

    @classmethod
    def from_settings(cls, settings: Settings, *, memory_kind: str | None = None) -> Limits:
        """The limits ``settings`` give a session (``memory_kind``: the track's, ``catalog.TrackInfo``)."""
        limits = cls(call_timeout=settings.call_timeout, startup_timeout=settings.startup_timeout,
                     submission_timeout=settings.submission_timeout, memory_mb=settings.memory_mb,
                     output_kb=settings.output_kb, spin=settings.reply_spin)
        return limits if memory_kind is None else replace(limits, memory_kind=memory_kind)
