"""Gradient checks for torch modules: against the oracle's autograd, and torch's own gradcheck.

The learner's module runs backward in the sandbox with fixed upstream gradients; the parent
compares the gradient of every input and every parameter with autograd through the oracle in
float64, naming the first that differs. For gradcheck, the parent wraps the sandboxed module in
a ``torch.autograd.Function`` and lets ``torch.autograd.gradcheck`` compare its backward with
finite differences of its forward, in float64.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import numpy as np

from grader.catalog import Check
from grader.checks.cases import Case
from grader.checks.context import CheckContext, blame, expect
from grader.checks.modules import ModuleSpec, oracle, tensors_of, upstream_for
from grader.checks.numpy_checks import property_check
from grader.checks.outcome import Failure
from grader.checks.tolerance import describe_worst, torch_tolerance, worst_element
from grader.checks.torch_checks import SMALL
from grader.sandbox.protocol import TensorValue


def gradients(spec: ModuleSpec, *, points: float, hint: str, max_steps: int = 0) -> Check:
    """Gradients of every input and every parameter, against the oracle's autograd (float64)."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        results = ctx.run([(spec.call(case, grad=upstream_for(spec, case)), spec.named(case)) for case in batch])
        for case, result in zip(batch, results, strict=True):
            with blame(case):
                returned = expect(result)
                tensors_of(spec, returned.value, case, dtype="float64", device="cpu")
                want = oracle(ctx, spec, case, upstream=upstream_for(spec, case))
                got = returned.grads or {"args": [None] * len(want["args"]), "params": {}}
                pairs = [*zip(spec.arg_names, got["args"], want["args"], strict=False),
                         *((n, got["params"].get(n), g) for n, g in want["params"].items())]
                for name, mine, theirs in pairs:
                    _compare_gradient(spec, case, name, mine, theirs)

    return property_check("gradients", "gradients of inputs and parameters match autograd", body, points=points,
                          examples=16, hint=hint, strategy_options={**SMALL, "max_steps": max_steps})


def _compare_gradient(spec: ModuleSpec, case: Case, name: str, mine: Any, theirs: np.ndarray) -> None:
    if not isinstance(mine, TensorValue) or mine.array is None:
        raise Failure(f"no gradient reaches {name}: the outputs are cut from the autograd graph before {name} is "
                      "used (.detach(), .data, a numpy round trip, torch.no_grad)", inputs=spec.named(case))
    tol = torch_tolerance("float64", case.T if spec.layout.sequence else 1)
    worst = worst_element(name, theirs, mine.array, tol)
    if worst is not None:
        raise Failure(f"the gradient of {name} differs from autograd of the reference: {describe_worst(worst, tol)}",
                      inputs=spec.named(case), worst=worst, tolerance=tol)


def gradcheck(spec: ModuleSpec, *, points: float, hint: str) -> Check:
    """torch.autograd.gradcheck in float64, run here on a function whose forward and backward are
    the learner's module in the sandbox: torch's own finite differences against its backward."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        import torch

        gradcheck_errors = importlib.import_module("torch.autograd.gradcheck").GradcheckError
        for case in batch[:2]:
            with blame(case):
                remote = _Remote(ctx, spec, case)
                inputs = tuple(torch.from_numpy(v.copy()).requires_grad_() for v in remote.values)
                try:
                    # its undefined-gradient test would only exercise this grader's Function, whose backward
                    # hands the module zeros for an undefined gradient: a round trip per output, never failing
                    torch.autograd.gradcheck(remote.apply, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True,
                                             check_undefined_grad=False)
                except gradcheck_errors as error:
                    first = _named(str(error).strip().splitlines()[0], [*spec.arg_names, *remote.keys])
                    raise Failure(f"torch.autograd.gradcheck fails in float64: {first}: the backward autograd builds "
                                  "through your forward disagrees with finite differences of it",
                                  inputs=spec.named(case)) from None

    return property_check("gradcheck", "passes torch.autograd.gradcheck in float64", body, points=points,
                          examples=2, hint=hint, strategy_options={**SMALL, "max_batch": 2, "max_size": 2})


def _named(message: str, names: list[str]) -> str:
    """gradcheck's "input 3" as the name of that input."""
    return re.sub(r"input (\d+)", lambda m: names[int(m[1])] if int(m[1]) < len(names) else m[0],
                  message).rstrip(",.")


class _Remote:
    """The learner's module as a differentiable function of its inputs and parameters."""

    def __init__(self, ctx: CheckContext, spec: ModuleSpec, case: Case) -> None:
        import torch

        self.ctx, self.spec, self.case = ctx, spec, case
        self.args = spec.args(case)
        self.arg_count = sum(1 for x in _leaves(self.args) if x is not None)
        self.keys = list(spec.state(case))
        self.values = [x for x in _leaves(self.args) if x is not None] + [spec.state(case)[k] for k in self.keys]
        remote = self

        class Function(torch.autograd.Function):
            @staticmethod
            def forward(fctx: Any, *tensors: Any) -> Any:
                fctx.save_for_backward(*tensors)
                return tuple(torch.from_numpy(o) for o in remote.run([t.detach().numpy() for t in tensors]))

            @staticmethod
            def backward(fctx: Any, *upstream: Any) -> Any:
                values = [t.detach().numpy() for t in fctx.saved_tensors]
                return tuple(None if g is None else torch.from_numpy(g)
                             for g in remote.run(values, [u.numpy() for u in upstream]))

        self.apply = Function.apply

    def run(self, values: list[np.ndarray], upstream: list[np.ndarray] | None = None) -> list[Any]:
        leaves = iter(values[: self.arg_count])
        args = _rebuild(self.args, leaves)
        state = dict(zip(self.keys, values[self.arg_count:], strict=True))
        call = self.spec.call(self.case, args=args, state=state, grad=upstream)
        returned = expect(self.ctx.run([(call, self.spec.named(self.case))])[0])
        if upstream is None:
            got = tensors_of(self.spec, returned.value, self.case, dtype="float64", device="cpu")
            return [t.array for t in got.values()]
        grads = returned.grads or {"args": [None] * self.arg_count, "params": {}}
        arrays = [*grads["args"], *(grads["params"].get(k) for k in self.keys)]
        return [g.array.copy() if isinstance(g, TensorValue) and g.array is not None else None for g in arrays]


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


def _rebuild(tree: Any, leaves: Any) -> Any:
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(v, leaves) for v in tree)
    return None if tree is None else next(leaves)
