"""``grade quiz``: grade quiz answers, answer in the terminal, templates, the student copy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from grader.choices import Format, names
from grader.cli import _friendly, _settings, main
from grader.errors import GraderError


@main.command()
@click.argument("answers", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--quiz", "quiz_id", metavar="ID",
              help="Grade (or ask) only this quiz. Default: every quiz the answers name.")
@click.option("--student", metavar="ID", envvar="GRADER_STUDENT",
              help="Your student id: it picks your own numbers in per-student questions (or set GRADER_STUDENT).")
@click.option("--format", "fmt", type=click.Choice(names(Format)), default=Format.TEXT.value,
              show_default=True, help="Report format (html: one self-contained page; use it with --output).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report (or the template, the quiz, the list) to this file instead of the terminal.")
@click.option("--quizzes", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="The quiz folder: the instructor's or a student copy. Default: the course's quizzes/.")
@click.option("--interactive", "-i", is_flag=True,
              help="Answer in the terminal and get graded; your answers are saved to ANSWERS if you give it.")
@click.option("--template", "template_id", metavar="QUIZ", help="Write an answers file to fill in for QUIZ.")
@click.option("--show", "show_id", metavar="QUIZ", help="Print QUIZ as you see it, with your own numbers.")
@click.option("--list", "list_quizzes", is_flag=True, help="List the quizzes, and the questions per topic.")
@click.option("--student-copy", "copy_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Instructors: write the quizzes without readable keys to DIR (needs the course secret: "
                   "GRADER_COURSE_SECRET or a quiz_secret file in the course).")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="With --student-copy: student ids, one per line, who may check per-student questions locally.")
@click.pass_context
@_friendly
def quiz(ctx: click.Context, answers: Path | None, quiz_id: str | None, student: str | None, fmt: str,
         output: Path | None, folder: Path | None, interactive: bool, template_id: str | None, show_id: str | None,
         list_quizzes: bool, copy_dir: Path | None, roster: Path | None) -> None:
    """Grade the quiz answers in ANSWERS (a TOML file), or answer a quiz in the terminal.

    \b
    grade quiz --list                          the quizzes
    grade quiz --template gates -o gates.toml  an answers file to fill in
    grade quiz gates.toml                      grade it (exit codes as for check)
    grade quiz --interactive gates.toml        answer in the terminal, save, grade
    grade quiz --show by-hand --student ID     your own numbers
    """
    from grader import api
    from grader.errors import UsageError

    given = {"ANSWERS": answers is not None and not interactive, "--interactive": interactive,
             "--template": template_id, "--show": show_id, "--list": list_quizzes, "--student-copy": copy_dir}
    modes = [name for name, value in given.items() if value]
    if len(modes) != 1:
        together = f" (not {' and '.join(modes)} together)" if modes else ""
        raise UsageError("give an ANSWERS file to grade, or one of --interactive, --template QUIZ, --show QUIZ, "
                         f"--list, --student-copy DIR{together}")
    if roster is not None and copy_dir is None:
        raise UsageError("--roster goes with --student-copy DIR")
    settings = _settings(ctx)
    where = {"settings": settings, "quizzes": folder}
    if copy_dir is not None:
        written = api.write_student_copy(directory=copy_dir, roster=roster, **where)
        count = f"{len(written)} quiz{'zes' if len(written) != 1 else ''}"
        click.echo(f"wrote the student copy of {count} to {copy_dir}: hashed keys, "
                   "no answers and no explanations in plain text")
        return
    if template_id or show_id or list_quizzes:
        if template_id:
            text = api.quiz_template(quiz=template_id, student=student, **where)
        elif show_id:
            text = api.show_quiz(quiz=show_id, student=student, **where)
        else:
            text = api.quiz_overview(**where)
        _quiz_emit(text, output, f"wrote {output}")
        return
    if interactive:
        from rich.console import Console

        typed, student = api.ask_quiz(console=Console(highlight=False), quiz=quiz_id, student=student, save=answers,
                                      **where)
        report = api.grade_quiz(answers=typed, quiz=next(iter(typed)), student=student, **where)
        if answers is not None:
            click.echo(f"saved your answers to {answers}")
    else:
        assert answers is not None
        report = api.grade_quiz(answers=answers, quiz=quiz_id, student=student, **where)
    _quiz_report(report, fmt, output)


def _quiz_report(report: Any, fmt: str, output: Path | None) -> None:
    from grader.quiz.render import quiz_total_line, report_text
    from grader.report import render
    from grader.scoring import exit_code

    color = output is None and fmt == Format.TEXT and sys.stdout.isatty()
    text = report_text(report, color=color) if fmt == Format.TEXT else render(report, fmt)
    _quiz_emit(text, output, f"wrote {output}: {quiz_total_line(report)}")
    sys.exit(int(exit_code(report)))


def _quiz_emit(text: str, output: Path | None, done: str) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise GraderError(f"{output}: cannot write it ({error.strerror})") from None
    click.echo(done)
