"""The course's misconception library: known ways to get the lesson's LSTM wrong, each runnable.

Course side, like ``solutions/``: its variants are built on a full composable reference of the
lesson (``compose``), so it is answers and stays in the instructor's checkout. ``grade release``
records each variant's outputs on the published cases into the edition's bank instead
(``grader.bank``). The grader loads it by path (``grader.diagnosis.source``).
"""

from . import compose
from .library import MISCONCEPTIONS

__all__ = ["MISCONCEPTIONS", "compose"]
