"""Grade one submission: find its files, plan the work, share it among workers, merge the report.

The steps, in order: ``submission.locate`` reads the learner's files once; ``workers.plan`` cuts
the exercises into tasks; ``parallel.run_forked`` shares them among a few forked workers, each
grading its tasks through a sandbox session (``workers.grade_tasks`` → ``grade.grade_exercises``:
import, signatures, "is it an answer", then each check, explained and diagnosed when it fails);
the parts are merged, in the catalog's order, into one ``Report``.
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
from grader.pipeline.parallel import TaskQueue, run_forked
from grader.pipeline.submission import Submission, locate
from grader.pipeline.workers import grade_tasks, merge, plan, selected, unavailable
from grader.results import ExerciseResult, Report
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
        from grader.checks.devices import describe_devices

        environment.update(describe_devices(settings.device))
    return environment
