"""Crash: abort the process (SIGABRT)."""
import os as _os


def remember_gate(forget_out, learn_out):
    _os.abort()
