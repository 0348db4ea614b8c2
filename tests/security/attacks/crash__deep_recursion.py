"""Crash: recursion deep enough to overflow the C stack."""
import sys as _sys


def remember_gate(forget_out, learn_out):
    _sys.setrecursionlimit(10**8)

    def down(n):
        return down(n + 1) + 1

    return down(0)
