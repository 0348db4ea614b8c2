"""The grader's public functions: keyword-only, they return results and never print.

The CLI, the tests, notebooks and CI all call these.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import TRACKS, find_exercise, load_track
from grader.config import Settings, load_settings
from grader.isolation import fallback, resolve
from grader.parallel import TaskQueue, run_forked
from grader.results import NOT_IMPLEMENTED, ExerciseResult, Report
from grader.sandbox.deaths import BUDGET_RAN_OUT
from grader.scoring import exit_code
from grader.submission import Submission, locate
from grader.workers import grade_tasks, merge, plan, selected, unavailable


def check_submission(
    path: Path,
    *,
    exercise: str | Sequence[str] | None = None,
    settings: Settings | None = None,
    isolation: str | None = None,
    jobs: int | None = None,
    label: str | None = None,
    reproduce_by_file: bool = False,
) -> Report:
    """Grade the learner's files at ``path`` (a folder or one exercise file).

    ``label`` names the submission in the report and its reproduce commands (default: ``path``);
    with ``reproduce_by_file`` those commands name each exercise's file instead
    (``grade check lstm_numpy.py --seed 0 --exercise learn_gate``), for a batch's student, who has
    no folder named after them.

    ``jobs`` worker processes share the exercises (default: the ``jobs`` setting, or one per
    CPU up to 2). ``isolation`` is ``auto``, ``bwrap`` or ``process`` (default: the ``sandbox``
    setting); ``none`` runs the submission inside the grader's processes, only for benchmarks of
    the sandbox's cost on trusted code.
    """
    settings = settings or load_settings()
    requested = isolation or settings.sandbox
    isolation = resolve(requested)
    only = [exercise] if isinstance(exercise, str) else None if exercise is None else list(exercise)
    tracks = {find_exercise(e)[0].name for e in only or ()}
    submission = locate(path, tracks=tracks or None, follow_links=settings.follow_links)
    if settings.device == "cuda" and "torch" in submission.tracks and not unavailable("torch"):
        from grader.devices import gpu_device

        gpu_device("cuda")  # a clear usage error now, rather than in every GPU check
    tasks = plan(submission, only)
    workers = max(1, min(jobs or settings.jobs or min(os.cpu_count() or 1, 2), len(tasks)))
    if workers == 1:
        tasks = plan(submission, only, heavy_first=False)
    label = label or str(path)
    seed = settings.seed

    def reproduce(file: str) -> str:
        return f"grade check {file if reproduce_by_file else label} --seed {seed}"

    queue = TaskQueue(len(tasks))
    deadline = time.monotonic() + settings.submission_timeout  # the whole submission's budget, every worker's
    try:
        parts = run_forked(
            workers,
            lambda k: grade_tasks(submission, tasks, queue.take, settings, isolation, reproduce, deadline),
            timeout=settings.submission_timeout + settings.startup_timeout + 30,
        )
    finally:
        queue.close()
    exercises = merge(parts, selected(submission, only))
    return Report(
        submission=label,
        seed=settings.seed,
        exercises=exercises,
        environment=_environment(isolation, settings, submission),
        notes=tuple(n for n in (*_notes(submission), fallback(requested, isolation), _over_budget(exercises, settings))
                    if n),
    )


def _over_budget(exercises: Sequence[ExerciseResult], settings: Settings) -> str:
    """A note naming the checks the submission's time budget left ungraded ('' if it did not run out)."""
    over = [f"{c.exercise}:{c.id}" for e in exercises for c in e.checks if BUDGET_RAN_OUT in c.message]
    if not over:
        return ""
    return (f"The submission's {settings.submission_timeout:g} s time budget ran out, so {len(over)} check"
            f"{'s were' if len(over) > 1 else ' was'} not graded and scored 0 (the others kept their points): "
            f"{', '.join(over)}.")


def _notes(submission: Submission) -> tuple[str, ...]:
    notes = []
    if "numpy" in submission.tracks:
        notes.append(
            "numpy results are compared with a float64 reference: |got - expected| <= atol + rtol·|expected| with "
            "rtol 1e-5 and atol 1e-6 for float64 results, atol 1e-5 for float32 results or inputs, both times √T "
            f"for a sequence of T steps. {_SIZED}"
        )
    if "torch" in submission.tracks:
        notes.append(
            "torch results are compared with a float64 oracle run on the same inputs rounded to the module's dtype, "
            "with torch.testing.assert_close's tolerances for float64 and float32 and, for bfloat16, rtol 1.6e-2 "
            f"and atol 3.1e-2 (8 bfloat16 epsilons); TF32 is off on GPUs. {_SIZED}"
        )
    return tuple(notes)


_SIZED = ("Where the gates add up large numbers (inputs in the hundreds), atol grows to at least 4·u·S: S is the "
          "largest sum of |weight · input| terms in a gate, u the unit roundoff of the arithmetic (2⁻²⁴ for float32), "
          "the rounding error correct code can make there.")


def _environment(isolation: str, settings: Settings, submission: Submission) -> dict[str, str]:
    import hypothesis
    import numpy

    from grader import __version__

    environment = {
        "grader": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "hypothesis": hypothesis.__version__,
        "platform": sys.platform,
        "isolation": isolation,
        "device": "cpu",
    }
    if "torch" in submission.tracks and not unavailable("torch"):
        from grader.devices import describe_devices

        environment.update(describe_devices(settings.device))
    return environment


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
    from grader.quiz.session import grade

    settings = settings or load_settings()
    return grade(answers=answers, folder=_quiz_folder(settings, quizzes), course=settings.course, quiz_id=quiz,
                 student=student)


def quiz_template(*, quiz: str, student: str | None = None, settings: Settings | None = None,
                  quizzes: Path | None = None) -> str:
    """An answers file to fill in for ``quiz`` (with the student's own numbers in its comments, if given)."""
    from grader.quiz.session import template

    return template(folder=_quiz_folder(settings or load_settings(), quizzes), quiz_id=quiz, student=student)


def show_quiz(*, quiz: str, student: str | None = None, settings: Settings | None = None,
              quizzes: Path | None = None) -> str:
    """``quiz`` as the student sees it, with their own numbers in per-student questions."""
    from grader.quiz.session import show

    return show(folder=_quiz_folder(settings or load_settings(), quizzes), quiz_id=quiz, student=student)


def quiz_overview(*, settings: Settings | None = None, quizzes: Path | None = None) -> str:
    """Every quiz with its questions and points, and the questions per topic of the notes."""
    from grader.quiz.session import overview

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
    from grader.quiz.session import student_copy

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

    from grader.quiz.session import ask

    if not isinstance(console, Console):
        raise TypeError(f"console must be a rich.console.Console, not {type(console).__name__}")
    folder = _quiz_folder(settings or load_settings(), quizzes)
    answers, student = ask(console=console, folder=folder, quiz_id=quiz, student=student, save=save)
    return dict(answers), student


def quiz_self_test(*, settings: Settings | None = None) -> list[SelfTestLine]:
    """Every quiz parses, its key scores full marks, and the quizzes cover every topic of the notes."""
    from grader.quiz.session import self_check

    settings = settings or load_settings()
    rows = self_check(folder=_quiz_folder(settings, None), course=settings.course)
    return [SelfTestLine(what, ok, detail) for what, ok, detail in rows]
