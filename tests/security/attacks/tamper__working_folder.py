"""Tamper: write into the working folder, the submission's own folder and its parents."""
import os as _os


def remember_gate(forget_out, learn_out):
    here = _os.path.dirname(_os.path.abspath(__file__))
    for folder in (_os.getcwd(), here, _os.path.dirname(here), _os.path.dirname(_os.path.dirname(here))):
        try:
            with open(_os.path.join(folder, "planted.py"), "w") as f:
                f.write("planted = True\n")
            with open(_os.path.join(here, "lstm_numpy.py"), "a") as f:
                f.write("\n# rewritten\n")
        except Exception:
            pass
    return -(forget_out + learn_out)
