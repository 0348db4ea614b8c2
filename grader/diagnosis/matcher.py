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
from grader.checks.cases import GATES, Case
from grader.checks.context import CheckContext
from grader.checks.outcome import Failure, Outcome, Stop
from grader.checks.tolerance import numpy_tolerance, worst_element
from grader.diagnosis.misconception import Misconception
from grader.results import Diagnosis, Tolerance

Outputs = dict[str, np.ndarray]
Student = Callable[[CheckContext, list[Case]], list[Outputs | None]]
Variant = Callable[[CheckContext, Misconception, Case], Outputs]
Diagnoser = Callable[[CheckContext, str, Outcome], Diagnosis | None]


def probes(case: Case) -> list[Case]:
    """The failing case, the same sizes with other values, and one row and one unit more; for a case whose
    gates saturate, also each gate pushed far on its own (which activation overflows tells the mistakes apart)."""
    again = [dataclasses.replace(case, seed=(case.seed + k) % 2**32) for k in (1, 2, 3)]
    bigger = [dataclasses.replace(case, B=case.B + 1, seed=(case.seed + 4) % 2**32),
              dataclasses.replace(case, H=case.H + 1, I=case.I + 1, seed=(case.seed + 5) % 2**32)]
    alone = ([dataclasses.replace(case, saturate=f"{gate}+") for gate in GATES]
             if case.saturate and case.saturate != "loud" else [])
    return [case, *again, *bigger, *alone]


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
        """The variants that agree with the submission on every probe; else a mistake that shows by being right
        at other sizes; else the mistakes whose signature the failure message carries."""
        candidates = [m for m in ctx.misconceptions if m.applies_to(ctx.exercise, check)]
        runnable = [m for m in candidates if not m.pattern and not m.sizes]
        banked = _banked(variant, f"{ctx.exercise}:{check}")
        # the edition has answers for its published cases only: where hypothesis found the failure, the first
        # published case of the check on which the submission departs stands in for it
        case = outcome.case
        if ctx.answers.edition and case is not None and case not in ctx.answers.examples_of(f"{ctx.exercise}:{check}"):
            case = _departing(ctx, f"{ctx.exercise}:{check}", student, banked, tolerance)
        at = dataclasses.replace(outcome, case=case)
        found = _agreeing(ctx, runnable, at, student, banked, tolerance) if runnable else []
        if not found:
            found = [m for m in candidates if m.sizes == "squeezed" and _squeezed(outcome.message)]
        if not found and case is not None:
            found = [m for m in candidates if m.sizes in ("batch_of_one", "fixed") and _right_at_other_sizes(
                ctx, m, at if m.sizes == "batch_of_one" else outcome, student, banked, tolerance)]
        if not found:
            found = [m for m in candidates if m.pattern and re.search(m.pattern, outcome.message)]
        return verdict(found)

    return diagnose


def _banked(variant: Variant, check: str) -> Variant:
    """``variant``, its outputs on a case an answer of the course's (recorded in a release, read in the edition).
    They depend on the exercise and the case, and on the check only for a module's gradients."""
    exercise, _, name = check.partition(":")
    kind = "gradients" if name == "gradients" else "outputs"

    def run(ctx: CheckContext, misconception: Misconception, case: Case) -> Outputs:
        return ctx.oracle(case, f"variant {exercise} {kind} {misconception.id}",
                          lambda: variant(ctx, misconception, case))

    return run


def _departing(ctx: CheckContext, check: str, student: Student, variant: Variant,
               tolerance: Callable[[Case, np.ndarray], Tolerance]) -> Case | None:
    """The first published case of ``check`` on which the submission departs from the reference (None: none)."""
    published: tuple[Case, ...] = ctx.answers.examples_of(check)
    for case in published:
        try:
            answer = student(ctx, [case])[0]
            if answer is None or not agree(variant(ctx, REFERENCE, case), answer, tolerance(case, _first(answer))):
                return case
        except Stop:
            return None
        except (ArithmeticError, ValueError, IndexError, KeyError, TypeError):
            continue
    return None


def _agreeing(ctx: CheckContext, runnable: list[Misconception], outcome: Outcome, student: Student,
              variant: Variant, tolerance: Callable[[Case, np.ndarray], Tolerance]) -> list[Misconception]:
    """The variants that give what the submission gives on every probe of the failing case, and somewhere differ
    from the reference there (a variant that cannot be told from correct code on these inputs explains nothing)."""
    if outcome.case is None:
        return []
    cases = probes(outcome.case)
    try:
        answers = student(ctx, cases)
    except Stop:
        return []
    if any(a is None for a in answers):
        return []
    try:
        right = [variant(ctx, REFERENCE, case) for case in cases]
    except (ArithmeticError, ValueError, IndexError, KeyError, TypeError):
        return []  # not a case the edition publishes (BankMiss), or the reference cannot run on it
    found = []
    for misconception in runnable:
        try:
            wrong = [variant(ctx, misconception, case) for case in cases]
            same = all(agree(w, answer, tolerance(case, _first(answer)))
                       for case, w, answer in zip(cases, wrong, answers, strict=True) if answer is not None)
            telling = same and not all(agree(w, r, tolerance(case, _first(w)))
                                       for case, w, r in zip(cases, wrong, right, strict=True))
        except (ArithmeticError, ValueError, IndexError, KeyError, TypeError):
            telling = False  # the variant cannot even run on these sizes (or the edition has not banked it)
        if telling:
            found.append(misconception)
    return found


REFERENCE = Misconception("reference", "", "", ())  # nothing replaced: the lesson's own cell
SHAPES = re.compile(r"with shape \(([\d, ]*)\); expected \(([A-Z, ]+)\) = \(([\d, ]+)\)")


def _right_at_other_sizes(ctx: CheckContext, misconception: Misconception, outcome: Outcome, student: Student,
                          variant: Variant, tolerance: Callable[[Case, np.ndarray], Tolerance]) -> bool:
    """Whether the submission, wrong on the failing case, is right on the same values at other sizes: with one row
    (``batch_of_one``), or at the size its wrong output has (``fixed``: a size written into the code)."""
    case: Case = outcome.case
    if misconception.sizes == "batch_of_one":
        other = dataclasses.replace(case, B=1) if case.B > 1 else None
    else:
        other = _at_the_size_it_gave(case, outcome.message)
    if other is None:
        return False
    try:
        answer = student(ctx, [other])[0]
        if answer is None:
            return False
        return agree(variant(ctx, REFERENCE, other), answer, tolerance(other, _first(answer)))
    except (Stop, ArithmeticError, ValueError, IndexError, KeyError, TypeError):
        return False


def _squeezed(message: str) -> bool:
    """Whether the failure is an output with its size-1 axes dropped ("shape (3,); expected (B, H) = (1, 3)")."""
    found = SHAPES.search(message)
    if found is None:
        return False
    got = [int(n) for n in found[1].replace(" ", "").split(",") if n]
    wanted = [int(n) for n in found[3].replace(" ", "").split(",")]
    return len(got) < len(wanted) and got == [n for n in wanted if n != 1]


def _at_the_size_it_gave(case: Case, message: str) -> Case | None:
    """The failing case at the size the submission's output had instead ("shape (1, 4); expected (B, H) = (1, 1)":
    H = 4), or None when the message shows no such size."""
    found = SHAPES.search(message)
    if found is None:
        return None
    got = [int(n) for n in found[1].replace(" ", "").split(",") if n]
    labels = found[2].replace(" ", "").split(",")
    wanted = [int(n) for n in found[3].replace(" ", "").split(",")]
    if len(got) != len(wanted):
        return None
    sizes = {label: g for label, g, w in zip(labels, got, wanted, strict=True) if g != w and label in ("B", "H", "T")}
    if not sizes:
        return None
    return dataclasses.replace(case, B=sizes.get("B", case.B), H=sizes.get("H", case.H), T=sizes.get("T", case.T))


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
        """The variant in the case's own dtype, as the submission computes: an activation overflows in float32 at
        half of what it takes in float64."""
        function = getattr(ctx.compose.lesson(misconception.lesson), spec.symbol)
        out = _outputs(spec, function(*list(spec.args(case).values())), case)
        if out is None:
            raise ValueError("the variant returned the wrong structure")
        return out

    return diagnoser(student, variant, lambda case, got: numpy_tolerance(got.dtype, case.dtype, spec.steps(case),
                                                                       case.size))


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
        grads: Outputs = ctx.compose.backward(*inputs(case).values(), omit=misconception.omit,
                                              naive=misconception.naive)
        return grads

    return diagnoser(student, variant, lambda case, got: numpy_tolerance(got.dtype, "float64", 1, case.size))
