"""The grader's public functions: keyword-only, they return results and never print.

The CLI, the tests, notebooks and CI all call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.catalog import TRACKS, load_track
from grader.config import Settings, load_settings
from grader.pipeline.check import check_submission
from grader.pipeline.workers import unavailable
from grader.results import NOT_IMPLEMENTED, Report
from grader.scoring import exit_code

__all__ = [
    "SelfTestLine",
    "ask_quiz",
    "check_submission",
    "grade_quiz",
    "quiz_overview",
    "quiz_self_test",
    "quiz_template",
    "self_test",
    "show_quiz",
    "write_student_copy",
]


@dataclass(frozen=True)
class SelfTestLine:
    what: str
    ok: bool
    detail: str


def self_test(*, settings: Settings | None = None) -> list[SelfTestLine]:
    """The course checks itself: every reference scores full marks, every stub scores zero."""
    settings = settings or load_settings()
    lines = []
    for name, info in TRACKS.items():
        file = info.file
        track = load_track(name)
        if unavailable(name):
            lines.append(SelfTestLine(f"{file}: not checked", True, unavailable(name)))
            continue
        solution = check_submission(settings.course / track.solution, settings=settings)
        full = solution.points == solution.max_points and exit_code(solution) == 0
        lines.append(SelfTestLine(f"solutions/{file} scores full marks", full,
                                  f"{solution.points:g}/{solution.max_points:g}"))
        stub = check_submission(settings.course / "exercises" / file, settings=settings)
        untouched = stub.points == 0 and all(e.note == NOT_IMPLEMENTED for e in stub.exercises)
        lines.append(SelfTestLine(f"exercises/{file} scores 0, every exercise 'not implemented yet'",
                                  untouched, f"{stub.points:g}/{stub.max_points:g}"))
    lines += quiz_self_test(settings=settings)
    return lines


# ------------------------------------------------------------------------------------------ quizzes


def _quiz_folder(settings: Settings, quizzes: Path | None) -> Path:
    return quizzes if quizzes is not None else settings.course / "quizzes"


def grade_quiz(
    *,
    answers: Path | dict[str, object],
    quiz: str | None = None,
    student: str | None = None,
    settings: Settings | None = None,
    quizzes: Path | None = None,
) -> Report:
    """Grade an answers file (or typed answers: quiz id -> question id -> answer), one result per quiz.

    ``quizzes`` is the quiz folder (default: the course's ``quizzes/``): the instructor's copy, or a
    student copy for a local self-check. ``quiz`` grades only that quiz (default: every quiz the
    answers name). ``student`` picks the numbers of per-student questions (needed if there are any).
    """
    from grader.quiz.commands import grade

    settings = settings or load_settings()
    return grade(answers=answers, folder=_quiz_folder(settings, quizzes), course=settings.course, quiz_id=quiz,
                 student=student)


def quiz_template(*, quiz: str, student: str | None = None, settings: Settings | None = None,
                  quizzes: Path | None = None) -> str:
    """An answers file to fill in for ``quiz`` (with the student's own numbers in its comments, if given)."""
    from grader.quiz.commands import template

    return template(folder=_quiz_folder(settings or load_settings(), quizzes), quiz_id=quiz, student=student)


def show_quiz(*, quiz: str, student: str | None = None, settings: Settings | None = None,
              quizzes: Path | None = None) -> str:
    """``quiz`` as the student sees it, with their own numbers in per-student questions."""
    from grader.quiz.commands import show

    return show(folder=_quiz_folder(settings or load_settings(), quizzes), quiz_id=quiz, student=student)


def quiz_overview(*, settings: Settings | None = None, quizzes: Path | None = None) -> str:
    """Every quiz with its questions and points, and the questions per topic of the notes."""
    from grader.quiz.commands import overview

    return overview(folder=_quiz_folder(settings or load_settings(), quizzes))


def write_student_copy(
    *,
    directory: Path,
    roster: Path | None = None,
    secret: str | None = None,
    kdf_cost: int | None = None,
    settings: Settings | None = None,
    quizzes: Path | None = None,
) -> list[Path]:
    """Write the student copy of the quizzes (hashed keys, sealed explanations) to ``directory``.

    ``secret`` defaults to $GRADER_COURSE_SECRET or the course's ``quiz_secret`` file (a usage error
    if neither is there). ``roster`` lists the student ids who may check per-student questions
    locally. ``kdf_cost`` is scrypt's n (default 2^14; lower only for tests).
    """
    from grader.quiz.commands import student_copy

    settings = settings or load_settings()
    return student_copy(folder=_quiz_folder(settings, quizzes), directory=directory, course=settings.course,
                        roster=roster, secret=secret, kdf_cost=kdf_cost)


def ask_quiz(
    *,
    console: object,
    quiz: str | None = None,
    student: str | None = None,
    save: Path | None = None,
    settings: Settings | None = None,
    quizzes: Path | None = None,
) -> tuple[dict[str, object], str | None]:
    """Ask a quiz in the terminal (``console``: a rich Console); returns typed answers for
    ``grade_quiz`` and the student id. ``save`` is the answers file to write (and complete, if it exists)."""
    from rich.console import Console

    from grader.quiz.commands import ask

    if not isinstance(console, Console):
        raise TypeError(f"console must be a rich.console.Console, not {type(console).__name__}")
    folder = _quiz_folder(settings or load_settings(), quizzes)
    answers, student = ask(console=console, folder=folder, quiz_id=quiz, student=student, save=save)
    return dict(answers), student


def quiz_self_test(*, settings: Settings | None = None) -> list[SelfTestLine]:
    """Every quiz parses, its key scores full marks, and the quizzes cover every topic of the notes."""
    from grader.quiz.commands import self_check

    settings = settings or load_settings()
    rows = self_check(folder=_quiz_folder(settings, None), course=settings.course)
    return [SelfTestLine(what, ok, detail) for what, ok, detail in rows]
