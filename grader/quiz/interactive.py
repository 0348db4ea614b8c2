"""``grade quiz --interactive``: ask each question in the terminal with rich prompts.

Typed letters and numbers only (no arrow keys, no full-screen UI), so it works over ssh, in any
terminal and with piped input. An answer that cannot be read is explained and asked again;
Enter keeps the earlier answer (from the answers file being completed) or skips; ``-`` clears it;
end of input stops asking. The caller grades what this returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.prompt import Prompt

from grader.quiz.answers import parse_answer
from grader.quiz.model import Answer, Question, Quiz
from grader.quiz.render import question_lines
from grader.quiz.variants import draw, normalise_student

ASKS = {
    "single": "one letter",
    "multiple": "letters, e.g. a c",
    "ordering": "every letter in order, e.g. c a b",
    "numeric": "a number",
}


class _EndOfInput(Exception):
    pass


def _ask(console: Console, prompt: str, default: str = "") -> str:
    try:
        answer = Prompt.ask(prompt, console=console, default=default, show_default=bool(default))
    except EOFError:
        raise _EndOfInput from None
    return str(answer).strip()


def choose_quiz(console: Console, quizzes: Sequence[Quiz]) -> Quiz:
    if len(quizzes) == 1:
        return quizzes[0]
    for number, quiz in enumerate(quizzes, start=1):
        console.print(f"  {number}) {escape(quiz.id)}: {escape(quiz.title)} ({len(quiz.questions)} questions)")
    while True:
        typed = _ask(console, "Which quiz? (its number or id)")
        for number, quiz in enumerate(quizzes, start=1):
            if typed in (str(number), quiz.id):
                return quiz
        console.print(f"[red]{escape(typed or 'nothing')} is not one of 1-{len(quizzes)} or a quiz id.[/]")


def ask_quiz(console: Console, quiz: Quiz, *, student: str | None,
             previous: Mapping[str, Any] | None = None) -> tuple[dict[str, Answer | None], str | None]:
    """Ask every question of ``quiz``; returns question id -> answer (None: unanswered) and the student."""
    previous = previous or {}
    answers: dict[str, Answer | None] = {q.id: parse_answer(q, previous.get(q.id)).value for q in quiz.questions}
    try:
        while quiz.per_student and student is None:
            student = normalise_student(_ask(console, "Your student id (it picks your own numbers)"))
        console.print(f"\n[bold]{escape(quiz.title)}[/]: {len(quiz.questions)} questions. Type your answer and "
                      "press Enter; Enter alone keeps the answer shown in parentheses (or skips), '-' clears it.\n")
        for number, question in enumerate(quiz.questions, start=1):
            prompt = draw(quiz, question, student).prompt if question.computed and student else None
            for line in question_lines(question, number, prompt):
                console.print(escape(line))
            answers[question.id] = _answer(console, question, answers[question.id])
            console.print()
    except _EndOfInput:
        console.print("\n(end of input: the questions not reached stay unanswered)")
    return answers, student


def _answer(console: Console, question: Question, current: Answer | None) -> Answer | None:
    default = "" if current is None else _typed(current)
    while True:
        typed = _ask(console, f"Your answer ({ASKS[question.kind]})", default)
        if typed == "-":
            return None
        parsed = parse_answer(question, typed)
        if not parsed.problem:
            return parsed.value
        console.print(f"[red]{escape(parsed.problem)}[/]")


def _typed(value: Answer) -> str:
    """An answer as it would be typed again: b, a c, c a d b, 0.731."""
    if isinstance(value, float):
        return f"{value:.12g}"
    return value if isinstance(value, str) else " ".join(value)
