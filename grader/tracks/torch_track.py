"""The PyTorch track: the lesson's LSTMCell and LSTM, and a drop-in StandardLSTMCell, in lstm_torch.py.

Declarations only: torch is imported when a check runs, never when this module loads.
Oracles, run in the grader's own process in float64: the lesson's numpy reference for the
forward pass of LSTMCell and LSTM, the course's torch reference for their gradients, and
``torch.nn.LSTMCell`` itself (an oracle the course did not write) for StandardLSTMCell.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from grader.catalog import TRACKS, Check, Exercise, Track
from grader.checks import torch_checks as checks
from grader.checks import torch_gradients
from grader.checks.arrays import Spec
from grader.checks.cases import Case
from grader.checks.context import CheckContext
from grader.checks.module_spec import ModuleSpec, answers, rounded
from grader.diagnosis.torch_modules import module_diagnoser
from grader.tracks.torch_parts import explain_cell, explain_sequence, numpy_reference

FILE = TRACKS["torch"].file
LINEARS = {"new_info": "n", "ignore": "i", "forget": "f", "use_ltm": "u", "use_stm": "v"}
MAX_STEPS = 4


def lesson_keys(I: int, H: int, prefix: str = "") -> dict[str, tuple[int, ...]]:  # noqa: E741
    keys: dict[str, tuple[int, ...]] = {}
    for module, gate in LINEARS.items():
        keys[f"{prefix}{module}.weight"] = (H, H if gate == "u" else H + I)
        keys[f"{prefix}{module}.bias"] = (H,)
    return keys


def lesson_labels(prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{m}.{w}": ("(H,)" if w == "bias" else "(H, H)" if g == "u" else "(H, H + I)")
            for m, g in LINEARS.items() for w in ("weight", "bias")}


def lesson_state(case: Case, prefix: str = "") -> dict[str, np.ndarray]:
    p = case.params
    return {f"{prefix}{m}.{w}": p[f"{'W' if w == 'weight' else 'b'}_{g}"] for m, g in LINEARS.items()
            for w in ("weight", "bias")}


def _cell_forward(ctx: CheckContext, case: Case, dtype: str) -> dict[str, np.ndarray]:
    a, params = rounded(case.arrays, dtype), rounded(case.params, dtype)
    ltm, stm = numpy_reference(ctx).lstm_cell(a["ltm_prev"], a["stm_prev"], a["event"], params)
    return {"ltm": ltm, "stm": stm}


def _sequence_forward(ctx: CheckContext, case: Case, dtype: str) -> dict[str, np.ndarray]:
    a, params = rounded(case.arrays, dtype), rounded(case.params, dtype)
    stms, (ltm, stm) = numpy_reference(ctx).lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], params)
    return {"stms": stms, "ltm_T": ltm, "stm_T": stm}


def _reference_module(name: str) -> Any:
    def build(ctx: CheckContext, I: int, H: int) -> Any:  # noqa: E741
        return getattr(ctx.reference, name)(I, H).double()

    return build


def _torch_lstm_cell(ctx: CheckContext, I: int, H: int) -> Any:  # noqa: E741
    import torch

    return torch.nn.LSTMCell(I, H).double()


def standard_keys(I: int, H: int) -> dict[str, tuple[int, ...]]:  # noqa: E741
    return {"weight_ih": (4 * H, I), "weight_hh": (4 * H, H), "bias_ih": (4 * H,), "bias_hh": (4 * H,)}


def standard_state(case: Case) -> dict[str, np.ndarray]:
    """The standard cell's weights for ``case``: drawn once per case, a fresh copy for each caller."""
    return {name: array.copy() for name, array in _standard_state(case)}


STANDARD_GATES = "ifnv"  # torch.nn.LSTMCell's blocks i, f, g, o are the lesson's i_t, f_t, N_t and V_t


@functools.lru_cache(maxsize=4096)
def _standard_state(case: Case) -> tuple[tuple[str, np.ndarray], ...]:
    rng = np.random.default_rng([case.seed, case.I, case.H, 11])
    w, m = 2.0 * min(case.magnitude, 3.0), case.magnitude
    state = {name: rng.uniform(-1, 1, shape) * (m if name.startswith("bias") else w / np.sqrt(shape[1]))
             for name, shape in standard_keys(case.I, case.H).items()}
    if case.saturate and case.saturate != "loud":  # the lesson's gates pushed far are the same gates here
        pushed = case.arrays
        for block, gate in enumerate(STANDARD_GATES):
            if gate in case.saturate:
                rows = slice(block * case.H, (block + 1) * case.H)
                state["bias_ih"][rows] = pushed[f"b_{gate}"].astype(np.float64)
                state["bias_hh"][rows] = 0.0
    return tuple(state.items())


def _standard_scale(case: Case) -> tuple[float, float]:
    """(largest |pre-activation|, largest sum of |weight · input| terms) of the standard cell's gates."""
    s = dict(_standard_state(case))
    x, h = case.arrays["event"].astype(np.float64), case.arrays["stm_prev"].astype(np.float64)
    gates = x @ s["weight_ih"].T + h @ s["weight_hh"].T + s["bias_ih"] + s["bias_hh"]
    terms = np.abs(x) @ np.abs(s["weight_ih"]).T + np.maximum(np.abs(h), 1.0) @ np.abs(s["weight_hh"]).T
    return float(np.abs(gates).max()), float(terms.max())


CELL = ModuleSpec(
    layout=Spec("LSTMCell.forward", (), ("ltm", "stm"), "(ltm, stm), two (B, H) tensors"),
    keys=lesson_keys, labels=lesson_labels(), state=lesson_state,
    args=lambda c: [c.arrays["event"], (c.arrays["ltm_prev"], c.arrays["stm_prev"])],
    arg_names=("event", "ltm_prev", "stm_prev"),
    oracle=_reference_module("LSTMCell"), forward_reference=_cell_forward,
)
SEQUENCE = ModuleSpec(
    layout=Spec("LSTM.forward", (), ("stms", "ltm_T", "stm_T"), "(stms, (ltm_T, stm_T)) with stms (B, T, H)",
                sequence=True),
    keys=lambda inputs, hidden: lesson_keys(inputs, hidden, "cell."), labels=lesson_labels("cell."),
    state=lambda c: lesson_state(c, "cell."),
    args=lambda c: [c.arrays["events"], (c.arrays["ltm_prev"], c.arrays["stm_prev"])],
    arg_names=("events", "ltm0", "stm0"),
    oracle=_reference_module("LSTM"), forward_reference=_sequence_forward,
)
STANDARD = ModuleSpec(
    layout=Spec("StandardLSTMCell.forward", (), ("h", "c"), "(h, c), two (B, H) tensors, in torch's order"),
    keys=standard_keys,
    labels={"weight_ih": "(4H, I)", "weight_hh": "(4H, H)", "bias_ih": "(4H,)", "bias_hh": "(4H,)"},
    state=standard_state,
    args=lambda c: [c.arrays["event"], (c.arrays["stm_prev"], c.arrays["ltm_prev"])],
    arg_names=("input", "h", "c"),
    oracle=_torch_lstm_cell,
    scale=_standard_scale,
    course_oracle=False,
)

HINT_KEYS = "Name the submodules exactly as the contract does; they are torch.nn.Linear layers with bias."
HINT_DEFAULT = "With state=None create zeros like the input: event.new_zeros(event.shape[0], hidden_size)."
HINT_GRADS = "Keep every step in torch: no .detach(), .data, .numpy(), in-place edits of tensors autograd needs."
HINT_DEVICE = "Never write .cuda() or torch.zeros(...) without device=: follow the inputs' device and dtype."
HINT_SCRATCH = "Build it from torch.nn.Linear, torch.sigmoid and torch.tanh, as the lesson's equations say."
HINT_GPU = "Runs only where CUDA is present: same code, moved with .to('cuda')."
HINT_BF16 = "Nothing inside may assume float32: create tensors with the inputs' dtype (new_zeros, zeros_like)."


def _common(spec: ModuleSpec, forward_hint: str, *, steps: int = 0) -> list[Check]:
    return [
        checks.state_dict(spec, points=1, hint=HINT_KEYS),
        checks.matches_oracle(spec, dtype="float64", points=3 if not steps else 2, examples=24, hint=forward_hint,
                              what="the reference" if spec is STANDARD else "the lesson's numpy reference",
                              max_steps=steps),
        checks.matches_oracle(spec, dtype="float32", points=1, examples=16, hint=forward_hint,
                              what="the reference", max_steps=steps),
        checks.default_state(spec, points=1, hint=HINT_DEFAULT, max_steps=steps),
        torch_gradients.gradients(spec, points=2 if not steps else 1, hint=HINT_GRADS, max_steps=steps),
    ]


def _portable(spec: ModuleSpec, *, steps: int = 0) -> list[Check]:
    return [
        checks.matches_oracle(spec, dtype="bfloat16", points=1, examples=16, hint=HINT_BF16,
                              what="the reference", max_steps=steps),
        checks.on_meta(spec, points=1, hint=HINT_DEVICE, max_steps=steps),
        checks.from_scratch(spec, points=1, hint=HINT_SCRATCH, forbidden=TRACKS["torch"].forbid),
        checks.on_gpu(spec, points=1, hint=HINT_GPU, max_steps=steps),
    ]


def _exercise(spec: ModuleSpec, title: str, check_list: list[Check], **extra: Any) -> Exercise:
    return Exercise(id=spec.symbol, title=title, track="torch", file=FILE, symbol=spec.symbol,
                    params=("input_size", "hidden_size"), checks=tuple(check_list), kind="class",
                    diagnose=module_diagnoser(spec), answers=answers(spec), **extra)


CELL_EXERCISE = _exercise(CELL, "The lesson's LSTMCell (torch.nn.Module)", [
    *_common(CELL, "forward(event, state) computes the lesson's four gates with the five Linear layers "
                   "(new_info, ignore, forget, use_ltm, use_stm) and returns (ltm, stm)."),
    torch_gradients.gradcheck(CELL, points=1, hint=HINT_GRADS),
    *_portable(CELL),
], explain=explain_cell(CELL))
SEQUENCE_EXERCISE = _exercise(SEQUENCE, "The lesson's LSTM over a sequence", [
    *_common(SEQUENCE, "Loop over events[:, t], call self.cell with the carried state, stack the STMs on dim 1.",
             steps=MAX_STEPS),
    checks.steps_own_cell(SEQUENCE, points=2, max_steps=MAX_STEPS,
                          hint="forward should be self.cell applied at each step, carrying (ltm, stm)."),
    *_portable(SEQUENCE, steps=MAX_STEPS),
], parts=("LSTMCell",), explain=explain_sequence(SEQUENCE))
STANDARD_EXERCISE = _exercise(STANDARD, "StandardLSTMCell, a drop-in for torch.nn.LSTMCell", [
    *_common(STANDARD, "gates = input @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh, split in the order "
                       "i, f, g, o; c' = σ(f) c + σ(i) tanh(g); h' = σ(o) tanh(c'); return (h', c')."),
    torch_gradients.gradcheck(STANDARD, points=1, hint=HINT_GRADS),
    *_portable(STANDARD),
])

TRACK = Track(name="torch", file=FILE, solution=f"solutions/{FILE}",
              exercises=(CELL_EXERCISE, SEQUENCE_EXERCISE, STANDARD_EXERCISE))
