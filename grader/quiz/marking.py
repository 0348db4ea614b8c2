"""One quiz's answers to one ``ExerciseResult``: a ``CheckResult`` per question, with its points.

A check's ``message`` says what was right or wrong with the answer; its ``hint`` holds the
question's explanation (shown after grading). Three ways to know the key:

- the instructor's copy: the plain key, partial credit as in ``grader.quiz.credit``;
- a student copy: the hashed key, all-or-nothing (partial credit needs the plain key);
- a per-student question: the answer computed now from the reference solutions with the
  student's numbers; in a student copy, a hashed answer from the roster, else "graded when you
  hand in" (skipped: 0 of 0 points, never a pass).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from fractions import Fraction
from types import ModuleType
from typing import Any

from grader.quiz.answers import Parsed, parse_answer, shown
from grader.quiz.credit import multiple_credit, ordering_credit, pairs_in_order, points_for
from grader.quiz.keys import answer_tokens, open_key, student_tag
from grader.quiz.model import Answer, Question, Quiz
from grader.quiz.variants import draw, solve
from grader.results import CheckResult, ExerciseResult, Status

Reference = Callable[[], ModuleType]  # loads the reference solutions when first needed


def grade_quiz(quiz: Quiz, table: Mapping[str, Any] | None, *, student: str | None, reference: Reference,
               stray: Mapping[str, Any] | None = None) -> ExerciseResult:
    """Grade ``table`` (question id -> raw answer; None: no answers for this quiz at all).

    ``stray`` holds answers found outside any quiz table, to point learners at a misplaced line.
    """
    answers = dict(table or {})
    unknown = [key for key in answers if quiz.question(key) is None]
    checks = []
    for question in quiz.questions:
        parsed = parse_answer(question, answers.get(question.id))
        if parsed.value is None and not parsed.problem:
            parsed = Parsed(problem=_unanswered(quiz, question, unknown, stray or {}, table is None))
        checks.append(_grade(quiz, question, parsed, student, reference))
    note = f"the answers file has no [{quiz.id}] table" if table is None else ""
    if unknown:
        note = (note + "; " if note else "") + (
            f"answers for {', '.join(repr(k) for k in unknown)}, which {'is' if len(unknown) == 1 else 'are'} "
            f"not a question of this quiz, were not graded")
    return ExerciseResult(id=quiz.id, title=quiz.title, file=quiz.file.name, checks=tuple(checks), note=note)


def _unanswered(quiz: Quiz, question: Question, unknown: list[str], stray: Mapping[str, Any], no_table: bool) -> str:
    message = f"no answer for {question.id}"
    if question.id in stray:
        return message + (f": your line {question.id} = ... sits above the [{quiz.id}] header, outside any quiz "
                          f"table; move it below [{quiz.id}]")
    close = difflib.get_close_matches(question.id, unknown, n=1, cutoff=0.75)
    if close:
        return message + f" (the answers file has {close[0]!r}, which is no question of this quiz: a typo?)"
    return message + (f" (the answers file has no [{quiz.id}] table)" if no_table else "")


def _check(quiz: Quiz, question: Question, status: Status, credit: Fraction, message: str, explanation: str,
           title: str = "", max_points: float | None = None) -> CheckResult:
    total = question.points if max_points is None else max_points
    return CheckResult(exercise=quiz.id, id=question.id, title=title or _title(question.prompt), status=status,
                       points=points_for(credit, total), max_points=total, message=message, hint=explanation)


def _title(prompt: str) -> str:
    """A question's title in reports: the last line of its prompt (the question itself), shortened."""
    line = [line.strip() for line in prompt.splitlines() if line.strip()][-1]
    return line if len(line) <= 120 else line[:119] + "…"


def _grade(quiz: Quiz, question: Question, parsed: Parsed, student: str | None, reference: Reference) -> CheckResult:
    if question.computed:
        return _grade_computed(quiz, question, parsed, student, reference)
    explanation = question.explanation
    if parsed.value is None:
        return _check(quiz, question, Status.FAILED, Fraction(0), parsed.problem, explanation)
    if quiz.student_copy:
        return _grade_hashed(quiz, question, parsed.value)
    assert question.answer is not None
    credit, message = judge(question, parsed.value, question.answer)
    return _check(quiz, question, Status.PASSED if credit == 1 else Status.FAILED, credit, message, explanation)


def judge(question: Question, got: Answer, key: Answer) -> tuple[Fraction, str]:
    """The credit (0 to 1) of ``got`` against the plain ``key``, and a sentence saying why."""
    if question.kind == "numeric":
        assert question.tolerance is not None and isinstance(got, float) and isinstance(key, float)
        rule = f"answers {question.tolerance.describe()} count"
        if question.tolerance.accepts(got, key):
            return Fraction(1), f"{shown(question, got)}: right (the answer is {key:.6g}; {rule})."
        return Fraction(0), f"you answered {shown(question, got)}; the answer is {key:.6g} ({rule})."
    if question.kind == "single":
        if got == key:
            return Fraction(1), f"{shown(question, got)}: right."
        return Fraction(0), f"you answered {shown(question, got)}; the answer is {shown(question, key)}."
    assert isinstance(got, tuple) and isinstance(key, tuple)
    if question.kind == "multiple":
        credit = multiple_credit(got, key, len(question.options))
        if got == key:
            return credit, f"{shown(question, got)}: right."
        hits = [g for g in got if g in key]
        wrong = [g for g in got if g not in key]
        k, n = len(key), len(question.options)
        return credit, (
            f"you picked {shown(question, got)}: {len(hits)} of the {k} right choices"
            + (f" and {len(wrong)} wrong one{'s' if len(wrong) > 1 else ''} ({', '.join(wrong)})" if wrong else "")
            + f"; the right choices are {shown(question, key)}. Each right pick earns 1/{k} of the points"
            + (f" and each wrong pick costs 1/{n - k}" if n > k else "") + " (never below 0)."
        )
    credit = ordering_credit(got, key)
    if got == key:
        return credit, f"{shown(question, got)}: right."
    pairs = len(key) * (len(key) - 1) // 2
    in_order = pairs_in_order(got, key)
    return credit, (
        f"your order {shown(question, got)} puts {in_order} of the {pairs} pairs of items in the right order; "
        f"the right order is {shown(question, key)}. Credit: (pairs in order - pairs reversed) / {pairs}, "
        "never below 0."
    )


def _grade_hashed(quiz: Quiz, question: Question, got: Answer) -> CheckResult:
    assert question.key is not None and quiz.kdf is not None
    explanation = open_key(answer_tokens(question, got), question.key, quiz.kdf)
    if explanation is not None:
        return _check(quiz, question, Status.PASSED, Fraction(1), f"{shown(question, got)}: right.", explanation)
    if question.kind in ("multiple", "ordering"):
        why = ("not all right. A student copy can only tell all-right from not: graded with the instructor's "
               "copy, partly right answers earn partial credit")
    else:
        why = f"you answered {shown(question, got)}, which is not right"
    return _check(quiz, question, Status.FAILED, Fraction(0), why + ". The explanation unlocks when your answer is "
                  "right (this copy holds it sealed with the right answer).", "")


def _grade_computed(quiz: Quiz, question: Question, parsed: Parsed, student: str | None,
                    reference: Reference) -> CheckResult:
    assert student is not None, "the caller asks for a student id before grading per-student questions"
    variant = draw(quiz, question, student)
    title = _title(variant.prompt)
    if parsed.value is None:
        return _check(quiz, question, Status.FAILED, Fraction(0), parsed.problem, "", title)
    if not quiz.student_copy:
        answer, explanation = solve(question, variant, reference())
        credit, message = judge(question, parsed.value, answer)
        status = Status.PASSED if credit == 1 else Status.FAILED
        return _check(quiz, question, status, credit, message, explanation, title)
    assert quiz.kdf is not None
    entry = question.roster.get(student_tag(f"{quiz.variant_salt}/{quiz.id}/{question.id}", student))
    if entry is None:
        worth = f"{question.points:g} point{'s' if question.points != 1 else ''}"
        where = "this copy's roster of local checks does not list you" if question.roster else (
            "its answer is computed from the reference solutions, which this copy does not include")
        message = (f"graded when you hand in (worth {worth}): {where}. Your answer {shown(question, parsed.value)} "
                   "is a number, as it should be.")
        return _check(quiz, question, Status.SKIPPED, Fraction(0), message, "", title, max_points=0.0)
    if open_key(answer_tokens(question, parsed.value), entry, quiz.kdf) is not None:
        return _check(quiz, question, Status.PASSED, Fraction(1), f"{shown(question, parsed.value)}: right.", "",
                      title)
    return _check(quiz, question, Status.FAILED, Fraction(0),
                  f"you answered {shown(question, parsed.value)}, which is not right for your numbers.", "", title)
