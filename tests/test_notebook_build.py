"""The lesson's notebooks on disk are exactly what the stubs and exercises/notebook_text.toml make (nothing
drifts), valid nbformat, the stubs verbatim, each under the lesson's text."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from grader.catalog import TRACK_FILES, load_track
from grader.errors import InputError
from grader.notebook.build import CHECK_CELL, TEXT, lesson_parts, write_notebooks

NOTEBOOKS = ("lstm_numpy.ipynb", "lstm_torch.ipynb")


def nbformat() -> Any:
    return pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e '.[nbgrader]')")


def course_copy(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", course / "exercises")
    return course


def test_the_notebooks_on_disk_are_what_the_sources_make(tmp_path: Path) -> None:
    nbformat()
    written = write_notebooks(ROOT, tmp_path)
    assert [p.name for p in written] == list(NOTEBOOKS)
    for path in written:
        assert path.read_bytes() == (ROOT / "exercises" / path.name).read_bytes(), (
            f"exercises/{path.name} differs from what the stubs and exercises/{TEXT} make: regenerate it with "
            "python -m grader.notebook.build")


def test_a_changed_text_or_stub_changes_the_notebook(tmp_path: Path) -> None:
    nbformat()
    course = course_copy(tmp_path)
    text = course / "exercises" / TEXT
    text.write_text(text.read_text().replace("## 2. The forget gate", "## 2. The forget gate, again"))
    stub = course / "exercises" / "lstm_torch.py"
    stub.write_text(stub.read_text().replace("def forward(self, events, state=None):",
                                             "def forward(self, events, state=None):  # changed"))
    for path in write_notebooks(course, tmp_path / "out"):
        assert path.read_bytes() != (ROOT / "exercises" / path.name).read_bytes(), path.name


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_stub_is_verbatim_in_its_own_cell_under_the_lessons_text(name: str) -> None:
    book = nbformat().read(ROOT / "exercises" / name, as_version=4)
    nbformat().validate(book)
    stub = (ROOT / "exercises" / name.replace(".ipynb", ".py")).read_text()
    symbols = [n.name for n in ast.parse(stub).body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    code = [c for c in book.cells if c.cell_type == "code"]
    assert [c.id for c in code] == ["imports", *symbols, "check"]
    assert code[-1].source == CHECK_CELL
    for each in code[:-1]:
        assert each.source in stub, each.id
        assert book.cells[book.cells.index(each) - 1].cell_type == "markdown"
    exercises = {e.symbol for track in TRACK_FILES for e in load_track(track).exercises}
    for each in (c for c in code if c.id in exercises):  # a stub's "your code" region, its closing comment too
        assert each.source.count("# ---- end of your code") == each.source.count("# ---- your code here") > 0, each.id
    for each in (c for c in book.cells if c.cell_type == "markdown"):
        assert each.source.count("$") % 2 == 0, each.id  # every formula closed
    assert book.cells[0].source.startswith("# LSTM in ")


def test_every_stub_symbol_needs_its_text(tmp_path: Path) -> None:
    course = course_copy(tmp_path)
    text = course / "exercises" / TEXT
    text.write_text(re.sub(r"\nuse_gate = '''.*?'''\n", "\n", text.read_text(), flags=re.S))
    with pytest.raises(InputError, match=re.escape(f"{TEXT} has no text for use_gate in [lstm_numpy.cells]")):
        lesson_parts(course, "lstm_numpy.py")
    assert lesson_parts(ROOT, "lstm_numpy.py")  # the course's own text has it


def test_a_stub_with_other_top_level_code_is_refused(tmp_path: Path) -> None:
    course = course_copy(tmp_path)
    stub = course / "exercises" / "lstm_numpy.py"
    stub.write_text(stub.read_text() + "\nprint('hello')\n")
    with pytest.raises(InputError, match=r"lstm_numpy.py line \d+: only imports, functions and classes"):
        lesson_parts(course, "lstm_numpy.py")


def test_every_track_has_its_notebook_text() -> None:
    for file, _ in TRACK_FILES.values():
        parts = lesson_parts(ROOT, file)
        assert [p.role for p in parts][:3] == ["text", "text", "imports"] and parts[-1].role == "check"
