"""Replay the cases a clean search drew, instead of drawing them again (batch grading).

Under the grading profile (derandomized, a fixed seed per check) hypothesis draws the same
cases for a check every time, as long as every case passes: what it draws next depends only on
the seed and what it drew before. A batch therefore grades the reference once, in its warm
parent, with recording on; the workers it forks replay the recorded batches of cases for each
student and skip hypothesis's generation, which is most of a numpy check's time.

A replay where every case passes is exactly what the search would have done: the same cases,
the same verdict, the same count. At the first case that does not pass (or that stops the
check), the check runs the full search from the start, so a failure is found and shrunk just
as it is without replay. The costly oracles (finite differences and autograd of the reference)
are remembered per case too. Recording is off unless ``enable()`` was called, so ``grade check``
never depends on it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar, cast

from grader.sandbox import frames

T = TypeVar("T")

Key = tuple[int, int, str]  # (check seed, cases, "exercise:check")
MEMO_LIMIT = 50_000  # oracle results kept (a long-lived Dask worker stops adding beyond it)

_recorded: dict[Key, list[Any]] = {}
_memo: dict[tuple[Any, str], Any] = {}
_enabled = False


def enable() -> None:
    """Record clean searches, and replay them for later gradings of the same check."""
    global _enabled
    _enabled = True


def disable() -> None:
    global _enabled
    _enabled = False
    _recorded.clear()
    _memo.clear()
    frames.clear()


def key(seed: int, cases: int, name: str) -> Key | None:
    """The replay key of the search of check ``name`` ("exercise:check"), or None while replay is off."""
    return (seed, cases, name) if _enabled else None


def recorded(key: Key | None) -> list[Any] | None:
    """The batches of cases a clean search drew for ``key``, in order (None: none recorded)."""
    return None if key is None else _recorded.get(key)


def keep(key: Key | None, batches: list[Any]) -> None:
    """Remember the batches of a search in which every case passed."""
    if key is not None and key not in _recorded:
        _recorded[key] = list(batches)
        frames.pin(array for batch in batches for case in batch for array in _arrays(case))


def pin(cases: Any) -> None:
    """Pin the arrays of cases every grading of a check sends (the fixed saturating ones), while replay is on."""
    if _enabled:
        frames.pin(array for case in cases for array in _arrays(case))


def oracle(case: Any, what: str, compute: Callable[[], T]) -> T:
    """``compute()``, an expensive oracle's answer for ``case`` alone (finite differences, autograd
    of the reference), remembered while replay is on: replayed cases are the same every time. Each
    caller gets its own copy, so nothing a check does to its answer reaches another check."""
    if not _enabled:
        return compute()
    if (case, what) in _memo:
        return cast(T, copy.deepcopy(_memo[(case, what)]))
    found = compute()
    if len(_memo) < MEMO_LIMIT:
        _memo[(case, what)] = copy.deepcopy(found)
    return found


def _arrays(case: Any) -> list[Any]:
    """The arrays a recorded case hands to the calls (``Case.arrays`` and the like), to pin."""
    arrays = getattr(case, "arrays", None)
    return list(arrays.values()) if isinstance(arrays, dict) else []


def size() -> int:
    """How many searches are recorded."""
    return len(_recorded)
