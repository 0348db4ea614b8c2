"""The lesson's notebooks, generated from the stubs and one text file, so the two never drift apart.

``exercises/lstm_numpy.ipynb`` is ``exercises/lstm_numpy.py`` cut at its top level: the imports
in one code cell, each function or class (verbatim) in its own, each under the Markdown keyed
by its name in ``exercises/notebook_text.toml``; the notebook opens with that file's ``intro``
and ends with the check cell (``%load_ext grader`` / ``%grade``). Cell ids are the symbols'
names, so the same sources give the same bytes. ``lesson_parts`` is the plan the nbgrader
course (``grader.notebook.nbgrader_course``) renders too.

Regenerate the committed notebooks with ``python -m grader.notebook.build [COURSE]``.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalog import TRACK_FILES
from grader.errors import InputError, UsageError
from grader.notebook.cells import notebook_name

TEXT = "notebook_text.toml"
CHECK_CELL = "%load_ext grader\n%grade"
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Part:
    """One cell of a lesson notebook, before it is a notebook's cell."""

    kind: str  # "markdown" or "code"
    id: str  # the cell's id: stable, from the symbol's name
    source: str
    role: str  # "text", "imports", "symbol" (a stub's function or class) or "check"
    symbol: str = ""  # a "symbol" part's function or class


def lesson_parts(course: Path, file: str) -> list[Part]:
    """The cells of the notebook of ``file`` (``lstm_numpy.py``): the stub's code under the lesson's text."""
    stub = course / "exercises" / file
    try:
        source = stub.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError) as error:
        raise InputError(f"{stub}: cannot be read as Python ({error})") from None
    track = Path(file).stem
    text = _text(course / "exercises" / TEXT, track)
    lines = source.splitlines()
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    parts = [Part("markdown", "intro", _need(text, "intro", track), "text")]
    if imports:
        if "imports" in text:
            parts.append(Part("markdown", "imports-text", text["imports"], "text"))
        parts.append(Part("code", "imports", "\n".join(_segment(lines, n) for n in imports), "imports"))
    cells = text.get("cells", {})
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            markdown = _need(cells, node.name, f"{track}.cells")
            parts += [Part("markdown", f"{node.name}-text", markdown, "text"),
                      Part("code", node.name, _segment(lines, node), "symbol", node.name)]
        elif not (isinstance(node, ast.Import | ast.ImportFrom) or _is_docstring(node, tree)):
            raise InputError(f"{stub} line {node.lineno}: only imports, functions and classes can become the "
                             "notebook's cells")
    parts += [Part("markdown", "check-text", _need(text, "check", track), "text"),
              Part("code", "check", CHECK_CELL, "check")]
    return parts


def notebook(parts: list[Part], cell_metadata: dict[str, dict[str, Any]] | None = None) -> Any:
    """The nbformat notebook of ``parts`` (``cell_metadata``: part id -> the cell's metadata), validated."""
    nbformat = _nbformat()
    cells = []
    for part in parts:
        make = nbformat.v4.new_markdown_cell if part.kind == "markdown" else nbformat.v4.new_code_cell
        cells.append(make(part.source, id=part.id, metadata=(cell_metadata or {}).get(part.id, {})))
    book = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    nbformat.validate(book)
    return book


def text_of(book: Any) -> str:
    """The notebook's file text: nbformat's own layout, ending in a newline."""
    text: str = _nbformat().writes(book)
    return text if text.endswith("\n") else text + "\n"


def _nbformat() -> Any:
    """nbformat, from the nbgrader extra (untyped: used through Any)."""
    try:
        import nbformat
    except ImportError:
        raise UsageError("writing notebooks needs nbformat: pip install 'lstm-grader[nbgrader]'") from None
    return nbformat


def write_notebooks(course: Path, out_dir: Path) -> list[Path]:
    """Write the notebook of every track's stub in ``course`` to ``out_dir``; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file, _ in TRACK_FILES.values():
        path = out_dir / notebook_name(file)
        path.write_text(text_of(notebook(lesson_parts(course, file))), encoding="utf-8")
        written.append(path)
    return written


def _text(path: Path, track: str) -> dict[str, Any]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid TOML ({error})") from None
    text = table.get(track)
    if not isinstance(text, dict):
        raise InputError(f"{path} has no [{track}] table: the text of {track}'s notebook")
    return text


def _need(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{TEXT} has no text for {key} in [{where}]: add {key} = '''...''' (Markdown)")
    return value.strip("\n")


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The node's lines as written: its decorators, and the comments closing its body (``# ---- end of your
    code``), which the syntax tree leaves out, included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    last = node.end_lineno or node.lineno
    while last < len(lines) and lines[last].lstrip().startswith("#") and _indent(lines[last]) > node.col_offset:
        last += 1
    return "\n".join(lines[first - 1 : last])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_docstring(node: ast.stmt, tree: ast.Module) -> bool:
    return node is tree.body[0] and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def main(argv: list[str]) -> None:
    from grader.config import default_course

    course = Path(argv[0]) if argv else default_course()
    for path in write_notebooks(course, course / "exercises"):
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
