"""The first wrong part of a failing torch ``LSTMCell`` or ``LSTM``, found through its own submodules.

The child runs the learner's module once more with forward hooks on its five Linear layers and
returns what each layer was given. The parent compares that, and the returned LTM and STM, with
the lesson's numpy reference in the order data flows: the learn and forget gates' layers see
[STM_{t-1}, E_t]; the forget gate's output is what the lesson feeds ``use_ltm``; the new LTM is
the learn and remember gates' work; the new STM is the use gate's. A layer the learner never
called as a module (``F.linear(x, self.forget.weight, ...)``) is not judged; no claim is made
where nothing could be observed. For ``LSTM`` the learner's own cell is stepped first, from the
reference's state, and the first step where it departs is explained the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.catalog import load_track
from grader.checks.cases import Case
from grader.checks.context import CheckContext
from grader.checks.outcome import Failure, Stop
from grader.checks.tolerance import torch_tolerance, worst_element
from grader.results import Tolerance
from grader.sandbox.calls import ModuleCall
from grader.sandbox.runtime.protocol import TensorValue

GATE_LAYERS = (("learn", ("new_info", "ignore")), ("forget", ("forget",)), ("use", ("use_stm",)))
TRACED = ("new_info", "ignore", "forget", "use_ltm", "use_stm")


@dataclass(frozen=True)
class Step:
    """One cell step's inputs and the reference's intermediate values, all float64."""

    ltm_prev: np.ndarray
    stm_prev: np.ndarray
    event: np.ndarray
    forget_out: np.ndarray
    ltm: np.ndarray
    stm: np.ndarray


def numpy_reference(ctx: CheckContext) -> Any:
    from grader.checks.references import load_reference

    return load_reference(ctx.course, load_track("numpy"))


def reference_step(ctx: CheckContext, case: Case, ltm_prev: np.ndarray, stm_prev: np.ndarray,
                   event: np.ndarray, what: str) -> Step:
    """The reference's step from the given state (which depends on the case alone: ``what`` names it)."""

    def step() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ref, p = numpy_reference(ctx), case.params
        forget_out = ref.forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
        ltm, stm = ref.lstm_cell(ltm_prev, stm_prev, event, p)
        return forget_out, ltm, stm

    forget_out, ltm, stm = ctx.oracle(case, what, step)
    return Step(ltm_prev, stm_prev, event, forget_out, ltm, stm)


def _pair(value: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(ltm, stm) as arrays if ``value`` is two tensors with values, else None."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, TensorValue) and v.array is not None for v in value):
        return value[0].array, value[1].array
    return None


def _off(expected: np.ndarray, got: Any, tol: Tolerance) -> str | None:
    """How ``got`` departs from ``expected`` (None when it does not), in one clause."""
    if got is None or got.shape != expected.shape:
        return f"has shape {None if got is None else tuple(got.shape)} instead of {tuple(expected.shape)}"
    worst = worst_element("", expected, got, tol)
    if worst is None:
        return None
    return (f"differs by up to {worst.abs_error:.3g} at {list(worst.index)} (expected {worst.expected:.6g}, got "
            f"{worst.got:.6g}; {worst.mismatched} of {worst.total} elements off)")


def _right(parts: list[str]) -> str:
    if not parts:
        return ""
    names = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"your {names} gate{'s are' if len(parts) > 1 else ' is'} right; "


def explain_step(trace: dict[str, Any], got: tuple[np.ndarray, np.ndarray], step: Step) -> str | None:
    """The first part of one cell step that departs from the reference, or None."""
    tol = torch_tolerance("float64")
    seen = {name: io["input"].array for name, io in trace.items()
            if isinstance(io, dict) and isinstance(io.get("input"), TensorValue)}
    if not seen:
        return None
    x = np.concatenate([step.stm_prev, step.event], axis=-1)
    swapped = np.concatenate([step.event, step.stm_prev], axis=-1)
    for gate, layers in GATE_LAYERS:
        for layer in layers:
            off = _off(x, seen[layer], tol) if layer in seen else None
            if off:
                given = ("[E_t, STM_{t-1}]; the lesson's [STM_{t-1}, E_t] puts STM first"
                         if _off(swapped, seen[layer], tol) is None
                         else f"something else: its input {off} from [STM_{{t-1}}, E_t]")
                return f"your {gate} gate's layer self.{layer} is given {given}"
    use_ltm_given = seen.get("use_ltm")
    forget_off = None if use_ltm_given is None else _off(step.forget_out, use_ltm_given, tol)
    fed_new_ltm = use_ltm_given is not None and _off(step.ltm, use_ltm_given, tol) is None
    ltm_off, stm_off = _off(step.ltm, got[0], tol), _off(step.stm, got[1], tol)
    if ltm_off:
        if forget_off and not fed_new_ltm:
            return ("your forget gate's output, which your use_ltm layer is given, should be LTM_{t-1} * f_t but "
                    f"{forget_off}; f_t = σ(forget([STM_{{t-1}}, E_t])) scales the long-term memory LTM_{{t-1}}")
        right = ["forget"] if use_ltm_given is not None and not forget_off else []
        return (f"{_right(right)}your new LTM_t {ltm_off}: look at the learn gate N_t * i_t = "
                "tanh(new_info(x)) * σ(ignore(x)) and the remember gate LTM_t = forget_out + learn_out")
    right = ["learn", "forget", "remember"]
    if forget_off:
        fed = "the new LTM_t" if fed_new_ltm else "something other than the forget gate's output"
        return (f"{_right(right)}your use gate's layer self.use_ltm is given {fed}; the lesson's use gate takes "
                "forget_out = LTM_{t-1} * f_t")
    if stm_off:
        return (f"{_right(right)}your use gate's STM_t {stm_off}; it should be STM_t = tanh(use_ltm(forget_out)) * "
                "σ(use_stm([STM_{t-1}, E_t]))")
    return None


def traced_call(ctx: CheckContext, call: ModuleCall) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray]] | None:
    """Run ``call`` in the child; its trace and (ltm, stm), or None if it raised or returned oddly."""
    result = ctx.run([(call, {})])[0]
    if isinstance(result, Failure) or not isinstance(result.trace, dict):
        return None
    got = _pair(result.value)
    return None if got is None else (result.trace, got)


def _explain(run: Callable[[], str | None]) -> str | None:
    try:
        return run()
    except Stop:
        return None


def explain_cell(spec: Any) -> Callable[[CheckContext, Any], str | None]:
    """The lesson's LSTMCell: the first gate that departs on the failing input."""

    def explain(ctx: CheckContext, outcome: Any) -> str | None:
        case: Case = outcome.case
        a = {k: v.astype(np.float64) for k, v in case.arrays.items()}

        def run() -> str | None:
            traced = traced_call(ctx, spec.call(case, trace=TRACED))
            if traced is None:
                return None
            note = explain_step(*traced, reference_step(ctx, case, a["ltm_prev"], a["stm_prev"], a["event"],
                                                        "explain LSTMCell step"))
            return None if note is None else f"On this input {note}"

        return _explain(run)

    return explain


def explain_sequence(spec: Any) -> Callable[[CheckContext, Any], str | None]:
    """The lesson's LSTM: the first step where its own cell departs, and that step's first wrong gate."""

    def explain(ctx: CheckContext, outcome: Any) -> str | None:
        case: Case = outcome.case
        a = {k: v.astype(np.float64) for k, v in case.arrays.items()}
        tol = torch_tolerance("float64")

        def run() -> str | None:
            ltm, stm = a["ltm_prev"], a["stm_prev"]
            for t in range(case.T):
                step = reference_step(ctx, case, ltm, stm, a["events"][:, t], f"explain LSTM step {t}")
                call = spec.call(case, target="cell", args=[step.event, (ltm, stm)],
                                 trace=tuple(f"cell.{name}" for name in TRACED))
                traced = traced_call(ctx, call)
                if traced is None:
                    return None
                trace, got = traced
                if _off(step.ltm, got[0], tol) or _off(step.stm, got[1], tol):
                    own = {name.removeprefix("cell."): io for name, io in trace.items()}
                    note = explain_step(own, got, step) or "your cell's (ltm, stm) differ from the reference"
                    return f"At step {t} your LSTMCell departs: {note}. LSTM inherits that mistake: fix LSTMCell first"
                ltm, stm = step.ltm, step.stm
            return ("Your LSTMCell is right at every step of this input, so the mistake is in LSTM's loop: the "
                    "state carried between steps, the steps covered, or the order of the outputs")

        return _explain(run)

    return explain
