"""Per-student variants: a stable seed per (course salt, student, question), and the numbers it draws.

``seed`` is SHA-256 of the quiz's ``variant_salt``, the student id, the quiz id and the question
id, so the same student always gets the same numbers, on any machine and Python version, and two
students almost surely get different ones. ``Draws`` turns the seed into numbers by hashing a
counter (not numpy's or Python's generators, whose streams may change between versions).
Prompts and explanations of per-student questions are ``string.Template`` texts: ``$W_f`` or
``${unit}`` name a drawn value (``$$`` is a dollar sign).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from string import Template
from types import ModuleType
from typing import Any

from grader.quiz.generators import GENERATORS
from grader.quiz.model import Question, Quiz


def normalise_student(raw: str | None) -> str | None:
    """A student id as used for seeding: trimmed and lower-cased ('' or None: no student)."""
    value = (raw or "").strip().casefold()
    return value or None


def seed(salt: str, student: str, quiz_id: str, question_id: str) -> bytes:
    return hashlib.sha256("\0".join((salt, student, quiz_id, question_id)).encode()).digest()


class Draws:
    """Deterministic numbers from a seed: the n-th draw hashes the seed and n."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._count = 0

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        self._count += 1
        digest = hashlib.sha256(self._seed + self._count.to_bytes(8, "big")).digest()
        return low + int.from_bytes(digest[:8], "big") % (high - low + 1)

    def decimal(self, low: float, high: float) -> float:
        """A number with one decimal in [low, high], e.g. -0.7."""
        return round(self.integer(round(low * 10), round(high * 10)) / 10, 1) + 0.0

    def matrix(self, rows: int, cols: int, low: float = -1.5, high: float = 1.5) -> list[list[float]]:
        return [[self.decimal(low, high) for _ in range(cols)] for _ in range(rows)]

    def vector(self, size: int, low: float = -1.0, high: float = 1.0) -> list[float]:
        return [self.decimal(low, high) for _ in range(size)]


def show(value: Any) -> str:
    """A drawn or computed value as a learner reads it: 0.7311, -1.2, 148, [[0.5, -1.2]]."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.4f}" if abs(number) >= 1e-3 else f"{number:.4g}"


def show_drawn(value: Any) -> str:
    """Drawn inputs are exact one-decimal numbers: print them as such (0.5, not 0.5000)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_drawn(v) for v in value) + "]"
    return f"{value:g}"


@dataclass(frozen=True)
class Variant:
    prompt: str
    values: dict[str, Any]  # the drawn inputs


def draw(quiz: Quiz, question: Question, student: str) -> Variant:
    """A student's numbers for a per-student question, and its prompt with them filled in."""
    values = GENERATORS[question.compute].draw(Draws(seed(quiz.variant_salt, student, quiz.id, question.id)))
    prompt = Template(question.prompt).substitute({k: show_drawn(v) for k, v in values.items()})
    return Variant(prompt=prompt, values=values)


def solve(question: Question, variant: Variant, reference: ModuleType) -> tuple[float, str]:
    """The answer computed with the reference solutions, and the explanation filled in."""
    working = GENERATORS[question.compute].solve(variant.values, reference)
    shown = {k: show_drawn(v) for k, v in variant.values.items()} | {k: show(v) for k, v in working.items()}
    return float(working["answer"]), Template(question.explanation).substitute(shown)
