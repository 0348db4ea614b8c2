"""The learner's Python from a notebook's code cells, found by reading the text (nothing is run).

Each piece (a code cell, or an entry of a kernel's input history) is cleaned the way IPython
would read it, then the pieces are joined into one module, with a ``LineMap`` from each of its
lines back to the piece and the line there. Left out, with a note (never run by the grader):

- IPython's own commands: line magics ``%...``, cell magics ``%%...`` (the whole cell), shell
  escapes ``!...``, ``x = !cmd`` / ``x = %magic``, help requests ``obj?``; each such line
  becomes ``pass`` so the lines around it keep their numbers and blocks;
- calls of the grader itself and IPython's builtins at the top level: ``import grader``,
  ``grader.notebook.check()``, ``get_ipython()...``, ``display(...)``;
- a piece with nothing else in it (the check cell ``%load_ext grader`` / ``%grade``) is
  left out whole.

A line is only an IPython command where a statement starts (``tokenize`` says where): a ``%``
or ``!`` line inside a string or brackets stays as it is.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

_ESCAPED = re.compile(r"[%!]")
_ASSIGNED = re.compile(r"[\w.\[\], ]+=\s*[%!]")  # x = !ls, x = %timeit f()
_HELP = re.compile(r"(\?{1,2}[\w.]+|[\w.]+\?{1,2})")
_BUILTINS = ("get_ipython", "display")  # IPython's, absent from a plain Python import
_SHOWN = 40  # characters of a skipped command quoted in the note


@dataclass(frozen=True)
class LineMap:
    """Line k of the extracted module (from 1) is line ``places[k-1][1]`` of the piece ``places[k-1][0]``."""

    places: tuple[tuple[str, int], ...] = ()

    def place(self, line: int) -> str:
        """'cell 5, line 3' for the module's ``line``; '' outside it."""
        if not 1 <= line <= len(self.places):
            return ""
        where, number = self.places[line - 1]
        return f"{where}, line {number}"


@dataclass(frozen=True)
class Extracted:
    code: str  # the module graded
    lines: LineMap
    skipped: tuple[tuple[str, tuple[str, ...]], ...]  # (piece, what was left out of it), in order

    def defines(self) -> set[str]:
        """The names the module's top level defines with ``def`` or ``class`` (none if it does not parse)."""
        try:
            tree = ast.parse(self.code)
        except (SyntaxError, ValueError):
            return set()
        return {node.name for node in tree.body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}


def extract(pieces: Iterable[tuple[str, str]]) -> Extracted:
    """The module made of ``pieces`` ((where, source) pairs, in order: ('cell 3', 'def f(): ...'))."""
    lines: list[str] = []
    places: list[tuple[str, int]] = []
    skipped: list[tuple[str, tuple[str, ...]]] = []
    for where, source in pieces:
        kept, left_out = clean(source)
        if left_out:
            skipped.append((where, tuple(left_out)))
        if kept is None:
            continue
        lines += kept
        places += [(where, number) for number in range(1, len(kept) + 1)]
    code = "".join(line + "\n" for line in lines)
    return Extracted(code, LineMap(tuple(places)), tuple(skipped))


def clean(source: str) -> tuple[list[str] | None, list[str]]:
    """(the piece's lines as Python, or None when nothing of it is graded; what was left out)."""
    lines = _dedented(source.splitlines())
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%"):
        return None, [_short(first)]
    commands = _commands(lines)
    replaced = [_pass(line) if k in commands else line for k, line in enumerate(lines)]
    left_out = [_short(lines[k]) for k in commands]
    calls = _grader_calls(replaced)
    for first_line, last_line in calls:
        left_out.append(_short(" ".join(line.strip() for line in replaced[first_line - 1 : last_line])))
        replaced[first_line - 1] = "pass"
        for k in range(first_line, last_line):
            replaced[k] = ""
    blanked = set(commands) | {k for first_line, last_line in calls for k in range(first_line - 1, last_line)}
    if left_out and not any(_is_code(line) for k, line in enumerate(replaced) if k not in blanked):
        return None, left_out
    return replaced, left_out


def _dedented(lines: list[str]) -> list[str]:
    """IPython's leading-indent rule: the first line's indentation is taken off every line that has it."""
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]
    if not indent:
        return lines
    return [line[len(indent):] if line.startswith(indent) else line for line in lines]


def _is_command(text: str) -> bool:
    return bool(_ESCAPED.match(text) or _ASSIGNED.match(text) or _HELP.fullmatch(text))


def _is_code(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#")


def _pass(line: str) -> str:
    return line[: len(line) - len(line.lstrip())] + "pass"


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _commands(lines: list[str]) -> list[int]:
    """The lines that are IPython commands: those that look like one where a statement starts (a ``%`` or
    ``!`` line inside a string or brackets is text, not a command)."""
    found: list[int] = []
    for k, line in enumerate(lines):
        if _is_command(line.strip()) and _statement_starts_after(
                [_pass(text) if j in found else text for j, text in enumerate(lines[:k])]):
            found.append(k)
    return found


def _statement_starts_after(lines: list[str]) -> bool:
    """True when ``lines`` leave no string, bracket or backslash open: the next line starts a statement."""
    if lines and lines[-1].rstrip().endswith("\\"):
        return False
    try:
        for _ in tokenize.generate_tokens(io.StringIO("".join(line + "\n" for line in lines)).readline):
            pass
    except (tokenize.TokenError, SyntaxError):
        return False
    return True


def _grader_calls(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) lines of the top-level statements that import or call the grader, or call IPython's
    builtins; none if the piece does not parse (its syntax error is the learner's to see)."""
    try:
        tree = ast.parse("\n".join(lines) + "\n")
    except (SyntaxError, ValueError):
        return []
    names = {"grader"}
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "grader" for a in node.names):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "grader" and not node.level:
            names |= {a.asname or a.name for a in node.names}
        elif not (isinstance(node, ast.Expr) and _root(node.value) in (*names, *_BUILTINS)):
            continue
        end = node.end_lineno or node.lineno
        if not _shares_a_line(tree.body, node):
            found.append((node.lineno, end))
    return found


def _root(node: ast.AST) -> str:
    """The name a call chain starts from: ``grader`` for ``grader.notebook.check()``."""
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _shares_a_line(body: list[ast.stmt], node: ast.stmt) -> bool:
    """True when another top-level statement sits on one of ``node``'s lines (``x = 1; import grader``)."""
    end = node.end_lineno or node.lineno
    return any(other is not node and (other.end_lineno or other.lineno) >= node.lineno and other.lineno <= end
               for other in body)
