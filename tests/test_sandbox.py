"""The sandbox's promises: student code runs in a child, only arrays come back, and a crash,
hang, exit or flood ends one call with a reason instead of ending the grader."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.config import Settings
from grader.errors import SandboxFailure
from grader.sandbox import Call, Limits, Raised, Returned, Session
from grader.sandbox.wire import Wire

GRADER = Path(__file__).resolve().parent.parent / "grader"
LIMITS = Limits.from_settings(Settings())  # the default settings' limits; tests replace some

MODULE = '''
import os, sys, numpy as np
print("imported")
def double(x): return 2 * x
def pair(x): return x, (x + 1, None)
def boom(x): raise ValueError("bad value " + str(x.shape))
def todo(x): raise NotImplementedError
def calls_todo(x): return todo(x)
def hang(x):
    while True: pass
def calls_hang(x): return 2 * hang(x)
def fake_not_run_again(x): raise type("NotRunAgain", (Exception,), {})("double")
def segfault(x):
    import ctypes; ctypes.string_at(0)
def leave(x): os._exit(7)
def sysexit(x): sys.exit(2)
def chatty(x):
    for _ in range(2000): print("x" * 1000)
    return x
def env(x): return np.array([float(len(os.environ.get("GRADER_TEST_SECRET", "")))])
def mutate(x):
    x *= 3
    return x
def objects(x): return np.array([object()])
def matrix(x): return np.ones(1).view(np.recarray)
def nap(x):
    import time; time.sleep(0.6)
    return x
def many(x): return tuple(x + i for i in range(40)), tuple(x - i for i in range(40))
def scribble(x):
    open("note.txt", "w").write("hi")
    open(os.path.join(os.path.dirname(__file__), "lstm_numpy.py"), "a").write("# edited")
    return x
'''


@pytest.fixture
def session(submission: Callable[[str], Path]):  # type: ignore[no-untyped-def]
    s = Session(submission(MODULE), "lstm_numpy.py", limits=replace(LIMITS, call_timeout=1.0, output_kb=4))
    yield s
    s.close()


def test_returns_plain_arrays_and_structures(session: Session) -> None:
    reply = session.call("pair", [np.arange(3.0)])
    assert isinstance(reply, Returned)
    value = reply.value
    assert type(value[0]) is np.ndarray and value[0].tolist() == [0.0, 1.0, 2.0]
    assert value[1][0].tolist() == [1.0, 2.0, 3.0] and value[1][1] is None
    assert session.hello().output == "imported\n"


def test_an_exception_is_a_reply_not_a_crash(session: Session) -> None:
    reply = session.call("boom", [np.zeros((2, 3))])
    assert isinstance(reply, Raised)
    assert reply.type == "ValueError" and reply.message == "bad value (2, 3)"
    assert reply.function == "boom" and reply.line > 0 and "raise ValueError" in reply.code
    assert isinstance(session.call("double", [np.ones(1)]), Returned)  # the same child goes on


def test_not_implemented_names_the_function_that_raised(session: Session) -> None:
    reply = session.call("calls_todo", [np.ones(1)])
    assert isinstance(reply, Raised) and reply.type == "NotImplementedError" and reply.function == "todo"


@pytest.mark.parametrize(
    ("symbol", "kind", "words"),
    [
        ("hang", "timeout", "took longer than the 1 s time limit"),
        ("segfault", "crash", "segmentation fault while running segfault (at lstm_numpy.py line"),
        ("leave", "crash", "exited (status 7) while running leave"),
    ],
)
def test_crash_hang_and_exit_end_the_call_with_a_reason(session: Session, symbol: str, kind: str, words: str) -> None:
    with pytest.raises(SandboxFailure) as failure:
        session.call(symbol, [np.ones(1)])
    assert failure.value.kind == kind and words in failure.value.reason
    reply = session.call("double", [np.ones(1)])  # a fresh child takes over
    assert isinstance(reply, Returned) and reply.value.tolist() == [2.0]


def test_a_function_that_timed_out_is_not_run_again(session: Session) -> None:
    with pytest.raises(SandboxFailure):
        session.call("hang", [np.ones(1)])
    with pytest.raises(SandboxFailure) as again:
        session.call("hang", [np.ones(1)])
    assert "not run again" in again.value.reason


def test_what_calls_a_function_that_timed_out_is_told_so_at_once(session: Session) -> None:
    import time

    with pytest.raises(SandboxFailure):
        session.call("hang", [np.ones(1)])
    started = time.monotonic()
    with pytest.raises(SandboxFailure) as again:
        session.call("calls_hang", [np.ones(1)])
    assert time.monotonic() - started < 0.9, "the fresh child answers for hang at once, it does not run it"
    assert again.value.reason == ("not run again: calls_hang calls hang, which already took longer than the 1 s "
                                  "limit in an earlier check")
    reply = session.call("fake_not_run_again", [np.ones(1)])  # naming a function that never timed out
    assert isinstance(reply, Raised) and reply.type == "NotRunAgain"


@pytest.mark.parametrize(("symbol", "where"), [("hang", "in hang"), ("calls_hang", "in hang, called from calls_hang")])
def test_a_hang_is_told_where_it_was_stopped(submission: Callable[[str], Path], symbol: str, where: str) -> None:
    line = MODULE.splitlines().index("    while True: pass") + 1
    with (Session(submission(MODULE), "lstm_numpy.py", limits=replace(LIMITS, call_timeout=1.0)) as fresh,
          pytest.raises(SandboxFailure) as failure):
        fresh.call(symbol, [np.ones(1)])
    assert failure.value.reason == (f"{symbol} took longer than the 1 s time limit (an endless loop, or very slow "
                                    f"code?); it was stopped at lstm_numpy.py line {line} (while True: pass), {where}")


def test_an_import_that_hangs_is_told_its_own_time_limit_and_where(submission: Callable[[str], Path]) -> None:
    source = "import numpy as np\ncount = 0\nwhile True: count += 1\n"
    # the import's limit, not a call's, is the one that ran out
    limits = replace(LIMITS, call_timeout=5.0, startup_timeout=1.0)
    with (Session(submission(source), "lstm_numpy.py", limits=limits) as fresh,
          pytest.raises(SandboxFailure) as failure):
        fresh.hello()
    assert failure.value.kind == "timeout"
    assert failure.value.reason == ("importing lstm_numpy.py took longer than the 1 s time limit (an endless loop, "
                                    "or very slow code?); it was stopped at lstm_numpy.py line 3 "
                                    "(while True: count += 1), in the top-level code")


def test_a_slow_call_that_finishes_in_time_shows_nothing_of_where_it_was(
        submission: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.sandbox.session
    from grader.sandbox.deaths import STUCK_MARKER, without_stuck

    logged: list[str] = []

    def seen(output: str) -> str:
        logged.append(output)
        return without_stuck(output)

    monkeypatch.setattr(grader.sandbox.session, "STUCK_AT", 0.2)  # the child says where it is after 0.4 s of 2 s
    monkeypatch.setattr(grader.sandbox.session, "without_stuck", seen)
    with Session(submission(MODULE), "lstm_numpy.py", limits=replace(LIMITS, call_timeout=2.0)) as fresh:
        reply = fresh.call("nap", [np.ones(1)])  # 0.6 s: long enough to be told where, and in time
    assert any(STUCK_MARKER + '[{"file": "lstm_numpy.py"' in output for output in logged), logged
    assert isinstance(reply, Returned) and reply.value.tolist() == [1.0]
    assert reply.output == "", "what the child wrote to say where it was is not the submission's output"


def test_only_a_well_formed_stuck_line_is_quoted() -> None:
    import json

    from grader.sandbox.deaths import STUCK_MARKER, stuck_site

    def line(frames: object) -> str:
        return f"printed by the submission\n{STUCK_MARKER}{json.dumps(frames)}\n"

    inner = {"file": "lstm_numpy.py", "line": 7, "function": "learn_gate", "code": "while True:"}
    outer = {"file": "lstm_numpy.py", "line": 30, "function": "lstm_cell", "code": "n = learn_gate(x)"}
    assert stuck_site(line([inner, outer])) == ("; it was stopped at lstm_numpy.py line 7 (while True:), in "
                                                "learn_gate, called from lstm_cell")
    assert stuck_site(line([inner]) + line([outer])) == ("; it was stopped at lstm_numpy.py line 30 "
                                                          "(n = learn_gate(x)), in lstm_cell"), "the last line counts"
    for forged in ([], [{**inner, "line": "7"}], [{**inner, "code": "x" * 301}], [{"file": "lstm_numpy.py"}],
                   {"frames": [inner]}, [inner, 3]):
        assert stuck_site(line(forged)) == "", forged
    assert stuck_site(f"{STUCK_MARKER}[{{not json\n") == ""
    assert stuck_site("no such line\n") == ""


def test_a_batch_runs_every_call_and_answers_each(session: Session) -> None:
    replies = session.call_many(
        [Call("double", [np.ones(1)]), Call("boom", [np.ones(2)]), Call("double", [np.ones(3)])]
    )
    assert [type(r).__name__ for r in replies] == ["Returned", "Raised", "Returned"]
    assert replies[2].value.tolist() == [2.0, 2.0, 2.0]  # type: ignore[union-attr]


def test_a_hang_inside_a_batch_is_blamed_on_its_own_call(session: Session) -> None:
    with pytest.raises(SandboxFailure) as failure:
        session.call_many([Call("double", [np.ones(1)]), Call("hang", [np.ones(1)])])
    assert failure.value.reason.startswith("hang took longer than")


def test_a_crash_inside_a_batch_is_blamed_on_its_own_call(session: Session) -> None:
    with pytest.raises(SandboxFailure) as failure:
        session.call_many([Call("double", [np.ones(1)]), Call("double", [np.ones(2)]), Call("leave", [np.ones(1)])])
    assert "while running leave" in failure.value.reason


@pytest.mark.slow
def test_each_call_of_a_batch_has_its_own_time_limit(session: Session) -> None:
    # three calls of 0.6 s under a 1 s limit: the batch takes 1.8 s, and no call is late
    replies = session.call_many([Call("nap", [np.full(1, float(i))]) for i in range(3)])
    assert [r.value.tolist() for r in replies] == [[0.0], [1.0], [2.0]]  # type: ignore[union-attr]
    with pytest.raises(SandboxFailure) as failure:  # while a hang after them is still caught at its own
        session.call_many([Call("nap", [np.ones(1)]), Call("nap", [np.ones(1)]), Call("hang", [np.ones(1)])])
    assert failure.value.reason.startswith("hang took longer than the 1 s time limit")


def test_replies_too_large_for_one_frame_come_in_several(session: Session) -> None:
    replies = session.call_many([Call("many", [np.full(2, float(i))]) for i in range(30)])  # 2400 arrays
    assert [r.value[1][39].tolist() for r in replies] == [[i - 39.0] * 2 for i in range(30)]  # type: ignore[union-attr]


def test_sys_exit_is_reported_as_what_the_function_raised(session: Session) -> None:
    reply = session.call("sysexit", [np.ones(1)])
    assert isinstance(reply, Raised) and reply.type == "SystemExit"


def test_output_is_captured_and_truncated(session: Session) -> None:
    reply = session.call("chatty", [np.ones(1)])
    assert isinstance(reply, Returned)
    assert reply.output.startswith("x" * 100) and reply.output.endswith("[output truncated]")
    assert len(reply.output) < 5 * 1024


def test_the_child_sees_a_scrubbed_environment(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_TEST_SECRET", "the instructor's token")
    session.close()
    reply = session.call("env", [np.ones(1)])
    assert isinstance(reply, Returned) and reply.value.tolist() == [0.0]


def test_the_child_works_on_a_private_copy(session: Session) -> None:
    before = {p.name: p.read_bytes() for p in session.folder.iterdir()}
    assert isinstance(session.call("scribble", [np.ones(1)]), Returned)
    assert {p.name: p.read_bytes() for p in session.folder.iterdir()} == before


def test_echo_shows_what_a_call_did_to_its_arguments(session: Session) -> None:
    reply = session.call("mutate", [np.ones(2)], echo=True)
    assert isinstance(reply, Returned) and reply.args[0].tolist() == [3.0, 3.0]


@pytest.mark.parametrize(("symbol", "pytype"), [("objects", "numpy.ndarray"), ("matrix", "recarray")])
def test_values_that_are_not_plain_arrays_come_back_as_their_type_only(
    session: Session, symbol: str, pytype: str
) -> None:
    reply = session.call(symbol, [np.ones(1)])
    assert isinstance(reply, Returned)
    assert type(reply.value).__name__ == "Opaque" and reply.value.pytype.endswith(pytype)


def test_exit_at_import_breaks_only_that_file(submission: Callable[[str], Path]) -> None:
    with Session(submission("import os\nos._exit(4)\n"), "lstm_numpy.py", limits=replace(LIMITS, call_timeout=1)) as s:
        with pytest.raises(SandboxFailure) as failure:
            s.hello()
        assert "while importing lstm_numpy.py" in failure.value.reason
        with pytest.raises(SandboxFailure):  # every later call fails fast with the same reason
            s.call("double", [np.ones(1)])


def test_requests_carry_only_the_function_name_and_its_arguments(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames: list[bytes] = []
    real = Wire.send

    def spy(self: Wire, frame: bytes) -> None:
        frames.append(frame)
        real(self, frame)

    monkeypatch.setattr(Wire, "send", spy)
    session.call("double", [np.ones(2)])
    from grader.sandbox.runtime import protocol

    json_len, _ = protocol.parse_header(frames[0][: protocol.HEADER.size])
    message, _ = protocol.decode_body(frames[0][16 : 16 + json_len], frames[0][16 + json_len :])
    assert set(message) == {"op", "batch", "calls"}
    assert [set(call) for call in message["calls"]] == [{"symbol", "args", "echo"}]


def test_the_runtime_folder_is_exactly_what_the_child_gets() -> None:
    from grader.sandbox import runtime

    files = {p.name for p in (GRADER / "sandbox" / "runtime").glob("*.py")} - {"__init__.py"}
    assert set(runtime.FILES) == files, "every file of sandbox/runtime/ is copied into the sandbox, and only those"


def test_child_imports_nothing_from_the_grader_but_the_protocol() -> None:
    for path in sorted((GRADER / "sandbox" / "runtime").glob("*.py")):
        name = path.name
        tree = ast.parse(path.read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not [m for m in imported if m.startswith("grader")], name
        assert imported <= {"__future__", "faulthandler", "importlib.util", "inspect", "io", "json", "os",
                             "resource", "select", "sys", "time", "linecache", "typing", "numpy", "re",
                             "struct", "dataclasses", "_grader_protocol", "_grader_torch", "torch",
                             "importlib", "base64", "contextlib", "ctypes", "shutil", "signal",
                             "socket", "collections.abc", "_grader_environment", "_grader_forkserver", "builtins",
                             "types", "pathlib",
                             "torch._meta_registrations", "torch._decomp"}, name  # torch's own, for native_meta


def test_no_child_is_left_behind(submission: Callable[[str], Path]) -> None:
    s = Session(submission(MODULE), "lstm_numpy.py", limits=replace(LIMITS, call_timeout=1.0))
    s.call("double", [np.ones(1)])
    assert s._proc is not None and s._proc.pid is not None
    pid = s._proc.pid
    s.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
