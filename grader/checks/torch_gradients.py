"""Gradient checks for torch modules: against the oracle's autograd, and torch's own gradcheck.

The learner's module runs backward in the sandbox with fixed upstream gradients; the parent
compares the gradient of every input and every parameter with autograd through the oracle in
float64, naming the first that differs. For gradcheck, the parent wraps the sandboxed module in
a ``torch.autograd.Function`` and lets ``torch.autograd.gradcheck`` compare its backward with
finite differences of its forward, in float64.
"""

from __future__ import annotations

import importlib
import math
import re
from typing import Any

import numpy as np

from grader.catalog import Check
from grader.checks.cases import Case
from grader.checks.context import CheckContext, blame, expect
from grader.checks.module_spec import ModuleSpec, oracle, tensors_of, upstream_for
from grader.checks.outcome import Failure
from grader.checks.property import property_check
from grader.checks.tolerance import OVERFLOWS_AT, describe_worst, torch_tolerance, worst_element
from grader.checks.torch_checks import SMALL
from grader.sandbox.calls import ModuleCall
from grader.sandbox.replies import Returned
from grader.sandbox.runtime.protocol import TensorValue


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
                          examples=16, hint=hint, strategy_options={**SMALL, "max_steps": max_steps}, saturate=True)


def _compare_gradient(spec: ModuleSpec, case: Case, name: str, mine: Any, theirs: np.ndarray) -> None:
    if not isinstance(mine, TensorValue) or mine.array is None:
        raise Failure(f"no gradient reaches {name}: the outputs are cut from the autograd graph before {name} is "
                      "used (.detach(), .data, a numpy round trip, torch.no_grad)", inputs=spec.named(case))
    peak, size = spec.scale(case)
    tol = torch_tolerance("float64", case.T if spec.layout.sequence else 1, size)
    worst = worst_element(name, theirs, mine.array, tol)
    if worst is not None:
        raise Failure(f"the gradient of {name} differs from autograd of the reference: {describe_worst(worst, tol)}"
                      f"{nan_gradient_note(worst, peak)}", inputs=spec.named(case), worst=worst, tolerance=tol)


def nan_gradient_note(worst: Any, peak: float) -> str:
    """Why a gradient is NaN or inf where autograd of the reference is finite, on an input that saturates."""
    if math.isfinite(worst.got) or not math.isfinite(worst.expected) or peak < OVERFLOWS_AT:
        return ""
    return (f". On this input the pre-activations reach {peak:,.0f}, where exp overflows to inf, and a gradient turns "
            "nan where backward multiplies that inf by 0: exp(x) / (1 + exp(x)) does, and so does a \"stable\" "
            "torch.where(x >= 0, 1 / (1 + exp(-x)), exp(x) / (1 + exp(x))), since both of its branches are computed "
            "and the one not taken still sends inf·0 = nan backward. torch.sigmoid and torch.tanh keep their "
            "gradients finite")


def gradcheck(spec: ModuleSpec, *, points: float, hint: str) -> Check:
    """torch.autograd.gradcheck in float64, run here on a function whose forward and backward are
    the learner's module in the sandbox: torch's own finite differences against its backward."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        gradcheck_errors = importlib.import_module("torch.autograd.gradcheck").GradcheckError
        for case in batch[:2]:
            with blame(case):
                remote = _Remote(ctx, spec, case)
                remote.fetch_ahead()
                try:
                    remote.gradcheck()
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
    """The learner's module as a differentiable function of its inputs and parameters.

    gradcheck asks for one evaluation at a time (about 30 a case), each a round trip to the
    sandbox. The points it asks for do not depend on the answers (its random directions come from
    its own seeded generator), so ``fetch_ahead`` rehearses it once on stand-in answers, sends
    every point it asked for in one round trip, and the real run takes the learner's answers from
    there, exactly as if each had been asked for on its own; a point not fetched is asked live."""

    def __init__(self, ctx: CheckContext, spec: ModuleSpec, case: Case) -> None:
        import torch

        self.ready: dict[tuple[bytes, ...], list[Returned | Failure]] = {}  # fetched ahead, by the exact point
        self.rehearsal: list[tuple[list[np.ndarray], list[np.ndarray] | None]] | None = None
        self.shapes: list[tuple[int, ...]] = []
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

    def gradcheck(self) -> None:
        """torch's gradcheck of this function at the case, in float64."""
        import torch

        inputs = tuple(torch.from_numpy(v.copy()).requires_grad_() for v in self.values)
        # its undefined-gradient test would only exercise this grader's Function, whose backward
        # hands the module zeros for an undefined gradient: a round trip per output, never failing
        torch.autograd.gradcheck(self.apply, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True,
                                 check_undefined_grad=False)

    def fetch_ahead(self) -> None:
        """Rehearse ``gradcheck`` on stand-in answers (zeros) and fetch every point it asks for at once.

        Each point is run as often as gradcheck asks for it, and each answer is used once, in order:
        a repeated point (its reentrancy test runs backward twice) gets its own run, as it would live."""
        first = _point(self.values, None)  # gradcheck's first point: asked live, for the outputs' shapes
        self.ready[first] = [self.ctx.run([(self._call(self.values, None), self.spec.named(self.case))])[0]]
        self.shapes = [np.shape(out) for out in self._unpack(self.ready[first][0], None)]
        self.rehearsal = []
        try:
            self.gradcheck()
        except Exception:  # a rehearsal that stops early has fetched less: the rest is asked live
            pass
        finally:
            points, self.rehearsal = self.rehearsal, None
        keys = [_point(values, upstream) for values, upstream in points]
        if first in keys:
            del points[keys.index(first)], keys[keys.index(first)]
        results = self.ctx.run([(self._call(*point), self.spec.named(self.case)) for point in points]) if points else []
        for key, result in zip(keys, results, strict=True):
            self.ready.setdefault(key, []).append(result)

    def _call(self, values: list[np.ndarray], upstream: list[np.ndarray] | None) -> ModuleCall:
        args = _rebuild(self.args, iter(values[: self.arg_count]))
        state = dict(zip(self.keys, values[self.arg_count:], strict=True))
        return self.spec.call(self.case, args=args, state=state, grad=upstream)

    def run(self, values: list[np.ndarray], upstream: list[np.ndarray] | None = None) -> list[Any]:
        if self.rehearsal is not None:  # a stand-in answer; the point is kept, copied (gradcheck reuses its tensors)
            kept = None if upstream is None else [u.copy() for u in upstream]
            self.rehearsal.append(([v.copy() for v in values], kept))
            if upstream is None:
                return [np.zeros(shape) for shape in self.shapes]
            return [np.zeros_like(v) for v in values]
        fetched = self.ready.get(_point(values, upstream))
        if fetched:
            return self._unpack(fetched.pop(0), upstream)
        return self._unpack(self.ctx.run([(self._call(values, upstream), self.spec.named(self.case))])[0], upstream)

    def _unpack(self, result: Returned | Failure, upstream: list[np.ndarray] | None) -> list[Any]:
        """The outputs (forward) or the gradients of every input and parameter (backward), as arrays."""
        returned = expect(result)
        if upstream is None:
            got = tensors_of(self.spec, returned.value, self.case, dtype="float64", device="cpu")
            return [t.array for t in got.values()]
        grads = returned.grads or {"args": [None] * self.arg_count, "params": {}}
        arrays = [*grads["args"], *(grads["params"].get(k) for k in self.keys)]
        return [g.array.copy() if isinstance(g, TensorValue) and g.array is not None else None for g in arrays]


def _point(values: list[np.ndarray], upstream: list[np.ndarray] | None) -> tuple[bytes, ...]:
    """Where gradcheck evaluates: the exact inputs (and upstream gradients, for a backward)."""
    arrays = [*values, *([] if upstream is None else [np.array(b"backward"), *upstream])]
    return tuple(np.ascontiguousarray(a).tobytes() for a in arrays)


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


def _rebuild(tree: Any, leaves: Any) -> Any:
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(v, leaves) for v in tree)
    return None if tree is None else next(leaves)
