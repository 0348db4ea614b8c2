"""Name the misconception behind a failed check, or make no claim.

When a check fails, the submission and every applicable variant from the library run on the
same inputs: the smallest failing case and a few probes around it (other values, one row and
one unit more). A variant that agrees with the submission on all of them, within the
tolerance the check uses, names the mistake; two that agree are both named; none, no claim.
Mistakes torch reports itself are recognised by the pattern of that report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks.arrays import Spec
from grader.checks.cases import Case, as_float64
from grader.checks.context import CheckContext
from grader.checks.outcome import Failure, Outcome, Stop
from grader.checks.tolerance import numpy_tolerance, worst_element
from grader.diagnosis import compose
from grader.diagnosis.library import MISCONCEPTIONS, Misconception
from grader.results import Diagnosis, Tolerance

Outputs = dict[str, np.ndarray]
Student = Callable[[CheckContext, list[Case]], list[Outputs | None]]
Variant = Callable[[CheckContext, Misconception, Case], Outputs]
Diagnoser = Callable[[CheckContext, str, Outcome], Diagnosis | None]


def probes(case: Case) -> list[Case]:
    """The failing case, the same sizes with other values, and one row and one unit more."""
    again = [dataclasses.replace(case, seed=(case.seed + k) % 2**32) for k in (1, 2, 3)]
    bigger = [dataclasses.replace(case, B=case.B + 1, seed=(case.seed + 4) % 2**32),
              dataclasses.replace(case, H=case.H + 1, I=case.I + 1, seed=(case.seed + 5) % 2**32)]
    return [case, *again, *bigger]


def agree(variant: Outputs, student: Outputs, tol: Tolerance) -> bool:
    """The same outputs: shapes, where they are not finite, and the rest within ``tol``."""
    for name, got in student.items():
        want = variant.get(name)
        if want is None or want.shape != got.shape:
            return False
        bad_want, bad_got = ~np.isfinite(want), ~np.isfinite(got)
        if (bad_want != bad_got).any() or worst_element("", want[~bad_want], got[~bad_got], tol) is not None:
            return False
    return True


def verdict(found: list[Misconception]) -> Diagnosis | None:
    if not found:
        return None
    if len(found) == 1:
        return Diagnosis(found[0].id, f"This looks like {found[0].title}: {found[0].explanation}")
    names = " or ".join(f"{m.title} ({m.id})" for m in found)
    return Diagnosis("+".join(m.id for m in found), f"This looks like one of {len(found)} mistakes, {names}: "
                     + " ".join(m.explanation for m in found))


def diagnoser(student: Student, variant: Variant, tolerance: Callable[[Case, np.ndarray], Tolerance]) -> Diagnoser:
    """A diagnose function for one kind of exercise, given how to run the submission and a variant."""

    def diagnose(ctx: CheckContext, check: str, outcome: Outcome) -> Diagnosis | None:
        exercise = ctx.exercise.id
        candidates = [m for m in MISCONCEPTIONS if m.applies_to(exercise, check)]
        signed = [m for m in candidates if m.pattern and re.search(m.pattern, outcome.message)]
        if signed:
            return verdict(signed)
        runnable = [m for m in candidates if not m.pattern]
        if not runnable or outcome.case is None:
            return None
        cases = probes(outcome.case)
        try:
            answers = student(ctx, cases)
        except Stop:
            return None
        if any(a is None for a in answers):
            return None
        found = []
        for misconception in runnable:
            try:
                same = all(agree(variant(ctx, misconception, case), answer, tolerance(case, _first(answer)))
                           for case, answer in zip(cases, answers, strict=True) if answer is not None)
            except (ArithmeticError, ValueError, IndexError, KeyError, TypeError):
                same = False  # the variant cannot even run on these sizes
            if same:
                found.append(misconception)
        return verdict(found)

    return diagnose


def _first(outputs: Outputs) -> np.ndarray:
    return next(iter(outputs.values()))


def _outputs(spec: Spec, value: Any, case: Case) -> Outputs | None:
    try:
        return spec.outputs_of(value, case)
    except Failure:
        return None


def numpy_diagnoser(spec: Spec) -> Diagnoser:
    """For a numpy exercise: the learner's function and the lesson's parts with one swapped."""

    def student(ctx: CheckContext, cases: list[Case]) -> list[Outputs | None]:
        results = ctx.call_all(spec.symbol, [spec.args(case) for case in cases])
        return [None if isinstance(r, Failure) else _outputs(spec, r.value, c)
                for r, c in zip(results, cases, strict=True)]

    def variant(ctx: CheckContext, misconception: Misconception, case: Case) -> Outputs:
        function = getattr(compose.lesson(misconception.lesson), spec.symbol)
        out = _outputs(spec, function(*as_float64(list(spec.args(case).values()))), case)
        if out is None:
            raise ValueError("the variant returned the wrong structure")
        return out

    return diagnoser(student, variant, lambda case, got: numpy_tolerance(got.dtype, case.dtype, spec.steps(case)))


def backward_diagnoser(inputs: Callable[[Case], dict[str, Any]], gradients_of: Callable[..., Outputs]) -> Diagnoser:
    """For the backward stretch: the learner's gradients and the backward with terms left out."""

    def student(ctx: CheckContext, cases: list[Case]) -> list[Outputs | None]:
        asked = [inputs(case) for case in cases]
        answers: list[Outputs | None] = []
        for case, given, result in zip(cases, asked, ctx.call_all("lstm_cell_backward", asked), strict=True):
            try:
                answers.append(None if isinstance(result, Failure) else gradients_of(result.value, case, given))
            except Failure:
                answers.append(None)
        return answers

    def variant(ctx: CheckContext, misconception: Misconception, case: Case) -> Outputs:
        return compose.backward(*inputs(case).values(), omit=misconception.omit)

    return diagnoser(student, variant, lambda case, got: numpy_tolerance(got.dtype, "float64"))
