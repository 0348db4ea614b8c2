"""Notebooks for the tests: a learner's ``.py`` as the notebook they might have written, and solutions filled in.

Plain ``json``: the notebooks are nbformat 4.5 as Jupyter writes them, and grading them needs no
Jupyter package (the tests that use nbformat or a kernel say so themselves).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

CHECK_CELL = "%load_ext grader\n%grade"


def cell(kind: str, source: str | list[str], number: int, **metadata: Any) -> dict[str, Any]:
    made: dict[str, Any] = {"cell_type": kind, "id": f"cell-{number}", "metadata": metadata, "source": source}
    if kind == "code":
        made.update(execution_count=None, outputs=[])
    return made


def notebook_json(cells: list[dict[str, Any]]) -> str:
    book = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                         "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(book, indent=1) + "\n"


def blocks(source: str) -> list[str]:
    """``source`` cut where a learner cuts it into cells: the imports together, then each function, class or
    other top-level statement in its own block (with the comments above it)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    starts: list[int] = []
    previous_import = False
    for node in tree.body:
        is_import = isinstance(node, ast.Import | ast.ImportFrom)
        decorators: list[ast.expr] = getattr(node, "decorator_list", [])
        if not (is_import and previous_import):
            starts.append(min([node.lineno, *(d.lineno for d in decorators)]) - 1)
        previous_import = is_import
    starts[0] = 0
    ends = [*starts[1:], len(lines)]
    return ["\n".join(lines[a:b]).strip("\n") for a, b in zip(starts, ends, strict=True)]


def as_notebook(source: str, *, check_cell: bool = True) -> str:
    """The notebook a learner would have written holding ``source``: a title, a cell per block, the check cell."""
    cells = [cell("markdown", "# My LSTM", 1)]
    cells += [cell("code", block, k) for k, block in enumerate(blocks(source), start=2)]
    if check_cell:
        cells.append(cell("code", CHECK_CELL, len(cells) + 1))
    return notebook_json(cells)


def definitions(source: str) -> dict[str, str]:
    """Each top-level function and class of ``source``, as written."""
    lines = source.splitlines()
    return {node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno]) for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)}


def filled(notebook: Path, source: str) -> dict[str, Any]:
    """``notebook`` (a lesson or nbgrader notebook) with the definitions of ``source`` in place of its stubs."""
    book: dict[str, Any] = json.loads(notebook.read_text())
    code = definitions(source)
    for each in book["cells"]:
        if isinstance(each["source"], list):  # as a file holds it: one string per line
            each["source"] = "".join(each["source"])
        name = each["metadata"].get("nbgrader", {}).get("grade_id", each.get("id"))
        if each["cell_type"] == "code" and name in code:
            each["source"] = code[name]
    return book
