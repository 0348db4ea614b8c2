"""What a torch exercise is, and how to read and judge what its module returned.

A ``ModuleSpec`` names the learner's class, its state-dict contract, how a generated case
becomes a state dict and forward arguments, and the oracle the parent runs in float64 (the
course's reference module, or ``torch.nn.LSTMCell`` itself). ``tensors_of`` reads a returned
value into named tensors, failing with one sentence on a wrong structure, type, shape, dtype
or device; ``oracle`` computes the expected outputs and gradients here, in the parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import replay
from grader.checks.arrays import Spec
from grader.checks.cases import Case
from grader.checks.context import CheckContext
from grader.checks.outcome import Failure
from grader.checks.tolerance import describe_worst, overflow_note, torch_tolerance, worst_element
from grader.sandbox.calls import ModuleCall
from grader.sandbox.runtime.protocol import Opaque, TensorValue

Oracle = Callable[[CheckContext, int, int], Any]  # (ctx, I, H) -> a float64 torch module


@dataclass(frozen=True)
class ModuleSpec:
    layout: Spec  # outputs' names, structure and shapes (shared with the numpy track)
    keys: Callable[[int, int], dict[str, tuple[int, ...]]]  # the state-dict contract for (I, H)
    labels: dict[str, str]  # state-dict name -> its shape in the lesson's letters
    state: Callable[[Case], dict[str, np.ndarray]]
    args: Callable[[Case], list[Any]]  # forward's arguments (arrays, None, tuples)
    arg_names: tuple[str, ...]  # a name for each array in args, in order
    oracle: Oracle
    # the forward outputs another way (the lesson's numpy reference), from inputs rounded to a dtype
    forward_reference: Callable[[CheckContext, Case, str], dict[str, np.ndarray]] | None = None
    # (largest |pre-activation|, largest sum of |weight · input| terms) of a case's gates (Case.peak, Case.size)
    scale: Callable[[Case], tuple[float, float]] = lambda case: (case.peak, case.size)
    # the oracle is the course's (its reference modules): the edition reads its answers from the bank;
    # False for one every learner has (torch.nn.LSTMCell), which the edition runs itself on generated cases
    course_oracle: bool = True

    @property
    def symbol(self) -> str:
        return self.layout.symbol.split(".")[0]

    def call(self, case: Case, **options: Any) -> ModuleCall:
        """A module call for ``case``: its arguments and state dict unless ``options`` replace them."""
        fields = {"args": self.args(case), "state": self.state(case), **options}
        return ModuleCall(self.symbol, (case.I, case.H), **fields)

    def named(self, case: Case) -> dict[str, Any]:
        """The case's inputs by name, to show when it fails."""
        leaves = [x for x in _flat(self.args(case)) if x is not None]
        return {**dict(zip(self.arg_names, leaves, strict=False)), "state_dict": self.state(case)}


def _flat(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _flat(item)]
    return [tree]


def tensors_of(spec: ModuleSpec, value: Any, case: Case, *, dtype: str, device: str) -> dict[str, TensorValue]:
    """Named output tensors of ``value``, or a ``Failure`` saying what is off."""
    layout = spec.layout
    named: dict[str, TensorValue] = {}
    for name, leaf in zip(layout.outputs, layout.leaves(value), strict=True):
        if not isinstance(leaf, TensorValue):
            what = "a numpy array (return torch tensors)" if isinstance(leaf, np.ndarray) else _describe(leaf)
            raise Failure(f"{layout.symbol} should return {layout.returns}; {name} is {what}")
        shape, label = layout.shape(name, case)
        if leaf.shape != shape:
            raise Failure(f"{layout.symbol} returned {name} with shape {leaf.shape}; expected {label} = {shape}")
        if leaf.dtype != f"torch.{dtype}":
            raise Failure(
                f"{layout.symbol} returned {name} as {leaf.dtype} although the module and its inputs are "
                f"torch.{dtype}: something inside is created with a fixed dtype (torch.zeros(...) without dtype=, "
                "a float32 constant); create tensors like the inputs (x.new_zeros, torch.zeros_like)"
            )
        if leaf.device.split(":")[0] != device:
            raise Failure(
                f"{layout.symbol} returned {name} on {leaf.device} although the module and its inputs are on "
                f"{device}: create tensors on the inputs' device"
            )
        named[name] = leaf
    return named


def _describe(leaf: Any) -> str:
    if leaf is None:
        return "None (is a `return` missing?)"
    if isinstance(leaf, Opaque):
        return f"a {leaf.pytype.removeprefix('builtins.')} (return plain torch tensors)"
    if isinstance(leaf, (tuple, list)):
        return f"a {type(leaf).__name__} of {len(leaf)} items"
    return f"a {type(leaf).__name__}"


def rounded(tree: Any, dtype: str) -> Any:
    """``tree`` with every array rounded to ``dtype`` and back to float64 (what the child computes on)."""
    import torch

    if isinstance(tree, np.ndarray):  # a copy: a batch pins (makes read-only) the arrays of its cases
        return torch.tensor(tree).to(getattr(torch, dtype)).double().numpy()
    if isinstance(tree, dict):
        return {k: rounded(v, dtype) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(rounded(v, dtype) for v in tree)
    return tree


def oracle(ctx: CheckContext, spec: ModuleSpec, case: Case, *, dtype: str = "float64",
           upstream: list[np.ndarray] | None = None, target: str = "", args: Any = None) -> dict[str, Any]:
    """The oracle's outputs (float64 arrays by name) and, with ``upstream`` (``upstream_for(spec, case)``),
    its gradients. What depends on the case alone (no ``args``) is remembered in a batch."""
    if args is None:
        what = f"oracle {spec.symbol} {dtype} {target} {upstream is not None}"
        compute = lambda: _oracle(ctx, spec, case, dtype, upstream, target, None)  # noqa: E731
        return ctx.oracle(case, what, compute) if spec.course_oracle else replay.oracle(case, what, compute)
    return _oracle(ctx, spec, case, dtype, upstream, target, args)


def _oracle(ctx: CheckContext, spec: ModuleSpec, case: Case, dtype: str, upstream: list[np.ndarray] | None,
            target: str, args: Any) -> dict[str, Any]:
    import torch

    if spec.forward_reference is not None and upstream is None and not target and args is None:
        return {"outputs": spec.forward_reference(ctx, case, dtype)}
    module = spec.oracle(ctx, case.I, case.H)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in rounded(spec.state(case), dtype).items()})
    leaves: list[Any] = []

    def tensors(tree: Any) -> Any:
        if isinstance(tree, np.ndarray):
            leaves.append(torch.from_numpy(tree.copy()).requires_grad_(upstream is not None))
            return leaves[-1]
        return type(tree)(tensors(v) for v in tree) if isinstance(tree, (tuple, list)) else tree

    inputs = tensors(rounded(spec.args(case) if args is None else args, dtype))
    outputs = (getattr(module, target) if target else module)(*inputs)
    layout = spec.layout if not target else _cell_layout(spec)
    flat = layout.leaves(outputs)
    result: dict[str, Any] = {"outputs": {n: t.detach().numpy() for n, t in zip(layout.outputs, flat, strict=True)}}
    if upstream is not None:
        params = dict(module.named_parameters())
        grads = torch.autograd.grad(flat, leaves + list(params.values()),
                                    grad_outputs=[torch.from_numpy(g) for g in upstream])
        result["args"] = [g.numpy() for g in grads[: len(leaves)]]
        result["params"] = {n: g.numpy() for n, g in zip(params, grads[len(leaves):], strict=True)}
    return result


def _cell_layout(spec: ModuleSpec) -> Spec:
    return Spec(f"{spec.symbol}.cell", (), ("ltm", "stm"), "(ltm, stm)")


def compare_tensors(spec: ModuleSpec, case: Case, expected: dict[str, np.ndarray], got: dict[str, TensorValue],
                    inputs: dict[str, Any], *, dtype: str, what: str) -> None:
    """Raise a ``Failure`` on the worst element if an output is out of ``dtype``'s tolerance."""
    steps = case.T if spec.layout.sequence else 1
    peak, size = spec.scale(case)
    tol = torch_tolerance(dtype, steps, size)
    for name, tensor in got.items():
        if tensor.array is None:
            continue
        worst = worst_element(name, expected[name], tensor.array, tol)
        if worst is not None:
            raise Failure(f"{what}: {describe_worst(worst, tol)}{overflow_note(worst, peak, 'torch')}", inputs=inputs,
                          worst=worst, tolerance=tol, expected={n: expected[n] for n in got},
                          got={n: t.array for n, t in got.items()})


def upstream_for(spec: ModuleSpec, case: Case) -> list[np.ndarray]:
    """Fixed random upstream gradients, one per output (the same for the learner and the oracle)."""
    rng = np.random.default_rng([case.seed, 7])
    return [rng.normal(size=spec.layout.shape(name, case)[0]) for name in spec.layout.outputs]


def answers(spec: ModuleSpec) -> Callable[[CheckContext], str]:
    """The module's "is it an answer at all" probe (``grader.checks.non_answers``): forward in float64."""

    def probe(ctx: CheckContext) -> str:
        from grader.checks.non_answers import non_answer, probe_cases

        cases = probe_cases(steps=3 if spec.layout.sequence else 0)
        read: list[dict[str, np.ndarray] | str | None] = []
        for case, result in zip(cases, ctx.run([(spec.call(case), spec.named(case)) for case in cases]), strict=True):
            if isinstance(result, Failure):
                read.append(None)
                continue
            try:
                got = tensors_of(spec, result.value, case, dtype="float64", device="cpu")
            except Failure as failure:
                read.append(failure.message)
                continue
            read.append({n: t.array for n, t in got.items() if t.array is not None})
        return non_answer(f"{spec.symbol}.forward", read)

    return probe
