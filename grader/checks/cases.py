"""Generated inputs for the LSTM exercises: sizes and dtypes drawn by hypothesis.

Hypothesis draws the sizes (batch ``B``, input ``I``, hidden ``H``, steps ``T``), the dtype,
a magnitude and a seed; the arrays are then made from the seed. Shrinking therefore makes
the sizes small (down to ``B = I = H = 1``) and the magnitude moderate, which is what a
learner needs to read a failing case; the values themselves stay ordinary random numbers.

Magnitudes: weights are drawn like a trained layer's (about ``1/sqrt(fan_in)``, times up to
3) and the biases carry the magnitude, so at 50 the pre-activations reach about ±50 and the
sigmoids and tanhs saturate, while a correct float32 computation stays within tolerance;
``EXTREME`` (±1000) is for the "stays finite" checks only, where a naive ``exp`` overflows.
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


@dataclass(frozen=True)
class Case:
    B: int
    I: int  # noqa: E741 - the lesson's name for the input size
    H: int
    T: int
    dtype: str
    magnitude: float
    seed: int

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
        return out

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {k: self.arrays[k] for k in PARAM_KEYS}


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


def as_float64(value: Any) -> Any:
    """The same value with every array upcast to float64 (the reference computes in it)."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    if isinstance(value, dict):
        return {k: as_float64(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(as_float64(v) for v in value)
    return value
