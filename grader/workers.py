"""One submission's grading, shared among worker processes.

The work is cut into tasks: each numpy exercise is a task; a track whose imports are costly
(torch: in the grader and in its sandboxed child) is one task, so only one worker pays for
them. Workers take tasks heaviest first from a shared queue; each starts a sandbox session
for a track when it first needs one, before its own heavy imports, so the child's start-up
overlaps with them. Results travel back as the report's plain JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.catalog import TRACKS, Exercise, load_track, missing
from grader.config import Settings
from grader.results import CheckResult, ExerciseResult, Report, Status, exercise_from_dict
from grader.sandbox.session import Limits, Session
from grader.submission import Submission


@dataclass(frozen=True)
class Task:
    track: str
    exercises: tuple[str, ...]
    weight: float


def plan(submission: Submission, exercise: str | None) -> list[Task]:
    """The tasks for ``submission`` (only ``exercise`` if given), heaviest first."""
    tasks = []
    for name in submission.tracks:
        chosen = [e for e in load_track(name).exercises if exercise in (None, e.id)]
        weights = [sum(c.examples for c in e.checks) for e in chosen]
        if TRACKS[name].one_task:
            tasks.append(Task(name, tuple(e.id for e in chosen), 10 * sum(weights)))
        else:
            tasks += [Task(name, (e.id,), w) for e, w in zip(chosen, weights, strict=True)]
    return sorted(tasks, key=lambda t: -t.weight)


def exercises_in_order(submission: Submission, exercise: str | None) -> list[Exercise]:
    return [e for name in submission.tracks for e in load_track(name).exercises if exercise in (None, e.id)]


def unavailable(track: str) -> str:
    """Why ``track`` cannot be graded here ('' if it can)."""
    needs = TRACKS[track].needs
    if needs and missing(needs):
        return (f"{needs} is not installed here, so {TRACKS[track].file} cannot be graded: install it with "
                f"`pip install {needs}==2.13.0` (not counted)")
    return ""


def limits_for(settings: Settings, track: str) -> Limits:
    return Limits(
        call_timeout=settings.call_timeout,
        startup_timeout=settings.startup_timeout,
        submission_timeout=settings.submission_timeout,
        memory_mb=settings.memory_mb,
        memory_kind=TRACKS[track].memory_kind,
        output_kb=settings.output_kb,
    )


def grade_tasks(submission: Submission, tasks: list[Task], take: Any, settings: Settings, isolation: str,
                reproduce: str) -> list[dict[str, Any]]:
    """Take task numbers from ``take()`` until none is left; grade each; return plain JSON."""
    sessions: dict[str, Any] = {}
    results: list[ExerciseResult] = []
    try:
        while (number := take()) is not None and number < len(tasks):
            task = tasks[number]
            reason = unavailable(task.track)
            if reason:
                results += [_skipped(e, reason) for e in load_track(task.track).exercises if e.id in task.exercises]
                continue
            if task.track not in sessions:
                sessions[task.track] = _session(submission, task.track, settings, isolation)
                sessions[task.track].start()  # its imports overlap with ours below
            from grader.grading import grade_exercises
            from grader.references import load_reference

            track = load_track(task.track)
            chosen = [e for e in track.exercises if e.id in task.exercises]
            reference = load_reference(settings.course, track)
            results += grade_exercises(track, chosen, sessions[task.track], reference, settings,
                                       reproduce=reproduce, source=submission.folder / track.file)
    finally:
        for session in sessions.values():
            session.close()
    return [Report(submission="", seed=0, exercises=(r,)).to_dict()["exercises"][0] for r in results]


def merge(parts: list[list[dict[str, Any]]], order: list[Exercise]) -> tuple[ExerciseResult, ...]:
    graded = {d["id"]: exercise_from_dict(d) for part in parts for d in part}
    return tuple(graded[e.id] for e in order)


def _skipped(exercise: Exercise, reason: str) -> ExerciseResult:
    checks = tuple(
        CheckResult(exercise=exercise.id, id=c.id, title=c.title, status=Status.SKIPPED, points=0.0,
                    max_points=0.0, message=reason, hint=c.hint, visibility=c.visibility)
        for c in exercise.checks
    )
    return ExerciseResult(id=exercise.id, title=exercise.title, file=exercise.file, checks=checks, note=reason)


def _session(submission: Submission, track: str, settings: Settings, isolation: str) -> Any:
    file = submission.tracks[track]
    if isolation == "none":
        from grader.inprocess import InProcessSession

        return InProcessSession(submission.folder, file)
    return Session(submission.folder, file, limits=limits_for(settings, track), forbid=TRACKS[track].forbid)
