"""Protocol fuzzing: a fake child answers with random, truncated, oversized or out-of-turn frames.

Whatever arrives, the parent ends the call with a SandboxFailure ("could not be graded") within
its deadline, or with a well-formed reply when the bytes happen to be one: never another
exception, never a hang, never a process left behind.
"""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.config import Settings
from grader.errors import SandboxFailure
from grader.sandbox import Limits, Raised, Returned, Session
from grader.sandbox.launch import scrubbed_environment
from grader.sandbox.runtime.protocol import HEADER, MAGIC, encode_frame

FAKE_CHILD = r"""
import json, os, struct, sys, time
config = json.loads(sys.argv[2])
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack(">I", data[:4]); hello = data[4:4 + n]; rest = data[4 + n:]
(m,) = struct.unpack(">I", rest[:4]); reply = rest[4:4 + m]; after = rest[4 + m]
os.write(config["replies"], hello)
try:
    os.read(config["requests"], 1 << 20)
except OSError:
    pass
os.write(config["replies"], reply)
if after == 1:
    time.sleep(30)
elif after == 2:
    os.closerange(3, 256)
    time.sleep(30)
"""

VALID_HELLO = encode_frame({"hello": {"ok": True, "symbols": {"remember_gate": {
    "kind": "function", "params": [{"name": "a", "default": False}, {"name": "b", "default": False}],
    "varargs": False}}}})


def valid_reply(batch: Any, first: Any, answers: Any = None) -> bytes:
    answers = [{"ok": True, "value": {"t": "array", "i": 0}}] if answers is None else answers
    return encode_frame({"batch": batch, "first": first, "replies": answers}, [np.ones((1, 1))])


def header(json_len: int, payload_len: int, magic: bytes = MAGIC) -> bytes:
    return struct.pack(">8sII", magic, json_len, payload_len)


def truncated(frame: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(0, len(frame) - 1).map(lambda n: frame[:n])


replies = st.one_of(
    st.binary(max_size=200),
    truncated(valid_reply(1, 0)),
    st.builds(lambda j, p: header(j, p), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.builds(lambda junk: header(len(junk), 0) + junk, st.binary(min_size=1, max_size=100)),
    st.builds(lambda text: header(len(text.encode()), 0) + text.encode(),
              st.sampled_from(['{"ok": true, "value": {"t": "mystery"}}', '{"ok": 3}', "[]", '{"ok": false}',
                               '{"ok": true, "value": {"t": "array", "i": 9}}'])),
    st.builds(valid_reply, st.sampled_from([0, 2, None, "x"]), st.sampled_from([0, 1, -1])),  # out of turn
    st.builds(lambda answers: valid_reply(1, 0, answers),  # too many replies, none, or not objects
              st.sampled_from([[], [{"ok": True, "value": {"t": "none"}}] * 2, [3], "x", None])),
    st.just(valid_reply(1, 0)),  # a genuine reply: the one case that may succeed
)
hellos = st.one_of(st.just(VALID_HELLO), st.binary(max_size=100), truncated(VALID_HELLO),
                   st.just(header(HEADER.size, 2**31)))


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(hello=hellos, reply=replies, after=st.sampled_from([0, 1, 2]))
def test_the_parent_survives_any_reply(hello: bytes, reply: bytes, after: int, tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "lstm_numpy.py").write_text("def remember_gate(a, b):\n    return a + b\n")
    payload = struct.pack(">I", len(hello)) + hello + struct.pack(">I", len(reply)) + reply + bytes([after])

    def launcher(python: str, child: Path, config: dict[str, Any], workdir: Path) -> tuple[list[str], dict[str, str]]:
        (workdir / "fuzz.bin").write_bytes(payload)
        return [python, "-I", "-S", "-c", FAKE_CHILD, str(workdir / "fuzz.bin"), json.dumps(config)], \
            scrubbed_environment(workdir)

    session = Session(folder, "lstm_numpy.py", launcher=launcher,
                      limits=Limits.from_settings(Settings(call_timeout=0.3, startup_timeout=1.0,
                                                            submission_timeout=5.0, reply_spin=0.0)))
    started = time.monotonic()
    try:
        outcome: object = session.call("remember_gate", [np.ones((1, 1)), np.ones((1, 1))])
    except SandboxFailure as failure:
        outcome = failure
        assert failure.reason
    finally:
        pid = session._proc.pid if session._proc else None
        session.close()
    assert isinstance(outcome, (SandboxFailure, Returned, Raised))
    if not isinstance(outcome, SandboxFailure):
        assert hello == VALID_HELLO and reply == valid_reply(1, 0)
    assert time.monotonic() - started < 4.0
    if pid is not None:
        assert not os.path.exists(f"/proc/{pid}") or b"Z" in Path(f"/proc/{pid}/stat").read_bytes().split()[2]
