"""Which parts of a learner's file run when one of its classes is graded: a static look, no code run.

The grader imports the file under its own module name and then uses the graded class. So what
runs is every module-level statement (but not the body of an ``if __name__ == "__main__":``
block), the parts of a definition Python evaluates when it defines it (decorators, default
values, base classes, a class body's own statements), the graded class, and every module-level
function or class that running code names, transitively. A ``_self_test()`` called only from the
``__main__`` block does not run; a helper the graded class calls does. Type annotations are
skipped everywhere: a hint names a class without using it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def running_code(tree: ast.Module, class_name: str) -> list[ast.AST]:
    """The subtrees of ``tree`` that run when ``class_name`` is graded (walk them with ``walk``)."""
    definitions: dict[str, list[Definition]] = {}
    for statement in tree.body:
        if isinstance(statement, Definition):
            definitions.setdefault(statement.name, []).append(statement)
    pending: list[ast.AST] = [part for statement in tree.body for part in _at_import(statement)]
    pending += definitions.pop(class_name, [])
    running: list[ast.AST] = []
    while pending:
        node = pending.pop()
        running.append(node)
        for name in {n.id for n in walk(node) if isinstance(n, ast.Name)} & definitions.keys():
            pending += definitions.pop(name)
    return running


def module_names(tree: ast.Module) -> set[str]:
    """The names the file's own module-level functions and classes take."""
    return {statement.name for statement in tree.body if isinstance(statement, Definition)}


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` without type annotations."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        hints = {id(getattr(current, field, None)) for field in ("annotation", "returns")}
        todo += [child for child in ast.iter_child_nodes(current) if id(child) not in hints]


def _at_import(statement: ast.stmt) -> list[ast.AST]:
    """What of a module-level (or class-body) statement runs when it is executed."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        defaults = [*statement.args.defaults, *(d for d in statement.args.kw_defaults if d is not None)]
        return [*statement.decorator_list, *defaults]
    if isinstance(statement, ast.ClassDef):
        body = [part for inner in statement.body for part in _at_import(inner)]
        return [*statement.decorator_list, *statement.bases, *statement.keywords, *body]
    guarded = _runs_under_main_guard(statement)
    if guarded is not None:
        return [part for inner in guarded for part in _at_import(inner)]
    return [statement]


def _runs_under_main_guard(statement: ast.stmt) -> list[ast.stmt] | None:
    """For ``if __name__ == "__main__":`` (either operand order, or ``!=``), the branch that runs when the
    file is imported rather than run as a script; None for any other statement."""
    test = statement.test if isinstance(statement, ast.If) else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
        return None
    sides = [test.left, test.comparators[0]]
    named = any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
    main = any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides)
    if not (named and main) or not isinstance(statement, ast.If):
        return None
    return statement.orelse if isinstance(test.ops[0], ast.Eq) else statement.body
