"""Check factories for torch modules: the learner's module runs in the sandbox, the oracle here.

Every check builds the learner's class from the case's sizes, loads the case's state dict
strictly and runs it in the child; the parent compares with the oracle in float64, with the
tolerance the module's dtype deserves.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.catalog import Check
from grader.checks.cases import Case
from grader.checks.context import CheckContext, blame, expect
from grader.checks.module_spec import ModuleSpec, compare_tensors, oracle, tensors_of
from grader.checks.outcome import Failure, Outcome, Stop
from grader.checks.property import property_check
from grader.checks.running_code import module_names, running_code, walk
from grader.results import Status
from grader.sandbox.replies import Returned
from grader.sandbox.runtime.protocol import TensorValue

SMALL = {"max_batch": 4, "max_size": 8, "dtypes": ("float64",)}  # module calls cost milliseconds; dtype per call
# What torch raises on the meta device where code reads a tensor's value (fine on every real device), and how to
# name the read from the line that made it. The child raises one of these only when no device bug lies past the
# read (runtime.torch_calls._forward); .numpy() on a meta tensor is not here: it fails on a GPU too.
META_READS: dict[str, tuple[tuple[str, str], ...]] = {
    "Tensor.item() cannot be called on meta tensors": (
        (r"\.item\(\)", "`.item()`"), (r"\b(float|int|bool)\(", "`{0}(...)`"),
        (r"^(if|elif|while|assert)\b", "a Python `{0}` on a tensor"),
        (r"\{[^{}]*:[^{}]*\}", "a format such as `{{t:.3f}}`")),
    "Cannot copy out of meta tensor": (
        (r"\.cpu\(\)", "`.cpu()`"), (r"\.to\(", "`.to(...)`"), (r"\.tolist\(\)", "`.tolist()`")),
}


def _batch_check(spec: ModuleSpec, judge: Callable[[CheckContext, Case, dict[str, Any], Any], None],
                 **options: Any) -> Callable[[CheckContext, list[Case]], None]:
    """A body making one module call per case (``options`` go to ModuleCall), then judging each case."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        results = ctx.run([(spec.call(case, **options), spec.named(case)) for case in batch])
        for case, result in zip(batch, results, strict=True):
            with blame(case):
                judge(ctx, case, spec.named(case), expect(result))

    return body


def state_dict(spec: ModuleSpec, *, points: float, hint: str) -> Check:
    def body(ctx: CheckContext, batch: list[Case]) -> None:
        results = ctx.run([(spec.call(case, describe=True), {}) for case in batch])
        for case, result in zip(batch, results, strict=True):
            with blame(case):
                got = {k: v.shape for k, v in expect(result).value.items()}
                want = spec.keys(case.I, case.H)
                missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
                if missing or extra:
                    parts = [f"is missing {', '.join(missing)}" if missing else "",
                             f"has unexpected {', '.join(extra)}" if extra else ""]
                    raise Failure(f"{spec.symbol}'s state dict {' and '.join(p for p in parts if p)}; the "
                                  f"contract's keys are {', '.join(want)}")
                for key, shape in want.items():
                    if tuple(got[key]) != shape:
                        raise Failure(f"{spec.symbol}'s {key} has shape {tuple(got[key])}; expected "
                                      f"{spec.labels[key]} = {shape} for I={case.I}, H={case.H}")

    return property_check("state_dict", "has the contract's parameters", body, points=points, examples=8,
                          hint=hint, strategy_options=SMALL)


def matches_oracle(spec: ModuleSpec, *, dtype: str, points: float, examples: int, hint: str, what: str,
                   max_steps: int = 0) -> Check:
    def judge(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Any) -> None:
        got = tensors_of(spec, result.value, case, dtype=dtype, device="cpu")
        expected = oracle(ctx, spec, case, dtype=dtype)["outputs"]
        compare_tensors(spec, case, expected, got, inputs, dtype=dtype,
                        what=f"in {dtype}, {spec.symbol} differs from {what}")

    title = f"matches {what} in {dtype}"
    return property_check(f"matches_{dtype}", title, _batch_check(spec, judge, dtype=dtype), points=points,
                          examples=examples, hint=hint, strategy_options={**SMALL, "max_steps": max_steps},
                          explain=dtype == "float64", saturate=True)


def default_state(spec: ModuleSpec, *, points: float, hint: str, max_steps: int = 0) -> Check:
    """state=None means zeros, of the module's dtype, on the module's device."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        calls = []
        for case in batch:
            given = spec.args(case)
            blank = tuple(np.zeros_like(x) for x in given[1])
            named = spec.named(case)
            calls += [(spec.call(case, args=[given[0], None]), named), (spec.call(case, args=[given[0], blank]), named),
                      (spec.call(case, args=[given[0], None], device="meta"), named),
                      (spec.call(case, args=[given[0], None], dtype="bfloat16"), named)]
        results = ctx.run(calls)
        for k, case in enumerate(batch):
            with blame(case):
                default, explicit, meta, low = results[4 * k: 4 * k + 4]
                got = tensors_of(spec, expect(default).value, case, dtype="float64", device="cpu")
                zeros = _arrays(tensors_of(spec, expect(explicit).value, case, dtype="float64", device="cpu"))
                compare_tensors(spec, case, zeros, got, spec.named(case),
                                dtype="float64", what="with state=None the result differs from passing zeros")
                on_meta = None if meta_read(meta, ctx.file) else expect(meta).value  # else inconclusive
                in_bfloat16 = expect(low).value
                try:
                    if on_meta is not None:
                        tensors_of(spec, on_meta, case, dtype="float64", device="meta")
                    tensors_of(spec, in_bfloat16, case, dtype="bfloat16", device="cpu")
                except Failure as failure:
                    raise Failure(f"with state=None, {failure.message}. Create the default state like the input, "
                                  "e.g. event.new_zeros(B, H)", inputs=spec.named(case)) from None

    return property_check("default_state", "state=None means zeros of the input's device and dtype", body,
                          points=points, examples=8, hint=hint, strategy_options={**SMALL, "max_steps": max_steps})


def _arrays(tensors: dict[str, TensorValue]) -> dict[str, np.ndarray]:
    return {n: t.array for n, t in tensors.items() if t.array is not None}


def on_meta(spec: ModuleSpec, *, points: float, hint: str, max_steps: int = 0) -> Check:
    """The module runs on whatever device it is moved to: PyTorch's meta device proves it without a GPU.
    A module that reads a tensor's value (and has no device bug past the read) leaves it unproven: skipped."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        results = ctx.run([(spec.call(case, device="meta"), spec.named(case)) for case in batch])
        reads = [meta_read(result, ctx.file) for result in results]
        for case, result, read in zip(batch, results, reads, strict=True):
            if not read:
                with blame(case):
                    tensors_of(spec, expect(result).value, case, dtype="float64", device="meta")
        read = next(filter(None, reads), "")
        if read:
            raise Stop(Outcome(Status.SKIPPED, f"{read}, which the meta device cannot do; reading values is fine "
                               "on a real GPU, so this device check is skipped and not counted"))

    return property_check("device", "runs on the device it is moved to (meta)", body, points=points, examples=8,
                          hint=hint, strategy_options={**SMALL, "max_steps": max_steps})


def meta_read(result: Returned | Failure, file: str) -> str:
    """'LSTMCell.forward reads a tensor's value (`.item()`, lstm_torch.py line 41)' where a call on the meta
    device failed only because it read a value (``META_READS``); "" for any other result."""
    raised = result.raised if isinstance(result, Failure) else None
    for text, kinds in META_READS.items():
        if raised is not None and text in raised.message:
            where = [*_read_named(raised.code, kinds), *([f"{file} line {raised.line}"] if raised.line else [])]
            return f"{raised.function or 'the module'} reads a tensor's value" + (
                f" ({', '.join(where)})" if where else "")
    return ""


def _read_named(code: str, kinds: tuple[tuple[str, str], ...]) -> list[str]:
    """How the line ``code`` reads a value: the name of the first of ``kinds`` (pattern, name) it matches."""
    for pattern, name in kinds:
        found = re.search(pattern, code)
        if found:
            return [name.format(*found.groups())]
    return []


def from_scratch(spec: ModuleSpec, *, points: float, hint: str, forbidden: tuple[str, ...]) -> Check:
    """No torch.nn.LSTM/LSTMCell/GRU or torch's LSTM kernels: a look at the code that runs, then a run."""
    names = {name.rsplit(".", 1)[1] for name in forbidden}

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        uses = forbidden_uses(ctx.source, spec.symbol, names)
        if uses:
            raise Failure(f"{spec.symbol} uses {uses[0][1]} (line {uses[0][0]}): this exercise is to build it "
                          "from torch.nn.Linear and the gate equations", case=batch[0])
        results = ctx.run([(spec.call(case), spec.named(case)) for case in batch[:1]])
        expect(results[0])

    return property_check("from_scratch", "is built from scratch (no torch.nn.LSTM, LSTMCell, GRU)", body,
                          points=points, examples=1, hint=hint, strategy_options=SMALL)


def forbidden_uses(source: str, class_name: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, what) for each use of torch's ``names`` (``LSTMCell``, ``lstm``, ...) in the code that runs when
    ``class_name`` is graded (``running_code``: not a ``__main__`` block, nor a function only it calls)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    running = running_code(tree, class_name)
    torch_names = _torch_names(running, own=module_names(tree))
    found: set[tuple[int, str]] = set()
    for node in (n for part in running for n in walk(part)):
        if isinstance(node, ast.Attribute) and node.attr in names and _torch_path(node.value, torch_names):
            found.add((node.lineno, ast.unparse(node)))
        elif (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in torch_names
              and torch_names[node.id].rsplit(".", 1)[-1] in names):
            path = torch_names[node.id]
            found.add((node.lineno, path if path.endswith("." + node.id) else f"{path}, under the name {node.id}"))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) > 1 and _torch_path(node.args[0], torch_names)
              and isinstance(node.args[1], ast.Constant) and node.args[1].value in names):
            found.add((node.lineno, f"getattr({ast.unparse(node.args[0])}, {node.args[1].value!r})"))
    return sorted(found)


def _torch_names(running: list[ast.AST], *, own: set[str]) -> dict[str, str]:
    """Name -> the torch module or object it stands for, from the imports (and ``nn = torch.nn``) in running
    code: ``nn`` -> ``torch.nn``, ``Cell`` -> ``torch.nn.LSTMCell``. A name the file also gives its own
    function or class is left out (``LSTMCell`` is the lesson's class)."""
    found = {"torch": "torch"}
    for node in (n for part in running for n in walk(part)):
        if isinstance(node, ast.Import):
            found |= {a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
                      for a in node.names if a.name.split(".")[0] == "torch"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "torch":
            found |= {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names if a.name != "*"}
    for node in (n for part in running for n in walk(part)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            path = _torch_path(node.value, found)
            if path:
                found[node.targets[0].id] = path
    return {name: path for name, path in found.items() if name not in own}


def _torch_path(node: ast.AST, torch_names: dict[str, str]) -> str:
    """``torch.nn`` for ``nn`` or ``torch.nn``; "" for an expression that is not a torch module or object."""
    if isinstance(node, ast.Name):
        return torch_names.get(node.id, "")
    if isinstance(node, ast.Attribute):
        owner = _torch_path(node.value, torch_names)
        return f"{owner}.{node.attr}" if owner else ""
    return ""


def on_gpu(spec: ModuleSpec, *, points: float, hint: str, max_steps: int = 0) -> Check:
    """On CUDA, in float32 and bfloat16, against the oracle, and CPU/GPU parity; skipped without CUDA."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        calls = [(spec.call(case, device="cuda", dtype=d), spec.named(case)) for case in batch
                 for d in ("float32", "bfloat16", "float32")]
        calls[2::3] = [(spec.call(case, dtype="float32"), spec.named(case)) for case in batch]  # CPU twin
        results = ctx.run(calls)
        for k, case in enumerate(batch):
            with blame(case):
                gpu32 = tensors_of(spec, expect(results[3 * k]).value, case, dtype="float32", device="cuda")
                gpu16 = tensors_of(spec, expect(results[3 * k + 1]).value, case, dtype="bfloat16", device="cuda")
                cpu32 = tensors_of(spec, expect(results[3 * k + 2]).value, case, dtype="float32", device="cpu")
                for dtype, got in (("float32", gpu32), ("bfloat16", gpu16)):
                    compare_tensors(spec, case, oracle(ctx, spec, case, dtype=dtype)["outputs"], got,
                                    spec.named(case), dtype=dtype, what=f"on the GPU in {dtype}, {spec.symbol} "
                                    "differs from the reference")
                compare_tensors(spec, case, _arrays(cpu32), gpu32, spec.named(case),
                                dtype="float32", what="in float32 the GPU and CPU results differ (TF32 is off)")

    check = property_check("gpu", "on the GPU: float32, bfloat16 and CPU parity", body, points=points, examples=8,
                           hint=hint, strategy_options={**SMALL, "max_steps": max_steps})
    return dataclasses.replace(check, skip_unless=_without_gpu)


def _without_gpu(ctx: CheckContext) -> str:
    from grader.checks.devices import gpu_device, skip_reason

    return "" if gpu_device(ctx.device) else skip_reason(ctx.device)


def steps_own_cell(spec: ModuleSpec, *, points: float, hint: str, max_steps: int) -> Check:
    """The sequence module equals stepping its own ``cell`` T times, the state carried along."""

    def body(ctx: CheckContext, batch: list[Case]) -> None:
        whole = ctx.run([(spec.call(case), spec.named(case)) for case in batch])
        states: list[Any] = [spec.args(case)[1] for case in batch]
        stms: list[list[np.ndarray]] = [[] for _ in batch]
        for t in range(max(case.T for case in batch)):
            live = [k for k, case in enumerate(batch) if t < case.T and not isinstance(states[k], Failure)]
            calls = [(spec.call(batch[k], target="cell", args=[spec.args(batch[k])[0][:, t], states[k]]),
                      spec.named(batch[k])) for k in live]
            for k, result in zip(live, ctx.run(calls), strict=True):
                try:
                    value = expect(result).value
                    ltm, stm = value if isinstance(value, (tuple, list)) and len(value) == 2 else (None, None)
                    if not (isinstance(ltm, TensorValue) and isinstance(stm, TensorValue)):
                        raise Failure(f"{spec.symbol}.cell should return (ltm, stm) tensors")
                except Failure as failure:
                    states[k] = failure
                    continue
                states[k] = (ltm.array, stm.array)
                stms[k].append(stm.array)  # type: ignore[arg-type]
        for k, case in enumerate(batch):
            with blame(case):
                if isinstance(states[k], Failure):
                    raise states[k]
                got = tensors_of(spec, expect(whole[k]).value, case, dtype="float64", device="cpu")
                expected = {"stms": np.stack(stms[k], axis=1), "ltm_T": states[k][0], "stm_T": states[k][1]}
                compare_tensors(spec, case, expected, got, spec.named(case), dtype="float64",
                                what=f"{spec.symbol} differs from stepping its own cell over the sequence")

    return property_check("steps_cell", "equals stepping its own cell", body, points=points, examples=16,
                          hint=hint, strategy_options={**SMALL, "max_steps": max_steps})
