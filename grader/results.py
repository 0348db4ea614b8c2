"""The result model every report is rendered from (and its JSON form, schema below).

A ``Report`` holds ``ExerciseResult``s, each holding ``CheckResult``s. Statuses:

- ``passed``: the check ran and the submission satisfied it;
- ``failed``: the check ran and found the submission wrong (or not implemented yet);
- ``error``: the check could not be graded (crash, timeout, memory, malformed reply): zero
  points and the reason, never a pass;
- ``skipped``: the check did not apply here (e.g. GPU checks without CUDA): zero points and
  excluded from the maximum only where the report says so.

``to_dict`` is the versioned JSON schema (``SCHEMA_VERSION``) documented in
``docs/report-schema.md``; it holds no timings, so the same submission and seed give
byte-identical JSON. ``serialize`` and ``deserialize`` are the one way results (a ``Report``,
an ``ExerciseResult``, a batch's ``StudentRecord``) become JSON and back: across a worker's
pipe, to a Dask client, into the gradebook and as ``--format json``. Their payload names the
schema version; a payload of another version is refused.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, Self, TypeVar

from grader.errors import InputError

SCHEMA_VERSION = "1.0"
# Words of results that other parts read back (the text and HTML reports, a batch's notes):
NOT_IMPLEMENTED = "not implemented yet"  # an exercise's note, and its checks' message: the stub is untouched
COULD_NOT_GRADE = "could not be graded: "  # how the message of every ``error`` check starts


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    reason: str  # why this tolerance ("float32 result", "sequence of 5 steps", ...)

    def describe(self) -> str:
        return f"|got - expected| <= {self.atol:.1e} + {self.rtol:.1e}·|expected| ({self.reason})"


@dataclass(frozen=True)
class Worst:
    """The worst element of a numeric mismatch."""

    output: str  # which output ("stm", "ltm", "" for a single array)
    index: tuple[int, ...]
    expected: float
    got: float
    abs_error: float
    rel_error: float
    mismatched: int  # how many elements are outside the tolerance
    total: int


@dataclass(frozen=True)
class Counterexample:
    """The smallest failing input hypothesis found, ready to show a learner."""

    sizes: dict[str, int]  # B, I, H, T
    dtype: str
    inputs: dict[str, Any]  # name -> nested lists (arrays) or numbers
    expected: dict[str, Any] | None = None
    got: dict[str, Any] | None = None
    worst: Worst | None = None


@dataclass(frozen=True)
class Diagnosis:
    id: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    id: str
    title: str
    status: Status
    points: float
    max_points: float
    message: str = ""
    hint: str = ""
    visibility: str = "visible"
    cases: int = 0
    tolerance: Tolerance | None = None
    counterexample: Counterexample | None = None
    diagnosis: Diagnosis | None = None
    output: str = ""  # what the submission printed during this check (truncated)
    reproduce: str = ""


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    title: str
    file: str
    checks: tuple[CheckResult, ...]
    note: str = ""  # e.g. "not implemented yet", "could not be imported: ..."

    @property
    def points(self) -> float:
        return round(sum(c.points for c in self.checks), 6)

    @property
    def max_points(self) -> float:
        return round(sum(c.max_points for c in self.checks), 6)

    @property
    def status(self) -> Status:
        statuses = {c.status for c in self.checks}
        for status in (Status.ERROR, Status.FAILED, Status.PASSED):
            if status in statuses:
                return status
        return Status.SKIPPED

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one exercise, as a report's ``exercises`` hold it (strict, as ``Report.to_dict``)."""
        data: dict[str, Any] = _strict({
            "id": self.id,
            "title": self.title,
            "file": self.file,
            "status": self.status.value,
            "score": self.points,
            "max_score": self.max_points,
            "note": self.note,
            "checks": [_check_dict(c) for c in self.checks],
        })
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExerciseResult:
        """The inverse of ``to_dict``."""
        return cls(
            id=data["id"],
            title=data["title"],
            file=data["file"],
            checks=tuple(_check_from_dict(c) for c in data["checks"]),
            note=data.get("note", ""),
        )


@dataclass(frozen=True)
class Report:
    submission: str
    seed: int
    exercises: tuple[ExerciseResult, ...]
    environment: dict[str, str] = field(default_factory=dict)  # device, versions, isolation
    notes: tuple[str, ...] = ()

    @property
    def points(self) -> float:
        return round(sum(e.points for e in self.exercises), 6)

    @property
    def max_points(self) -> float:
        return round(sum(e.max_points for e in self.exercises), 6)

    def checks(self) -> list[CheckResult]:
        return [c for e in self.exercises for c in e.checks]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (strict: NaN and infinities become the strings "nan", "inf", "-inf")."""
        data: dict[str, Any] = _strict({
            "schema_version": SCHEMA_VERSION,
            "submission": self.submission,
            "seed": self.seed,
            "score": self.points,
            "max_score": self.max_points,
            "environment": dict(sorted(self.environment.items())),
            "notes": list(self.notes),
        })
        return {**data, "exercises": [e.to_dict() for e in self.exercises]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """The inverse of ``to_dict`` (for results read back from workers or a gradebook)."""
        return cls(
            submission=data["submission"],
            seed=data["seed"],
            exercises=tuple(ExerciseResult.from_dict(e) for e in data["exercises"]),
            environment=dict(data.get("environment", {})),
            notes=tuple(data.get("notes", ())),
        )


report_from_dict = Report.from_dict  # the inverse of ``Report.to_dict``


class Serializable(Protocol):
    """What ``serialize`` writes and ``deserialize`` reads: a result with a JSON form and its inverse."""

    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self: ...


S = TypeVar("S", bound=Serializable)


def serialize(value: Serializable, *, indent: int | None = None) -> str:
    """``value`` as strict JSON, its schema version first (one line unless ``indent`` is given)."""
    return json.dumps({"schema_version": SCHEMA_VERSION, **value.to_dict()}, indent=indent, allow_nan=False)


def deserialize(text: str | bytes, kind: type[S]) -> S:
    """The ``kind`` (``Report``, ``ExerciseResult``, ``StudentRecord``...) that ``serialize`` wrote as ``text``;
    an ``InputError`` saying why for anything else, a payload of another schema version included."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InputError(f"a result that is not JSON cannot be read ({error})") from None
    found = data.get("schema_version") if isinstance(data, dict) else None
    if found != SCHEMA_VERSION:
        raise InputError(f"a result written by another version of the grader cannot be read (result schema "
                         f"{found!r}; this grader reads {SCHEMA_VERSION!r})")
    try:
        return kind.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"a malformed {kind.__name__} cannot be read ({type(error).__name__}: {error})") from None


def _strict(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v) for v in value]
    return value


def _check_dict(check: CheckResult) -> dict[str, Any]:
    data = asdict(check)
    data["status"] = check.status.value
    data["score"] = data.pop("points")
    data["max_score"] = data.pop("max_points")
    if check.counterexample and check.counterexample.worst:
        data["counterexample"]["worst"]["index"] = list(check.counterexample.worst.index)
    return data


def _number(value: float | str) -> float:
    """A number of the JSON form: "nan", "inf" and "-inf" (``_strict``) as floats again."""
    return float(value) if isinstance(value, str) else value


def _worst(data: Mapping[str, Any]) -> Worst:
    numbers = {k: float(data[k]) for k in ("expected", "got", "abs_error", "rel_error")}  # "nan" -> nan
    return Worst(**{**data, **numbers, "index": tuple(data["index"])})


def _check_from_dict(data: Mapping[str, Any]) -> CheckResult:
    tolerance = Tolerance(**data["tolerance"]) if data.get("tolerance") else None
    example = data.get("counterexample")
    counterexample = None
    if example:
        worst = example.get("worst")
        counterexample = Counterexample(
            sizes=example["sizes"],
            dtype=example["dtype"],
            inputs=example["inputs"],
            expected=example.get("expected"),
            got=example.get("got"),
            worst=_worst(worst) if worst else None,
        )
    diagnosis = Diagnosis(**data["diagnosis"]) if data.get("diagnosis") else None
    return CheckResult(
        exercise=data["exercise"],
        id=data["id"],
        title=data["title"],
        status=Status(data["status"]),
        points=_number(data["score"]),
        max_points=_number(data["max_score"]),
        message=data.get("message", ""),
        hint=data.get("hint", ""),
        visibility=data.get("visibility", "visible"),
        cases=data.get("cases", 0),
        tolerance=tolerance,
        counterexample=counterexample,
        diagnosis=diagnosis,
        output=data.get("output", ""),
        reproduce=data.get("reproduce", ""),
    )
