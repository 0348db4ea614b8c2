"""The grader's public functions: keyword-only, they return results and never print.

The CLI, the tests, notebooks and CI all call these.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalog import TRACK_FILES, TRACK_MEMORY, Exercise, find_exercise, load_track
from grader.config import Settings, load_settings
from grader.errors import UsageError
from grader.parallel import TaskQueue, run_forked
from grader.results import ExerciseResult, Report, exercise_from_dict
from grader.sandbox.session import Limits, Session
from grader.scoring import exit_code
from grader.submission import Submission, locate

ISOLATIONS = ("process", "none")


def limits_for(settings: Settings, memory_kind: str = "RLIMIT_AS") -> Limits:
    return Limits(
        call_timeout=settings.call_timeout,
        startup_timeout=settings.startup_timeout,
        submission_timeout=settings.submission_timeout,
        memory_mb=settings.memory_mb,
        memory_kind=memory_kind,
        output_kb=settings.output_kb,
    )


def check_submission(
    path: Path,
    *,
    exercise: str | None = None,
    settings: Settings | None = None,
    isolation: str = "process",
    jobs: int | None = None,
) -> Report:
    """Grade the learner's files at ``path`` (a folder or one exercise file).

    ``jobs`` worker processes share the exercises (default: the ``jobs`` setting, or one per
    CPU up to 2). ``isolation="none"`` runs the submission inside the grader's processes: only
    for benchmarks of the sandbox's cost on trusted code.
    """
    settings = settings or load_settings()
    if isolation not in ISOLATIONS:
        raise UsageError(f"unknown isolation {isolation!r}; choose one of {', '.join(ISOLATIONS)}")
    only_track = find_exercise(exercise)[0].name if exercise is not None else None
    submission = locate(path, track=only_track)
    workers = 1 if exercise else max(1, jobs or settings.jobs or min(os.cpu_count() or 1, 2))
    reproduce = f"grade check {path} --seed {settings.seed}"
    queue = TaskQueue(MAX_EXERCISES)
    try:
        def work(k: int) -> list[dict[str, Any]]:
            results = _grade(submission, exercise, queue, settings, isolation, reproduce)
            return [_exercise_dict(r) for r in results]

        timeout = settings.submission_timeout + settings.startup_timeout + 30
        parts = run_forked(workers, work, timeout=timeout)
    finally:
        queue.close()
    graded = {d["id"]: exercise_from_dict(d) for part in parts for d in part}
    plan = _plan(submission, exercise)
    return Report(
        submission=str(path),
        seed=settings.seed,
        exercises=tuple(graded[e.id] for _, e in plan),
        environment=_environment(isolation),
        notes=(TOLERANCE_NOTE,),
    )


MAX_EXERCISES = 256


def _plan(submission: Submission, exercise: str | None) -> list[tuple[str, Exercise]]:
    """(track, exercise) pairs to grade, in catalog order."""
    return [(name, e) for name in submission.tracks for e in load_track(name).exercises
            if exercise in (None, e.id)]


def _grade(submission: Submission, exercise: str | None, queue: TaskQueue, settings: Settings,
           isolation: str, reproduce: str) -> list[ExerciseResult]:
    """Take exercises from ``queue`` and grade them here, one sandbox session per track."""
    sessions = {name: _session(submission, name, settings, isolation) for name in submission.tracks}
    try:
        for session in sessions.values():
            session.start()  # the child's imports overlap with ours below
        from grader.grading import grade_exercises, load_reference

        plan = _plan(submission, exercise)
        heaviest_first = sorted(plan, key=lambda p: -sum(c.examples for c in p[1].checks))
        results: list[ExerciseResult] = []
        while (task := queue.take()) is not None and task < len(heaviest_first):
            name, chosen = heaviest_first[task]
            track = load_track(name)
            reference = load_reference(settings.course, track)
            results += grade_exercises(track, [chosen], sessions[name], reference, settings, reproduce=reproduce)
        return results
    finally:
        for session in sessions.values():
            session.close()


def _exercise_dict(result: ExerciseResult) -> dict[str, Any]:
    report = Report(submission="", seed=0, exercises=(result,))
    exercise: dict[str, Any] = report.to_dict()["exercises"][0]
    return exercise


TOLERANCE_NOTE = (
    "numpy results are compared with a float64 reference: |got - expected| <= atol + rtol·|expected| "
    "with rtol 1e-5 and atol 1e-6 for float64 results, atol 1e-5 for float32 results or inputs, both "
    "times √T for a sequence of T steps."
)


def _session(submission: Submission, track: str, settings: Settings, isolation: str) -> Any:
    file = submission.tracks[track]
    if isolation == "none":
        from grader.inprocess import InProcessSession

        return InProcessSession(submission.folder, file)
    return Session(submission.folder, file, limits=limits_for(settings, TRACK_MEMORY.get(track, "RLIMIT_AS")))


def _environment(isolation: str) -> dict[str, str]:
    import hypothesis
    import numpy

    from grader import __version__

    return {
        "grader": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "hypothesis": hypothesis.__version__,
        "platform": sys.platform,
        "isolation": isolation,
        "device": "cpu",
    }


@dataclass(frozen=True)
class SelfTestLine:
    what: str
    ok: bool
    detail: str


def self_test(*, settings: Settings | None = None) -> list[SelfTestLine]:
    """The course checks itself: every reference scores full marks, every stub scores zero."""
    settings = settings or load_settings()
    lines = []
    for name, (file, _) in TRACK_FILES.items():
        track = load_track(name)
        solution = check_submission(settings.course / track.solution, settings=settings)
        full = solution.points == solution.max_points and exit_code(solution) == 0
        lines.append(SelfTestLine(f"solutions/{file} scores full marks", full,
                                  f"{solution.points:g}/{solution.max_points:g}"))
        stub = check_submission(settings.course / "exercises" / file, settings=settings)
        untouched = stub.points == 0 and all(e.note == "not implemented yet" for e in stub.exercises)
        lines.append(SelfTestLine(f"exercises/{file} scores 0, every exercise 'not implemented yet'",
                                  untouched, f"{stub.points:g}/{stub.max_points:g}"))
    return lines
