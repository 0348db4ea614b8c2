"""Cheat: an object array that would need pickle to cross the boundary."""
import numpy as _np


class Evil:
    def __reduce__(self):
        return (print, ("unpickled!",))


def remember_gate(forget_out, learn_out):
    out = _np.empty(forget_out.shape, dtype=object)
    out[...] = Evil()
    return out
