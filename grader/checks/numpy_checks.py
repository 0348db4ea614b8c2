"""Check factories for numpy exercises: each returns a ``Check`` with points and a hint.

Every check draws its inputs with hypothesis (``cases``), calls the submission through the
sandbox and decides in the parent. The properties are those of the lesson: matching the
reference, shapes and dtypes, staying finite, leaving inputs alone, closed output ranges
and independent batch rows. Exercise-specific properties live in the track module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.catalog import Check
from grader.checks.arrays import Spec, permute_rows
from grader.checks.cases import EXTREME, Case, as_float64
from grader.checks.context import CheckContext, blame, expect
from grader.checks.non_answers import non_answer, probe_cases
from grader.checks.outcome import Failure
from grader.checks.property import Body, property_check
from grader.checks.tolerance import (
    describe_worst,
    numpy_tolerance,
    overflow_note,
    overflow_sentence,
    worst_element,
)
from grader.sandbox.replies import Returned

Judge = Callable[[CheckContext, Case, dict[str, Any], Returned], None]


def each_case(spec: Spec, judge: Judge, *, echo: bool = False) -> Body:
    """A body calling ``spec`` once per case (all in one round trip), then judging each case in turn."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        inputs = [spec.args(case) for case in batch]
        results = ctx.call_all(spec.symbol, inputs, echo=echo)
        for case, case_inputs, result in zip(batch, inputs, results, strict=True):
            with blame(case):
                judge(ctx, case, case_inputs, expect(result))

    return body


def reference_outputs(ctx: CheckContext, spec: Spec, inputs: dict[str, Any], case: Case) -> dict[str, np.ndarray]:
    function = getattr(ctx.reference, spec.symbol)
    return spec.outputs_of(function(*as_float64(list(inputs.values()))), case)


def compare(spec: Spec, case: Case, expected: dict[str, np.ndarray], got: dict[str, np.ndarray],
            inputs: dict[str, Any], what: str) -> None:
    """Raise a ``Failure`` explaining the worst element if any output is out of tolerance."""
    for name in spec.outputs:
        tol = numpy_tolerance(got[name].dtype, case.dtype, spec.steps(case), case.size)
        label = name if len(spec.outputs) > 1 else ""
        worst = worst_element(label, expected[name], got[name], tol)
        if worst is not None:
            raise Failure(f"{what}: {describe_worst(worst, tol)}{overflow_note(worst, case.peak)}", inputs=inputs,
                          expected=expected, got=got, worst=worst, tolerance=tol)


# ---------------------------------------------------------------------------- the checks


def matches_reference(spec: Spec, *, points: float, examples: int, hint: str, max_steps: int = 0) -> Check:
    def judge(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
        got = spec.outputs_of(result.value, case)
        expected = ctx.oracle(case, f"reference {spec.symbol}", lambda: reference_outputs(ctx, spec, inputs, case))
        compare(spec, case, expected, got, inputs, f"{spec.symbol} differs from the reference")

    return property_check("matches_reference", "matches the reference", each_case(spec, judge), points=points,
                          examples=examples, hint=hint, strategy_options={"max_steps": max_steps}, explain=True,
                          saturate=True)


def dtype_and_shape(spec: Spec, *, points: float, examples: int, hint: str, max_steps: int = 0) -> Check:
    def judge(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
        for name, array in spec.outputs_of(result.value, case).items():
            if array.dtype in (np.float64, np.float32):
                continue
            if array.dtype == np.float16:
                why = "float16 keeps only about 3 significant digits"
            elif array.dtype.kind in "iub":
                why = "the outputs are real numbers, not integers or booleans"
            else:
                why = "the outputs are real numbers"
            raise Failure(
                f"{spec.symbol} returned {name} as {array.dtype} for {case.dtype} inputs; {why}. "
                f"Return float64 for float64 inputs (float32 is accepted)",
                inputs=inputs,
            )

    return property_check("dtype_and_shape", "returns float arrays of the right shapes", each_case(spec, judge),
                          points=points, examples=examples, hint=hint, strategy_options={"max_steps": max_steps})


def stays_finite(spec: Spec, *, points: float, examples: int, hint: str, max_steps: int = 0) -> Check:
    def judge(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
        for name, array in spec.outputs_of(result.value, case).items():
            bad = ~np.isfinite(array)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                raise Failure(f"{spec.symbol} returned {array[index]} in {name} at {list(index)}. "
                              f"{overflow_sentence(case.peak)}", inputs=inputs, got={name: array})

    return property_check("stays_finite", "stays finite for saturating inputs", each_case(spec, judge),
                          points=points, examples=examples, hint=hint,
                          strategy_options={"magnitudes": (EXTREME,), "max_steps": max_steps}, saturate=True)


def inputs_unchanged(spec: Spec, *, points: float, examples: int, hint: str, max_steps: int = 0) -> Check:
    def judge(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
        spec.outputs_of(result.value, case)  # leaving the inputs alone earns nothing without a result
        for (name, before), now in zip(inputs.items(), result.args or [], strict=False):
            changed = _changed(before, now)
            if changed:
                raise Failure(
                    f"{spec.symbol} changed its input {changed.format(name=name)} in place (for example "
                    f"with `*=`, `+=` or an assignment into it). Callers still need their arrays: "
                    "compute a new array instead",
                    inputs=inputs,
                )

    return property_check("inputs_unchanged", "leaves its inputs unchanged", each_case(spec, judge, echo=True),
                          points=points, examples=examples, hint=hint, strategy_options={"max_steps": max_steps})


def _changed(before: Any, after: Any) -> str:
    """'' if ``after`` equals ``before`` exactly, else which part changed (a format string)."""
    if isinstance(before, dict):
        if not isinstance(after, dict) or set(after) != set(before):
            return "{name} (its keys)"
        for key in before:
            if _changed(before[key], after[key]):
                return "{name}[" + repr(key) + "]"
        return ""
    same = (isinstance(after, np.ndarray) and after.shape == before.shape and after.dtype == before.dtype
            and np.array_equal(after, before, equal_nan=True))
    return "" if same else "{name}"


def output_range(spec: Spec, outputs: tuple[str, ...], *, points: float, examples: int, hint: str,
                 why: str, max_steps: int = 0) -> Check:
    """Every element of ``outputs`` lies in the closed interval [-1, 1], within the result's tolerance."""

    def judge(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
        got = spec.outputs_of(result.value, case)
        for name in outputs:
            tol = numpy_tolerance(got[name].dtype, case.dtype, spec.steps(case), case.size)
            with np.errstate(invalid="ignore"):
                outside = ~(np.abs(got[name]) <= 1.0 + tol.rtol + tol.atol)
            if outside.any():
                index = tuple(int(i) for i in np.argwhere(outside)[0])
                raise Failure(
                    f"{spec.symbol} returned {got[name][index]:.6g} in {name} at {list(index)}, outside "
                    f"[-1, 1]; {why}",
                    inputs=inputs,
                    got={name: got[name]},
                )

    return property_check("output_range", "stays within its range", each_case(spec, judge), points=points,
                          examples=examples, hint=hint, strategy_options={"max_steps": max_steps})


def rows_independent(spec: Spec, *, points: float, examples: int, hint: str, max_steps: int = 0) -> Check:
    def body(ctx: CheckContext, batch: list[Case]) -> None:
        orders = [np.roll(np.arange(case.B), 1) for case in batch]
        inputs = [spec.args(case) for case in batch]
        moved = [permute_rows(i, order) for i, order in zip(inputs, orders, strict=True)]
        results = ctx.call_all(spec.symbol, inputs + moved)
        for k, (case, order) in enumerate(zip(batch, orders, strict=True)):
            with blame(case):
                got = spec.outputs_of(expect(results[k]).value, case)
                shifted = spec.outputs_of(expect(results[len(batch) + k]).value, case)
                expected = {name: got[name][order] for name in spec.outputs}
                compare(spec, case, expected, shifted, inputs[k],
                        f"{spec.symbol} treats batch rows differently: with the rows rotated by one, the "
                        "outputs should rotate the same way. Each row is an independent example: look for a "
                        "sum or mean over axis 0, indexing like x[0], or sizes fixed for one batch")

    return property_check("rows_independent", "treats batch rows independently", body, points=points,
                          examples=examples, hint=hint, strategy_options={"min_batch": 2, "max_steps": max_steps})


def answers(spec: Spec) -> Callable[[CheckContext], str]:
    """The exercise's "is it an answer at all" probe (``grader.checks.non_answers``)."""

    def probe(ctx: CheckContext) -> str:
        cases = probe_cases(steps=3 if spec.sequence else 0)
        results = ctx.call_all(spec.symbol, [spec.args(case) for case in cases])
        read: list[dict[str, np.ndarray] | str | None] = []
        for case, result in zip(cases, results, strict=True):
            if isinstance(result, Failure):
                read.append(None)
                continue
            try:
                read.append(spec.outputs_of(result.value, case))
            except Failure as failure:
                read.append(failure.message)
        return non_answer(spec.symbol, read)

    return probe
