"""The exercise catalog: what is graded, where it lives, how many points, which checks.

The one obvious place an exercise is declared is its track module (``grader/tracks/``):
an ``Exercise`` names its id, file, symbol, contract parameters and its ``Check``s (each
with points, hint and visibility). This module holds the shapes of those declarations and
the registry of tracks; ``TRACK_FILES`` stays import-free so the CLI can start the sandbox
before any heavy import.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from grader.choices import Visibility, names
from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.checks.context import CheckContext
    from grader.checks.outcome import Outcome


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    points: float
    hint: str
    run: Callable[[CheckContext], Outcome]
    visibility: str = Visibility.VISIBLE.value
    examples: int = 0  # generated cases it asks for (also its cost, for sharing work)
    explained: bool = False  # a failure is worth the composite exercise's explanation (its first wrong part)
    # why this check cannot run here ('' if it can): then it is skipped, and never counted
    skip_unless: Callable[[CheckContext], str] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.visibility not in names(Visibility):
            raise ValueError(f"check {self.id!r}: visibility must be one of {names(Visibility)}")
        if not self.hint:
            raise ValueError(f"check {self.id!r} needs a hint")


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    track: str
    file: str
    symbol: str
    params: tuple[str, ...]
    checks: tuple[Check, ...]
    kind: str = "function"  # or "class"
    stretch: bool = False
    parts: tuple[str, ...] = ()  # exercises this one is built from, in data-flow order
    imports: tuple[str, ...] = ()  # costly modules its checks import in the grader (e.g. torch)
    # after a failed check on a composite exercise: explain it from its parts (or None)
    explain: Callable[[CheckContext, Any], str | None] | None = field(default=None, compare=False)
    # after a failed check: name the misconception it shows (ctx, check id, outcome) -> Diagnosis or None
    diagnose: Callable[[CheckContext, str, Any], Any] | None = field(default=None, compare=False)
    # before the checks: why its results are no answer at all ('' when they are one; grader.checks.non_answers)
    answers: Callable[[CheckContext], str] | None = field(default=None, compare=False)

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.checks)


@dataclass(frozen=True)
class Track:
    name: str
    file: str  # the learner's file, e.g. lstm_numpy.py
    solution: str  # the reference, relative to the course root
    exercises: tuple[Exercise, ...]


@dataclass(frozen=True)
class TrackInfo:
    """What the grader needs to know about a track before importing it (kept import-free)."""

    file: str  # the learner's file
    module: str  # the module declaring the track
    needs: str = ""  # a module the track cannot be graded without ("torch")
    pin: str = ""  # the version of ``needs`` the course is tested with: `pip install <needs>==<pin>`
    memory_kind: str = "RLIMIT_AS"  # torch reserves far more address space than it uses: RLIMIT_DATA
    forbid: tuple[str, ...] = ()  # APIs replaced in the child by stand-ins that raise


# the torch the course is tested with; README's and .ci/run's install commands spell it too (tests/test_readme.py)
TORCH_PIN = "2.13.0"

TRACKS: dict[str, TrackInfo] = {
    "numpy": TrackInfo("lstm_numpy.py", "grader.tracks.numpy_track"),
    "torch": TrackInfo(
        "lstm_torch.py", "grader.tracks.torch_track", needs="torch", pin=TORCH_PIN, memory_kind="RLIMIT_DATA",
        forbid=("torch.nn.LSTM", "torch.nn.LSTMCell", "torch.nn.GRU", "torch.nn.GRUCell", "torch.nn.RNN",
                "torch.nn.RNNCell", "torch.lstm", "torch.lstm_cell", "torch.gru", "torch.gru_cell",
                "torch._VF.lstm", "torch._VF.lstm_cell", "torch._VF.gru", "torch._VF.gru_cell"),
    ),
}
TRACK_FILES = {name: (info.file, info.module) for name, info in TRACKS.items()}


def missing(module: str) -> bool:
    """True when ``module`` (e.g. torch) cannot be imported here."""
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # ValueError: sys.modules holds None for it
        return True


def load_track(name: str) -> Track:
    module: ModuleType = importlib.import_module(TRACK_FILES[name][1])
    track: Track = module.TRACK
    return track


def course_points() -> dict[tuple[str, str], float]:
    """(exercise, check) -> its points, for every check of the course: the course's maximum is their sum,
    however and wherever a submission is checked."""
    return {(e.id, c.id): c.points for name in TRACK_FILES for e in load_track(name).exercises for c in e.checks}


def course_files() -> dict[str, str]:
    """exercise -> the learner's file it is in."""
    return {e.id: e.file for name in TRACK_FILES for e in load_track(name).exercises}


def all_exercise_ids() -> list[str]:
    return [e.id for name in TRACK_FILES for e in load_track(name).exercises]


def find_exercise(exercise_id: str) -> tuple[Track, Exercise]:
    for name in TRACK_FILES:
        track = load_track(name)
        for exercise in track.exercises:
            if exercise.id == exercise_id:
                return track, exercise
    known = ", ".join(all_exercise_ids())
    raise UsageError(f"unknown exercise {exercise_id!r}; the exercises are: {known}")
