"""Quiz files (TOML, one per quiz; format in docs/quizzes.md) to ``Quiz`` objects, validated.

Anything wrong gives one ``InputError`` sentence naming the file, the question and the problem:
``quizzes/example.toml: question 'which-activation': answer 'e' is not one of the choice letters a-d``.
The same loader reads instructor copies (``answer``, ``explanation``) and student copies
(``copy = "student"``: hashed ``key``s, no answers, no plain explanations).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import math
import re
import tomllib
from pathlib import Path
from string import Template
from typing import Any

from grader.errors import InputError
from grader.quiz.generators import GENERATORS
from grader.quiz.model import ID_PATTERN, KINDS, LETTERS, TOPICS, HashedKey, Kdf, Question, Quiz
from grader.quiz.numeric import parse_tolerance
from grader.quiz.variants import Draws

_COMMON = ("id", "kind", "topic", "prompt", "points", "explanation")
_FIELDS = {
    "single": ("choices", "answer", "key"),
    "multiple": ("choices", "answer", "key"),
    "ordering": ("items", "answer", "key"),
    "numeric": ("tolerance", "answer", "key", "compute", "roster"),
}
_TOP = ("title", "variant_salt", "questions", "copy", "kdf")
_HEX = re.compile(r"[0-9a-f]+\Z")


class _Bad(Exception):
    """A problem in one quiz file; the loader adds the file and the question to its message."""


def load_folder(folder: Path) -> list[Quiz]:
    """Every ``*.toml`` quiz in ``folder``, sorted by id."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such quiz folder")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise InputError(f"{folder}: holds no quiz files (*.toml)")
    return [load_quiz(file) for file in files]


def load_quiz(path: Path) -> Quiz:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such quiz file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML ({error})") from None
    if not ID_PATTERN.match(path.stem):
        raise InputError(f"{path}: the file name is the quiz id: use lower-case letters, digits, '-' and '_'")
    try:
        _known_fields(data, _TOP, "top-level field", "a quiz file")
        student_copy = _student_copy(data)
        title = _text(data, "title")
        kdf = _kdf(data.get("kdf")) if student_copy else None
        tables = data.get("questions")
        if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
            raise _Bad("needs at least one question: a [[questions]] table")
    except _Bad as problem:
        raise InputError(f"{path}: {problem}") from None
    questions: list[Question] = []
    for index, table in enumerate(tables, start=1):
        name = repr(table["id"]) if isinstance(table.get("id"), str) else f"#{index} (the {_nth(index)} [[questions]])"
        try:
            question = _question(table, student_copy)
            if any(q.id == question.id for q in questions):
                raise _Bad("the id is used by an earlier question too; ids must be unique within a quiz")
        except _Bad as problem:
            raise InputError(f"{path}: question {name}: {problem}") from None
        questions.append(question)
    salt = data.get("variant_salt", "")
    if any(q.computed for q in questions) and (not isinstance(salt, str) or not salt.strip()):
        raise InputError(f"{path}: per-student questions need a variant_salt = \"...\" text at the top of the file")
    return Quiz(id=path.stem, title=title, file=path, questions=tuple(questions), variant_salt=str(salt),
                student_copy=student_copy, kdf=kdf)


def _nth(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _known_fields(table: dict[str, Any], allowed: tuple[str, ...], what: str, where: str) -> None:
    for name in table:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _Bad(f"unknown {what} {name!r}{hint}; the fields of {where} are: {', '.join(allowed)}")


def _student_copy(data: dict[str, Any]) -> bool:
    copy = data.get("copy", "instructor")
    if copy not in ("instructor", "student"):
        raise _Bad(f"copy must be \"instructor\" or \"student\", not {copy!r}")
    return bool(copy == "student")


def _text(table: dict[str, Any], name: str) -> str:
    value = table.get(name, "")
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{name} must be a non-empty text in quotes" + ("" if name in table else ", and it is missing"))
    return value.strip()


def _kdf(table: Any) -> Kdf:
    if not isinstance(table, dict) or table.get("name") != "scrypt":
        raise _Bad('a student copy needs a [kdf] table with name = "scrypt", n, r and p')
    n, r, p = (table.get(k) for k in "nrp")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p)):
        raise _Bad("[kdf] n, r and p must be whole numbers")
    assert isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
    kdf = Kdf(n=n, r=r, p=p)
    if kdf.problem():
        raise _Bad(f"[kdf]: {kdf.problem()}")
    return kdf


def _question(table: dict[str, Any], student_copy: bool) -> Question:
    qid = table.get("id")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        raise _Bad("needs an id = \"...\" of lower-case letters, digits, '-' and '_'")
    kind = table.get("kind")
    if kind not in KINDS:
        raise _Bad(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    _known_fields(table, _COMMON + _FIELDS[kind], "field", f"a {kind} question")
    topic = table.get("topic")
    if topic not in TOPICS:
        raise _Bad(f"topic must be one of {', '.join(TOPICS)}, not {topic!r}")
    points = table.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, int | float) or not 0 < points < math.inf:
        raise _Bad(f"points must be a number greater than 0, not {points!r}")
    fields: dict[str, Any] = {"id": qid, "kind": kind, "topic": topic, "points": float(points),
                              "prompt": _text(table, "prompt")}
    if student_copy and ("explanation" in table or "answer" in table):
        raise _Bad("a student copy must not hold the answer or the explanation in plain text")
    if not student_copy:
        fields["explanation"] = _text(table, "explanation")
    if kind == "numeric":
        fields.update(_numeric(table, student_copy))
    else:
        options = "items" if kind == "ordering" else "choices"
        fields[options] = _options(table, options)
        if not student_copy:
            fields["answer"] = _letters_answer(table, kind, LETTERS[: len(fields[options])])
    if student_copy and not fields.get("compute"):
        fields["key"] = _key(table.get("key"), "key", sealed=True)
    elif "key" in table or ("roster" in table and not student_copy):
        raise _Bad(f"{'key' if 'key' in table else 'roster'} belongs in student copies only, on "
                   f"{'fixed' if 'key' in table else 'per-student'} questions (grade quiz --student-copy writes them)")
    return Question(**fields)


def _options(table: dict[str, Any], name: str) -> tuple[str, ...]:
    value = table.get(name)
    if not isinstance(value, list) or not 2 <= len(value) <= 26 or not all(isinstance(v, str) and v.strip()
                                                                          for v in value):
        raise _Bad(f"{name} must be a list of 2 to 26 non-empty texts")
    if len(set(value)) != len(value):
        raise _Bad(f"{name} lists the same text twice")
    return tuple(v.strip() for v in value)


def _letters_answer(table: dict[str, Any], kind: str, letters: str) -> str | tuple[str, ...]:
    answer = table.get("answer")
    span = f"{letters[0]}-{letters[-1]}"
    if answer is None:
        raise _Bad("the answer is missing (answer = \"b\", or a list of letters)")
    if kind == "single":
        if not isinstance(answer, str) or answer not in letters or len(answer) != 1:
            raise _Bad(f"answer {answer!r} is not one of the choice letters {span}")
        return answer
    if not isinstance(answer, list) or not all(isinstance(a, str) and len(a) == 1 and a in letters for a in answer):
        raise _Bad(f"answer must be a list of letters from {span}, e.g. [\"a\", \"c\"], not {answer!r}")
    if len(set(answer)) != len(answer):
        raise _Bad("answer lists the same letter twice")
    if kind == "ordering":
        if len(answer) != len(letters):
            raise _Bad(f"answer must put every item in order: all of {span}, each once")
        return tuple(answer)
    if not answer:
        raise _Bad("answer must list at least one right choice")
    return tuple(sorted(answer))


def _numeric(table: dict[str, Any], student_copy: bool) -> dict[str, Any]:
    tolerance = parse_tolerance(table.get("tolerance"))
    if isinstance(tolerance, str):
        raise _Bad(tolerance)
    fields: dict[str, Any] = {"tolerance": tolerance}
    compute, answer = table.get("compute"), table.get("answer")
    if compute is not None and answer is not None:
        raise _Bad("give either answer (a fixed number) or compute (a per-student generator), not both")
    if compute is not None:
        if compute not in GENERATORS:
            raise _Bad(f"compute {compute!r} is not a generator; the generators are: {', '.join(GENERATORS)}")
        fields["compute"] = compute
        _check_templates(table, compute, student_copy)
        roster = table.get("roster", {})
        if not isinstance(roster, dict):
            raise _Bad("roster must be a table of student tags to keys")
        fields["roster"] = {tag: _key(entry, f"roster entry {tag!r}", sealed=False) for tag, entry in roster.items()}
    elif not student_copy:
        if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
            raise _Bad(f"a numeric question needs answer = <a number> (or compute = \"...\"), not {answer!r}")
        if answer == 0 and tolerance.kind != "abs":
            raise _Bad(f"a {tolerance.kind} tolerance cannot judge the answer 0: use tolerance = {{ abs = ... }}")
        fields["answer"] = float(answer)
    return fields


def _check_templates(table: dict[str, Any], compute: str, student_copy: bool) -> None:
    generator = GENERATORS[compute]
    drawn = set(generator.draw(Draws(b"validation")))
    named = {"prompt": drawn, "explanation": drawn | set(generator.working) | {"answer"}}
    for field, allowed in named.items():
        if student_copy and field == "explanation":
            continue
        template = Template(str(table.get(field, "")))
        if not template.is_valid():
            raise _Bad(f"the {field} has a '$' that is not a placeholder such as $W_f (write $$ for a dollar sign)")
        unknown = sorted(set(template.get_identifiers()) - allowed)
        if unknown:
            raise _Bad(f"the {field} names ${unknown[0]}, which the {compute!r} generator does not provide "
                       f"(it provides: {', '.join(sorted(allowed))})")


def _key(entry: Any, name: str, *, sealed: bool) -> HashedKey:
    allowed = ("salt", "hash", "sealed") if sealed else ("salt", "hash")
    if not isinstance(entry, dict) or set(entry) - set(allowed) or not {"salt", "hash"} <= set(entry):
        raise _Bad(f"{name} must be an inline table {{ {', '.join(a + ' = ...' for a in allowed)} }}")
    salt, digest, blob = entry["salt"], entry["hash"], entry.get("sealed", "")
    if not all(isinstance(v, str) for v in (salt, digest, blob)) or not _HEX.match(salt) or len(salt) % 2:
        raise _Bad(f"{name} must hold a hex salt and hash, as grade quiz --student-copy writes them")
    if not _HEX.match(digest) or len(digest) != 64:
        raise _Bad(f"{name} hash must be 64 hex digits")
    try:
        base64.b64decode(blob, validate=True)
    except binascii.Error:
        raise _Bad(f"{name} sealed must be base64 text") from None
    return HashedKey(salt=salt, digest=digest, sealed=blob)
