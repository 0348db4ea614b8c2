"""``grade check`` and ``grade batch`` grade a notebook as they grade the ``.py``: same sandbox, same checks,
the report told in the notebook's cells; a file that is not a notebook gets one sentence and exit code 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import replace_once, solution_source
from notebook_support import as_notebook, blocks, cell, notebook_json

from grader.batch.discover import discover
from grader.batch.records import GRADED, UNREADABLE
from grader.cli import main
from grader.sandbox import files

FAST = ["--exercise", "remember_gate"]


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def folder_with(tmp_path: Path, name: str, contents: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in contents.items():
        (folder / file).write_text(text)
    return folder


def test_a_folder_holding_the_notebook_is_graded_like_the_py(runner: CliRunner, tmp_path: Path) -> None:
    right = folder_with(tmp_path, "right", {"lstm_numpy.ipynb": as_notebook(solution_source())})
    wrong = folder_with(tmp_path, "wrong", {"lstm_numpy.ipynb": as_notebook(
        replace_once(solution_source(), "return forget_out + learn_out", "return forget_out * learn_out"))})
    code, out = run(runner, "check", str(right), *FAST)
    assert code == 0 and "✔ remember_gate" in out and "Total: 5/5 points" in out, out
    code, out = run(runner, "check", str(wrong), *FAST)
    assert code == 1 and "✘ remember_gate" in out and "reproduce: grade check" in out, out
    check_cell = len(blocks(solution_source())) + 2  # after the title and the code: left out, with a note
    assert f"cell {check_cell} (%load_ext grader, %grade)" in out


def test_a_notebook_named_by_hand_is_the_track_it_defines(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "My LSTM (copy).ipynb").write_text(as_notebook(solution_source()))
    code, out = run(runner, "check", str(tmp_path / "My LSTM (copy).ipynb"), *FAST)
    assert code == 0 and "✔ remember_gate" in out, out
    (tmp_path / "notes.ipynb").write_text(as_notebook("x = 1"))
    code, out = run(runner, "check", str(tmp_path / "notes.ipynb"))
    assert code == 2 and out.startswith("Error: ") and "defines none of the exercises (LSTM, LSTMCell" in out


def test_where_both_the_py_and_the_notebook_are_the_py_is_graded_and_said_so(runner: CliRunner,
                                                                             tmp_path: Path) -> None:
    broken = as_notebook(replace_once(solution_source(), "return forget_out + learn_out", "return 0"))
    both = folder_with(tmp_path, "both", {"lstm_numpy.py": solution_source(), "lstm_numpy.ipynb": broken})
    code, out = run(runner, "check", str(both), *FAST)
    assert code == 0, out
    said = [line for line in out.splitlines() if "holds both" in line]
    assert said == [f"{both} holds both lstm_numpy.py and lstm_numpy.ipynb: the .py file was graded (grade check "
                    f"{both / 'lstm_numpy.ipynb'} grades a notebook)."]
    code, out = run(runner, "check", str(both / "lstm_numpy.ipynb"), *FAST)  # named: the notebook it is
    assert code == 1 and "holds both" not in out


@pytest.mark.parametrize(("text", "problem"), [
    ('{"cells": [', "not a notebook (not valid JSON: Expecting value at line 1, column 12)"),
    ('{"nbformat": 4, "cells": {}}', "not a notebook in nbformat 4 (it has no list of cells"),
])
def test_a_malformed_notebook_is_one_sentence_and_exit_code_2(runner: CliRunner, tmp_path: Path, text: str,
                                                             problem: str) -> None:
    folder = folder_with(tmp_path, "bad", {"lstm_numpy.ipynb": text})
    for target in (folder, folder / "lstm_numpy.ipynb"):
        code, out = run(runner, "check", str(target))
        assert code == 2 and "Traceback" not in out and len(out.strip().splitlines()) == 1
        assert out.startswith(f"Error: {folder / 'lstm_numpy.ipynb'}: {problem}"), out


def test_an_import_error_names_the_cell_and_its_line(runner: CliRunner, tmp_path: Path) -> None:
    cells = [cell("markdown", "# LSTM", 1), cell("code", "import numpy as np\n%matplotlib inline", 2),
             cell("code", "def remember_gate(forget_out, learn_out):\n    return forget_out +* learn_out", 3)]
    folder = folder_with(tmp_path, "syntax", {"lstm_numpy.ipynb": notebook_json(cells)})
    code, out = run(runner, "check", str(folder), *FAST)
    assert code == 1
    assert "lstm_numpy.ipynb could not be imported: SyntaxError at cell 3, line 2" in out, out
    assert "lstm_numpy.py" not in out.split("Total:")[0]


def test_an_error_in_a_function_names_the_cell_and_its_line(runner: CliRunner, tmp_path: Path) -> None:
    cells = [cell("code", "import numpy as np", 1), cell("markdown", "## The remember gate", 2),
             cell("code", "def remember_gate(forget_out, learn_out):\n    total = forget_out\n"
                          "    return total + undefined_name", 3)]
    folder = folder_with(tmp_path, "name", {"lstm_numpy.ipynb": notebook_json(cells)})
    code, out = run(runner, "check", str(folder), *FAST)
    assert code == 1
    assert re.search(r"NameError: name 'undefined_name' is not defined \(in remember_gate, cell 3, line 3: ", out), out


def test_a_notebook_larger_than_a_py_may_be_is_read(runner: CliRunner, tmp_path: Path) -> None:
    plot = cell("code", "x = 1", 9)
    plot["outputs"] = [{"output_type": "display_data", "metadata": {},
                        "data": {"image/png": "A" * (files.MAX_FILE_BYTES + 10)}}]
    text = as_notebook(solution_source()).replace('"cells": [', '"cells": [' + json.dumps(plot) + ",", 1)
    folder = folder_with(tmp_path, "plots", {"lstm_numpy.ipynb": text})
    assert (folder / "lstm_numpy.ipynb").stat().st_size > files.MAX_FILE_BYTES
    code, out = run(runner, "check", str(folder), *FAST)
    assert code == 0, out


def test_a_notebook_over_its_limit_is_refused(runner: CliRunner, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_NOTEBOOK_BYTES", 1 << 20)
    folder = folder_with(tmp_path, "huge", {"lstm_numpy.ipynb": " " * (2 << 20) + as_notebook(solution_source())})
    code, out = run(runner, "check", str(folder))
    assert code == 2 and out.strip() == f"Error: {folder / 'lstm_numpy.ipynb'}: larger than 1 MiB, not graded"


def test_batch_finds_notebooks_and_names_a_malformed_one(tmp_path: Path) -> None:
    folder_with(tmp_path, "ann", {"lstm_numpy.ipynb": as_notebook(solution_source())})
    folder_with(tmp_path, "ben", {"lstm_numpy.ipynb": "not json"})
    (tmp_path / "cy" / "lstm").mkdir(parents=True)  # nbgrader's layout: submitted/<student>/<assignment>/
    (tmp_path / "cy" / "lstm" / "lstm_torch.ipynb").write_text(as_notebook("import torch\nclass LSTM:\n    pass"))
    found = {f.student: f for f in discover(tmp_path)}
    assert found["ann"].status == GRADED and found["ann"].code == ("lstm_numpy.ipynb",)
    assert found["ben"].status == UNREADABLE
    assert found["ben"].problem.startswith(f"{tmp_path / 'ben' / 'lstm_numpy.ipynb'}: not a notebook (not valid JSON")
    assert found["cy"].status == GRADED and found["cy"].code == ("lstm_torch.ipynb",)
