"""Exhaust: flood stdout and stderr, through Python and straight to the descriptors."""
import os as _os
import sys as _sys


def remember_gate(forget_out, learn_out):
    block = "x" * (1 << 16)
    for _ in range(2000):
        print(block)
        _sys.stderr.write(block)
        _os.write(1, block.encode())
    return forget_out + learn_out
