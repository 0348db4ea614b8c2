"""Quizzes in the terminal: the graded report (every question with its explanation), a quiz as a
learner sees it (``--show``, also the interactive prompts), and the list of quizzes."""

from __future__ import annotations

import io
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.markup import escape

from grader.quiz.model import KINDS, TOPICS, Question, Quiz
from grader.results import CheckResult, Report, Status


def _mark(check: CheckResult) -> tuple[str, str]:
    if check.status is Status.PASSED:
        return "✔", "green"
    if check.status is Status.SKIPPED:
        return "-", "dim"
    if check.status is Status.ERROR:
        return "!", "magenta"
    return ("◐", "yellow") if check.points > 0 else ("✘", "red")


def _console(buffer: io.StringIO, color: bool, width: int) -> Console:
    return Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                   soft_wrap=True)


def report_text(report: Report, *, color: bool = False, width: int = 100) -> str:
    """Every question: its mark and points, what was right or wrong, and its explanation."""
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    who = report.environment.get("student") or "no student id"
    console.print(f"[bold]grade quiz[/] {escape(report.submission)}  ({escape(who)}, "
                  f"{escape(report.environment.get('quizzes', ''))})")
    for exercise in report.exercises:
        console.print()
        score = f"{exercise.points:g}/{exercise.max_points:g}"
        console.print(f"[bold]{escape(exercise.id)}[/]  {escape(exercise.title)}  [bold]{score}[/]")
        if exercise.note:
            console.print(f"  [yellow]{escape(exercise.note)}[/]")
        for number, check in enumerate(exercise.checks, start=1):
            mark, style = _mark(check)
            head = f"{number:>2}. {check.id} ({check.points:g}/{check.max_points:g})  {check.title}"
            first, *rest = _wrap(head, width, 8, 4)
            console.print(f"  [{style}]{mark}[/] {escape(first[4:])}")
            for line in rest + _wrap(check.message, width, 8, 8):
                console.print(escape(line))
            if check.hint:
                why, *more = _wrap("why: " + check.hint, width, 8, 8)
                console.print(f"        [dim]why:[/]{escape(why[12:])}")
                for line in more:
                    console.print(escape(line))
    console.print()
    total, *more = _wrap(f"Total: {quiz_total_line(report)}.", width, 0)
    console.print(f"[bold]Total:[/]{escape(total[6:])}")
    for line in more + [line for note in report.notes for line in _wrap(note, width, 2)]:
        console.print(f"[dim]{escape(line)}[/]")
    return buffer.getvalue()


def _wrap(text: str, width: int, indent: int, first: int = 0) -> list[str]:
    """``text`` wrapped to ``width``, every line after the first indented by ``indent`` (the first by ``first``)."""
    return textwrap.wrap(text, width, initial_indent=" " * first, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False) or [" " * first]


def quiz_total_line(report: Report) -> str:
    checks = report.checks()
    right = sum(1 for c in checks if c.status is Status.PASSED)
    partly = sum(1 for c in checks if c.status is Status.FAILED and c.points > 0)
    wrong = sum(1 for c in checks if c.status is Status.FAILED and c.points == 0)
    later = sum(1 for c in checks if c.status is Status.SKIPPED)
    parts = [f"{report.points:g}/{report.max_points:g} points", f"{right} of {len(checks) - later} questions right"]
    if partly:
        parts.append(f"{partly} partly right")
    if wrong:
        parts.append(f"{wrong} not right")
    if later:
        parts.append(f"{later} graded when you hand in, not counted here")
    return "; ".join(parts)


def question_lines(question: Question, number: int, prompt: str | None = None) -> list[str]:
    """A question as a learner reads it (plain text): header, prompt, lettered choices or items."""
    points = f"{question.points:g} point{'s' if question.points != 1 else ''}"
    how = KINDS[question.kind] + (", pick one or more" if question.kind == "multiple" else "")
    if question.kind == "ordering":
        how += ", put all of them in order"
    if question.tolerance is not None:
        how += f", {question.tolerance.describe()}"
    lines = [f"{number}. {question.id} ({how}; {points})"]
    lines += ["   " + line for line in (prompt or question.prompt).splitlines()]
    lines += [f"     {question.label(letter)}" for letter in question.letters]
    return lines


def show_text(quiz: Quiz, prompts: Mapping[str, str], student: str | None) -> str:
    """The quiz as ``student`` sees it, with their own numbers, and how to answer."""
    who = f" (student {student})" if student else ""
    lines = [f"Quiz {quiz.id}: {quiz.title}{who}", f"{len(quiz.questions)} questions, {quiz.max_points:g} points. "
             f"Answer in a file (grade quiz --template {quiz.id}) or in the terminal (grade quiz --interactive).", ""]
    for number, question in enumerate(quiz.questions, start=1):
        lines += [*question_lines(question, number, prompts.get(question.id)), ""]
    return "\n".join(lines)


def list_text(quizzes: Sequence[Quiz]) -> str:
    """Each quiz with its questions, points and topics, and the questions per topic overall."""
    lines = []
    for quiz in quizzes:
        extra = ", per-student numbers" if quiz.per_student else ""
        copy = ", student copy" if quiz.student_copy else ""
        lines.append(f"{quiz.id:<16} {quiz.title} ({len(quiz.questions)} questions, {quiz.max_points:g} points"
                     f"{extra}{copy})")
    topics = Counter(q.topic for quiz in quizzes for q in quiz.questions)
    lines += ["", f"{sum(topics.values())} questions by topic:"]
    lines += [f"  {topics.get(topic, 0):>3}  {topic}: {what}" for topic, what in TOPICS.items()]
    return "\n".join(lines) + "\n"
