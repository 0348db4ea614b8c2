"""What ``grade quiz`` does with a folder of quizzes: find them, ask for a student id when needed,
grade an answers file into a ``Report``, and build the texts of ``--template`` and ``--show``."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console

from grader import __version__
from grader.errors import InputError, UsageError
from grader.quiz.answers import answers_text, read_answers
from grader.quiz.interactive import ask_quiz, choose_quiz
from grader.quiz.keys import course_secret
from grader.quiz.loader import load_folder
from grader.quiz.marking import Reference, grade_quiz
from grader.quiz.model import TOPICS, Kdf, Quiz
from grader.quiz.render import list_text, show_text
from grader.quiz.studentcopy import read_roster, write_copy
from grader.quiz.variants import draw, normalise_student, solve
from grader.results import Report, Status

STUDENT_ENV = "GRADER_STUDENT"


def find(quizzes: Sequence[Quiz], quiz_id: str) -> Quiz:
    for quiz in quizzes:
        if quiz.id == quiz_id:
            return quiz
    ids = [q.id for q in quizzes]
    close = difflib.get_close_matches(quiz_id, ids, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(f"unknown quiz {quiz_id!r}{hint}; the quizzes are: {', '.join(ids)}")


def need_student(quizzes: Sequence[Quiz], student: str | None, doing: str) -> str | None:
    """The normalised student id; a usage error if a quiz has per-student questions and there is none."""
    student = normalise_student(student)
    needing = [q.id for q in quizzes if q.per_student]
    if needing and student is None:
        raise UsageError(f"quiz {needing[0]!r} has per-student questions: {doing} needs your student id; "
                         f"give --student ID or set {STUDENT_ENV}")
    return student


def reference_for(course: Path) -> Reference:
    """Loads the course's numpy reference solutions (by path, in this process) when first called."""

    def load() -> ModuleType:
        from grader.catalog import load_track
        from grader.checks.references import load_reference

        return load_reference(course, load_track("numpy"))

    return load


def prompts_for(quiz: Quiz, student: str | None) -> dict[str, str]:
    """Question id -> the prompt with the student's own numbers (per-student questions only)."""
    if student is None:
        return {}
    return {q.id: draw(quiz, q, student).prompt for q in quiz.questions if q.computed}


def grade(*, answers: Path | Mapping[str, Any], folder: Path, course: Path, quiz_id: str | None = None,
          student: str | None = None) -> Report:
    """Grade an answers file (or typed answers: quiz id -> question id -> answer) against ``folder``."""
    quizzes = load_folder(folder)
    if isinstance(answers, Mapping):
        document, source = dict(answers), "typed answers"
    else:
        document, source = read_answers(answers), str(answers)
    tables = {k: v for k, v in document.items() if isinstance(v, dict)}
    stray = {k: v for k, v in document.items() if not isinstance(v, dict)}
    if quiz_id is not None:
        selected = [find(quizzes, quiz_id)]
    else:
        selected = [q for q in quizzes if q.id in tables]
        if not selected:
            raise InputError(
                f"{source}: holds answers to none of the quizzes ({', '.join(q.id for q in quizzes)}): answers go "
                "under a [quiz-id] header, and grade quiz --template QUIZ writes a file to fill in"
            )
    student = need_student(selected, student, "grading")
    reference = reference_for(course)
    exercises = tuple(grade_quiz(q, tables.get(q.id), student=student, reference=reference, stray=stray)
                      for q in selected)
    return Report(submission=source, seed=0, exercises=exercises,
                  environment={"grader": __version__, "quizzes": _copies(selected), "student": student or ""},
                  notes=_notes(quizzes if quiz_id is None else [], selected, tables, stray))


def _copies(quizzes: Sequence[Quiz]) -> str:
    kinds = sorted({"student copy" if q.student_copy else "instructor copy" for q in quizzes})
    return " and ".join(kinds)


def _notes(quizzes: Sequence[Quiz], selected: Sequence[Quiz], tables: Mapping[str, Any],
           stray: Mapping[str, Any]) -> tuple[str, ...]:
    """Answers the report could not place: unknown [quiz] tables, lines outside any table."""
    notes = []
    ids = [q.id for q in quizzes]
    for name in tables:
        if quizzes and name not in ids:
            close = difflib.get_close_matches(name, ids, n=1)
            notes.append(f"[{name}] is not a quiz here{f' (did you mean [{close[0]}]?)' if close else ''}; "
                         f"the quizzes are: {', '.join(ids)}.")
    if stray:
        notes.append(f"{', '.join(stray)} {'sits' if len(stray) == 1 else 'sit'} outside any [quiz] table: "
                     f"answers go under their quiz's header, e.g. [{selected[0].id}].")
    if any(q.student_copy for q in selected):
        notes.append("Checked against a student copy: fixed questions against hashed keys (all-or-nothing), "
                     "per-student questions only if the copy's roster lists you, else when you hand in. "
                     "Your grade comes from grading with the instructor's copy.")
    if any(q.per_student for q in selected):
        notes.append("Per-student questions use your own numbers: grade quiz --show QUIZ --student YOUR_ID.")
    return tuple(notes)


def template(*, folder: Path, quiz_id: str, student: str | None = None) -> str:
    quiz = find(load_folder(folder), quiz_id)
    return answers_text(quiz, prompts=prompts_for(quiz, normalise_student(student)))


def show(*, folder: Path, quiz_id: str, student: str | None = None) -> str:
    """``quiz_id`` as the student sees it, with their own numbers."""
    quiz = find(load_folder(folder), quiz_id)
    student = need_student([quiz], student, "showing your questions")
    return show_text(quiz, prompts_for(quiz, student), student)


def overview(*, folder: Path) -> str:
    return list_text(load_folder(folder))


def student_copy(*, folder: Path, directory: Path, course: Path, roster: Path | None = None,
                 secret: str | None = None, kdf_cost: int | None = None) -> list[Path]:
    """Write the student copy of every quiz in ``folder`` to ``directory`` (see grader.quiz.studentcopy)."""
    kdf = Kdf() if kdf_cost is None else Kdf(n=kdf_cost)
    if kdf.problem():
        raise UsageError(f"kdf_cost {kdf_cost!r}: {kdf.problem()}")
    quizzes = load_folder(folder)
    secret = secret or course_secret(course=course)
    students = read_roster(roster) if roster is not None else []
    return write_copy(quizzes, directory, secret=secret, kdf=kdf, roster=students, reference=reference_for(course))


def ask(*, console: Console, folder: Path, quiz_id: str | None = None, student: str | None = None,
        save: Path | None = None) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Ask a quiz in the terminal; save the answers to ``save`` (completing it if it exists).

    Returns typed answers for ``grade`` (quiz id -> question id -> answer) and the student id.
    """
    quizzes = load_folder(folder)
    quiz = find(quizzes, quiz_id) if quiz_id else choose_quiz(console, quizzes)
    previous: dict[str, Any] = {}
    if save is not None and save.exists():
        document = read_answers(save)
        others = [k for k in document if k != quiz.id]
        if others:
            raise UsageError(f"{save} holds other answers too ({others[0]}): save this quiz's answers to another file")
        table = document.get(quiz.id)
        previous = table if isinstance(table, dict) else {}
    answers, student = ask_quiz(console, quiz, student=normalise_student(student), previous=previous)
    if save is not None:
        text = answers_text(quiz, values=answers, prompts=prompts_for(quiz, student))
        try:
            save.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{save}: cannot save your answers ({error.strerror})") from None
    typed = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items() if v is not None}
    return {quiz.id: typed}, student


def key_answers(quiz: Quiz, *, student: str, reference: Reference) -> dict[str, Any]:
    """The instructor's key as an answers table, per-student questions solved for ``student``."""
    key: dict[str, Any] = {}
    for question in quiz.questions:
        answer = question.answer
        if question.computed:
            answer = solve(question, draw(quiz, question, student), reference())[0]
        key[question.id] = list(answer) if isinstance(answer, tuple) else answer
    return key


def self_check(*, folder: Path, course: Path) -> list[tuple[str, bool, str]]:
    """(what, ok, detail) rows: every quiz parses, its key scores full marks, every topic has questions."""
    try:
        quizzes = load_folder(folder)
    except InputError as error:
        return [(f"{folder.name}/ parses", False, str(error))]
    rows = []
    reference = reference_for(course)
    for quiz in quizzes:
        what = f"{folder.name}/{quiz.file.name} parses and its key scores full marks"
        if quiz.student_copy:
            rows.append((what, False, "it is a student copy: the course needs the instructor's"))
            continue
        key = key_answers(quiz, student="selftest", reference=reference)
        result = grade_quiz(quiz, key, student="selftest", reference=reference)
        full = result.points == result.max_points and all(c.status is Status.PASSED for c in result.checks)
        rows.append((what, full, f"{result.points:g}/{result.max_points:g}, {len(quiz.questions)} questions"))
    covered = {q.topic for quiz in quizzes for q in quiz.questions}
    missing = [topic for topic in TOPICS if topic not in covered]
    count = sum(len(quiz.questions) for quiz in quizzes)
    rows.append(("the quizzes cover every topic of the notes", not missing,
                 f"{len(quizzes)} quizzes, {count} questions" + (f"; no question on {', '.join(missing)}" if missing
                                                                  else "")))
    return rows
