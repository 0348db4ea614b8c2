"""Grade one track of one submission: import it, check signatures, run every check.

The steps, in order: the child imports the file (an import error fails every exercise of the
file with one sentence); each exercise's function must exist and take the contract's
arguments; then its checks run one by one. An exercise whose own function is still the
stub is reported once as "not implemented yet" instead of running the rest of its checks.
"""

from __future__ import annotations

import dataclasses
import io
import tokenize
from collections.abc import Callable, Iterable
from typing import Protocol

from grader.bank.answers import BankMiss
from grader.bank.edition import CourseAnswers
from grader.catalog import Check, Exercise, Track
from grader.checks.context import Caller, CheckContext, not_provided
from grader.checks.outcome import CallLog, Outcome
from grader.checks.property import check_seed
from grader.config import Settings
from grader.errors import SandboxFailure
from grader.pipeline import steps
from grader.results import COULD_NOT_GRADE, NOT_IMPLEMENTED, CheckResult, Diagnosis, ExerciseResult, Status
from grader.sandbox.replies import Loaded, SymbolInfo
from grader.scoring import points_for


class TrackSession(Caller, Protocol):
    """A sandbox session, plus the greeting the grader needs before calling."""

    def hello(self) -> Loaded: ...


def grade_exercises(
    track: Track,
    exercises: list[Exercise],
    session: TrackSession,
    course: CourseAnswers,
    settings: Settings,
    *,
    reproduce: str = "",
    source: bytes | None = None,
) -> list[ExerciseResult]:
    """Grade ``exercises`` (all of ``track``'s file) through ``session``; ``source``: the learner's file's bytes."""
    try:
        loaded = session.hello()
    except SandboxFailure as failure:
        return [_whole(e, Status.ERROR, f"{COULD_NOT_GRADE}{failure.reason}") for e in exercises]
    if not loaded.ok and loaded.error is not None:
        error = loaded.error
        where = f" at line {error.line}" if error.line else ""
        code = f" ({error.code})" if error.code else ""
        environment = settings.environment.get(track.name, ())
        sentence = (not_provided(error.type, error.message, track.file, environment)
                    or f"{track.file} could not be imported: {error.type}{where}: {error.message}{code}")
        return [_whole(e, Status.FAILED, sentence) for e in exercises]
    results = []
    for exercise in exercises:
        problem = signature_problem(exercise, loaded.symbols.get(exercise.symbol), track.file)
        if problem:
            results.append(_whole(exercise, Status.FAILED, problem))
            continue
        results.append(_grade_exercise(exercise, session, course, settings, reproduce, _text(source),
                                       settings.environment.get(track.name, ())))
    return results


def signature_problem(exercise: Exercise, info: SymbolInfo | None, file: str) -> str:
    """'' if the submission's symbol can be called as the contract says, else why not."""
    kind = "class" if exercise.kind == "class" else "function"
    if info is None:
        return f"{file} has no {kind} named {exercise.symbol} (was it renamed or deleted?)"
    if info.kind != exercise.kind:
        return f"{exercise.symbol} in {file} should be a {kind}, but it is a {info.kind or 'value'}"
    wanted = len(exercise.params)
    if info.varargs or info.required <= wanted <= len(info.params):
        return ""
    theirs = ", ".join(info.params)
    return (f"{exercise.symbol} must take {wanted} argument{'s' if wanted != 1 else ''} "
            f"({', '.join(exercise.params)}); yours takes {len(info.params)} ({theirs})")


AT_GRADING_TIME = "runs at grading time, not in a local check"
UNPUBLISHED = ("needs the course's answers on cases the student edition does not publish: it runs at hand-in "
               "(not counted here)")


def _text(source: bytes | None) -> str:
    """The learner's file as Python reads it (its coding declaration, else UTF-8), bytes it cannot decode
    replaced: the static checks read it, and no byte makes them raise."""
    if not source:
        return ""
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
        return source.decode(encoding, "replace")
    except (SyntaxError, LookupError):  # a declaration Python refuses too: the import failed already
        return source.decode("utf-8", "replace")


def _grade_exercise(exercise: Exercise, session: Caller, course: CourseAnswers, settings: Settings,
                    reproduce: str, source: str, environment: tuple[str, ...]) -> ExerciseResult:
    results: list[CheckResult] = []
    stub = False
    def context(seed: int, log: CallLog, scale: float) -> CheckContext:
        return CheckContext(exercise=exercise.id, symbol=exercise.symbol, file=exercise.file, session=session,
                            reference=course.reference, seed=seed, examples_scale=scale,
                            memory_mb=settings.memory_mb, log=log, course=settings.course, source=source,
                            device=settings.device, environment=environment, answers=course.answers,
                            misconceptions=course.library.misconceptions, compose=course.library.compose)

    hint_for = course.library.hint_for
    probe = context(settings.seed, CallLog(limit=0), 1.0)
    problem = steps.non_answer(exercise, probe)
    if problem.startswith(COULD_NOT_GRADE):
        return _whole(exercise, Status.ERROR, problem)
    if problem:
        return _whole(exercise, Status.FAILED, problem, diagnosis=steps.diagnosed(exercise, probe, problem))
    for check in exercise.checks:
        log = CallLog(limit=settings.output_kb << 10)
        ctx = context(check_seed(settings.seed, exercise.id, check.id), log, settings.examples_scale)
        visibility = settings.visibility.get(f"{exercise.id}:{check.id}", check.visibility)
        check = dataclasses.replace(check, visibility=visibility)
        reason = check.skip_unless(ctx) if check.skip_unless else ""
        if visibility != "visible" and not settings.run_hidden:
            reason = AT_GRADING_TIME
        if reason or stub:
            outcome = Outcome(Status.SKIPPED, reason) if reason else Outcome(Status.FAILED, NOT_IMPLEMENTED)
            results.append(_result(exercise, check, outcome, hint_for=hint_for))
            continue
        try:
            outcome = steps.diagnose(exercise, check, ctx, steps.explain(exercise, check, ctx, check.run(ctx)))
        except BankMiss:  # the edition, on a check whose answers it has only for cases it does not publish
            results.append(_result(exercise, check, Outcome(Status.SKIPPED, UNPUBLISHED), hint_for=hint_for))
            continue
        steps.rehearse(exercise, check, ctx)
        stub = outcome.not_implemented
        results.append(_result(exercise, check, outcome, output=log.text(), reproduce=reproduce,
                               hint_for=hint_for))
    note = NOT_IMPLEMENTED if stub else ""
    return ExerciseResult(id=exercise.id, title=exercise.title, file=exercise.file, checks=tuple(results),
                          note=note)


def _result(exercise: Exercise, check: Check, outcome: Outcome, *, output: str = "",
            reproduce: str = "", hint_for: Callable[[str], str] = lambda _: "") -> CheckResult:
    failing = outcome.status is Status.FAILED and outcome.counterexample is not None
    return CheckResult(
        exercise=exercise.id,
        id=check.id,
        title=check.title,
        status=outcome.status,
        points=points_for(outcome.status, check.points),
        max_points=0.0 if outcome.status is Status.SKIPPED else check.points,  # never counted, either way
        message=outcome.message,
        hint=(hint_for(outcome.diagnosis.id) if outcome.diagnosis else "") or check.hint,
        visibility=check.visibility,
        cases=outcome.cases,
        tolerance=outcome.tolerance,
        counterexample=outcome.counterexample,
        diagnosis=outcome.diagnosis,
        output=output,
        reproduce=f"{reproduce} --exercise {exercise.id}" if failing and reproduce else "",
    )


def _whole(exercise: Exercise, status: Status, message: str, *, diagnosis: Diagnosis | None = None) -> ExerciseResult:
    """Every check of ``exercise`` ends the same way (import error, missing function, ...); a ``diagnosis`` of
    that one cause is told once, with the first check."""
    checks: Iterable[Check] = exercise.checks
    results = tuple(_result(exercise, c, Outcome(status, message, diagnosis=diagnosis if k == 0 else None))
                    for k, c in enumerate(checks))
    return ExerciseResult(id=exercise.id, title=exercise.title, file=exercise.file, checks=results,
                          note=message)
