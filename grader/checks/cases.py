"""Generated inputs for the LSTM exercises: sizes and dtypes drawn by hypothesis.

Hypothesis draws the sizes (batch ``B``, input ``I``, hidden ``H``, steps ``T``), the dtype,
a magnitude and a seed; the arrays are then made from the seed. Shrinking therefore makes
the sizes small (down to ``B = I = H = 1``) and the magnitude moderate, which is what a
learner needs to read a failing case; the values themselves stay ordinary random numbers.

Magnitudes: weights are drawn like a trained layer's (about ``1/sqrt(fan_in)``, times up to
3) and the biases carry the magnitude, so at 50 the pre-activations reach about ±50 and the
sigmoids and tanhs saturate, while a correct float32 computation stays within tolerance;
``EXTREME`` (±1000) is for the "stays finite" checks, where a naive ``exp`` overflows.

Saturation: ``saturating()`` gives the fixed cases every check also runs once its generated
cases pass (``Case.saturate`` names how they saturate): every gate's bias pushed to hundreds or
thousands (positive, negative, mixed), the gate limits one at a time (``b_f`` far positive keeps
LTM, far negative erases it; ``b_i`` and ``b_v`` far negative close the learn and use gates) and
events in the hundreds, so that the pre-activations reach thousands through the weights too.
There exp overflows (past about 709 in float64 and 88 in float32): correct code stays finite and
right, code whose activations overflow does not.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from hypothesis import strategies as st

GATES = ("n", "i", "f", "u", "v")
PARAM_KEYS = ("W_n", "b_n", "W_i", "b_i", "W_f", "b_f", "W_u", "b_u", "W_v", "b_v")
MAGNITUDES = (1.0, 0.1, 5.0, 50.0)  # the first is where shrinking goes
EXTREME = 1000.0
DTYPES = ("float64", "float32")
FAR = 800.0  # a pushed bias lies in [FAR, FAR + SPREAD]: past exp's overflow in float64 (709) and float32 (88)
SPREAD = 2200.0
LOUD = 1000.0  # the events' scale in a "loud" case: pre-activations reach thousands through the weights
# Case.saturate: which biases are pushed far, and to which side ("±": each element's own side);
# "loud": the events are in the hundreds instead.
SATURATIONS = ("nifuv+", "nifuv-", "f+", "f-", "i-", "v-", "nifuv±", "loud")


@dataclass(frozen=True)
class Case:
    B: int
    I: int  # noqa: E741 - the lesson's name for the input size
    H: int
    T: int
    dtype: str
    magnitude: float
    seed: int
    saturate: str = ""  # one of SATURATIONS, or "" (nothing pushed)

    @property
    def sizes(self) -> dict[str, int]:
        sizes = {"B": self.B, "I": self.I, "H": self.H}
        if self.T:
            sizes["T"] = self.T
        return sizes

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Every array any numpy exercise takes, in this case's dtype (one RNG draw, then views)."""
        names, shapes, bounds, scales, total = _layout(self.B, self.I, self.H, max(self.T, 1), self.magnitude)
        flat = np.random.default_rng([self.seed, self.B, self.I, self.H, self.T]).uniform(-1.0, 1.0, total)
        flat *= scales
        if self.dtype != "float64":
            flat = flat.astype(self.dtype)
        out = {name: flat[a:b].reshape(shape) for name, shape, (a, b) in zip(names, shapes, bounds, strict=True)}
        keep = out.pop("keep")
        out["forget_out"] = out["ltm_prev"] * ((keep + 1) / 2)  # keeps LTM's sign, |.| <= |LTM|
        if self.magnitude >= EXTREME:  # every bias far out (half of it at least): a naive exp overflows
            for g in GATES:
                b = out[f"b_{g}"]
                out[f"b_{g}"] = np.sign(b) * (0.5 * self.magnitude + 0.5 * np.abs(b))
        if self.saturate:
            _saturate(out, self.saturate, self.magnitude)
        return out

    @cached_property
    def peak(self) -> float:
        """The largest |pre-activation| of any gate at the first step, in float64 (how far it saturates)."""
        a = {k: v.astype(np.float64) for k, v in self.arrays.items()}
        x = np.concatenate([a["stm_prev"], a["events"][:, 0] if self.T else a["event"]], axis=-1)
        peaks = [np.abs(x @ a[f"W_{g}"].T + a[f"b_{g}"]).max() for g in GATES if g != "u"]
        peaks.append(np.abs(a["forget_out"] @ a["W_u"].T + a["b_u"]).max())
        return float(max(peaks))

    @cached_property
    def size(self) -> float:
        """The largest sum of |weight · input| terms in any gate's pre-activation, over every step:
        how large the numbers are that a gate adds up (rounding errors grow with it)."""
        a = {k: np.abs(v.astype(np.float64)) for k, v in self.arrays.items()}
        steps = max(self.T, 1)
        stm = np.maximum(a["stm_prev"].max(axis=0), 1.0)  # every later STM lies in [-1, 1]
        event = np.maximum(a["events"].max(axis=(0, 1)), a["event"].max(axis=0))
        x = np.concatenate([stm, event])
        ltm = a["ltm_prev"].max(axis=0) + steps  # each step adds at most 1 to |LTM|
        sums = [a[f"W_{g}"] @ x for g in GATES if g != "u"]
        sums.append(a["W_u"] @ np.maximum(ltm, a["forget_out"].max(axis=0)))
        return float(max(s.max() for s in sums))

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {k: self.arrays[k] for k in PARAM_KEYS}


def _saturate(out: dict[str, np.ndarray], saturate: str, magnitude: float) -> None:
    """Push the named gates' biases far out (or make the events loud), in place of the drawn ones."""
    if saturate == "loud":
        for name in ("event", "events"):
            out[name] = out[name] * (LOUD / max(min(magnitude, 5.0), 1e-9))
        return
    side = saturate[-1]
    for g in saturate[:-1]:
        b = out[f"b_{g}"]
        unit = np.abs(b) / max(magnitude, 1e-9)  # in [0, 1]: where in [FAR, FAR + SPREAD] each element lies
        sign = np.where(b >= 0, 1.0, -1.0) if side == "±" else (1.0 if side == "+" else -1.0)
        out[f"b_{g}"] = (sign * (FAR + SPREAD * unit)).astype(b.dtype)


@functools.lru_cache(maxsize=4096)
def _layout(B: int, I: int, H: int, T: int, m: float) -> tuple[  # noqa: E741
    list[str], list[tuple[int, ...]], list[tuple[int, int]], np.ndarray, int
]:
    """Where each array lies in one flat uniform draw, and its scale: name -> (shape, scale)."""
    w, e = 2.0 * min(m, 3.0), min(m, 5.0)
    layout: dict[str, tuple[tuple[int, ...], float]] = {}
    for g in GATES:
        fan_in = H if g == "u" else H + I
        layout[f"W_{g}"] = ((H, fan_in), w / math.sqrt(fan_in))
        layout[f"b_{g}"] = ((H,), m)
    layout.update(event=((B, I), e), stm_prev=((B, H), 1.0), ltm_prev=((B, H), 2.0), keep=((B, H), 1.0),
                  learn_out=((B, H), 1.0), events=((B, T, I), e))
    bounds, scales, position = [], [], 0
    for shape, scale in layout.values():
        size = math.prod(shape)
        bounds.append((position, position + size))
        scales.append(np.full(size, scale))
        position += size
    return list(layout), [shape for shape, _ in layout.values()], bounds, np.concatenate(scales), position


@functools.lru_cache(maxsize=64)
def cases(
    *,
    min_batch: int = 1,
    max_batch: int = 8,
    max_size: int = 16,
    max_steps: int = 0,
    magnitudes: tuple[float, ...] = MAGNITUDES,
    dtypes: tuple[str, ...] = DTYPES,
) -> st.SearchStrategy[Case]:
    """Cases with 1..8 rows, input and hidden sizes 1..16 (often different); built once per set of options."""
    return st.builds(
        Case,
        B=st.integers(min_batch, max_batch),
        I=st.integers(1, max_size),
        H=st.integers(1, max_size),
        T=st.integers(1, max_steps) if max_steps else st.just(0),
        dtype=st.sampled_from(dtypes),
        magnitude=st.sampled_from(magnitudes),
        seed=st.integers(0, 2**32 - 1),
    )


@functools.lru_cache(maxsize=64)
def saturating(
    *,
    min_batch: int = 1,
    max_batch: int = 8,
    max_size: int = 16,
    max_steps: int = 0,
    dtypes: tuple[str, ...] = DTYPES,
    loud: bool = True,
    magnitudes: tuple[float, ...] = MAGNITUDES,
) -> tuple[Case, ...]:
    """The saturating cases a check runs once its generated cases pass, within the same options as
    ``cases``: the smallest sizes first (B = I = H = 1), then a few rows and units with mixed sides.
    ``loud=False`` leaves out the loud events (finite differences cannot follow their curvature)."""
    del magnitudes  # the generated cases' magnitudes; these cases set their own
    small = max(1, min_batch)
    several = min(max(2, min_batch), max_batch)
    steps = min(2, max_steps)
    out = []
    for k, saturate in enumerate(SATURATIONS):
        if saturate == "loud" and not loud:
            continue
        wide = saturate in ("nifuv±", "loud")
        dtype = dtypes[-1] if saturate == "nifuv±" else dtypes[0]  # float32 too, where the check draws it
        out.append(Case(B=several if wide else small, I=min(3 if wide else 1, max_size),
                        H=min(2 if wide else 1, max_size), T=steps, dtype=dtype, magnitude=1.0, seed=9001 + k,
                        saturate=saturate))
    return tuple(out)


# the published cases' sizes (B, I, H), smallest first: one of each first, then rows, inputs and units apart, and a
# few of each (a transposed weight or a mixed-up axis shows only where the sizes differ)
PUBLISHED_SIZES = ((1, 1, 1), (1, 1, 1), (2, 1, 1), (1, 2, 1), (1, 1, 2), (2, 3, 2), (3, 2, 4), (2, 4, 3),
                   (4, 3, 5), (3, 5, 2))
PUBLISHED_SEED = 424242  # a public seed: the edition's cases are the same for every student


@functools.lru_cache(maxsize=64)
def published(
    *,
    min_batch: int = 1,
    max_batch: int = 8,
    max_size: int = 16,
    max_steps: int = 0,
    magnitudes: tuple[float, ...] = MAGNITUDES,
    dtypes: tuple[str, ...] = DTYPES,
    loud: bool = True,
) -> tuple[Case, ...]:
    """The cases the student edition publishes for a check with these options, in the order it runs them: the
    smallest sizes first (B = I = H = 1) through every dtype and magnitude the check draws, then the saturating
    ones (``saturating``). Deterministic, from a public seed."""
    out = []
    for k, (B, I, H) in enumerate(PUBLISHED_SIZES):  # noqa: E741
        out.append(Case(B=min(max(B, min_batch), max_batch), I=min(I, max_size), H=min(H, max_size),
                        T=min(1 + k % 3, max_steps), dtype=dtypes[k % len(dtypes)],
                        magnitude=magnitudes[k % len(magnitudes)], seed=PUBLISHED_SEED + k))
    fixed = saturating(min_batch=min_batch, max_batch=max_batch, max_size=max_size, max_steps=max_steps,
                       dtypes=dtypes, loud=loud)
    return (*dict.fromkeys(out), *fixed)


def as_float64(value: Any) -> Any:
    """The same value with every array upcast to float64 (the reference computes in it)."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    if isinstance(value, dict):
        return {k: as_float64(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(as_float64(v) for v in value)
    return value
