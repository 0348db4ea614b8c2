"""One submission's grading, shared among worker processes.

The work is cut into tasks: each numpy exercise is a task; a track whose imports are costly
(torch: in the grader and in its sandboxed child) is one task, so only one worker pays for
them. Workers take tasks from a shared queue, the costly imports first, then in the catalog's
order; each starts a sandbox session for a track when it first needs one, before its own heavy
imports, so the child's start-up overlaps with them. Each worker returns typed ``ExerciseResult``s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from grader.catalog import TRACKS, Exercise, load_track, missing
from grader.config import Settings
from grader.pipeline.submission import Submission
from grader.results import CheckResult, ExerciseResult, Status
from grader.sandbox.isolation import launcher
from grader.sandbox.limits import Limits
from grader.sandbox.session import Session
from grader.sandbox.zygote import installed


@dataclass(frozen=True)
class Task:
    items: tuple[tuple[str, str], ...]  # (track, exercise id)
    heavy: bool  # its checks import a costly module (torch): started first where several workers share the work


def selected(submission: Submission, only: Sequence[str] | None) -> list[tuple[str, Exercise]]:
    """(track, exercise) pairs of ``submission``, in catalog order (only ``only`` if given)."""
    return [(name, e) for name in submission.tracks for e in load_track(name).exercises
            if only is None or e.id in only]


def plan(submission: Submission, only: Sequence[str] | None, *, heavy_first: bool = True) -> list[Task]:
    """The tasks: exercises whose checks import a costly module (torch) form one task per such
    module, first, so that one worker starts paying for it at once; every other exercise is its own
    task, in the catalog's order. That order puts a gate before the cell and the sequence that call
    it: a worker whose gate hung tells them so at once instead of hanging again. For a single
    worker (``heavy_first`` False), the catalog's order throughout."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    tasks, order = [], {}
    for k, (name, exercise) in enumerate(selected(submission, only)):
        order[(name, exercise.id)] = k
        heavy = TRACKS[name].needs or next(iter(exercise.imports), "")
        if heavy:
            grouped.setdefault(heavy, []).append((name, exercise.id))
        else:
            tasks.append(Task(((name, exercise.id),), heavy=False))
    tasks += [Task(tuple(group), heavy=True) for group in grouped.values()]
    return sorted(tasks, key=lambda t: (not (heavy_first and t.heavy), order[t.items[0]]))


def unavailable(track: str) -> str:
    """Why ``track`` cannot be graded here ('' if it can)."""
    info = TRACKS[track]
    if info.needs and missing(info.needs):
        return (f"{info.needs} is not installed here, so {info.file} cannot be graded: install it with "
                f"`pip install {info.needs}=={info.pin}` (not counted)")
    return ""


def limits_for(settings: Settings, track: str) -> Limits:
    """The limits of ``track``'s sandbox sessions under ``settings``."""
    return Limits.from_settings(settings, memory_kind=TRACKS[track].memory_kind)


def grade_tasks(submission: Submission, tasks: list[Task], take: Any, settings: Settings, isolation: str,
                reproduce: Callable[[str], str], deadline: float) -> list[ExerciseResult]:
    """Take task numbers from ``take()`` until none is left; grade each; return the results.
    ``reproduce(file)``: the command, up to ``--exercise``, that grades the file again; ``deadline`` (on
    ``time.monotonic()``, which forked workers share) ends the submission's time budget."""
    sessions: dict[str, Any] = {}
    results: list[ExerciseResult] = []
    try:
        while (number := take()) is not None and number < len(tasks):
            for name, exercise_id in tasks[number].items:
                results += _grade_one(submission, name, exercise_id, sessions, settings, isolation, reproduce,
                                      deadline)
    finally:
        for session in sessions.values():
            session.close()
    return results


def _grade_one(submission: Submission, name: str, exercise_id: str, sessions: dict[str, Any], settings: Settings,
               isolation: str, reproduce: Callable[[str], str], deadline: float) -> list[ExerciseResult]:
    track = load_track(name)
    exercise = next(e for e in track.exercises if e.id == exercise_id)
    reason = unavailable(name)
    if reason:
        return [_skipped(exercise, reason)]
    if name not in sessions:
        sessions[name] = _session(submission, name, settings, isolation, deadline)
        sessions[name].start()  # its imports overlap with ours below
    from grader.bank.edition import course_answers
    from grader.pipeline.grade import grade_exercises

    answers = course_answers(settings.course, track)
    return grade_exercises(track, [exercise], sessions[name], answers, settings, reproduce=reproduce(track.file),
                           source=submission.files.get(track.file))


def merge(parts: list[list[ExerciseResult]], order: list[tuple[str, Exercise]]) -> tuple[ExerciseResult, ...]:
    """The workers' results as one report's exercises, in the catalog's ``order``."""
    graded = {e.id: e for part in parts for e in part}
    return tuple(graded[e.id] for _, e in order)


def _skipped(exercise: Exercise, reason: str) -> ExerciseResult:
    checks = tuple(
        CheckResult(exercise=exercise.id, id=c.id, title=c.title, status=Status.SKIPPED, points=0.0,
                    max_points=0.0, message=reason, hint=c.hint, visibility=c.visibility)
        for c in exercise.checks
    )
    return ExerciseResult(id=exercise.id, title=exercise.title, file=exercise.file, checks=checks, note=reason)


def _session(submission: Submission, track: str, settings: Settings, isolation: str, deadline: float) -> Any:
    file = submission.tracks[track]
    if isolation == "none":
        from grader.sandbox.inprocess import InProcessSession

        return InProcessSession(submission.folder, file)
    return Session(submission.folder, file, files=submission.files, limits=limits_for(settings, track),
                   forbid=TRACKS[track].forbid, environment=settings.environment.get(track, ()),
                   launcher=launcher(isolation), zygote=installed(track) if isolation == "bwrap" else None,
                   deadline=deadline)
