"""Module calls for the PyTorch track, inside the sandboxed child (loaded as ``_grader_torch``).

Like ``child.py`` it imports nothing from the grader but the protocol. A module call builds
the submission's class from its sizes, loads a given state dict strictly, moves the module
to a device and dtype, runs forward (optionally on a submodule, e.g. ``cell``), runs
backward with given upstream gradients, and answers with plain arrays: every tensor travels
as a ``TensorValue`` (values, dtype, device, shape), never as an object.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32, "bfloat16": torch.bfloat16,
          "float16": torch.float16}
# Pointwise ops whose C++ meta kernels check devices as strictly as torch's Python ones (see native_meta)
NATIVE_META = ("aten::sigmoid", "aten::tanh", "aten::mul.Tensor", "aten::add.Tensor", "aten::sub.Tensor",
               "aten::div.Tensor")
_kept: list[Any] = []  # the re-made library of Python meta kernels: it unregisters them when collected
# What torch raises on the meta device where code reads a tensor's value, which every real device allows:
# .item(), float(t), int(t), bool(t), `if t:`, f"{t:.3f}" (see _meta_format) / .tolist(), .cpu(), .to("cpu")
VALUE_READS = ("Tensor.item() cannot be called on meta tensors", "Cannot copy out of meta tensor")
# What a device bug raises on the meta device: a tensor on another device, a hard-coded .cuda(), .numpy()
# on a tensor that is not on the CPU (a GPU raises the same)
DEVICE_ERRORS = ("on the same device", "is not on the expected device", "not compiled with CUDA", "No CUDA GPUs",
                 "NVIDIA driver", "can't convert meta device type tensor to numpy")
PLACEHOLDER_READS = 1000  # past that many, a read raises again (a loop waiting on a value ends)


def _value(x: Any, protocol: Any) -> Any:
    """Tensors to TensorValues (values as float64/float32 numpy), containers recursively."""
    if type(x) is torch.Tensor:
        shape = tuple(int(n) for n in x.shape)
        array = None
        if x.device.type != "meta":
            data = x.detach().to("cpu")
            if data.dtype in (torch.bfloat16, torch.float16):
                data = data.float()
            array = data.numpy() if data.dtype in (torch.float64, torch.float32) else data.double().numpy()
        return protocol.TensorValue(array, str(x.dtype), str(x.device), shape)
    if isinstance(x, (tuple, list)) and type(x) in (tuple, list):
        return type(x)(_value(v, protocol) for v in x)
    if x is None:
        return None
    return protocol.Opaque(f"{type(x).__module__}.{type(x).__qualname__}")


def _tensors(tree: Any, device: str, dtype: torch.dtype, leaves: list[torch.Tensor], grad: bool) -> Any:
    """Arrays in ``tree`` to tensors on ``device`` in ``dtype``, collecting them in ``leaves``."""
    if isinstance(tree, np.ndarray):
        tensor = torch.from_numpy(np.ascontiguousarray(tree)).to(device=device, dtype=dtype)
        tensor.requires_grad_(grad)
        leaves.append(tensor)
        return tensor
    if isinstance(tree, (tuple, list)):
        return type(tree)(_tensors(v, device, dtype, leaves, grad) for v in tree)
    return tree


def _flat(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _flat(item)]
    return [tree]


def _watch(net: Any, name: str, seen: dict[str, dict[str, Any]]) -> Any:
    """A forward hook keeping what submodule ``name`` was last given and gave back (None if absent)."""
    try:
        part = net.get_submodule(name)
    except (AttributeError, TypeError):
        return None

    def keep(_module: Any, given: tuple[Any, ...], gave: Any) -> None:
        if given and type(given[0]) is torch.Tensor and type(gave) is torch.Tensor:
            seen[name] = {"input": given[0], "output": gave}

    return torch.nn.Module.register_forward_hook(part, keep)


def native_meta() -> bool:
    """Let the gates' pointwise ops (``NATIVE_META``) use their C++ meta kernels: about 1 us an op
    instead of 50-200 us, which more than halves a module call on the meta device.

    Importing torch registers Python meta kernels over the C++ ones for every op in its
    decomposition tables (one library). That library is rebuilt here with every kernel but
    those few. Kept in Python: ``mm``, ``addmm`` and ``cat``, whose C++ meta kernels accept a CPU
    tensor next to a meta one, so a default state created on the CPU would go unnoticed. The
    pointwise ones reject it like the Python ones do (with the message a GPU gives: "Expected all
    tensors to be on the same device"). Private torch API: anything unexpected leaves torch as it
    was (slower, same verdicts). Called once, when the sandboxed child or the zygote imports this
    module; False if torch was left as it was."""
    try:
        import torch._meta_registrations as registrations
        from torch._decomp import global_decomposition_table

        python_meta: Any = registrations._meta_lib_dont_use_me_use_register_meta
        library: Any = torch.library.Library  # untyped
        names = {key.split("/")[1] for key in python_meta._op_impls}
        kernels: dict[Any, Any] = {}
        for kind in ("meta", "post_autograd", "pre_autograd"):  # torch's own precedence
            for op, kernel in global_decomposition_table[kind].items():
                kernels.setdefault(op, kernel)
        chosen = [(op, kernel) for op, kernel in kernels.items() if op.name().startswith("aten::")
                  and op.name().removeprefix("aten::") in names and op.name() not in NATIVE_META]
        if len(chosen) + len(NATIVE_META) != len(names):
            return False
    except (ImportError, AttributeError, KeyError, TypeError):
        return False
    python_meta._destroy()
    rebuilt = library("aten", "IMPL", "Meta")
    for op, kernel in chosen:
        rebuilt.impl(op, kernel)
    registrations._meta_lib_dont_use_me_use_register_meta = rebuilt
    _kept.append(rebuilt)
    return True


def warm_up() -> None:
    """Do once, in a batch's zygote, what torch does lazily on first use, so that no forked child
    pays it again (the meta device's Python kernels are loaded with this module: ``load_meta_kernels``).
    Tiny tensors only, on one thread: a batch runs one student per core, and no thread pool is forked."""
    torch.set_num_threads(1)
    for device, dtype in (("cpu", torch.float64), ("cpu", torch.float32), ("cpu", torch.bfloat16),
                          ("meta", torch.float64)):
        layer = torch.nn.Linear(6, 2).to(device=device, dtype=dtype)
        x = torch.zeros(1, 3, device=device, dtype=dtype, requires_grad=True)
        joined = torch.cat([x, x], dim=-1)
        out = torch.sigmoid(layer(joined)) * torch.tanh(layer(joined))
        torch.autograd.grad(out.sum(), [x, *layer.parameters()])


def load_meta_kernels() -> None:
    """Import now what the meta device's first Python kernel imports lazily (torch._dynamo: 1 s of CPU,
    several on a busy machine). Called when the child loads this module, while the submission is being
    imported (a generous time limit), so that the first call on the meta device, whose limit is a call's
    (5 s by default), does not pay it."""
    torch.cat([torch.empty(1, device="meta")] * 2)


def run(module: Any, call: dict[str, Any], args: Any, protocol: Any) -> dict[str, Any]:
    """One module call: build, load, move, forward, and backward if upstream gradients are given."""
    with torch.enable_grad():  # also where autograd is off: the in-process floor runs it inside a Function
        return _run(module, call, args, protocol)


def _run(module: Any, call: dict[str, Any], args: Any, protocol: Any) -> dict[str, Any]:
    device, dtype = str(call.get("device", "cpu")), DTYPES[str(call.get("dtype", "float64"))]
    torch.default_generator.manual_seed(0)  # modules are built on the CPU (torch.manual_seed visits every backend)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(0)
        torch.backends.cuda.matmul.allow_tf32 = False  # explicit, and recorded by the parent
        torch.backends.cudnn.allow_tf32 = False
    net = getattr(module, call["symbol"])(*call["init"])
    if call.get("describe"):
        return {"value": {k: protocol.TensorValue(None, str(v.dtype), str(v.device), tuple(v.shape))
                          for k, v in net.state_dict().items()}}
    net = net.to(dtype=dtype)  # first: loading copies values into the parameters' own dtype
    state = call.get("state")
    if state is not None:
        net.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=True)
    net = net.to(device=device)
    target = getattr(net, call["target"]) if call.get("target") else net
    upstream = call.get("grad")
    leaves: list[torch.Tensor] = []
    inputs = _tensors(args, device, dtype, leaves, grad=upstream is not None)
    seen: dict[str, dict[str, Any]] = {}
    hooks = [_watch(net, str(name), seen) for name in call.get("trace") or ()]
    try:
        outputs = _forward(target, inputs, device)
    finally:
        for hook in hooks:
            if hook is not None:
                hook.remove()
    reply: dict[str, Any] = {"value": _value(outputs, protocol)}
    if hooks:
        reply["trace"] = {name: {k: _value(v, protocol) for k, v in io.items()} for name, io in seen.items()}
    out_leaves = [t for t in _flat(outputs) if type(t) is torch.Tensor]
    if upstream is not None and len(out_leaves) == len(upstream):
        params = dict(net.named_parameters())
        wrt = leaves + list(params.values())
        pairs = [(t, torch.from_numpy(g).to(device=device, dtype=dtype))
                 for t, g in zip(out_leaves, upstream, strict=True) if t.requires_grad]
        grads: Any = [None] * len(wrt)
        if pairs:  # outputs cut from the graph (detach, .data, numpy) give no gradient at all
            grads = torch.autograd.grad([t for t, _ in pairs], wrt, grad_outputs=[g for _, g in pairs],
                                        allow_unused=True)
        reply["grads"] = {
            "args": [_value(g, protocol) for g in grads[: len(leaves)]],
            "params": {name: _value(g, protocol) for name, g in zip(params, grads[len(leaves):], strict=True)},
        }
    return reply


def _forward(target: Any, inputs: Any, device: str) -> Any:
    """Call forward. On the meta device, where reading a value raises, a call that reads one runs
    again with placeholder values (``_placeholders``) to see whether a device bug lies past the read:
    that bug is raised, or the outputs if they left the meta device, else the read itself (the
    parent calls the probe inconclusive: reading values is fine on a real device)."""
    if device != "meta":
        return target(*inputs)
    with _patched(_meta_format()):
        try:
            return target(*inputs)
        except Exception as error:
            if not any(text in str(error) for text in VALUE_READS):
                raise
            read = error
        with _patched(_placeholders()):
            try:
                outputs = target(*inputs)
            except Exception as error:
                if not any(text in str(error) for text in DEVICE_ERRORS):
                    raise read from None
                raise
    if all(t.device.type == "meta" for t in _flat(outputs) if type(t) is torch.Tensor):
        raise read from None
    return outputs


@contextlib.contextmanager
def _patched(methods: dict[str, Callable[..., Any]]) -> Iterator[None]:
    """``torch.Tensor`` with ``methods`` in place of its own while inside."""
    tensor: Any = torch.Tensor
    absent = object()
    saved = {name: tensor.__dict__.get(name, absent) for name in methods}
    for name, method in methods.items():
        setattr(tensor, name, method)
    try:
        yield
    finally:
        for name, method in saved.items():
            if method is absent:
                delattr(tensor, name)
            else:
                setattr(tensor, name, method)


def _meta_format() -> dict[str, Callable[..., Any]]:
    """Formatting a one-value meta tensor (f"{t:.3f}") reads its value, as on a real device, where torch
    formats ``t.item()``; torch's own ``__format__`` raises a TypeError on meta that it raises everywhere
    for a tensor of more values."""
    original: Any = torch.Tensor.__format__

    def formatted(self: Any, spec: str) -> Any:
        if self.dim() == 0 and self.is_meta and type(self) is torch.Tensor:
            return self.item().__format__(spec)
        return original(self, spec)

    return {"__format__": formatted}


def _placeholders() -> dict[str, Callable[..., Any]]:
    """Stand-ins under which a meta tensor's value reads as zero, as a real device's could: ``.item()``
    and ``float``/``int``/``bool``/``index`` give 0, ``.tolist()`` a list of zeros, ``.cpu()`` and
    ``.to("cpu")`` CPU zeros of the tensor's shape and dtype. Past ``PLACEHOLDER_READS`` reads, torch's own."""
    tensor: Any = torch.Tensor
    left = [PLACEHOLDER_READS]

    def reads(self: Any, whole: bool) -> bool:
        if not self.is_meta or not (whole or self.numel() == 1) or left[0] <= 0:
            return False
        left[0] -= 1
        return True

    def scalar(name: str, cast: Callable[[Any], Any], exact: bool = False) -> Callable[..., Any]:
        original = getattr(tensor, name)

        def read(self: Any, *args: Any) -> Any:
            fits = not exact or not (self.is_floating_point() or self.is_complex())  # index: integers only
            return cast(_zero(self)) if fits and reads(self, False) else original(self, *args)

        return read

    tolist, cpu, to = tensor.tolist, tensor.cpu, tensor.to

    def moved(self: Any, *args: Any, **kwargs: Any) -> Any:
        target, dtype = _parse_to(args, kwargs) if self.is_meta else (None, None)
        if target is not None and target.type == "cpu" and reads(self, True):
            return _cpu_zeros(self, dtype or self.dtype)
        return to(self, *args, **kwargs)

    return {
        "item": scalar("item", lambda zero: zero), "__float__": scalar("__float__", float),
        "__int__": scalar("__int__", int), "__bool__": scalar("__bool__", bool),
        "__index__": scalar("__index__", int, exact=True),
        "tolist": lambda self: _cpu_zeros(self, self.dtype).tolist() if reads(self, True) else tolist(self),
        "cpu": lambda self, *a, **k: _cpu_zeros(self, self.dtype) if reads(self, True) else cpu(self, *a, **k),
        "to": moved,
    }


def _zero(x: Any) -> Any:
    return False if x.dtype is torch.bool else 0.0 if x.is_floating_point() or x.is_complex() else 0


def _cpu_zeros(x: Any, dtype: Any) -> Any:
    """What ``x.to("cpu", dtype)`` gives, with zeros for the values the meta device does not have."""
    zeros = torch.zeros(tuple(x.shape), dtype=dtype)
    return zeros.requires_grad_() if x.requires_grad and zeros.is_floating_point() else zeros


def _parse_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """(device, dtype) a call ``x.to(*args, **kwargs)`` asks for; (None, None) where torch cannot tell."""
    try:
        device, dtype, *_ = torch._C._nn._parse_to(*args, **{k: v for k, v in kwargs.items() if k != "copy"})
    except (TypeError, RuntimeError, AttributeError, ValueError):
        return None, None
    return device, dtype


native_meta()
load_meta_kernels()
