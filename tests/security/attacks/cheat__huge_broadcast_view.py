"""Cheat (or crash): a zero-stride view claiming a trillion elements."""
import numpy as _np
from numpy.lib.stride_tricks import as_strided as _as_strided


def remember_gate(forget_out, learn_out):
    return _as_strided(forget_out, shape=(10**6, 10**6), strides=(0, 0))
