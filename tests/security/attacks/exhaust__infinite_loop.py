"""Exhaust: never return."""


def remember_gate(forget_out, learn_out):
    while True:
        pass
