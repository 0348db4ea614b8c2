"""Grade one submission: find its files, plan the work, share it among workers, merge the report.

The steps, in order: ``submission.locate`` reads the learner's files once; ``workers.plan`` cuts
the exercises into tasks; ``parallel.run_forked`` shares them among a few forked workers, each
grading its tasks through a sandbox session (``workers.grade_tasks`` → ``grade.grade_exercises``:
import, signatures, "is it an answer", then each check, explained and diagnosed when it fails);
the parts are merged, in the catalog's order, into one ``Report``. Results stay typed throughout:
only a forked worker's cross the pipe, as JSON (``results.serialize``).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from grader.catalog import find_exercise
from grader.config import Settings, load_settings
from grader.notebook.lines import relocate
from grader.pipeline.parallel import TaskQueue, run_forked
from grader.pipeline.submission import Submission, locate
from grader.pipeline.workers import grade_tasks, merge, plan, selected, unavailable
from grader.results import ExerciseResult, Report, deserialize, serialize
from grader.sandbox.deaths import BUDGET_RAN_OUT
from grader.sandbox.isolation import fallback, resolve


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
        from grader.checks.devices import gpu_device

        gpu_device("cuda")  # a clear usage error now, rather than in every GPU check
    _read_bank(settings, submission)
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
            encode=serialize,
            decode=lambda line: deserialize(line, ExerciseResult),
        )
    finally:
        queue.close()
    exercises = merge(parts, selected(submission, only))
    report = Report(
        submission=label,
        seed=settings.seed,
        exercises=exercises,
        environment=_environment(isolation, settings, submission),
        notes=tuple(n for n in (_edition(settings), *_notes(submission), fallback(requested, isolation),
                                _over_budget(exercises, settings)) if n),
    )
    return relocate(report, submission.origins, submission.notes)  # a notebook's lines told as its cells


EDITION = ("Checked on the course's published cases (the student edition's bank.npz), and on generated cases "
           "where a check needs no answer; the grade of record is computed at hand-in, on fresh cases, with the "
           "hidden checks.")


def _read_bank(settings: Settings, submission: Submission) -> None:
    """In the student edition, read its bank here, once: the workers forked next inherit it (and a bank that
    cannot be used is said once, before any grading)."""
    from grader.bank.edition import course_answers, is_edition
    from grader.catalog import load_track

    if is_edition(settings.course):
        for track in submission.tracks:
            course_answers(settings.course, load_track(track))


def _edition(settings: Settings) -> str:
    """In the student edition, the one line that says what this check is and what it is not."""
    from grader.bank.edition import is_edition

    return EDITION if is_edition(settings.course) else ""


def _over_budget(exercises: Sequence[ExerciseResult], settings: Settings) -> str:
    """A note naming the checks the submission's time budget left ungraded ('' if it did not run out)."""
    over = [f"{c.exercise}:{c.id}" for e in exercises for c in e.checks if BUDGET_RAN_OUT in c.message]
    if not over:
        return ""
    return (f"The submission's {settings.submission_timeout:g} s time budget ran out, so {len(over)} check"
            f"{'s were' if len(over) > 1 else ' was'} not graded and scored 0 (the others kept their points): "
            f"{', '.join(over)}.")


def _notes(submission: Submission) -> tuple[str, ...]:
    """How each graded track's results are compared: generated from grader.checks.tolerance's tables."""
    from grader.checks.tolerance import numpy_note, torch_note

    notes = []
    if "numpy" in submission.tracks:
        notes.append(numpy_note())
    if "torch" in submission.tracks and not unavailable("torch"):
        notes.append(torch_note())
    return tuple(notes)


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
        from grader.checks.devices import describe_devices

        environment.update(describe_devices(settings.device))
    return environment
