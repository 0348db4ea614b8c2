"""Whatever a submission prints or raises, the grader keeps it as safe text (``grader.sandbox.untrusted``):
no lone surrogate, terminal escape or bidi override reaches a report, and one hostile student never
costs a class its exports."""

from __future__ import annotations

import csv
import html
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT, replace_once, solution_source

from grader.cli import main
from grader.config import Settings
from grader.errors import SandboxFailure
from grader.sandbox import Limits, Raised, Returned, Session
from grader.sandbox.deaths import STUCK_MARKER, stuck_site
from grader.sandbox.replies import parse_hello, parse_raised, parse_reply
from grader.sandbox.runtime import protocol
from grader.sandbox.untrusted import clean

PRINTS = '    print("\\ud800\\x1b[2J\\u202e")\n'  # what the printing student's learn_gate adds
RAISES = '    raise ValueError("\\ud800\\x1b]0;pwned\\x07")\n'  # and the raising student's
UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_safe(text: str, where: str = "") -> None:
    found = UNSAFE.findall(text)
    assert not found, f"{where}: {found[:5]!r} in {text[:200]!r}"


def strings(value: Any) -> list[str]:
    """Every string in a JSON value, its keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def assert_file_safe(path: Path) -> str:
    """``path`` is valid UTF-8 and holds no unsafe character, also once its JSON or HTML escapes are read."""
    text = path.read_bytes().decode("utf-8")  # strict: a lone surrogate cannot even be written
    assert_safe(text, str(path))
    if path.suffix == ".json":
        for found in strings(json.loads(text)):
            assert_safe(found, str(path))
    if path.suffix == ".html":
        assert_safe(html.unescape(text), str(path))
    return text


def with_gate(line: str) -> str:
    """The reference solution with ``line`` added at the start of learn_gate."""
    return replace_once(solution_source(), '    """N_t * i_t."""\n', '    """N_t * i_t."""\n' + line)


# ---- the cleaning function -----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "safe"), [
    ("\ud800", "\ufffd"),  # a lone surrogate
    ("a\udc80b\udfff", "a\ufffdb\ufffd"),
    (b"ok \xff\xfe end", "ok \ufffd\ufffd end"),  # bytes that are not UTF-8
    (b"caf\xc3\xa9", "café"),
    ("\x1b[2Jcleared \x1b[1;1Hhome", "cleared home"),  # CSI
    ("\x1b[31mred\x1b[0m", "red"),
    ("\x1b]0;pwned\x07title", "title"),  # OSC, ended by BEL
    ("\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC, ended by ST
    ("\x9b2Jeight-bit", "eight-bit"),  # the 8-bit CSI
    ("\x1bcreset", "reset"),
    ("\u202eevil\u202c", "\\u202eevil\\u202c"),  # a bidi override and its pop, shown as escapes
    ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
    ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
    ("nul\x00bell\x07del\x7fc1\x85", "nul\\x00bell\\x07del\\x7fc1\\x85"),
    ("a lone escape\x1b", "a lone escape\\x1b"),
    ("cut short \x1b\nnext", "cut short \\x1b\nnext"),
    ("cr\r\nlf\rcr", "cr\nlf\ncr"),
    ("line\u2028sep", "line\\u2028sep"),
])
def test_unsafe_text_is_made_safe(raw: str | bytes, safe: str) -> None:
    assert clean(raw, 1000) == safe
    assert_safe(clean(raw, 1000))


@pytest.mark.parametrize("text", ["", "plain text", "two\nlines\tand a tab", "café, σ(x), √T, 汉字, 🙂 ok",
                                  "learn_gate raised ValueError: bad [STM, E] shape (in learn_gate, line 3)",
                                  "\\x1b and \\u202e, written out"])
def test_plain_text_is_unchanged(text: str) -> None:
    assert clean(text, 1000) == text
    assert clean(text.encode(), 1000) == text


def test_every_control_and_format_character_is_caught() -> None:
    kinds = ("Cc", "Cf", "Cs", "Zl", "Zp")
    unsafe = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in kinds and chr(c) not in "\n\t"]
    assert len(unsafe) > 400
    missed = [ascii(ch) for ch in unsafe if clean(f"a{ch}b", 100) == f"a{ch}b"]
    assert missed == []


def test_the_size_is_capped_and_cleaning_again_changes_nothing() -> None:
    assert clean("x" * 10_000, 2000) == "x" * 2000
    assert clean("\x00" * 10_000, 100) == "\\x00" * 25  # escapes count towards the cap
    assert clean(b"\xff" * 10_000, 50) == "\ufffd" * 50
    hostile = "\ud800\x1b[2J\u202e\x00\r\n\x1b]0;t\x07ok" * 50
    once = clean(hostile, 400)
    assert len(once) <= 400 and clean(once, 400) == once


def test_hostile_input_is_cleaned_in_linear_time() -> None:
    import time

    start = time.perf_counter()
    for hostile in ("\x9d" * 65536, "\x9b" + "0" * 65536, "\x1b]" + "a" * 65536, "\x1b[" * 32768):
        assert_safe(clean(hostile, 65536))
    assert time.perf_counter() - start < 2.0  # quadratic backtracking would take minutes


# ---- where the child's text comes in -------------------------------------------------------------


def test_exception_records_and_greetings_are_cleaned() -> None:
    record = {"type": "Evil\x1b[31m", "message": "\ud800\x1b]0;pwned\x07 bad", "function": "learn\u202egate",
              "line": 3, "code": "raise ValueError('\x00')", "trace": ["lstm_numpy.py:3 in f: \x1b[2J"]}
    raised = parse_raised(record, "printed")
    assert (raised.type, raised.message, raised.function) == ("Evil", "\ufffd bad", "learn\\u202egate")
    assert raised.code == "raise ValueError('\\x00')" and raised.trace == ("lstm_numpy.py:3 in f: ",)
    assert parse_raised({**record, "message": "x" * 5000}, "").message == "x" * 2000  # its cap is kept
    hello = parse_hello({"ok": True, "symbols": {"learn\u202egate": {"kind": "function\x00", "params": [
        {"name": "stm\x1b[2J_prev", "default": False}]}}}, "")
    (name, info), = hello.symbols.items()
    assert (name, info.kind, info.params) == ("learn\\u202egate", "function\\x00", ("stm_prev",))
    assert parse_hello({"ok": True, "symbols": {"learn_gate": {"kind": "function", "params": []}}},
                       "").symbols["learn_gate"].kind == "function"


def test_opaque_values_tensor_names_and_keys_are_cleaned_on_the_parent_side_only() -> None:
    tree = {"t": "dict", "items": {"W\u202e_f": {"t": "other", "pytype": "Evil\x1b[2J", "detail": "\ud800"},
                                   "h": {"t": "tensor", "dtype": "torch.float32\x07", "device": "cpu\u202e",
                                         "shape": [0]}}}
    parent = parse_reply({"ok": True, "value": tree}, [], "")
    assert isinstance(parent, Returned)
    assert parent.value["W\\u202e_f"] == protocol.Opaque("Evil", "\ufffd")
    assert (parent.value["h"].dtype, parent.value["h"].device) == ("torch.float32\\x07", "cpu\\u202e")
    child = protocol.unpack(tree, [])  # the child's copy keeps what the parent sent it as it is (cut to size)
    assert child["W\u202e_f"] == protocol.Opaque("Evil\x1b[2J", "\ud800")
    plain = protocol.unpack({"t": "other", "pytype": "builtins.float"}, [], text=clean)
    assert plain == protocol.Opaque("builtins.float", "")


def test_the_frames_a_child_says_it_was_stuck_in_are_cleaned() -> None:
    frames = [{"file": "lstm_numpy.py", "line": 7, "function": "learn\u202egate", "code": "while \x1b[2JTrue:"},
              {"file": "lstm_numpy.py", "line": 9, "function": "cell\ud800", "code": ""}]
    site = stuck_site(f"{STUCK_MARKER}{json.dumps(frames)}\n")
    assert site == ("; it was stopped at lstm_numpy.py line 7 (while True:), in learn\\u202egate, "
                    "called from cell\ufffd")


SANDBOXED = r'''
import os
def shout(x):
    os.write(1, b"\xff\x1b[2J\xe2\x80\xae\x00done\r\n")
    print("\ud800\x1b]0;pwned\x07")
    return x
def hostile(x):
    raise type("Evil\x1b[31m", (Exception,), {})("\ud800\x1b]0;pwned\x07\u202e")
def flood(x):
    print("\x00" * 2000)
    return x
''' + "def hang(x):\n    while True: pass  # stuck here \u202e\n"  # the bidi override itself, in the file


def test_what_a_sandboxed_submission_prints_and_raises_arrives_safe(submission: Callable[[str], Path]) -> None:
    limits = Limits.from_settings(Settings(call_timeout=1.0, output_kb=1))
    with Session(submission(SANDBOXED), "lstm_numpy.py", limits=limits) as session:
        shouted, raised, flooded = (session.call(symbol, [np.ones(1)]) for symbol in ("shout", "hostile", "flood"))
        assert isinstance(shouted, Returned) and isinstance(raised, Raised) and isinstance(flooded, Returned)
        assert shouted.output == "\ufffd\\u202e\\x00done\n?\n"  # print() itself replaced the surrogate
        assert (raised.type, raised.message) == ("Evil", "\ufffd\\u202e")
        assert_safe(raised.code + "".join(raised.trace))
        assert flooded.output == "\\x00" * 256 + "\n[output truncated]"  # 1 KiB of escapes, then the marker
        with pytest.raises(SandboxFailure) as failure:
            session.call("hang", [np.ones(1)])
    assert failure.value.reason.endswith("(while True: pass  # stuck here \\u202e), in hang")


# ---- end to end: a class with hostile students, and grade check in every format -----------------


def fast_course(tmp_path: Path) -> Path:
    """This course with fewer generated cases: these tests are about text, not the checks."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "solutions").symlink_to(ROOT / "solutions")
    text = (ROOT / "pyproject.toml").read_text().replace("[tool.grader]\n", "[tool.grader]\nexamples_scale = 0.2\n", 1)
    (course / "pyproject.toml").write_text(text)
    return course


@pytest.mark.slow
def test_a_class_with_hostile_students_is_graded_and_exported(tmp_path: Path) -> None:
    root = tmp_path / "submissions"
    for student, source in (("alice", solution_source()), ("pat", with_gate(PRINTS)), ("ray", with_gate(RAISES))):
        (root / student).mkdir(parents=True)
        (root / student / "lstm_numpy.py").write_text(source)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--course", str(fast_course(tmp_path)), "batch", str(root), "--out", str(out),
                                       "-j", "2", "-q"])
    assert result.exit_code == 0, result.output
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == ["alice", "pat", "ray"]
    assert rows["alice"]["total"] == rows["alice"]["max"] == rows["pat"]["total"]  # printing costs nothing
    assert float(rows["ray"]["learn_gate"]) == 0 < float(rows["ray"]["total"]) < float(rows["ray"]["max"])
    files = [out / "grades.csv", out / "report.html",
             *(out / "students" / s / name for s in rows for name in ("report.json", "results.json", "feedback.html"))]
    texts = {path: assert_file_safe(path) for path in files}
    ray = json.loads(texts[out / "students" / "ray" / "report.json"])
    messages = [c["message"] for e in ray["exercises"] for c in e["checks"] if e["id"] == "learn_gate"]
    assert any(m.startswith("learn_gate raised ValueError: \ufffd (in learn_gate, line ") for m in messages), messages
    pat = json.loads(texts[out / "students" / "pat" / "report.json"])
    assert {c["output"].splitlines()[0] for e in pat["exercises"] if e["id"] == "learn_gate" for c in e["checks"]
            if c["output"]} == {"?\\u202e"}


@pytest.mark.parametrize("fmt", ["text", "json", "html", "gradescope"])
def test_grade_check_of_a_printing_gate_is_safe_in_every_format(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "lstm_numpy.py").write_text(with_gate(PRINTS + "    return np.tanh(stm_prev)\n"))
    report = tmp_path / f"report.{'txt' if fmt == 'text' else fmt.replace('gradescope', 'json')}"
    result = CliRunner().invoke(main, ["--course", str(fast_course(tmp_path)), "check", str(folder), "-e", "learn_gate",
                                       "--format", fmt, "--output", str(report)])
    assert result.exit_code == 1, result.output  # a wrong gate: its failing check shows what it printed
    text = assert_file_safe(report)
    assert_safe(result.output)
    shown = strings(json.loads(text)) if fmt in ("json", "gradescope") else [html.unescape(text)]
    assert any("?\\u202e" in found for found in shown), text[:2000]
