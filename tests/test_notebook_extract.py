"""Reading a notebook as Python: its cells, IPython's commands left out, lines mapped back to cells.

Nothing here runs a kernel or imports a Jupyter package: grading a notebook needs neither.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from notebook_support import as_notebook, blocks, cell, notebook_json

from grader.notebook.cells import NotebookError, notebook_name, read_cells
from grader.notebook.extract import LineMap, clean, extract
from grader.notebook.lines import Origin, relocate, told
from grader.results import CheckResult, ExerciseResult, Report, Status


def test_cells_are_read_with_their_numbers_kinds_and_nbgrader_metadata() -> None:
    text = notebook_json([cell("markdown", "# Title", 1), cell("code", ["x = 1\n", "y = 2"], 2),
                          cell("code", "z = 3", 3, nbgrader={"grade": True, "solution": False})])
    cells = read_cells(text.encode(), "lstm_numpy.ipynb")
    assert [(c.number, c.kind, c.source) for c in cells] == [(1, "markdown", "# Title"), (2, "code", "x = 1\ny = 2"),
                                                            (3, "code", "z = 3")]
    assert [c.autograder_test for c in cells] == [False, False, True]


@pytest.mark.parametrize(("data", "problem"), [
    (b'{"cells": [', "not a notebook (not valid JSON: Expecting value at line 1, column 12)"),
    (b"\xff\xfe{}", "not a notebook (it is not UTF-8 text)"),
    (b"[1, 2]", "not a notebook in nbformat 4 (it has no list of cells, as nbformat 4 requires)"),
    (b'{"nbformat": 3, "worksheets": []}', "not a notebook in nbformat 4 (it is in the old nbformat 3"),
    (b'{"nbformat": 5, "cells": []}', "not a notebook in nbformat 4 (its nbformat is 5)"),
    (b'{"nbformat": 4, "cells": [{"source": "x"}]}', "cell 1 is malformed (it has no cell_type"),
    (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}', "cell 1 is malformed (its source is neither"),
])
def test_what_is_not_a_notebook_is_refused_in_one_sentence_naming_the_file(data: bytes, problem: str) -> None:
    with pytest.raises(NotebookError) as raised:
        read_cells(data, "work/lstm_numpy.ipynb")
    assert str(raised.value).startswith(f"work/lstm_numpy.ipynb: {problem}")
    assert "\n" not in str(raised.value)


def test_a_tracks_notebook_is_named_after_its_file() -> None:
    assert notebook_name("lstm_numpy.py") == "lstm_numpy.ipynb"


@pytest.mark.parametrize("command", ["%load_ext grader", "%grade", "!pip install numpy", "files = !ls",
                                     "t = %timeit -o f()", "np.concatenate?", "??np", "  %matplotlib inline"])
def test_ipython_commands_are_left_out_and_keep_the_lines_numbers(command: str) -> None:
    kept, left_out = clean(f"import numpy as np\n{command}\nx = 1")
    assert kept is not None and kept[0] == "import numpy as np" and kept[1].strip() == "pass" and kept[2] == "x = 1"
    assert left_out == [command.strip()]


def test_a_percent_or_bang_that_is_python_stays() -> None:
    source = 'text = """\n%not a magic\n!nor a shell\n"""\nratio = (10\n% 3)\nsame = 1 != 2'
    kept, left_out = clean(source)
    assert kept == source.splitlines() and left_out == []


def test_a_cell_of_commands_only_is_left_out_whole() -> None:
    assert clean("%load_ext grader\n%grade") == (None, ["%load_ext grader", "%grade"])
    assert clean("# check your work\n%grade\n") == (None, ["%grade"])
    assert clean("%%bash\necho hi") == (None, ["%%bash"])
    assert clean("%%timeit\nf()") == (None, ["%%timeit"])


def test_calls_of_the_grader_and_ipython_builtins_are_left_out_but_nothing_else() -> None:
    kept, left_out = clean("import grader.notebook\nfrom grader.notebook import check as c\nc()\n"
                           "grader.notebook.check('forget_gate')\ndisplay(x)\n"
                           "get_ipython().run_line_magic('grade', '')\ny = grader_like(1)\nprint(y)")
    assert kept is not None and kept[:6] == ["pass"] * 6 and kept[6:] == ["y = grader_like(1)", "print(y)"]
    assert left_out[0] == "import grader.notebook" and left_out[2] == "c()" and len(left_out) == 6
    assert clean("import grader\ngrader.notebook.check()") == (None, ["import grader", "grader.notebook.check()"])


def test_an_indented_cell_is_read_as_ipython_reads_it() -> None:
    kept, _ = clean("    def f():\n        return 1\n")
    assert kept == ["def f():", "    return 1"]


def test_a_cell_with_a_syntax_error_is_kept_as_written_so_the_learner_sees_it() -> None:
    kept, left_out = clean("def f():\n    return +*\n%time g()\n")
    assert kept == ["def f():", "    return +*", "pass"] and left_out == ["%time g()"]


def test_pieces_join_into_one_module_with_a_map_back_to_each_line() -> None:
    extracted = extract([("cell 2", "import numpy as np"), ("cell 4", "%grade"), ("cell 5", "def f():\n    return 1")])
    assert extracted.code == "import numpy as np\ndef f():\n    return 1\n"
    assert [extracted.lines.place(n) for n in (1, 2, 3, 4, 0)] == ["cell 2, line 1", "cell 5, line 1",
                                                                   "cell 5, line 2", "", ""]
    assert extracted.skipped == (("cell 4", ("%grade",)),)
    assert extracted.defines() == {"f"}


def test_fixture_sources_cut_into_cells_and_read_back_are_the_same_program() -> None:
    from conftest import fixture_names, numpy_fixture

    for name in fixture_names("buggy")[:10]:
        source = numpy_fixture("buggy", name)
        cells = read_cells(as_notebook(source).encode(), "x.ipynb")
        assert len(blocks(source)) >= 5
        code = extract((f"cell {c.number}", c.source) for c in cells if c.kind == "code").code
        assert ast_dump(code) == ast_dump(source), name


def ast_dump(source: str) -> str:
    import ast

    return ast.dump(ast.parse(source))


def report_of(message: str, file: str = "lstm_numpy.py", reproduce: str = "") -> Report:
    check = CheckResult(exercise="forget_gate", id="matches_reference", title="t", status=Status.FAILED, points=0.0,
                        max_points=4.0, message=message, reproduce=reproduce, output="line 3 printed by the learner")
    exercise = ExerciseResult(id="forget_gate", title="Forget gate", file=file, checks=(check,), note=message)
    return Report(submission="s", seed=0, exercises=(exercise,))


MAP = LineMap((("cell 3", 1), ("cell 3", 2), ("cell 7", 1), ("cell 7", 2)))


@pytest.mark.parametrize(("message", "expected"), [
    ("lstm_numpy.py could not be imported: SyntaxError at line 4: invalid syntax",
     "lstm_numpy.ipynb could not be imported: SyntaxError at cell 7, line 2: invalid syntax"),
    ("forget_gate raised NameError: name 'q' is not defined (in forget_gate, line 3: return q)",
     "forget_gate raised NameError: name 'q' is not defined (in forget_gate, cell 7, line 1: return q)"),
    ("lstm_numpy.py line 2 imports pandas, which the course's grading environment does not provide: lstm_numpy.py "
     "may import numpy", "lstm_numpy.ipynb cell 3, line 2 imports pandas, which the course's grading environment "
     "does not provide: lstm_numpy.ipynb may import numpy"),
    ("it was stopped at helper.py line 3 (while True:)", "it was stopped at helper.py line 3 (while True:)"),
    ("SyntaxError at line 99", "SyntaxError at line 99"),
])
def test_a_report_names_the_notebooks_cells_where_it_named_the_files_lines(message: str, expected: str) -> None:
    origin = Origin("lstm_numpy.ipynb", MAP)
    relocated = relocate(report_of(message, reproduce="grade check lstm_numpy.py --seed 0"), {"lstm_numpy.py": origin},
                         ("a note",))
    check = relocated.exercises[0].checks[0]
    assert check.message == expected and relocated.exercises[0].note == expected
    assert check.reproduce == "grade check lstm_numpy.ipynb --seed 0"
    assert check.output == "line 3 printed by the learner"  # the learner's own output is theirs
    assert relocated.notes == ("a note",)


def test_only_the_notebooks_file_is_told_in_cells() -> None:
    report = report_of("lstm_torch.py could not be imported at line 2", file="lstm_torch.py")
    assert relocate(report, {"lstm_numpy.py": Origin("lstm_numpy.ipynb", MAP)}) == report


def test_history_places_are_told_without_a_file_name() -> None:
    origin = Origin("this notebook", LineMap((("In [7]", 3),)), named=False)
    assert told("lstm_numpy.py line 1 imports pandas", "lstm_numpy.py", origin) == "In [7], line 3 imports pandas"


def test_import_grader_loads_no_jupyter_package() -> None:
    script = ("import sys, grader, grader.notebook, grader.notebook.loading, grader.pipeline.submission\n"
              "assert callable(grader.load_ipython_extension) and callable(grader.notebook.check)\n"
              "print(sorted(m for m in ('nbformat', 'IPython', 'nbclient', 'nbgrader', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
