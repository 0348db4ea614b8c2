"""The writers of `grade ci` on small hand-built reports: Classroom's result, annotations, the job summary, JUnit."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from ci_support import RESULT_SCHEMA, check, report_of
from junitparser import Error, Failure, JUnitXml, Skipped

from grader.ci.annotations import error_annotations, error_command, escape_data, escape_property, fenced
from grader.ci.classroom import MESSAGE_BYTES, RESULT_BYTES, classroom_result, encode, error_result, size
from grader.ci.feedback import ELLIPSIS, clip
from grader.ci.junit import to_junit
from grader.ci.locations import Locator, Place, definition_lines
from grader.ci.scores import reporter_sum
from grader.ci.summary import escape, fence, summary
from grader.results import NOT_IMPLEMENTED, Status

SOURCE = '''import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@staticmethod
def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    return stm_prev


class LSTMCell:
    pass
'''


def line_of(source: str, text: str) -> int:
    """The 1-based line where ``text`` starts (found by text, not by ast: the oracle of the ast search)."""
    return source[: source.index(text)].count("\n") + 1


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "repo" / "exercises").mkdir(parents=True)
    (tmp_path / "repo" / "exercises" / "lstm_numpy.py").write_text(SOURCE)
    return tmp_path / "repo" / "exercises"


def test_definitions_are_found_by_parsing_at_their_def_line_not_their_decorator() -> None:
    lines = definition_lines(SOURCE.encode())
    assert lines["learn_gate"] == line_of(SOURCE, "def learn_gate")
    assert lines["LSTMCell"] == line_of(SOURCE, "class LSTMCell")
    assert lines["sigmoid"] == line_of(SOURCE, "def sigmoid")


def test_a_file_that_does_not_parse_points_at_its_syntax_error() -> None:
    assert definition_lines(b"import numpy\n\n\ndef learn_gate(:\n    pass\n") == {"": 4}


def test_places_are_relative_to_the_workspace_and_fall_back_to_line_1(folder: Path) -> None:
    locator = Locator(folder, folder.parent)
    assert locator.place("lstm_numpy.py", "learn_gate") == Place("exercises/lstm_numpy.py",
                                                                 line_of(SOURCE, "def learn_gate"))
    assert locator.place("lstm_numpy.py", "forget_gate").line == 1  # not written: the top of the file
    assert locator.place("lstm_torch.py", "LSTMCell") == Place("exercises/lstm_torch.py", 1)  # no such file
    assert Locator(folder).place("lstm_numpy.py", "learn_gate").file == f"{folder.as_posix()}/lstm_numpy.py"


def test_the_result_has_a_test_per_graded_check_at_its_def_line(folder: Path) -> None:
    report = report_of(("learn_gate", [check("learn_gate", 1, Status.PASSED, 2.0, cases=7),
                                       check("learn_gate", 2, Status.FAILED, 1.0, message="wrong sign",
                                             reproduce="grade check lstm_numpy.py --seed 0 --exercise learn_gate"),
                                       check("learn_gate", 3, Status.SKIPPED, 1.0, message="needs CUDA")]),
                       ("forget_gate", [check("forget_gate", 1, Status.ERROR, 3.0, message="could not be graded: x")]))
    result = classroom_result(report, Locator(folder, folder.parent))
    jsonschema.validate(result, RESULT_SCHEMA)
    assert (result["version"], result["status"], result["max_score"]) == (1, "error", 6)
    tests = {test["name"]: test for test in result["tests"]}
    assert list(tests) == ["learn_gate: check 1", "learn_gate: check 2", "forget_gate: check 1"]  # no skipped one
    passed, failed, error = tests.values()
    assert (passed["status"], passed["score"], passed["test_code"]) == ("pass", 2, "")
    assert passed["message"] == "passed (7 generated cases)"
    assert (failed["status"], failed["score"]) == ("fail", 0)
    assert failed["message"].splitlines() == ["wrong sign.", f"reproduce: {failed['test_code']}"]
    assert failed["test_code"].startswith("grade check lstm_numpy.py")
    assert (failed["filename"], failed["line_no"]) == ("exercises/lstm_numpy.py", line_of(SOURCE, "def learn_gate"))
    assert (error["status"], error["line_no"]) == ("error", 1)
    assert reporter_sum([t["score"] for t in result["tests"]]) == report.points


@pytest.mark.parametrize(("statuses", "expected"), [
    ((Status.PASSED, Status.PASSED), "pass"),
    ((Status.PASSED, Status.FAILED), "fail"),
    ((Status.FAILED, Status.ERROR), "error"),
])
def test_the_result_status_is_the_worst_test_status(statuses: tuple[Status, ...], expected: str,
                                                     folder: Path) -> None:
    report = report_of(("learn_gate", [check("learn_gate", n, s) for n, s in enumerate(statuses)]))
    assert classroom_result(report, Locator(folder))["status"] == expected


def test_a_stub_and_a_file_that_does_not_import_are_tests_at_zero_with_the_reason(folder: Path) -> None:
    for note in (NOT_IMPLEMENTED, "lstm_numpy.py could not be imported: SyntaxError at line 4"):
        report = report_of(("learn_gate", [check("learn_gate", n, Status.FAILED, message=note) for n in range(3)]),
                           note=note)
        result = classroom_result(report, Locator(folder))
        jsonschema.validate(result, RESULT_SCHEMA)
        assert [(t["score"], t["message"].rstrip(".")) for t in result["tests"]] == [(0, note)] * 3


def test_a_hidden_check_says_only_its_name_outcome_and_hint(folder: Path) -> None:
    secret = "expected [[0.1234]] on the held-out case"
    report = report_of(("learn_gate", [check("learn_gate", 1, Status.FAILED, message=secret, hint="use tanh",
                                             visibility="hidden")]))
    message = classroom_result(report, Locator(folder))["tests"][0]["message"]
    assert secret not in message and "use tanh" in message and "not shown" in message


def test_messages_are_cut_to_1_kib_on_a_character_boundary() -> None:
    text = "σ" * 600  # 2 bytes each
    cut = clip(text, MESSAGE_BYTES)
    assert len(cut.encode()) <= MESSAGE_BYTES and cut.endswith(ELLIPSIS) and set(cut[:-1]) == {"σ"}
    assert clip("short", MESSAGE_BYTES) == "short"


def test_a_huge_result_keeps_every_test_and_fits_64_kib(folder: Path) -> None:
    checks = [check("learn_gate", n, Status.FAILED, message="✘ wrong " * 400) for n in range(120)]
    result = classroom_result(report_of(("learn_gate", checks)), Locator(folder))
    assert len(result["tests"]) == 120
    assert size(result) <= RESULT_BYTES < 120 * MESSAGE_BYTES
    assert all(len(t["message"].encode()) <= MESSAGE_BYTES and t["message"].endswith(ELLIPSIS)
               for t in result["tests"])
    assert len(encode(result)) < 100 * 1024  # the reporter reads it from an environment variable


def test_a_run_that_graded_nothing_still_has_a_test_saying_why() -> None:
    result = error_result("lstm_numpy.py: no such file or folder", "grade ci lstm_numpy.py")
    jsonschema.validate(result, RESULT_SCHEMA)
    assert result["status"] == "error" and result["tests"][0]["message"] == "lstm_numpy.py: no such file or folder"


def test_workflow_commands_escape_data_and_properties() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a: b, c%") == "a%3A b%2C c%25"
    command = error_command(Place("ex/lstm_numpy.py", 12), "forget_gate: keeps LTM, or not", "line 1\nline 2")
    assert command == "::error file=ex/lstm_numpy.py,line=12,title=forget_gate%3A keeps LTM%2C or not::line 1%0Aline 2"
    assert "\n" not in command


def test_annotations_name_each_failing_check_at_its_def_line_and_group_identical_ones(folder: Path) -> None:
    report = report_of(("learn_gate", [check("learn_gate", 1, Status.PASSED), check("learn_gate", 2, Status.FAILED,
                                                                                    message="off by one")]),
                       ("use_gate", [check("use_gate", n, Status.FAILED, message=NOT_IMPLEMENTED) for n in range(4)]))
    commands = error_annotations(report, Locator(folder, folder.parent))
    line = line_of(SOURCE, "def learn_gate")
    assert commands == [f"::error file=exercises/lstm_numpy.py,line={line},title=learn_gate%3A check 2::off by one.",
                        "::error file=exercises/lstm_numpy.py,line=1,title=use_gate%3A all 4 checks::"
                        f"{NOT_IMPLEMENTED}."]
    assert error_annotations(report_of(("learn_gate", [check("learn_gate", 1, Status.PASSED)])), Locator(folder)) == []


def test_printed_text_is_fenced_so_no_workflow_command_in_it_runs() -> None:
    printed = "your code printed: ::error::fake\n::notice title=Autograding report::{}"
    text = fenced(printed)
    opening, *body, closing = text.splitlines()
    token = opening.removeprefix("::stop-commands::")
    assert len(token) == 32 and closing == f"::{token}::" and "\n".join(body) == printed
    assert fenced(printed).splitlines()[0] != opening  # a new token each time: a submission cannot guess it


def test_the_summary_tables_the_exercises_and_shows_failing_feedback_escaped(folder: Path) -> None:
    report = report_of(("learn_gate", [check("learn_gate", 1, Status.PASSED, 2.0)]),
                       ("forget_gate", [check("forget_gate", 1, Status.FAILED, 3.0, message="got ```x``` | *y*"),
                                        check("forget_gate", 2, Status.FAILED, 1.0, message="got ```x``` | *y*")]))
    text = summary(report, title="grade ci a|b")
    assert "## grade ci a\\|b" in text
    assert "| learn\\_gate | 2/2 | ✅ passed |" in text and "| forget\\_gate | 0/4 | ❌ failed |" in text
    assert "| **Total** | **2/6** | |" in text
    assert "### ❌ forget\\_gate: check 1 (0/3)" in text
    assert "````text\ngot ```x``` | *y*.\n````" in text  # a fence longer than the backticks inside
    assert "- ❌ forget\\_gate: check 2 (0/1): the same message as above" in text
    assert "check 1" not in summary(report_of(("learn_gate", [check("learn_gate", 1, Status.PASSED)])), title="t")
    assert escape("a\nb*c") == "a b\\*c" and fence("`x`").startswith("```text\n")


def test_junit_has_a_suite_per_exercise_and_a_case_per_check(folder: Path) -> None:
    report = report_of(("learn_gate", [check("learn_gate", 1, Status.PASSED),
                                       check("learn_gate", 2, Status.FAILED, message="bad\x1b[31m value\nmore")]),
                       ("use_gate", [check("use_gate", 1, Status.ERROR, message="could not be graded: timeout"),
                                     check("use_gate", 2, Status.SKIPPED, message="needs CUDA")]))
    path = folder / "junit.xml"
    path.write_text(to_junit(report, Locator(folder, folder.parent)))
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["learn_gate", "use_gate"]
    assert (suites["learn_gate"].tests, suites["learn_gate"].failures, suites["use_gate"].errors,
            suites["use_gate"].skipped) == (2, 1, 1, 1)
    cases = {(case.classname, case.name): case for suite in xml for case in suite}
    failure = cases["learn_gate", "check 2"].result[0]
    assert isinstance(failure, Failure) and failure.message == "bad\ufffd[31m value"
    assert "more" in (failure.text or "")
    assert isinstance(cases["use_gate", "check 1"].result[0], Error)
    assert isinstance(cases["use_gate", "check 2"].result[0], Skipped)
    assert cases["learn_gate", "check 1"].is_passed
    tree = ElementTree.parse(path)
    case = tree.find("testsuite[@name='learn_gate']/testcase[@name='check 2']")
    assert case is not None and case.get("line") == str(line_of(SOURCE, "def learn_gate"))
    assert case.get("file") == "exercises/lstm_numpy.py"
    properties = {p.get("name"): p.get("value") for p in tree.iterfind("testsuite[@name='learn_gate']//property")}
    assert properties == {"points": "1", "max_points": "2", "title": "Learn_Gate", "note": ""}
