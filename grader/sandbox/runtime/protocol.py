"""The wire protocol between the trusted parent and the untrusted child.

This module is the only piece of the grader the child loads (a private copy of this file),
so it imports nothing but the standard library and numpy.

A frame is a fixed header, a small JSON envelope, then the arrays as ``.npy`` bytes::

    MAGIC (8 bytes) | json length (u32, big endian) | payload length (u32) | json | payload

The envelope says where each array lies in the payload (``"arrays": [[offset, length],
...]``). Values are trees of JSON nodes: ``{"t": "array", "i": 0}`` refers to array 0,
``{"t": "tuple", "items": [...]}``, ``{"t": "dict", "items": {...}}``, ``{"t": "none"}``, and
``{"t": "other", "pytype": "..."}`` for anything that is not an array (the parent only ever
reports its type). Nothing is ever unpickled or evaluated: every array header is parsed by a
strict pattern (never evaluated), only plain boolean, integer and float dtypes are accepted,
and sizes are capped before anything is allocated: stricter than
``numpy.load(..., allow_pickle=False)``, and ten times faster on the small arrays sent here.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"LSTMGRD1"
HEADER = struct.Struct(">8sII")
MAX_JSON_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 256 << 20
MAX_ARRAYS = 2048
MAX_ARRAY_ELEMENTS = 1 << 25
MAX_NDIM = 8
MAX_TREE_NODES = 4096
MAX_TREE_DEPTH = 12
ALLOWED_KINDS = "biuf"

_NPY_PREFIX = b"\x93NUMPY\x01\x00"
_NPY_HEADER = re.compile(
    rb"\{'descr': '(?P<descr>[<>|][biuf][1248])', 'fortran_order': (?P<fortran>False|True), "
    rb"'shape': \((?P<shape>(?:\d+, )*(?:\d+,?)?)\), \} *\n"
)


class ProtocolError(ValueError):
    """A frame or value that does not follow the protocol."""


@dataclass(frozen=True)
class Opaque:
    """A value the child could not send as an array: only its type travels."""

    pytype: str
    detail: str = ""


@dataclass(frozen=True)
class TensorValue:
    """A torch tensor, as the child saw it: its values (float64/float32; None on the meta
    device), and its dtype, device and shape as strings the parent only compares."""

    array: np.ndarray | None
    dtype: str
    device: str
    shape: tuple[int, ...]


# --------------------------------------------------------------------------- arrays


def encode_array(array: np.ndarray) -> bytes:
    """``.npy`` format 1.0 bytes of a numeric array (what ``np.save`` writes, without pickle)."""
    if array.dtype.kind not in ALLOWED_KINDS or array.dtype.fields is not None:
        raise ProtocolError(f"arrays of dtype {array.dtype} cannot be sent")
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    key = (array.dtype.str, array.shape)
    prefix = _ENCODED_HEADERS.get(key)
    if prefix is None:
        header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {array.shape!r}, }}"
        padding = -(len(_NPY_PREFIX) + 2 + len(header) + 1) % 64
        text = (header + " " * padding + "\n").encode("latin1")
        prefix = _NPY_PREFIX + struct.pack("<H", len(text)) + text
        if len(_ENCODED_HEADERS) < 4096:
            _ENCODED_HEADERS[key] = prefix
    return prefix + array.tobytes()


def decode_array(data: bytes) -> np.ndarray:
    """Read one ``.npy`` (format 1.0) array; never unpickles, never evaluates the header.

    Stricter than ``np.load(allow_pickle=False)``: the header must match a fixed pattern
    (no ``ast.literal_eval`` of bytes the child wrote), the dtype must be a plain bool, int,
    unsigned or float, and the byte count must match the shape before anything is allocated.
    """
    if not data.startswith(_NPY_PREFIX) or len(data) < 10:
        raise ProtocolError("an array is not in .npy format")
    (header_len,) = struct.unpack("<H", data[8:10])
    header = data[10 : 10 + header_len]
    parsed = _DECODED_HEADERS.get(header)
    if parsed is None:
        parsed = _parse_header(header)
        if len(_DECODED_HEADERS) < 4096:
            _DECODED_HEADERS[header] = parsed
    dtype, shape, count, order = parsed
    if len(data) - 10 - header_len != count * dtype.itemsize:
        raise ProtocolError("an array's bytes do not match its declared shape")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=10 + header_len)
    array: np.ndarray = flat.reshape(shape, order="F" if order == "F" else "C").copy()
    return array


def _parse_header(header: bytes) -> tuple[np.dtype, tuple[int, ...], int, str]:
    match = _NPY_HEADER.fullmatch(header)
    if match is None:
        raise ProtocolError("an array header is malformed or has a disallowed dtype")
    dtype = np.dtype(match["descr"].decode())
    shape = tuple(int(n) for n in match["shape"].decode().replace(",", " ").split())
    if len(shape) > MAX_NDIM:
        raise ProtocolError(f"an array has {len(shape)} dimensions (at most {MAX_NDIM})")
    count = 1
    for n in shape:
        count *= n
    if count > MAX_ARRAY_ELEMENTS:
        raise ProtocolError(f"an array has {count} elements (at most {MAX_ARRAY_ELEMENTS})")
    return dtype, shape, count, "F" if match["fortran"] == b"True" else "C"


_ENCODED_HEADERS: dict[tuple[str, tuple[int, ...]], bytes] = {}
_DECODED_HEADERS: dict[bytes, tuple[np.dtype, tuple[int, ...], int, str]] = {}


# --------------------------------------------------------------------------- value trees


def pack(value: Any, arrays: list[np.ndarray], *, depth: int = 0) -> dict[str, Any]:
    """Turn ``value`` into a JSON tree, appending its arrays to ``arrays``.

    Used on both sides. Anything that is not a plain numeric ndarray, a tuple, list, dict
    (with string keys) or None travels as ``Opaque`` (its type name only).
    """
    if depth > MAX_TREE_DEPTH:
        return {"t": "other", "pytype": "nested too deeply"}
    if type(value) is np.ndarray:
        if value.dtype.kind not in ALLOWED_KINDS or value.dtype.fields is not None:
            return {"t": "other", "pytype": "numpy.ndarray", "detail": f"dtype={value.dtype}"}
        if value.size > MAX_ARRAY_ELEMENTS or value.ndim > MAX_NDIM:
            return {"t": "other", "pytype": "numpy.ndarray", "detail": f"shape={value.shape}"}
        arrays.append(value)
        return {"t": "array", "i": len(arrays) - 1}
    if value is None:
        return {"t": "none"}
    if type(value) in (tuple, list):
        kind = "tuple" if type(value) is tuple else "list"
        if len(value) > 64:
            return {"t": "other", "pytype": kind, "detail": f"length {len(value)}"}
        return {"t": kind, "items": [pack(v, arrays, depth=depth + 1) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value) and len(value) <= 256:
        return {"t": "dict", "items": {k: pack(v, arrays, depth=depth + 1) for k, v in value.items()}}
    if isinstance(value, Opaque):
        return {"t": "other", "pytype": value.pytype, "detail": value.detail}
    if isinstance(value, TensorValue):
        node: dict[str, Any] = {"t": "tensor", "dtype": value.dtype, "device": value.device,
                                "shape": list(value.shape)}
        if value.array is not None:
            node["i"] = len(arrays)
            arrays.append(value.array)
        return node
    cls = type(value)
    name = f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', '?')}"
    return {"t": "other", "pytype": str(name)[:200]}


def unpack(tree: Any, arrays: list[np.ndarray], *, text: Callable[[str, int], str] | None = None) -> Any:
    """Rebuild a value from a JSON tree, validating every node. ``text(string, cap)``: the parent's cleaner of the
    strings the child chose (type names, details, dtype, device, dict keys); without it they are only cut to size."""
    return _unpack(tree, arrays, 0, [MAX_TREE_NODES], text)


def _unpack(node: Any, arrays: list[np.ndarray], depth: int, budget: list[int],
            text: Callable[[str, int], str] | None) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_TREE_DEPTH + 1:
        raise ProtocolError("a value is too large or nested too deeply")
    if type(node) is not dict or type(node.get("t")) is not str:
        raise ProtocolError("a value node is not an object with a type tag")
    tag = node["t"]
    if tag == "array":
        index = node.get("i")
        if type(index) is not int or not 0 <= index < len(arrays):
            raise ProtocolError("a value refers to an array that was not sent")
        return arrays[index]
    if tag == "none":
        return None
    if tag in ("tuple", "list"):
        items = node.get("items")
        if type(items) is not list:
            raise ProtocolError(f"a {tag} node has no item list")
        values = [_unpack(v, arrays, depth + 1, budget, text) for v in items]
        return tuple(values) if tag == "tuple" else values
    if tag == "dict":
        items = node.get("items")
        if type(items) is not dict or not all(type(k) is str for k in items):
            raise ProtocolError("a dict node is malformed")
        return {(text(k, 200) if text else k): _unpack(v, arrays, depth + 1, budget, text)
                for k, v in items.items()}
    if tag == "tensor":
        shape, dtype, device = node.get("shape"), node.get("dtype"), node.get("device")
        if not (type(shape) is list and len(shape) <= MAX_NDIM and all(type(n) is int and n >= 0 for n in shape)
                and type(dtype) is str and type(device) is str):
            raise ProtocolError("a tensor node is malformed")
        array = None
        if "i" in node:
            array = _unpack({"t": "array", "i": node["i"]}, arrays, depth, budget, text)
            if list(array.shape) != shape:
                raise ProtocolError("a tensor's values do not have its shape")
        return TensorValue(array, text(dtype, 40) if text else dtype[:40], text(device, 40) if text else device[:40],
                           tuple(shape))
    if tag == "other":
        pytype, detail = node.get("pytype", "?"), node.get("detail", "")
        if type(pytype) is not str or type(detail) is not str:
            raise ProtocolError("an opaque node is malformed")
        return Opaque(text(pytype, 200), text(detail, 200)) if text else Opaque(pytype[:200], detail[:200])
    raise ProtocolError(f"unknown value tag {tag[:40]!r}")


# --------------------------------------------------------------------------- frames


def encode_frame(message: dict[str, Any], arrays: list[np.ndarray] | tuple[()] = ()) -> bytes:
    """A frame carrying ``message`` and ``arrays``: one ``.npy`` pool per dtype, arrays as slices."""
    groups: dict[str, list[np.ndarray]] = {}
    sizes: dict[str, int] = {}
    table = []
    for array in arrays:
        key = array.dtype.str
        if key not in groups:
            groups[key], sizes[key] = [], 0
        table.append([list(groups).index(key), sizes[key], list(array.shape)])
        groups[key].append(array.reshape(-1))
        sizes[key] += array.size
    blobs = [encode_array(np.concatenate(g) if len(g) > 1 else g[0]) for g in groups.values()]
    spans, position = [], 0
    for blob in blobs:
        spans.append([position, len(blob)])
        position += len(blob)
    envelope = json.dumps({**message, "pools": spans, "arrays": table}, separators=(",", ":")).encode()
    return HEADER.pack(MAGIC, len(envelope), position) + envelope + b"".join(blobs)


def parse_header(header: bytes) -> tuple[int, int]:
    """Validate a frame header and return (json length, payload length)."""
    if len(header) != HEADER.size:
        raise ProtocolError("the frame header is truncated")
    magic, json_len, payload_len = HEADER.unpack(header)
    if magic != MAGIC:
        raise ProtocolError("the frame does not start with the protocol's magic bytes")
    if json_len > MAX_JSON_BYTES:
        raise ProtocolError(f"the frame's envelope is {json_len} bytes (at most {MAX_JSON_BYTES})")
    if payload_len > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"the frame's payload is {payload_len} bytes (at most {MAX_PAYLOAD_BYTES})")
    return json_len, payload_len


def decode_body(envelope: bytes, payload: bytes) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Parse the JSON envelope, its ``.npy`` pools and the array slices it points to."""
    try:
        message = json.loads(envelope)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"the frame's envelope is not JSON ({error.__class__.__name__})") from None
    if type(message) is not dict:
        raise ProtocolError("the frame's envelope is not a JSON object")
    spans, table = message.pop("pools", []), message.pop("arrays", [])
    if type(spans) is not list or len(spans) > 8 or type(table) is not list or len(table) > MAX_ARRAYS:
        raise ProtocolError("the frame's array table is malformed")
    pools = []
    for span in spans:
        if not (type(span) is list and len(span) == 2 and all(type(n) is int and n >= 0 for n in span)
                and span[0] + span[1] <= len(payload)):
            raise ProtocolError("the frame's array table points outside the payload")
        pool = decode_array(payload[span[0] : span[0] + span[1]])
        if pool.ndim != 1:
            raise ProtocolError("an array pool is not one-dimensional")
        pools.append(pool)
    arrays = []
    sizes = [pool.size for pool in pools]
    for entry in table:
        if type(entry) is not list or len(entry) != 3:
            raise ProtocolError("an entry of the frame's array table is malformed")
        index, offset, shape = entry
        if type(index) is not int or type(offset) is not int or type(shape) is not list or len(shape) > MAX_NDIM:
            raise ProtocolError("an entry of the frame's array table is malformed")
        count = 1
        for n in shape:
            if type(n) is not int or n < 0:
                raise ProtocolError("an entry of the frame's array table is malformed")
            count *= n
        if not (0 <= index < len(pools) and offset >= 0 and count <= MAX_ARRAY_ELEMENTS
                and offset + count <= sizes[index]):
            raise ProtocolError("an array lies outside its pool")
        arrays.append(pools[index][offset : offset + count].reshape(shape))
    return message, arrays


def read_exact(fd: int, inbox: bytearray, n: int, *, spin: float, wait: Callable[[], None]) -> bytes:
    """Take ``n`` bytes from the non-blocking pipe ``fd`` (``inbox`` keeps what came beyond them),
    reading in large chunks. Small replies come back within tens of microseconds, much less than the
    cost of sleeping in ``select`` and being woken, so it polls for ``spin`` seconds before calling
    ``wait`` (which returns once ``fd`` is readable). EOFError if the other side closed it."""
    spin_until = time.perf_counter() + spin
    while len(inbox) < n:
        try:
            chunk = os.read(fd, max(n - len(inbox), 1 << 16))
        except BlockingIOError:
            if time.perf_counter() >= spin_until:
                wait()
            continue
        if not chunk:
            raise EOFError
        inbox += chunk
    data = bytes(inbox[:n])
    del inbox[:n]
    return data
