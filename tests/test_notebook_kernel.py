"""``%grade`` inside Jupyter: the kernel's current code rebuilt from its history, graded in the sandbox, and
the feedback page shown below the cell (a real kernel runs the lesson's notebook, through nbclient)."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, solution_source
from notebook_support import definitions, filled

from grader.errors import UsageError
from grader.notebook.history import current_code
from grader.notebook.kernel import _arguments, framed, grade_code, page

HISTORY = [
    "",  # In [0]: IPython's own empty entry
    "import numpy as np\nimport matplotlib.pyplot as plt",
    "def squash(x):\n    return np.tanh(x)",
    "squash(np.ones(2))",
    "def squash(x):\n    return np.sin(x)  # the latest version",
    "SCALE = 2.0\nout = squash(SCALE)\nplt.plot([1, 2])",
    "def scaled(x):\n    return SCALE * squash(x)",
    "def broken(:",
    "%load_ext grader\n%grade",
]


def test_the_kernels_code_is_the_latest_definitions_and_what_they_use() -> None:
    extracted = current_code(HISTORY)
    assert extracted.code == ("import numpy as np\ndef squash(x):\n    return np.sin(x)  # the latest version\n"
                              "SCALE = 2.0\ndef scaled(x):\n    return SCALE * squash(x)\n")
    assert [extracted.lines.place(n) for n in (1, 2, 3, 4, 5)] == [
        "In [1], line 1", "In [4], line 1", "In [4], line 2", "In [5], line 1", "In [6], line 1"]
    assert extracted.defines() == {"squash", "scaled"}


def test_a_value_is_the_one_in_force_when_its_user_ran() -> None:
    code = current_code(["", "n = 1", "n += 1", "def f():\n    return n", "from numpy import *"]).code
    assert code == "n = 1\nn += 1\ndef f():\n    return n\nfrom numpy import *\n"
    assert current_code(["", "x = 1", "print(x)", "%time x"]).code == ""  # nothing defined: nothing to grade


def test_grade_names_the_exercises_when_none_is_defined_yet(capsys: pytest.CaptureFixture[str]) -> None:
    assert grade_code(current_code(["", "x = 1"])) is None
    assert capsys.readouterr().out.startswith("Nothing to grade yet: run the cells that define the exercises (LSTM, ")
    numpy_only = current_code(["", "def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):\n    return stm_prev"])
    with pytest.raises(UsageError, match=r"^LSTMCell is not defined in this notebook yet: run its cell, then %grade "):
        grade_code(numpy_only, ("LSTMCell",))
    with pytest.raises(UsageError, match="unknown exercise 'forget'"):
        grade_code(numpy_only, ("forget",))


@pytest.mark.parametrize(("line", "expected"), [
    ("", ((), None)), ("forget_gate use_gate", (("forget_gate", "use_gate"), None)),
    ("--seed 3 forget_gate", (("forget_gate",), 3)),
])
def test_the_magics_arguments(line: str, expected: tuple[tuple[str, ...], int | None]) -> None:
    assert _arguments(line) == expected


@pytest.mark.parametrize(("line", "problem"), [
    ("--seed", "--seed needs a whole number"), ("--seed x", "--seed needs a whole number"),
    ("--exercise x", "%grade has no option --exercise"), ("'open", "No closing quotation"),
])
def test_bad_arguments_are_one_sentence(line: str, problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)):
        _arguments(line)


def test_the_page_sits_in_a_frame_of_its_own() -> None:
    document = '<!DOCTYPE html><html><head><style>body { color: red; }</style></head><body>"a" & b</body></html>'
    frame = framed(document)
    found = re.fullmatch(r'<iframe srcdoc="([^"]*)" .*</iframe>', frame, flags=re.S)
    assert found is not None and html.unescape(found[1]) == document and "<style>" not in frame


def test_check_outside_jupyter_says_how_to_grade_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("IPython", reason="IPython is not installed (pip install -e '.[nbgrader]')")
    from grader.notebook.kernel import check

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(UsageError, match="grades a notebook from inside Jupyter; in a terminal, run grade check"):
        check()


def test_check_waits_while_nbgrader_grades(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from grader.notebook.kernel import check

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    check()
    assert capsys.readouterr().out.startswith("%grade does not run while nbgrader grades")


def frames(outputs: list[Any]) -> list[str]:
    """The feedback pages shown in a cell's outputs."""
    pages = []
    for output in outputs:
        shown = output.get("data", {}).get("text/html", "")
        found = re.search(r'<iframe srcdoc="([^"]*)"', shown)
        if found:
            pages.append(html.unescape(found[1]))
    return pages


@pytest.mark.slow
def test_a_real_kernel_runs_the_lesson_notebook_and_shows_the_graded_page(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e '.[nbgrader]')")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[nbgrader]')")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e '.[nbgrader]')")
    book = nbformat.from_dict(filled(ROOT / "exercises" / "lstm_numpy.ipynb", solution_source()))
    wrong = definitions(solution_source())["forget_gate"].replace("return ltm_prev * f_t", "return ltm_prev * f_tt")
    book.cells += [nbformat.v4.new_code_cell(wrong), nbformat.v4.new_code_cell("%grade forget_gate")]
    nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    check = next(c for c in book.cells if c.get("id") == "check")
    assert not [o for o in check.outputs if o.output_type == "stream" and o.name == "stderr"], check.outputs
    (shown,) = frames(check.outputs)
    expected = graded_page(tmp_path)
    assert shown == expected  # grade check --format html's page, of the same code
    assert "every exercise passes" in shown or "all visible checks passed" in shown
    (again,) = frames(book.cells[-1].outputs)
    cell_number = book.cells[-2].execution_count
    assert f"(in forget_gate, In [{cell_number}], line " in again and "%grade forget_gate --seed 0" in again


def graded_page(folder: Path) -> str:
    """The page ``grade check`` makes of the solutions' functions, labelled as the kernel labels its own."""
    from grader.api import check_submission
    from grader.config import load_settings

    source = solution_source()
    tree = ast.parse(source)
    kept = [n for n in tree.body if isinstance(n, ast.Import | ast.FunctionDef)]
    (folder / "code").mkdir()
    (folder / "code" / "lstm_numpy.py").write_text("\n".join(ast.get_source_segment(source, n) or "" for n in kept))
    report = check_submission(folder / "code", settings=load_settings(ROOT), jobs=1, label="this notebook")
    return page(report)
