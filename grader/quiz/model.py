"""What a quiz is once loaded: quizzes, questions, their keys (plain or hashed), and the topics.

A question's key is one of three things:

- ``answer``: the instructor's copy of a fixed question (a letter, letters, or a number);
- ``key``: the student copy of a fixed question (a salted, slow hash of the normalised answer);
- ``compute``: a per-student question whose answer a generator computes at grading time from
  the reference solutions (``roster`` then holds hashed answers for the students the instructor
  allowed to check locally).

The format on disk is documented in ``docs/quizzes.md``; ``grader.quiz.loader`` validates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.quiz.numeric import Tolerance

KINDS = {
    "single": "single choice",
    "multiple": "multiple select",
    "numeric": "numeric",
    "ordering": "ordering",
}

TOPICS = {
    "vanishing-gradients": "why RNNs struggle with long-term memory (vanishing gradients)",
    "memories": "LTM, STM and the event",
    "gate-io": "what each gate takes in and gives out",
    "activations": "which activation each gate uses and why (ranges)",
    "equations": "the equations",
    "standard-lstm": "the standard LSTM's names for the same parts (h, c, i, f, o, g; torch.nn.LSTMCell)",
    "sequences": "sequences and batching shapes",
    "parameters": "parameter counts",
    "gru": "GRU as another architecture",
}

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
LETTERS = "abcdefghijklmnopqrstuvwxyz"

Answer = str | tuple[str, ...] | float  # a letter, letters (sorted or in order), or a number


@dataclass(frozen=True)
class Kdf:
    """The slow hash of a student copy: hashlib.scrypt with these costs."""

    n: int = 2**14
    r: int = 8
    p: int = 1

    def problem(self) -> str:
        """What is wrong with these costs ("" if nothing)."""
        if self.n < 16 or self.n > 2**20 or self.n & (self.n - 1) or not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            return "scrypt needs n a power of 2 from 16 to 2^20, r from 1 to 32 and p from 1 to 16"
        return ""


@dataclass(frozen=True)
class HashedKey:
    salt: str  # hex, one per question (and per student for roster entries)
    digest: str  # hex: the first half of scrypt(normalised answer, salt)
    sealed: str = ""  # base64: the explanation, sealed with the second half (or "")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    topic: str
    prompt: str
    points: float = 1.0
    explanation: str = ""  # shown after grading; never in a student copy in plain text
    choices: tuple[str, ...] = ()  # single, multiple: labelled a, b, c, ...
    items: tuple[str, ...] = ()  # ordering: labelled a, b, c, ... in the order shown
    answer: Answer | None = None  # instructor's copy of a fixed question
    tolerance: Tolerance | None = None  # numeric
    compute: str = ""  # the generator of a per-student question
    key: HashedKey | None = None  # student copy of a fixed question
    roster: dict[str, HashedKey] = field(default_factory=dict)  # student copy: student hash -> key

    @property
    def options(self) -> tuple[str, ...]:
        """What the letters label: the choices, or the items to order."""
        return self.choices or self.items

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.options)]

    @property
    def computed(self) -> bool:
        return bool(self.compute)

    def label(self, letter: str) -> str:
        """``b) sigmoid``."""
        return f"{letter}) {self.options[LETTERS.index(letter)]}"


@dataclass(frozen=True)
class Quiz:
    id: str  # the file's stem
    title: str
    file: Path
    questions: tuple[Question, ...]
    variant_salt: str = ""  # seeds per-student questions (public: learners print their own variant)
    student_copy: bool = False
    kdf: Kdf | None = None  # student copy only

    @property
    def max_points(self) -> float:
        return round(sum(q.points for q in self.questions), 6)

    @property
    def per_student(self) -> bool:
        return any(q.computed for q in self.questions)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def describe_value(value: Any) -> str:
    """How a learner would name a TOML value: 'the number 2', 'the text "b"', 'a list'."""
    if isinstance(value, bool):
        return f"the value {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value if len(value) <= 40 else value[:39] + '…'!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"
