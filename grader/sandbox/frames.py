"""Request frames encoded once per batch, not once per student.

A batch replays the same recorded cases to every student (``grader.checks.replay``), so the
parent would encode the same requests, byte for byte, hundreds of times. The arrays of the
recorded cases are *pinned* here: made read-only and kept alive, so an array's ``id`` names
its contents for as long as the batch runs. A batch of calls whose every array is pinned is
encoded once; later the cached bytes are sent with only the batch number changed. Calls that
carry any other array (rows permuted, a state computed from a reply) are encoded as usual.
Nothing is cached unless something was pinned: ``grade check`` never uses it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from grader.sandbox.calls import Call
from grader.sandbox.runtime import protocol

LIMIT = 20_000  # frames kept (a long-lived Dask worker stops adding beyond it)
SENTINEL = 0  # the batch number the cached envelope carries, replaced when it is sent

_pinned: dict[int, np.ndarray] = {}
_frames: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}


def pin(arrays: Iterable[np.ndarray]) -> None:
    """Keep ``arrays`` alive and unchanged, so the frames that carry them can be reused."""
    for array in arrays:
        array.flags.writeable = False
        _pinned[id(array)] = array


def clear() -> None:
    _pinned.clear()
    _frames.clear()


def frame(batch: int, calls: Sequence[Any], encode: Callable[[Any, list[Any]], Any]) -> bytes:
    """The request frame of ``calls`` (each encoded by ``encode``), numbered ``batch``."""
    key = _key(calls) if _pinned else None
    cached = None if key is None else _frames.get(key)
    if cached is None:
        arrays: list[Any] = []
        encoded = [encode(call, arrays) for call in calls]
        whole = protocol.encode_frame({"op": "calls", "batch": SENTINEL, "calls": encoded}, arrays)
        json_len, _ = protocol.parse_header(whole[: protocol.HEADER.size])
        start = protocol.HEADER.size
        cached = (whole[start : start + json_len], whole[start + json_len :])
        if key is not None and len(_frames) < LIMIT:
            _frames[key] = cached
    envelope, payload = cached
    envelope = envelope.replace(b'"batch":%d,' % SENTINEL, b'"batch":%d,' % batch, 1)
    return protocol.HEADER.pack(protocol.MAGIC, len(envelope), len(payload)) + envelope + payload


def _key(value: Any) -> Any:
    """A hashable stand-in for ``value`` (pinned arrays by identity), or None if it holds anything else."""
    kind = type(value)
    if kind is list and value and type(value[0]) is Call:  # the usual batch: calls of plain pinned arrays, fast
        keys = []
        for call in value:
            if type(call) is not Call:
                return _general_key(value)
            ids = []
            for arg in call.args:
                if type(arg) is not np.ndarray:
                    return _general_key(value)
                if _pinned.get(id(arg)) is not arg:  # an array computed for this call: no cached frame holds it
                    return None
                ids.append(id(arg))
            keys.append((call.symbol, call.echo, *ids))
        return ("calls", *keys)
    return _general_key(value)


def _general_key(value: Any) -> Any:
    kind = type(value)
    if kind is np.ndarray:
        return ("a", id(value)) if _pinned.get(id(value)) is value else None
    if kind is Call:
        args = _key(value.args)
        return None if args is None else ("call", value.symbol, value.echo, args)
    if kind is list or kind is tuple:
        parts = []
        for item in value:  # the first array that is not pinned ends the walk
            part = _key(item)
            if part is None:
                return None
            parts.append(part)
        return (kind.__name__, *parts)
    if kind is dict:
        if not all(type(k) is str for k in value):
            return None
        items = _key(list(value.values()))
        return None if items is None else ("d", tuple(value), items)
    if value is None:
        return ("n",)
    if kind in (str, int, float, bool):
        return (kind.__name__, value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = _key([getattr(value, f.name) for f in dataclasses.fields(value)])
        return None if inner is None else (kind.__name__, inner)
    return None
