"""The code a kernel holds now, rebuilt from its input history (``%grade`` inside Jupyter).

The saved notebook may be older than what the learner ran, and the order of its cells need not
be the order they ran in; the kernel's raw input history (``In``, one entry per run, in order) is
what made the functions the learner has been trying. From it comes one module:

- every entry is read as a notebook cell is (``grader.notebook.extract.clean``: IPython's
  commands and calls of the grader left out); an entry that does not parse defined nothing in the
  kernel either, and is passed over;
- of each function and class, the latest definition run (as in the kernel);
- and, found with ``symtable``, the top-level imports and values those definitions use, each the
  binding in force when it ran; exploration (calls, prints, plots, tests) is left out, so it
  neither runs in the sandbox nor stops the import there.

Lines are mapped back to the history's entries: ``In [7], line 3``, the number Jupyter shows
beside the cell that ran it.
"""

from __future__ import annotations

import ast
import symtable
from collections.abc import Sequence
from dataclasses import dataclass

from grader.notebook.extract import Extracted, LineMap, clean


@dataclass(frozen=True)
class _Statement:
    where: str  # "In [7]"
    lines: list[str]  # its text, as cleaned
    first: int  # its first line in the entry (decorators included)
    binds: frozenset[str]
    uses: frozenset[str]
    definition: bool  # a def or class: its body runs when called, not when the module loads


def current_code(history: Sequence[str]) -> Extracted:
    """The module made of ``history`` (entry k is the input of ``In [k]``; entry 0 is IPython's empty one)."""
    statements = [s for k, source in enumerate(history) if k and source.strip() for s in _statements(k, source)]
    latest: dict[str, int] = {}
    for index, statement in enumerate(statements):
        for name in statement.binds:
            latest[name] = index
    wanted = {index for index, s in enumerate(statements) if s.definition and any(latest[n] == index for n in s.binds)}
    wanted |= {index for index, s in enumerate(statements) if "*" in s.binds}  # from numpy import *
    queue = list(wanted)
    while queue:
        index = queue.pop()
        statement = statements[index]
        for name in statement.uses:
            found = latest.get(name) if statement.definition else _before(statements, name, index)
            if found is not None and found not in wanted:
                wanted.add(found)
                queue.append(found)
    lines: list[str] = []
    places: list[tuple[str, int]] = []
    for index in sorted(wanted):
        statement = statements[index]
        lines += statement.lines
        places += [(statement.where, statement.first + k) for k in range(len(statement.lines))]
    return Extracted("".join(line + "\n" for line in lines), LineMap(tuple(places)), ())


def _before(statements: list[_Statement], name: str, index: int) -> int | None:
    """The statement binding ``name`` last before ``index`` (what a top-level statement saw when it ran)."""
    return next((k for k in range(index - 1, -1, -1) if name in statements[k].binds), None)


def _statements(number: int, source: str) -> list[_Statement]:
    kept, _ = clean(source)
    if kept is None:
        return []
    text = "\n".join(kept) + "\n"
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in tree.body:
        decorators: list[ast.expr] = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        lines = kept[first - 1 : node.end_lineno]
        binds, uses = _names(node, "\n".join(lines))
        if binds:
            definition = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            found.append(_Statement(f"In [{number}]", lines, first, binds, uses, definition))
    return found


def _names(node: ast.stmt, text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the names a top-level statement binds, the global names it uses), by Python's own scoping."""
    if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
        return frozenset({"*"}), frozenset()
    try:
        table = symtable.symtable(text, "<cell>", "exec")
    except SyntaxError:
        return frozenset(), frozenset()
    binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    uses = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    if isinstance(node, ast.AugAssign):  # x += 1 reads the x before it
        uses |= binds
    tables = list(table.get_children())
    while tables:
        child = tables.pop()
        uses |= {s.get_name() for s in child.get_symbols() if s.is_global() and s.is_referenced()}
        tables += child.get_children()
    return frozenset(binds), frozenset(uses)
