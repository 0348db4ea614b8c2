"""Crash: dereference a null pointer."""
import ctypes as _ctypes


def remember_gate(forget_out, learn_out):
    return _ctypes.string_at(0)
