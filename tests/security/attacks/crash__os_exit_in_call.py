"""Crash: end the process in the middle of a call, skipping every handler."""
import os as _os


def remember_gate(forget_out, learn_out):
    _os._exit(0)
