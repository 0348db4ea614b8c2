"""The case bank: the course's published cases and the answers on them, for the student edition.

``grade release`` records it from the course (``build``); ``grade check`` in the edition, which
has no ``solutions/``, reads the answers from it (``store``). Checks ask for an answer through
``CheckContext.oracle``; ``answers`` says where it comes from: computed here (the instructor's
checkout), computed and recorded (a release), or read from the bank (the edition).
"""
