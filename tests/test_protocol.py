"""The wire format: round trips, and everything malformed is refused with a ProtocolError."""

from __future__ import annotations

import contextlib
import io
import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.sandbox.runtime import protocol
from grader.sandbox.runtime.protocol import Opaque, ProtocolError


def roundtrip(value: object) -> object:
    arrays: list[np.ndarray] = []
    frame = protocol.encode_frame({"v": protocol.pack(value, arrays)}, arrays)
    json_len, payload_len = protocol.parse_header(frame[: protocol.HEADER.size])
    body = frame[protocol.HEADER.size :]
    assert len(body) == json_len + payload_len
    message, decoded = protocol.decode_body(body[:json_len], body[json_len:])
    return protocol.unpack(message["v"], decoded)


DTYPES = st.sampled_from(["<f8", "<f4", "<f2", "<i8", "|u1", "|b1"])


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=4)))
def test_arrays_round_trip_exactly(array: np.ndarray) -> None:
    back = roundtrip((array, {"k": [array]}))
    assert isinstance(back, tuple)
    for got in (back[0], back[1]["k"][0]):
        assert got.dtype == array.dtype and got.shape == array.shape
        assert np.array_equal(got, array, equal_nan=True)
        assert got.flags.writeable


def test_an_encoded_array_is_a_real_npy_file() -> None:
    array = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(np.load(io.BytesIO(protocol.encode_array(array)), allow_pickle=False), array)
    saved = io.BytesIO()
    np.save(saved, array.T)  # numpy's own writer (Fortran order) is read too
    assert np.array_equal(protocol.decode_array(saved.getvalue()), array.T)


class Sneaky(np.ndarray):
    """An ndarray subclass: it could lie through its methods, so only its type name travels."""


def test_non_arrays_travel_as_their_type_name() -> None:
    back = roundtrip([np.ones(1).view(Sneaky), 3, "text", np.array([1 + 2j]), np.array(["a"])])
    assert isinstance(back, list)
    assert [o.pytype for o in back] == ["test_protocol.Sneaky", "builtins.int", "builtins.str", "numpy.ndarray",
                                        "numpy.ndarray"]
    assert all(isinstance(o, Opaque) for o in back)


@pytest.mark.parametrize(
    "header",
    [
        b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",  # objects would need pickle
        b"{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
        b"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), '__class__': 1}",
        b"__import__('os').system('true')",
    ],
)
def test_disallowed_headers_are_refused(header: bytes) -> None:
    text = header + b" " * (-(len(header) + 11) % 64) + b"\n"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + b"\x00" * 8
    with pytest.raises(ProtocolError):
        protocol.decode_array(data)


def test_a_shape_larger_than_its_bytes_is_refused_before_allocating() -> None:
    text = b"{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }"
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    with pytest.raises(ProtocolError, match="elements"):
        protocol.decode_array(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text)


@pytest.mark.parametrize(
    "frame_header",
    [
        b"NOTMAGIC" + struct.pack(">II", 2, 0),
        protocol.MAGIC + struct.pack(">II", protocol.MAX_JSON_BYTES + 1, 0),
        protocol.MAGIC + struct.pack(">II", 2, protocol.MAX_PAYLOAD_BYTES + 1),
        protocol.MAGIC[:4],
    ],
)
def test_bad_frame_headers_are_refused(frame_header: bytes) -> None:
    with pytest.raises(ProtocolError):
        protocol.parse_header(frame_header)


@pytest.mark.parametrize(
    "envelope",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"pools": [[0, 999]], "arrays": []}).encode(),
        json.dumps({"pools": [], "arrays": [[0, 0, [1]]]}).encode(),
        json.dumps({"pools": "x"}).encode(),
    ],
)
def test_bad_envelopes_are_refused(envelope: bytes) -> None:
    with pytest.raises(ProtocolError):
        protocol.decode_body(envelope, b"")


@pytest.mark.parametrize(
    "tree",
    [
        {"t": "array", "i": 5},
        {"t": "tuple", "items": "no"},
        {"t": "dict", "items": {"a": {"t": "mystery"}}},
        {"no": "tag"},
        [1, 2],
    ],
)
def test_bad_value_trees_are_refused(tree: object) -> None:
    with pytest.raises(ProtocolError):
        protocol.unpack(tree, [])


def test_deep_trees_are_refused() -> None:
    tree: dict[str, object] = {"t": "none"}
    for _ in range(100):
        tree = {"t": "list", "items": [tree]}
    with pytest.raises(ProtocolError, match="nested"):
        protocol.unpack(tree, [])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_decode_to_anything_but_a_protocol_error(data: bytes) -> None:
    for attempt in (lambda: protocol.decode_array(data), lambda: protocol.decode_body(data, data)):
        with contextlib.suppress(ProtocolError):
            attempt()
