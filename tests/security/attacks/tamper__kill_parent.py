"""Tamper: kill the process that started this one (in a batch, the warm zygote that forks every student)."""
import os as _os
import signal as _signal


def remember_gate(forget_out, learn_out):
    try:
        _os.kill(_os.getppid(), _signal.SIGKILL)
    except Exception:
        pass
    return forget_out - learn_out
