"""``grade``: the command line. The only package that imports click or exits.

Here the group and the learner's commands (check, selftest, config); ``grader.cli.quiz`` the quiz
command, ``grader.cli.course`` the instructor's and CI's (release, batch, ci).

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


def _settings(ctx: click.Context, *, start: Path | None = None, **overrides: Any) -> Any:
    """The settings of the course (``--course``, else found from ``start``, the path graded, or the working folder)."""
    from grader.config import load_settings

    return load_settings(ctx.obj["course"], ctx.obj["profile"], start=start).with_overrides(**overrides)


def exercise_path(path: Path | None) -> Path:
    """What ``grade check`` grades without a PATH: ./exercises where there is one, else the working folder when it
    holds an exercise file (a learner in the folder of lstm_numpy.py), else ./exercises (which then says it is
    missing)."""
    from grader.catalog import TRACKS
    from grader.notebook.cells import notebook_name

    if path is not None:
        return path
    if Path("exercises").is_dir():
        return Path("exercises")
    if any(Path(f).is_file() for info in TRACKS.values() for f in (info.file, notebook_name(info.file))):
        return Path(".")
    return Path("exercises")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
@click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The course folder: the instructor's (with solutions/) or a student edition, each with a "
                   "pyproject.toml. Default: found from the path graded or the working folder upwards.")
@click.option("--profile", type=click.Choice(names(Profile)), default=Profile.LOCAL.value, show_default=True,
              help="Settings profile from [tool.grader.profiles].")
@click.pass_context
def main(ctx: click.Context, course: Path | None, profile: str) -> None:
    """Auto-graded LSTM exercises: check your work, or grade a class."""
    ctx.obj = {"course": course, "profile": profile}


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=None, required=False)
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
def check(ctx: click.Context, path: Path | None, exercises: tuple[str, ...], fmt: str, output: Path | None,
          seed: int | None, device: str | None, sandbox: str | None) -> None:
    """Grade the exercise files in PATH (a folder or one file; default ./exercises, or the working folder when it
    holds lstm_numpy.py or lstm_torch.py, or their notebooks)."""
    from grader.api import check_submission
    from grader.report import render
    from grader.report.text import total_line
    from grader.scoring import exit_code

    path = exercise_path(path)
    settings = _settings(ctx, start=path, seed=seed, device=device, sandbox=sandbox)
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


import grader.cli.course  # noqa: E402 - its commands register on main
import grader.cli.quiz  # noqa: E402, F401
