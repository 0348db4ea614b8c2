"""A learner's answers: the TOML answers file, each answer read for its question, and templates.

An answers file holds one table per quiz, keyed by question id::

    [example]
    which-activation = "b"         # single choice: one letter
    what-it-reads = ["a", "c"]     # multiple select: letters ("a c" works too)
    steps = ["c", "a", "d", "b"]   # ordering: every letter, in order ("cadb" works too)
    sigma-of-one = 0.731           # numeric: a number ("0.731" works too)

``""`` or ``[]`` leaves a question unanswered. A malformed file as a whole is an ``InputError``;
a malformed answer is that question's own message (``parse_answer``), never a crash.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import InputError
from grader.quiz.model import KINDS, Answer, Question, Quiz, describe_value
from grader.quiz.tomltext import toml_key, toml_value

HOW = {
    "single": "one letter in quotes, e.g. \"b\"",
    "multiple": "a list of letters, e.g. [\"a\", \"c\"]",
    "ordering": "a list of every letter in order, e.g. [\"c\", \"a\", \"b\"]",
    "numeric": "a number, e.g. 0.25",
}


@dataclass(frozen=True)
class Parsed:
    value: Answer | None = None  # None: unanswered, or not usable (then ``problem`` says why)
    problem: str = ""


def read_answers(path: Path) -> dict[str, Any]:
    """The answers file as a TOML document (a malformed file is one InputError sentence)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such answers file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give the answers file (grade quiz --template QUIZ writes one)") \
            from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML ({error}); answers look like question-id = \"b\"") from None


def parse_answer(question: Question, raw: Any) -> Parsed:
    """What the learner answered to ``question``, or why it cannot be read."""
    if raw is None or raw == "" or raw == []:
        return Parsed()
    if question.kind == "numeric":
        return _number(question, raw)
    letters = _letters(raw)
    span = f"{question.letters[0]}-{question.letters[-1]}"
    expects = f"{question.id} is a {KINDS[question.kind]} question: answer with {HOW[question.kind]}"
    if letters is None or (question.kind == "single" and len(letters) != 1):
        return Parsed(problem=f"{expects}; your answer is {describe_value(raw)}")
    unknown = [letter for letter in letters if letter not in question.letters]
    if unknown:
        return Parsed(problem=f"{question.id}: {unknown[0]!r} is not one of the letters {span}")
    if question.kind == "single":
        return Parsed(letters[0])
    if question.kind == "multiple":
        return Parsed(tuple(sorted(set(letters))))
    missing = [letter for letter in question.letters if letter not in letters]
    repeated = sorted({letter for letter in letters if letters.count(letter) > 1})
    if missing or repeated:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"{', '.join(repeated)} more than once"] if repeated else [])
        return Parsed(problem=f"{question.id}: put every letter {span} in order, each once ({'; '.join(parts)})")
    return Parsed(tuple(letters))


def _letters(raw: Any) -> list[str] | None:
    """``"b"``, ``"a, c"``, ``"ac"``, ``["a", "c"]``, ``"(b)"`` or, typed at a prompt, ``["b", "d"]`` (the answers
    file's own format) as lower-case letters; None if not letters."""
    if isinstance(raw, str):
        typed = re.sub(r"[\[\]\"']", " ", raw)  # a list typed as the answers file writes it
        tokens = [t for t in re.split(r"[\s,;]+", typed.strip().lower()) if t]
        if len(tokens) == 1 and re.fullmatch(r"[a-z]+", tokens[0]):
            return list(tokens[0])
    elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        tokens = [t.strip().lower() for t in raw]
    else:
        return None
    letters = [t.strip("().") for t in tokens]
    return letters if all(re.fullmatch(r"[a-z]", t) for t in letters) else None


def _number(question: Question, raw: Any) -> Parsed:
    expects = f"{question.id} needs {HOW['numeric']}"
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            value = float(raw)
        except OverflowError:
            value = math.inf
    elif isinstance(raw, str):
        try:
            value = float(raw.strip().replace("−", "-").replace("_", ""))
        except ValueError:
            return Parsed(problem=f"{expects}; {describe_value(raw)} is not a number")
    if value is None:
        return Parsed(problem=f"{expects}; your answer is {describe_value(raw)}")
    if not math.isfinite(value):
        return Parsed(problem=f"{expects}; {raw!r} is not a finite number")
    return Parsed(value + 0.0)


def shown(question: Question, value: Answer) -> str:
    """An answer as a learner reads it: b) sigmoid; a, c; c a d b; 0.731."""
    if isinstance(value, float):
        return f"{value:.12g}"
    if question.kind == "single":
        return question.label(str(value))
    return (", " if question.kind == "multiple" else " ").join(value)


def answers_text(quiz: Quiz, *, values: Mapping[str, Answer | None] | None = None,
                 prompts: Mapping[str, str] | None = None) -> str:
    """An answers file for ``quiz``: a template to fill in, or ``values`` saved (interactive mode)."""
    values = values or {}
    prompts = prompts or {}
    lines = [
        f"# Answers to quiz {quiz.id!r}: {quiz.title} ({len(quiz.questions)} questions, {quiz.max_points:g} points).",
        "# Fill in each answer, then check them with:  grade quiz THIS_FILE"
        + (" --student YOUR_ID" if quiz.per_student else ""),
        "# Letters go in quotes (\"b\"), several letters in a list ([\"a\", \"c\"]), numbers as they are (0.731).",
        "# Leave \"\" (or []) for a question you skip.",
        "",
        f"[{toml_key(quiz.id)}]",
    ]
    for number, question in enumerate(quiz.questions, start=1):
        how = HOW[question.kind]
        if question.options:
            how += f", letters {question.letters[0]}-{question.letters[-1]}"
        if question.tolerance is not None:
            how += f", {question.tolerance.describe()}"
        points = f"{question.points:g} point{'s' if question.points != 1 else ''}"
        lines += ["", f"# {number}. {question.id} ({KINDS[question.kind]}, {points}): {how}"]
        prompt = prompts.get(question.id) or question.prompt
        if question.computed and question.id not in prompts:
            lines.append(f"#    your own numbers: grade quiz --show {quiz.id} --student YOUR_ID")
        else:
            lines += [f"#    {line}" if line else "#" for line in prompt.splitlines()]
        lines += [f"#      {question.label(letter)}" for letter in question.letters]
        value = values.get(question.id)
        empty: Any = "" if question.kind in ("single", "numeric") else []
        lines.append(f"{toml_key(question.id)} = {toml_value(empty if value is None else value)}")
    return "\n".join(lines) + "\n"
