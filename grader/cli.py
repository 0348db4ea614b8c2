"""``grade``: the command line. The only module that imports click or exits.

Every command forwards to a keyword-only function in ``grader.api`` and renders what it
returns. Exit codes (grader.errors.ExitCode): 0 every graded check passed, 1 some checks
failed, 2 usage or input error, 3 some checks could not be graded (``grade batch``: 0 every
student graded, 2 usage error, 3 some students could not be graded).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from grader import __version__
from grader.choices import Device, Format, Profile, Sandbox, names
from grader.errors import ExitCode, GraderError

F = TypeVar("F", bound=Callable[..., Any])


def _friendly(command: F) -> F:
    """Turn the grader's own errors into one 'Error: ...' line and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GraderError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(int(error.exit_code))

    return wrapper  # type: ignore[return-value]


def _settings(ctx: click.Context, **overrides: Any) -> Any:
    from grader.config import load_settings

    return load_settings(ctx.obj["course"], ctx.obj["profile"]).with_overrides(**overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
@click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The course folder (holding solutions/ and pyproject.toml). Default: this course.")
@click.option("--profile", type=click.Choice(names(Profile)), default=Profile.LOCAL.value, show_default=True,
              help="Settings profile from [tool.grader.profiles].")
@click.pass_context
def main(ctx: click.Context, course: Path | None, profile: str) -> None:
    """Auto-graded LSTM exercises: check your work, or grade a class."""
    ctx.obj = {"course": course, "profile": profile}


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("exercises"), required=False)
@click.option("--exercise", "-e", "exercises", metavar="ID", multiple=True,
              help="Grade only this exercise (e.g. forget_gate); repeat it for several.")
@click.option("--format", "fmt", type=click.Choice(names(Format)), default=Format.TEXT.value,
              show_default=True, help="Report format (html: one self-contained page; use it with --output).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of the terminal.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the generated cases (default from settings).")
@click.option("--device", type=click.Choice(names(Device)),
              help="Torch checks: auto adds GPU checks where CUDA is present (default from settings).")
@click.option("--sandbox", type=click.Choice(names(Sandbox)),
              help="Isolation: auto picks bwrap where bubblewrap works (default from settings).")
@click.pass_context
@_friendly
def check(ctx: click.Context, path: Path, exercises: tuple[str, ...], fmt: str, output: Path | None,
          seed: int | None, device: str | None, sandbox: str | None) -> None:
    """Grade the exercise files in PATH (a folder, default ./exercises, or one file)."""
    from grader.api import check_submission
    from grader.report import render
    from grader.report.text import total_line
    from grader.scoring import exit_code

    settings = _settings(ctx, seed=seed, device=device, sandbox=sandbox)
    report = check_submission(path, exercise=list(exercises) or None, settings=settings)
    _warn_fallback(ctx, report.notes)
    color = output is None and fmt == Format.TEXT and sys.stdout.isatty()
    text = render(report, fmt, color=color)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise GraderError(f"{output}: cannot write the report ({error.strerror})") from None
        click.echo(f"wrote {output}: {total_line(report)}")
    else:
        click.echo(text, nl=False)
    sys.exit(int(exit_code(report)))


def _warn_fallback(ctx: click.Context, notes: tuple[str, ...]) -> None:
    """Grading others' code (ci and exam profiles) must not fall back to the process level quietly."""
    from grader.sandbox.isolation import FALLBACK

    if FALLBACK in notes and ctx.obj["profile"] in (Profile.CI, Profile.EXAM):
        click.secho(f"WARNING: {FALLBACK}", err=True, fg="yellow", bold=True)


@main.command()
@click.pass_context
@_friendly
def selftest(ctx: click.Context) -> None:
    """Check the course itself: every solution scores full marks, every stub scores 0."""
    from grader.api import self_test

    lines = self_test(settings=_settings(ctx))
    for line in lines:
        mark = click.style("✔", fg="green") if line.ok else click.style("✘", fg="red")
        click.echo(f"{mark} {line.what} ({line.detail})")
    ok = all(line.ok for line in lines)
    click.echo("selftest passed" if ok else "selftest FAILED")
    sys.exit(int(ExitCode.OK if ok else ExitCode.FAILED))


@main.command("config")
@click.pass_context
@_friendly
def show_config(ctx: click.Context) -> None:
    """Print the resolved settings and where each value comes from."""
    from grader.config import describe

    for name, value, source in describe(_settings(ctx)):
        click.echo(f"{name:<20} {value:<40} {source}")


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


@main.command()
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder: gradebook, grades.csv, students/, report.html. Default: DIR-graded beside DIR.")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
              help="Students graded at once on this machine. Default: one per CPU core.")
@click.option("--sandbox", type=click.Choice(names(Sandbox)),
              help="Isolation of each submission: auto picks bwrap where bubblewrap works (default from settings).")
@click.option("--regrade", is_flag=True, help="Grade every student again, even those whose files did not change.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on an existing dask.distributed cluster, e.g. tcp://10.0.0.5:8786.")
@click.option("--assignment", metavar="NAME",
              help="nbgrader layout (submitted/<student>/<assignment>/): the assignment to grade.")
@click.option("--part", "parts", metavar="PART", multiple=True,
              help="A part of the assignment everyone is scored out of: a code file (lstm_numpy.py), an exercise "
                   "(lstm_cell_backward) or a quiz (quiz:gates); repeat it. Default: [tool.grader] parts, else "
                   "every part any student submitted.")
@click.option("--student", "students", metavar="ID", multiple=True,
              help="Grade only this student (repeat it for several), e.g. with --regrade; the others keep their "
                   "grades, and the exports still hold everyone.")
@click.option("--forget", "forget", metavar="ID", multiple=True,
              help="Take this student out of the grades and the exports, e.g. one who left the course (the "
                   "gradebook's history keeps their grade); their folder must be gone from DIR. Repeat it for "
                   "several.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the generated cases (default from settings).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table: only problems, then the exit code.")
@click.pass_context
@_friendly
def batch(ctx: click.Context, directory: Path, out: Path | None, workers: int | None, sandbox: str | None,
          regrade: bool, scheduler: str | None, assignment: str | None, parts: tuple[str, ...],
          students: tuple[str, ...], forget: tuple[str, ...], seed: int | None, quiet: bool) -> None:
    """Grade every student folder in DIR (one folder per student, named by the student id).

    Exit codes: 0 every student graded, 2 usage error, 3 some students could not be graded (with --student:
    some of those).
    Running it again grades only what changed; the gradebook keeps every grade.
    """
    from rich.console import Console

    from grader.batch.console import counts, incomplete, problems, results_table, watching
    from grader.batch.run import run_batch

    settings = _settings(ctx, seed=seed, sandbox=sandbox, parts=parts or None)
    console = Console(stderr=quiet)
    with watching(console, quiet=quiet) as watch:
        outcome = run_batch(directory, out=out, settings=settings, workers=workers, regrade=regrade,
                            scheduler=scheduler, assignment=assignment, students=students, forget=forget,
                            started=watch.start, finished=watch.advance)
    if not quiet:
        console.print(results_table(outcome))
        click.echo(counts(outcome))
        line = incomplete(outcome)
        if line:
            click.echo(line)
    for line in problems(outcome):
        click.echo(line, err=quiet)
    if outcome.export_problem:
        click.echo(f"Error: {outcome.export_problem}", err=True)
    if not quiet:
        out = outcome.out  # DIR-graded beside DIR, unless --out named another
        click.echo(f"wrote {out}/grades.csv, {out}/students/, {out}/report.html (gradebook: {out}/gradebook.sqlite)")
    failed = outcome.not_graded or outcome.export_problem
    sys.exit(int(ExitCode.UNGRADABLE if failed else ExitCode.OK))
