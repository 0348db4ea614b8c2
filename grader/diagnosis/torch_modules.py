"""Diagnosing the torch track's modules: the learner's module in the sandbox against variants
computed here (the lesson's parts with one swapped, or the textbook cell with a switch flipped),
and, for a failed gradient check, the learner's gradients against gradients computed another way
(the state detached between steps)."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.cases import Case
from grader.checks.context import CheckContext, expect
from grader.checks.module_spec import ModuleSpec, oracle, tensors_of, upstream_for
from grader.checks.outcome import Failure, Outcome
from grader.checks.tolerance import torch_tolerance
from grader.diagnosis.matcher import Diagnoser, Outputs, diagnoser
from grader.diagnosis.misconception import Misconception
from grader.results import Diagnosis, Tolerance
from grader.sandbox.runtime.protocol import TensorValue


def module_diagnoser(spec: ModuleSpec) -> Diagnoser:
    def tolerance(case: Case, got: np.ndarray) -> Tolerance:
        return torch_tolerance("float64", case.T if spec.layout.sequence else 1, spec.scale(case)[1])

    forward = diagnoser(_student_forward(spec), _forward_variant(spec), tolerance)
    backward = diagnoser(_student_gradients(spec), _gradient_variant(spec), tolerance)

    def diagnose(ctx: CheckContext, check: str, outcome: Outcome) -> Diagnosis | None:
        return (backward if check == "gradients" else forward)(ctx, check, outcome)

    return diagnose


def _student_forward(spec: ModuleSpec) -> Any:
    def student(ctx: CheckContext, cases: list[Case]) -> list[Outputs | None]:
        answers: list[Outputs | None] = []
        for case, result in zip(cases, ctx.run([(spec.call(case), spec.named(case)) for case in cases]), strict=True):
            try:
                got = tensors_of(spec, expect(result).value, case, dtype="float64", device="cpu")
            except Failure:
                answers.append(None)
                continue
            answers.append({n: t.array for n, t in got.items() if t.array is not None})
        return answers

    return student


def _forward_variant(spec: ModuleSpec) -> Any:
    def variant(ctx: CheckContext, misconception: Misconception, case: Case) -> Outputs:
        a = {k: v.astype(np.float64) for k, v in case.arrays.items()}
        params = {k: a[k] for k in case.params}
        if spec.symbol == "StandardLSTMCell":
            out: Outputs = ctx.compose.standard(spec.state(case), a["event"], a["stm_prev"], a["ltm_prev"],
                                                **misconception.standard)
            return out
        g = ctx.compose.lesson(misconception.lesson)
        if spec.symbol == "LSTM":
            stms, (ltm, stm) = g.lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], params)
            return {"stms": stms, "ltm_T": ltm, "stm_T": stm}
        ltm, stm = g.lstm_cell(a["ltm_prev"], a["stm_prev"], a["event"], params)
        return {"ltm": ltm, "stm": stm}

    return variant


def _student_gradients(spec: ModuleSpec) -> Any:
    """The gradient of every input and parameter the learner's module gives (a missing one is zeros)."""

    def student(ctx: CheckContext, cases: list[Case]) -> list[Outputs | None]:
        calls = [(spec.call(case, grad=upstream_for(spec, case)), spec.named(case)) for case in cases]
        answers: list[Outputs | None] = []
        for case, result in zip(cases, ctx.run(calls), strict=True):
            grads = None if isinstance(result, Failure) else result.grads
            if not isinstance(grads, dict):
                answers.append(None)
                continue
            named = dict(zip(spec.arg_names, grads.get("args") or [], strict=False))
            named.update(grads.get("params") or {})
            shapes = _gradient_shapes(spec, case)
            answers.append({name: value.array if isinstance(value, TensorValue) and value.array is not None
                            else np.zeros(shapes[name]) for name, value in named.items() if name in shapes})
        return answers

    return student


def _gradient_shapes(spec: ModuleSpec, case: Case) -> dict[str, tuple[int, ...]]:
    leaves = [x for x in _flat(spec.args(case)) if x is not None]
    return {**{n: np.shape(x) for n, x in zip(spec.arg_names, leaves, strict=False)},
            **{k: v.shape for k, v in spec.state(case).items()}}


def _flat(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _flat(item)]
    return [tree]


def _gradient_variant(spec: ModuleSpec) -> Any:
    def variant(ctx: CheckContext, misconception: Misconception, case: Case) -> Outputs:
        if not misconception.gradients:  # the reference's own gradients
            want = oracle(ctx, spec, case, upstream=upstream_for(spec, case))
            return {**dict(zip(spec.arg_names, want["args"], strict=False)), **want["params"]}
        if misconception.gradients != "detached_state" or spec.symbol != "LSTM":
            raise ValueError(f"no gradient variant {misconception.gradients!r} for {spec.symbol}")
        return _detached_state_gradients(ctx, spec, case)

    return variant


def _detached_state_gradients(ctx: CheckContext, spec: ModuleSpec, case: Case) -> Outputs:
    """The course's LSTM stepped with the state it carries detached before every step after the first:
    each step's outputs still depend on that step's event and the weights, never on earlier steps."""
    import torch

    module = spec.oracle(ctx, case.I, case.H)
    module.load_state_dict({k: torch.tensor(v) for k, v in spec.state(case).items()})  # copies: pinned in a batch
    events, (ltm0, stm0) = spec.args(case)
    leaves = [torch.from_numpy(np.asarray(x, dtype=np.float64).copy()).requires_grad_() for x in (events, ltm0, stm0)]
    state: tuple[Any, Any] = (leaves[1], leaves[2])
    stms = []
    for t in range(case.T):
        if t:
            state = (state[0].detach(), state[1].detach())
        state = module.cell(leaves[0][:, t], state)
        stms.append(state[1])
    outputs = [torch.stack(stms, dim=1), state[0], state[1]]
    params = dict(module.named_parameters())
    upstream = [torch.from_numpy(u) for u in upstream_for(spec, case)]
    grads = torch.autograd.grad(outputs, leaves + list(params.values()), grad_outputs=upstream, allow_unused=True)
    names = [*spec.arg_names, *(f"cell.{n}" if not n.startswith("cell.") else n for n in params)]
    shapes = _gradient_shapes(spec, case)
    return {name: np.zeros(shapes[name]) if g is None else g.numpy() for name, g in zip(names, grads, strict=True)}
