"""Exhaust: start threads until none can start."""
import threading as _threading
import time as _time


def remember_gate(forget_out, learn_out):
    while True:
        _threading.Thread(target=_time.sleep, args=(60,), daemon=True).start()
