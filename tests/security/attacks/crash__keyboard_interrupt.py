"""Crash: pretend the user pressed Ctrl-C."""


def remember_gate(forget_out, learn_out):
    raise KeyboardInterrupt
