"""Exhaust: answer right, but only just before each call's time limit (2 s in the tests)."""
import time as _time


def remember_gate(forget_out, learn_out):
    _time.sleep(1.8)
    return forget_out + learn_out
