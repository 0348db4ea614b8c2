"""The instructor's solution cells: each stub with its "your code" regions holding the solution.

nbgrader's source notebook is the instructor's copy: where the stub says
``# ---- your code here`` ... ``# ---- end of your code``, the solution's code of that function
(or method) from ``solutions/`` sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
``nbgrader generate_assignment`` turns each region back into a stub for the students. The
stub's own lines around the region (its docstring, ``super().__init__()``) stay as they are,
and the solution's leading statements that only repeat them are not copied again.
"""

from __future__ import annotations

import ast
import re
import textwrap

from grader.errors import InputError

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_START = re.compile(r"#\s*-*\s*your code here\s*:?\s*(?P<what>.*?)\s*-*\s*$", re.IGNORECASE)
_STOP = re.compile(r"#\s*-*\s*end of your code", re.IGNORECASE)


def with_solution(stub: str, solution: str, name: str) -> str:
    """The stub ``stub`` (one function or class) with its regions filled from ``solution`` (its file's text)."""
    solved = _definition(solution, name, "the solutions have")
    node = _definition(stub, name, "the stub's cell has")
    lines = stub.splitlines()
    functions = [node] if not isinstance(node, ast.ClassDef) else [
        n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in reversed(functions):  # from the bottom, so earlier lines keep their numbers
        source = solved if function is node else _method(solved, function.name, name)
        lines = _fill(lines, function, source, solution)
    return "\n".join(lines)


def extra_imports(stub: str, solution: str) -> list[str]:
    """The solution file's top-level imports the stub lacks (``import math``), as written."""
    have = {ast.dump(n) for n in ast.parse(stub).body if isinstance(n, ast.Import | ast.ImportFrom)}
    lines = solution.splitlines()
    return ["\n".join(lines[n.lineno - 1 : n.end_lineno]) for n in ast.parse(solution).body
            if isinstance(n, ast.Import | ast.ImportFrom) and ast.dump(n) not in have]


def _definition(text: str, name: str, where: str) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef:
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return node
    raise InputError(f"{where} no function or class {name}, which the exercise's cell is")


def _method(cls: ast.AST, method: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    for node in getattr(cls, "body", []):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == method:
            return node
    raise InputError(f"the solution's {name} has no method {method}, which the stub's {name} has")


def _fill(lines: list[str], function: ast.FunctionDef | ast.AsyncFunctionDef, solved: ast.AST,
          solution: str) -> list[str]:
    """``lines`` with ``function``'s region (its marker lines, or its body after the docstring) replaced."""
    first, last = function.lineno, function.end_lineno or function.lineno
    marks = [(k, found) for k in range(first, last) if (found := _START.search(lines[k]))]
    if marks:
        start, what = marks[0][0], marks[0][1]["what"]
        stop = next((k for k in range(start + 1, len(lines)) if _STOP.search(lines[k])), start)  # past the raise
    else:
        body = [s for s in function.body if not _is_docstring(s)] or function.body
        start, stop, what = body[0].lineno - 1, last - 1, ""
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    prefix = [s for s in function.body if s.lineno - 1 < start and not _is_docstring(s)]
    code = _body(solved, solution, prefix)
    region = [*([f"{indent}# {what}"] if what else []), f"{indent}{BEGIN}",
              *textwrap.indent(code, indent).splitlines(), f"{indent}{END}"]
    return lines[:start] + region + lines[stop + 1 :]


def _body(solved: ast.AST, solution: str, prefix: list[ast.stmt]) -> str:
    """The solution's body as written, without its docstring and the leading statements ``prefix`` already
    makes (``self.input_size, self.hidden_size = ...`` after the stub's two assignments)."""
    body = [s for s in getattr(solved, "body", []) if not _is_docstring(s)]
    made = set().union(*(_effects(s) for s in prefix)) if prefix else set()
    while len(body) > 1 and _effects(body[0]) <= made:
        body = body[1:]
    lines = solution.splitlines()
    return textwrap.dedent("\n".join(lines[body[0].lineno - 1 : body[-1].end_lineno]))


def _effects(statement: ast.stmt) -> set[str]:
    """What a statement does, comparable across spellings: one entry per (target, value) it assigns."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            return {f"{ast.dump(t)}={ast.dump(v)}" for t, v in zip(target.elts, value.elts, strict=True)}
        return {f"{ast.dump(target)}={ast.dump(value)}"}
    return {ast.dump(statement)}


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)
