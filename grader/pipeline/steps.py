"""The steps around each check, in the order the pipeline takes them (``grade.grade_exercises``).

Before an exercise's checks: ``non_answer``, whether its results are an answer at all (a sentence
when they are not, which then ``diagnosed`` may name). After each check: ``explain``, for a
composite exercise's failure, the first of its own parts that departs from the reference; then
``diagnose``, the misconception a failure shows.
"""

from __future__ import annotations

from grader.bank.answers import BankMiss, Recorder
from grader.catalog import Check, Exercise
from grader.checks.context import CheckContext
from grader.checks.outcome import Outcome, Stop
from grader.results import Diagnosis, Status


def non_answer(exercise: Exercise, ctx: CheckContext) -> str:
    """Why the exercise's results are no answer at all ('' when they are one, or cannot be told here:
    the function is not implemented yet, or raises, and its checks will say so). A probe that hangs
    ends the exercise: each of its checks would only meet the same hang."""
    if exercise.answers is None:
        return ""
    try:
        return exercise.answers(ctx)
    except Stop as stop:
        return stop.outcome.message if stop.timed_out else ""


def diagnosed(exercise: Exercise, ctx: CheckContext, problem: str) -> Diagnosis | None:
    """The mistake a non-answer shows, named from its sentence alone (a bias gradient per row, a squeezed axis)."""
    if exercise.diagnose is None or not exercise.checks:
        return None
    try:
        found: Diagnosis | None = exercise.diagnose(ctx, exercise.checks[0].id, Outcome(Status.FAILED, problem))
    except Stop:
        return None
    return found


def explain(exercise: Exercise, check: Check, ctx: CheckContext, outcome: Outcome) -> Outcome:
    """A failure of a check worth it (``Check.explained``), with the composite exercise's first wrong part."""
    if check.explained and outcome.counterexample is not None and exercise.explain is not None:
        try:
            note = exercise.explain(ctx, outcome)
        except BankMiss:  # the edition, on a case it does not publish: the failure stands unexplained
            note = None
        if note:
            outcome.message = f"{outcome.message}. {note}"
    return outcome


def diagnose(exercise: Exercise, check: Check, ctx: CheckContext, outcome: Outcome) -> Outcome:
    """A failure, with the misconception it shows where the library knows one."""
    if outcome.status is Status.FAILED and exercise.diagnose is not None:
        outcome.diagnosis = exercise.diagnose(ctx, check.id, outcome)
    return outcome


def rehearse(exercise: Exercise, check: Check, ctx: CheckContext) -> None:
    """While a release records the bank: explain and diagnose a failure on every published case of the check,
    so that the answers the edition's explanations and diagnoses need are recorded too (the reference, which
    is being graded, passes; each variant runs on the case and its probes)."""
    if not isinstance(ctx.answers, Recorder):
        return
    ctx.answers.current = ""  # what these need does not make the check run on the bank
    for case in ctx.answers.cases.get(f"{exercise.id}:{check.id}", ()):
        failed = Outcome(Status.FAILED, "", case=case)
        if check.explained and exercise.explain is not None:
            exercise.explain(ctx, failed)
        if exercise.diagnose is not None and any(m.applies_to(exercise.id, check.id) for m in ctx.misconceptions):
            exercise.diagnose(ctx, check.id, failed)
