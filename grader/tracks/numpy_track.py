"""The numpy track: the lesson's four gates, the cell and the sequence, in ``lstm_numpy.py``.

This is where each numpy exercise is declared: its contract (symbol, parameters, outputs),
its checks with points, and the hints a learner sees when a check fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.catalog import Check, Exercise, Track
from grader.checks import numpy_checks as checks
from grader.checks.arrays import Spec
from grader.checks.cases import Case
from grader.checks.context import CheckContext, blame, expect
from grader.checks.outcome import Failure
from grader.checks.property import property_check
from grader.checks.tolerance import numpy_tolerance
from grader.diagnosis.matcher import numpy_diagnoser
from grader.sandbox.replies import Returned
from grader.tracks.numpy_backward import BACKWARD_EXERCISE
from grader.tracks.numpy_explain import explain_cell, explain_forward
from grader.tracks.numpy_specs import CELL, FILE, FORGET, FORWARD, LEARN, MAX_STEPS, REMEMBER, USE

HINT_DTYPE = "Return numpy float arrays of shape (B, H): keep the inputs' dtype (np.float64 in, float64 out)."
HINT_FINITE = "Use the stub's numerically stable sigmoid and np.tanh; never exp() a large pre-activation."
HINT_UNCHANGED = "Never write into an argument (`x *= f`, `x[...] = `): build and return a new array."
HINT_ROWS = "Work on whole (B, ...) arrays with @ and broadcasting; nothing should depend on other rows or on B."
HINT_RANGE = "sigmoid gives [0, 1] and tanh [-1, 1]; their product is in [-1, 1]. Is an activation missing?"


def _gate_checks(spec: Spec, match_points: float, match_hint: str, *, activations: bool = True) -> list[Check]:
    out = [
        checks.matches_reference(spec, points=match_points, examples=50, hint=match_hint),
        checks.dtype_and_shape(spec, points=1, examples=10, hint=HINT_DTYPE),
    ]
    if activations:
        out.append(checks.stays_finite(spec, points=1, examples=15, hint=HINT_FINITE))
    out.append(checks.inputs_unchanged(spec, points=1, examples=10, hint=HINT_UNCHANGED))
    return out


# ----------------------------------------------------------------------------- custom checks


def _forget_extremes(ctx: CheckContext, batch: list[Case]) -> None:
    requests = []
    for case in batch:
        for bias in (40.0, -40.0):
            inputs = FORGET.args(case)
            inputs["W_f"] = np.zeros_like(inputs["W_f"])
            inputs["b_f"] = np.full_like(inputs["b_f"], bias)
            requests.append((case, bias, inputs))
    results = ctx.call_all(FORGET.symbol, [inputs for _, _, inputs in requests])
    for (case, bias, inputs), result in zip(requests, results, strict=True):
        with blame(case):
            got = FORGET.outputs_of(expect(result).value, case)
            expected = {"forget_out": case.arrays["ltm_prev"].astype(np.float64) * (bias > 0)}
            what = "keep LTM: forget_out equals ltm_prev" if bias > 0 else "erase LTM: forget_out is 0"
            checks.compare(FORGET, case, expected, got, inputs,
                           f"with W_f = 0 and b_f = {bias:+g}, f_t = σ({bias:+g}) ≈ {int(bias > 0)}, so the "
                           f"forget gate must {what}")


def _forget_range(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
    got = FORGET.outputs_of(result.value, case)["forget_out"]
    ltm = inputs["ltm_prev"].astype(np.float64)
    tol = numpy_tolerance(got.dtype, case.dtype, 1, case.size)  # float32 arithmetic may round LTM up by an ulp
    with np.errstate(invalid="ignore"):
        slack = tol.atol + tol.rtol * np.abs(ltm)
        outside = ~((np.abs(got) <= np.abs(ltm) + slack) & (got * np.sign(ltm) >= -slack))
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise Failure(
            f"forget_gate returned {got[index]:.6g} at {list(index)} where ltm_prev is {ltm[index]:.6g}: "
            "f_t = σ(...) lies in [0, 1], so LTM_{t-1} * f_t must have the sign of LTM_{t-1} and no "
            "larger size. Is the sigmoid missing, or is f_t scaling STM instead of LTM?",
            inputs=inputs, got={"forget_out": got},
        )


def _composition(ctx: CheckContext, batch: list[Case]) -> None:
    """lstm_cell against the learner's own gates, composed as the lesson draws them (two round trips)."""
    first = ctx.call_batch([request for case in batch for request in (
        (LEARN.symbol, LEARN.args(case)), (FORGET.symbol, FORGET.args(case)), (CELL.symbol, CELL.args(case)))])
    gates: list[tuple[np.ndarray, np.ndarray] | None] = []
    second = []
    for k, case in enumerate(batch):
        learn, forget = first[3 * k], first[3 * k + 1]
        if isinstance(learn, Failure) or isinstance(forget, Failure):
            gates.append(None)
            continue
        learn_out = LEARN.outputs_of(learn.value, case)["learn_out"] if _fits(LEARN, learn, case) else None
        forget_out = FORGET.outputs_of(forget.value, case)["forget_out"] if _fits(FORGET, forget, case) else None
        if learn_out is None or forget_out is None:
            gates.append(None)
            continue
        gates.append((learn_out, forget_out))
        second += [(REMEMBER.symbol, {"forget_out": forget_out, "learn_out": learn_out}),
                   (USE.symbol, {**USE.args(case), "forget_out": forget_out})]
    results = iter(ctx.call_batch(second))
    for k, case in enumerate(batch):
        with blame(case):
            if gates[k] is None:  # a gate raised or returned the wrong thing: say so
                for spec, result in ((LEARN, first[3 * k]), (FORGET, first[3 * k + 1])):
                    spec.outputs_of(expect(result).value, case)
                continue
            ltm = REMEMBER.outputs_of(expect(next(results)).value, case)["ltm"]
            stm = USE.outputs_of(expect(next(results)).value, case)["stm"]
            inputs = CELL.args(case)
            got = CELL.outputs_of(expect(first[3 * k + 2]).value, case)
            checks.compare(CELL, case, {"ltm": ltm, "stm": stm}, got, inputs,
                           "lstm_cell differs from composing your own four gates (remember: LTM_t = "
                           "forget_out + learn_out; use gate fed the forget gate's output)")


def _fits(spec: Spec, result: Returned, case: Case) -> bool:
    try:
        spec.outputs_of(result.value, case)
    except Failure:
        return False
    return True


def _stepping(ctx: CheckContext, batch: list[Case]) -> None:
    """lstm_forward against the learner's own lstm_cell stepped T times (T + 1 round trips)."""
    inputs = [FORWARD.args(case) for case in batch]
    forward = ctx.call_all(FORWARD.symbol, inputs)
    states: list[tuple[Any, Any] | Failure] = [(i["ltm0"], i["stm0"]) for i in inputs]
    stms: list[list[np.ndarray]] = [[] for _ in batch]
    for t in range(max(case.T for case in batch)):
        live = [k for k, case in enumerate(batch) if t < case.T and not isinstance(states[k], Failure)]
        steps = []
        for k in live:
            ltm, stm = states[k]  # type: ignore[misc]
            steps.append({"ltm_prev": ltm, "stm_prev": stm, "event": inputs[k]["events"][:, t],
                          "params": inputs[k]["params"]})
        for k, result in zip(live, ctx.call_all(CELL.symbol, steps), strict=True):
            try:
                out = CELL.outputs_of(expect(result).value, batch[k])
            except Failure as failure:
                states[k] = failure
                continue
            states[k] = (out["ltm"], out["stm"])
            stms[k].append(out["stm"])
    for k, case in enumerate(batch):
        with blame(case):
            state = states[k]
            if isinstance(state, Failure):
                raise state
            expected = {"stms": np.stack(stms[k], axis=1), "ltm_T": state[0], "stm_T": state[1]}
            got = FORWARD.outputs_of(expect(forward[k]).value, case)
            checks.compare(FORWARD, case, expected, got, inputs[k],
                           "lstm_forward differs from stepping your own lstm_cell over the sequence (carry "
                           "(ltm, stm) from each step to the next, start from (ltm0, stm0), cover all T steps)")


# ----------------------------------------------------------------------------- exercises


def _exercise(spec: Spec, title: str, check_list: list[Check], **extra: Any) -> Exercise:
    return Exercise(id=spec.symbol, title=title, track="numpy", file=FILE, symbol=spec.symbol,
                    params=spec.params, checks=tuple(check_list), diagnose=numpy_diagnoser(spec),
                    answers=checks.answers(spec), **extra)


LEARN_EXERCISE = _exercise(LEARN, "Learn gate: N_t * i_t", [
    *_gate_checks(LEARN, 5, "N_t = tanh(W_n [STM_{t-1}, E_t] + b_n) and i_t = σ(W_i [STM_{t-1}, E_t] + b_i); "
                  "[STM, E] puts STM first, and W x + b is concat @ W.T + b."),
    checks.output_range(LEARN, ("learn_out",), points=1, examples=15, hint=HINT_RANGE,
                        why="N_t is in [-1, 1] and i_t in [0, 1], so N_t * i_t must be too"),
    checks.rows_independent(LEARN, points=1, examples=10, hint=HINT_ROWS),
])

FORGET_EXERCISE = _exercise(FORGET, "Forget gate: LTM_{t-1} * f_t", [
    *_gate_checks(FORGET, 4, "f_t = σ(W_f [STM_{t-1}, E_t] + b_f) is computed from STM and E, and it scales "
                  "the long-term memory LTM_{t-1}, not the short-term one."),
    property_check("output_range", "keeps LTM's sign and never enlarges it",
                          checks.each_case(FORGET, _forget_range),
                          points=1, examples=15, hint="f_t comes out of a sigmoid, so it lies in [0, 1]."),
    property_check("extremes", "keeps LTM when b_f = +40, erases it when b_f = -40",
                          _forget_extremes, points=1, examples=5,
                          hint="σ(+40) is 1 and σ(-40) is 0 in floating point: a saturated forget gate keeps "
                               "or erases LTM exactly."),
    checks.rows_independent(FORGET, points=1, examples=10, hint=HINT_ROWS),
])

REMEMBER_EXERCISE = _exercise(REMEMBER, "Remember gate: LTM_t", [
    *_gate_checks(REMEMBER, 2, "The remember gate adds what the forget gate kept and what the learn gate "
                  "learned: LTM_t = LTM_{t-1} f_t + N_t i_t. It adds; it does not multiply.",
                  activations=False),
    checks.rows_independent(REMEMBER, points=1, examples=10, hint=HINT_ROWS),
])

USE_EXERCISE = _exercise(USE, "Use gate: STM_t = U_t * V_t", [
    *_gate_checks(USE, 5, "U_t = tanh(W_u (LTM_{t-1} f_t) + b_u) takes the forget gate's output (not the "
                  "new LTM_t), and V_t = σ(W_v [STM_{t-1}, E_t] + b_v); this is the lesson's use gate, not "
                  "the textbook o_t * tanh(c_t)."),
    checks.output_range(USE, ("stm",), points=1, examples=15, hint=HINT_RANGE,
                        why="U_t is in [-1, 1] and V_t in [0, 1], so STM_t = U_t * V_t must be too"),
    checks.rows_independent(USE, points=1, examples=10, hint=HINT_ROWS),
])

CELL_EXERCISE = _exercise(CELL, "The LSTM cell: (LTM_t, STM_t)", [
    checks.matches_reference(CELL, points=4, examples=45,
                             hint="Compose the gates as the lesson draws them: forget and learn from the "
                                  "inputs, remember = forget_out + learn_out, use from forget_out. Return "
                                  "(ltm, stm) in that order."),
    property_check("composition", "equals the composition of your four gates", _composition,
                          points=2, examples=30,
                          hint="Call your own learn_gate, forget_gate, remember_gate and use_gate with the "
                               "params entries; do not re-derive them differently inside the cell."),
    checks.dtype_and_shape(CELL, points=1, examples=10, hint=HINT_DTYPE),
    checks.stays_finite(CELL, points=1, examples=10, hint=HINT_FINITE),
    checks.inputs_unchanged(CELL, points=1, examples=10, hint=HINT_UNCHANGED),
    checks.output_range(CELL, ("stm",), points=1, examples=10, hint=HINT_RANGE,
                        why="STM_t = U_t * V_t always lies in [-1, 1]"),
], parts=("learn_gate", "forget_gate", "remember_gate", "use_gate"), explain=explain_cell)

FORWARD_EXERCISE = _exercise(FORWARD, "The LSTM over a sequence", [
    checks.matches_reference(FORWARD, points=4, examples=45, max_steps=MAX_STEPS,
                             hint="Loop t over events[:, t] (batch-first), carry (ltm, stm) from step to step, "
                                  "collect every STM into stms of shape (B, T, H), and return "
                                  "(stms, (ltm_T, stm_T))."),
    property_check("stepping", "equals stepping your lstm_cell T times", _stepping, points=2,
                          examples=30, strategy_options={"max_steps": MAX_STEPS},
                          hint="lstm_forward is lstm_cell applied at each step with the state carried over."),
    checks.dtype_and_shape(FORWARD, points=1, examples=10, hint=HINT_DTYPE, max_steps=MAX_STEPS),
    checks.inputs_unchanged(FORWARD, points=1, examples=10, hint=HINT_UNCHANGED, max_steps=MAX_STEPS),
    checks.rows_independent(FORWARD, points=1, examples=10, hint=HINT_ROWS, max_steps=MAX_STEPS),
    checks.output_range(FORWARD, ("stms",), points=1, examples=10, hint=HINT_RANGE, max_steps=MAX_STEPS,
                        why="every STM is U_t * V_t and lies in [-1, 1]"),
], parts=("lstm_cell",), explain=explain_forward)

TRACK = Track(
    name="numpy",
    file=FILE,
    solution=f"solutions/{FILE}",
    exercises=(LEARN_EXERCISE, FORGET_EXERCISE, REMEMBER_EXERCISE, USE_EXERCISE, CELL_EXERCISE,
               FORWARD_EXERCISE, BACKWARD_EXERCISE),
)
