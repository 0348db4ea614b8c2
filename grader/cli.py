"""``grade``: the command line. The only module that imports click or exits.

Every command forwards to a keyword-only function in ``grader.api`` and renders what it
returns. Exit codes (grader.errors.ExitCode): 0 every graded check passed, 1 some checks
failed, 2 usage or input error, 3 some checks could not be graded.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from grader import __version__
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
@click.option("--profile", type=click.Choice(["local", "ci", "exam"]), default="local", show_default=True,
              help="Settings profile from [tool.grader.profiles].")
@click.pass_context
def main(ctx: click.Context, course: Path | None, profile: str) -> None:
    """Auto-graded LSTM exercises: check your work, or grade a class."""
    ctx.obj = {"course": course, "profile": profile}


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("exercises"), required=False)
@click.option("--exercise", "-e", "exercises", metavar="ID", multiple=True,
              help="Grade only this exercise (e.g. forget_gate); repeat it for several.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "gradescope", "html"]), default="text",
              show_default=True, help="Report format (html: one self-contained page; use it with --output).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of the terminal.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the generated cases (default from settings).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]),
              help="Torch checks: auto adds GPU checks where CUDA is present (default from settings).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "process"]),
              help="Isolation: auto picks bwrap where bubblewrap works (default from settings).")
@click.pass_context
@_friendly
def check(ctx: click.Context, path: Path, exercises: tuple[str, ...], fmt: str, output: Path | None,
          seed: int | None, device: str | None, sandbox: str | None) -> None:
    """Grade the exercise files in PATH (a folder, default ./exercises, or one file)."""
    from grader.api import check_submission
    from grader.report import render
    from grader.report.text import summary
    from grader.scoring import exit_code

    settings = _settings(ctx, seed=seed, device=device, sandbox=sandbox)
    report = check_submission(path, exercise=list(exercises) or None, settings=settings)
    _warn_fallback(ctx, report.notes)
    color = output is None and fmt == "text" and sys.stdout.isatty()
    text = render(report, fmt, color=color)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise GraderError(f"{output}: cannot write the report ({error.strerror})") from None
        click.echo(f"wrote {output}: {summary(report)}")
    else:
        click.echo(text, nl=False)
    sys.exit(int(exit_code(report)))


def _warn_fallback(ctx: click.Context, notes: tuple[str, ...]) -> None:
    """Grading others' code (ci and exam profiles) must not fall back to the process level quietly."""
    from grader.isolation import FALLBACK

    if FALLBACK in notes and ctx.obj["profile"] in ("ci", "exam"):
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
