"""The bank on disk: one compressed ``.npz`` holding a JSON manifest and the arrays it refers to.

The manifest names the grader version and the course that made it (a bank from another is
refused in one sentence), every check's published cases (each by the fields that determine its
arrays, with a digest of those arrays, checked on load), which checks need the course's answers,
the misconception library's entries without their code, and every answer as a tree whose arrays
are stored once each (equal arrays, e.g. a variant that agrees with the reference, share one).
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import __version__
from grader.bank.answers import Raised
from grader.checks.cases import Case
from grader.diagnosis.misconception import Misconception
from grader.errors import InputError

FORMAT = 1
_FIELDS = ("id", "title", "explanation", "exercises", "checks", "sizes", "pattern", "hint", "gradients")


@dataclass(frozen=True)
class Bank:
    version: str  # the grader that made it
    course: str  # the course it was made from
    cases: dict[str, tuple[Case, ...]]  # "exercise:check" -> published cases, in the order they run
    driven: frozenset[str]  # the checks that run on their published cases (they need the course's answers)
    answers: Mapping[str, Any]  # bank.answers.key(case, what) -> the answer
    misconceptions: tuple[Misconception, ...]  # the library's entries, without their code


def course_name(course: Path) -> str:
    """The course's name: its pyproject's project name, else its folder's."""
    import tomllib

    try:
        table = tomllib.loads((course / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return course.resolve().name
    edition = table.get("tool", {}).get("grader", {}).get("edition", {})
    name = edition.get("course") or table.get("project", {}).get("name") or course.resolve().name
    return str(name)


def case_digest(case: Case) -> str:
    """A digest of the case's arrays: the edition makes them again from the case's fields, and checks they agree."""
    digest = hashlib.sha256()
    for name, array in sorted(case.arrays.items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def save_bank(bank: Bank, path: Path) -> Path:
    pools: dict[str, list[np.ndarray]] = {}  # dtype -> its arrays, flattened, stored end to end in one buffer
    sizes: dict[str, int] = {}
    seen: dict[bytes, list[Any]] = {}

    def encode(value: Any) -> Any:
        if isinstance(value, (np.ndarray, np.generic)):
            array = np.ascontiguousarray(value)
            fingerprint = hashlib.sha256(array.dtype.str.encode() + str(array.shape).encode()
                                         + array.tobytes()).digest()
            if fingerprint not in seen:
                dtype = array.dtype.str
                seen[fingerprint] = [dtype, sizes.get(dtype, 0), list(array.shape)]
                pools.setdefault(dtype, []).append(array.ravel())
                sizes[dtype] = sizes.get(dtype, 0) + array.size
            return {"@array": seen[fingerprint]}
        if isinstance(value, Raised):
            return {"@raised": value.error}
        if isinstance(value, dict):
            return {"@dict": [[k, encode(v)] for k, v in value.items()]}
        if isinstance(value, tuple):
            return {"@tuple": [encode(v) for v in value]}
        if isinstance(value, list):
            return [encode(v) for v in value]
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(f"the bank cannot hold a {type(value).__name__}")

    every_case = {c for cases in bank.cases.values() for c in cases}
    manifest = {
        "format": FORMAT, "grader": bank.version, "course": bank.course,
        "cases": {check: [_case_fields(c) for c in cases] for check, cases in bank.cases.items()},
        "digests": {_case_name(c): case_digest(c) for c in sorted(every_case, key=_case_name)},
        "driven": sorted(bank.driven),
        "misconceptions": [{k: v for k, v in asdict(m).items() if k in _FIELDS} for m in bank.misconceptions],
        "answers": {name: encode(value) for name, value in bank.answers.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    buffers = {f"pool{k}": np.concatenate(parts) for k, parts in enumerate(pools.values())}
    names = dict(zip(pools, buffers, strict=True))
    text = json.dumps({**manifest, "pools": names}, separators=(",", ":"), allow_nan=True).encode()
    with path.open("wb") as out:
        stored: dict[str, Any] = {"manifest": np.frombuffer(text, dtype=np.uint8), **buffers}
        np.savez_compressed(out, **stored)
    return path


def load_bank(path: Path, course: Path) -> Bank:
    """The bank at ``path`` for the edition ``course``; one sentence (exit 2) where it cannot be used."""
    again = "ask your instructor for the edition again, or run `grade release` again"
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as stored:  # closed even when unreadable
            manifest = json.loads(bytes(stored["manifest"]).decode())
            arrays = {name: stored[name] for name in stored.files if name != "manifest"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise InputError(f"{path}: the case bank cannot be read ({type(error).__name__}: it is truncated or not a "
                         f"bank); {again}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}: not a case bank this grader reads; {again}")
    made_by, made_for, here = manifest.get("grader"), manifest.get("course"), course_name(course)
    if made_by != __version__:
        raise InputError(f"{path}: this case bank was made by grader {made_by}, and this is grader {__version__}: "
                         f"install the version the edition names (pip install lstm-grader=={made_by}), or {again}")
    if made_for != here:
        raise InputError(f"{path}: this case bank was made for the course {made_for!r}, not {here!r}; {again}")
    try:
        return _decoded(manifest, arrays, path)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"{path}: the case bank is damaged ({type(error).__name__}: {error}); {again}") from None


def _decoded(manifest: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> Bank:
    def decode(value: Any) -> Any:
        if isinstance(value, list):
            return [decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "@array" in value:
            dtype, start, shape = value["@array"]
            pool = arrays[manifest["pools"][dtype]]
            return pool[start:start + math.prod(shape)].reshape(shape).copy()
        if "@raised" in value:
            return Raised(value["@raised"])
        if "@tuple" in value:
            return tuple(decode(v) for v in value["@tuple"])
        return {k: decode(v) for k, v in value["@dict"]}

    cases = {check: tuple(Case(*fields) for fields in listed) for check, listed in manifest["cases"].items()}
    for case in {c for listed in cases.values() for c in listed}:
        if manifest["digests"][_case_name(case)] != case_digest(case):
            raise InputError(f"{path}: the published case {_case_name(case)} makes other arrays here than where the "
                             "bank was made (another numpy?); install the numpy the course names")
    misconceptions = tuple(Misconception(**{**m, "exercises": tuple(m["exercises"]), "checks": tuple(m["checks"])})
                           for m in manifest["misconceptions"])
    return Bank(version=manifest["grader"], course=manifest["course"], cases=cases,
                driven=frozenset(manifest["driven"]),
                answers=Decoded(manifest["answers"], decode),
                misconceptions=misconceptions)


class Decoded(Mapping[str, Any]):
    """The bank's answers, each decoded when first asked for (a check asks for a few hundred of thousands)."""

    def __init__(self, raw: dict[str, Any], decode: Callable[[Any], Any]) -> None:
        self._raw = raw
        self._decode = decode
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._done:
            self._done[name] = self._decode(self._raw[name])
        return self._done[name]

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _case_fields(case: Case) -> list[Any]:
    return [case.B, case.I, case.H, case.T, case.dtype, case.magnitude, case.seed, case.saturate]


def _case_name(case: Case) -> str:
    from grader.bank.answers import case_key

    return case_key(case)
