"""Request frames encoded once per batch: the cached bytes are exactly what encoding gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from grader.sandbox import frames
from grader.sandbox.calls import Call, encode
from grader.sandbox.runtime import protocol


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    frames.clear()
    yield
    frames.clear()


def fresh(batch: int, calls: list[Call]) -> bytes:
    arrays: list[Any] = []
    encoded = [encode(call, arrays) for call in calls]
    return protocol.encode_frame({"op": "calls", "batch": batch, "calls": encoded}, arrays)


def counting() -> tuple[list[int], Any]:
    count = [0]

    def counted(call: Any, arrays: list[Any]) -> Any:
        count[0] += 1
        return encode(call, arrays)

    return count, counted


def test_a_cached_frame_is_the_frame_encoding_gives_with_its_own_batch_number() -> None:
    ltm, event = np.arange(6.0).reshape(2, 3), np.ones((2, 4), np.float32)
    frames.pin([ltm, event])
    calls = [Call("forget_gate", [ltm, {"W_f": event}], echo=True), Call("learn_gate", [event, None])]
    count, counted = counting()
    first = frames.frame(7, calls, counted)
    again = frames.frame(1234, calls, counted)
    assert count[0] == 2, "encoded once, then taken from the cache"
    assert first == fresh(7, calls) and again == fresh(1234, calls)
    start = protocol.HEADER.size
    json_len, _ = protocol.parse_header(again[:start])
    message, arrays = protocol.decode_body(again[start : start + json_len], again[start + json_len :])
    assert message["batch"] == 1234 and np.array_equal(arrays[0], ltm)


def test_a_call_with_an_array_that_is_not_pinned_is_encoded_every_time() -> None:
    pinned, loose = np.zeros((2, 2)), np.ones((2, 2))
    frames.pin([pinned])
    count, counted = counting()
    calls = [Call("use_gate", [pinned, loose])]
    for batch in (1, 2):
        assert frames.frame(batch, calls, counted) == fresh(batch, calls)
    assert count[0] == 2
    loose[0, 0] = 5.0  # a changed unpinned array is sent as it is now
    assert frames.frame(3, calls, counted) == fresh(3, calls)


def test_calls_that_differ_only_in_a_flag_or_a_type_get_their_own_frames() -> None:
    array = np.zeros(3)
    frames.pin([array])
    for calls in ([Call("f", [array], echo=False)], [Call("f", [array], echo=True)], [Call("f", [array, 1])],
                  [Call("f", [array, True])], [Call("f", [array, 1.0])], [Call("g", [array])]):
        assert frames.frame(9, calls, encode) == fresh(9, calls), calls


def test_pinned_arrays_cannot_change_under_their_cached_frames() -> None:
    array = np.zeros(3)
    frames.pin([array])
    with pytest.raises(ValueError):
        array[0] = 1.0


def test_nothing_is_cached_unless_something_was_pinned() -> None:
    count, counted = counting()
    calls = [Call("f", [np.zeros(2)])]
    frames.frame(1, calls, counted)
    frames.frame(2, calls, counted)
    assert count[0] == 2 and not frames._frames
