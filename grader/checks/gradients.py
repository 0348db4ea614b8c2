"""Gradient oracles for the backward stretch exercise, both run in the parent in float64.

Two independent oracles for the gradient of ``L = sum(d_ltm * ltm + d_stm * stm)`` through
one lesson cell step: centered finite differences of the numpy reference (CS231n style, no
autograd involved), and torch autograd of the torch reference. A mismatch names the wrong
gradient (``W_f``, ``b_i``, ``event``, ...) and the ones that are right.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.cases import PARAM_KEYS, Case
from grader.checks.outcome import Failure
from grader.checks.tolerance import describe_worst, numpy_tolerance, overflow_note, worst_element
from grader.results import Tolerance

WRT = ("ltm_prev", "stm_prev", "event", *PARAM_KEYS)
STEP = 1e-6  # centered differences in float64: truncation ~STEP², rounding ~1e-16/STEP
FD_TOLERANCE = Tolerance(rtol=1e-5, atol=1e-6, reason="float64 gradients against centered differences (h = 1e-6)")


def backward_inputs(case: Case) -> dict[str, Any]:
    """The exercise's arguments, in contract order, with upstream gradients drawn from the case."""
    a = case.arrays
    rng = np.random.default_rng([case.seed, case.B, case.H, 5])
    return {"ltm_prev": a["ltm_prev"], "stm_prev": a["stm_prev"], "event": a["event"], "params": case.params,
            "d_ltm": rng.normal(size=(case.B, case.H)), "d_stm": rng.normal(size=(case.B, case.H))}


def _loss(reference: Any, inputs: dict[str, Any]) -> float:
    ltm, stm = reference.lstm_cell(inputs["ltm_prev"], inputs["stm_prev"], inputs["event"], inputs["params"])
    return float(np.sum(inputs["d_ltm"] * ltm) + np.sum(inputs["d_stm"] * stm))


def finite_differences(reference: Any, inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """dL/dx for every x in WRT, by centered differences of the numpy reference cell."""
    work = {k: v.copy() for k, v in inputs.items() if k != "params"}
    work["params"] = {k: v.copy() for k, v in inputs["params"].items()}
    grads = {}
    for key in WRT:
        x = work["params"][key] if key in PARAM_KEYS else work[key]
        grad = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            keep = x[index]
            x[index] = keep + STEP
            up = _loss(reference, work)
            x[index] = keep - STEP
            down = _loss(reference, work)
            x[index] = keep
            grad[index] = (up - down) / (2 * STEP)
        grads[key] = grad
    return grads


def autograd(torch_reference: Any, inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """dL/dx for every x in WRT, by torch autograd through the torch reference cell."""
    import torch

    H, I = inputs["stm_prev"].shape[1], inputs["event"].shape[1]  # noqa: E741
    cell = torch_reference.LSTMCell(I, H).double()
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in
              {**inputs["params"], **{k: inputs[k] for k in ("ltm_prev", "stm_prev", "event")}}.items()}
    names = {"new_info": "n", "ignore": "i", "forget": "f", "use_ltm": "u", "use_stm": "v"}
    state = {f"{m}.{w}": leaves[f"{'W' if w == 'weight' else 'b'}_{g}"] for m, g in names.items()
             for w in ("weight", "bias")}
    ltm, stm = torch.func.functional_call(cell, state, (leaves["event"], (leaves["ltm_prev"], leaves["stm_prev"])))
    loss = (ltm * torch.from_numpy(inputs["d_ltm"])).sum() + (stm * torch.from_numpy(inputs["d_stm"])).sum()
    loss.backward()
    return {key: leaves[key].grad.numpy() for key in WRT}  # type: ignore[union-attr]


def gradients_of(value: Any, case: Case, inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """The learner's gradients by name, or a ``Failure`` naming what is missing or misshapen."""
    if not isinstance(value, dict):
        raise Failure(f"lstm_cell_backward should return a dict of gradients keyed {', '.join(WRT)}; it returned "
                      f"{type(value).__name__ if not hasattr(value, 'pytype') else value.pytype}", inputs=inputs)
    missing = [k for k in WRT if k not in value]
    if missing:
        raise Failure(f"lstm_cell_backward returned no gradient for {', '.join(missing)}", inputs=inputs)
    shapes = {k: (inputs["params"][k] if k in PARAM_KEYS else inputs[k]).shape for k in WRT}
    for key in WRT:
        got = value[key]
        if not isinstance(got, np.ndarray) or got.shape != shapes[key]:
            what = f"shape {got.shape}" if isinstance(got, np.ndarray) else "not an array"
            raise Failure(f"the gradient for {key} has {what}; it should have the shape of {key}, {shapes[key]}",
                          inputs=inputs)
    return {k: value[k] for k in WRT}


def compare(got: dict[str, np.ndarray], expected: dict[str, np.ndarray], inputs: dict[str, Any], oracle: str,
            case: Case, tol: Tolerance | None = None) -> None:
    """Raise a ``Failure`` naming every wrong gradient (the worst one in detail) and the right ones."""
    wrong = []
    for key in WRT:
        tolerance = tol or numpy_tolerance(got[key].dtype, "float64", 1, case.size)
        worst = worst_element(key, expected[key], got[key], tolerance)
        if worst is not None:
            wrong.append((key, worst, tolerance))
    if wrong:
        key, worst, tolerance = wrong[0]
        right = [k for k in WRT if k not in {w[0] for w in wrong}]
        also = f" (also wrong: {', '.join(w[0] for w in wrong[1:])})" if len(wrong) > 1 else ""
        right_text = f"; right: {', '.join(right)}" if right else "; none is right"
        raise Failure(f"your gradient for {key} differs from {oracle}{also}{right_text}. For {key}: "
                      f"{describe_worst(worst, tolerance)}{overflow_note(worst, case.peak)}", inputs=inputs,
                      worst=worst, tolerance=tolerance, expected={key: expected[key]}, got={key: got[key]})
