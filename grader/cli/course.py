"""The instructor's and CI's commands: ``grade release``, ``grade batch``, ``grade ci``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.choices import Profile, Sandbox, names
from grader.cli import _friendly, _settings, _warn_fallback, exercise_path, main
from grader.errors import ExitCode


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-wheel", is_flag=True, help="Leave the grader's wheel out (students install it another way).")
@click.option("--notebooks", is_flag=True, help="Put the exercises in as Jupyter notebooks too.")
@click.option("--nbgrader", "nbgrader_dir", metavar="COURSE_DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Also write an nbgrader course (source/ with nbgrader's metadata) to COURSE_DIR: yours, not "
                   "the students'.")
@click.option("--gradescope", "gradescope_zip", metavar="ZIP", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write Gradescope's autograder zip (setup.sh, run_autograder, the course with its "
                   "solutions): yours, not the students'.")
@click.pass_context
@_friendly
def release(ctx: click.Context, folder: Path, no_wheel: bool, notebooks: bool, nbgrader_dir: Path | None,
            gradescope_zip: Path | None) -> None:
    """Instructors: write the student edition of the course to FOLDER (new or empty).

    Stubs, the quizzes' student copy, the case bank, the course settings, a student README and the
    grader's wheel; nothing of solutions/, the misconception library or the quiz keys.
    """
    from grader.release.edition import release as write_edition

    settings = _settings(ctx)
    edition = write_edition(settings.course, folder, wheel=not no_wheel, notebooks=notebooks)
    for note in edition.notes:
        click.secho(f"note: {note}", err=True, fg="yellow")
    click.echo(f"wrote the student edition to {folder}: {len(edition.files)} files, {edition.total_bytes / 1e6:.1f} "
               f"MB; its case bank: {edition.cases} published cases, {edition.answers} answers, "
               f"{edition.bank_bytes / 1e6:.2f} MB")
    if nbgrader_dir is not None:
        from grader.notebook import write_nbgrader_course

        click.echo(f"wrote the nbgrader course to {write_nbgrader_course(settings.course, nbgrader_dir)}")
    if gradescope_zip is not None:
        from grader.ci.autograder import build_autograder_zip

        wheels = sorted((folder / "wheels").glob("*.whl"))
        written = build_autograder_zip(settings.course, gradescope_zip, wheel=wheels[0] if wheels else None)
        click.echo(f"wrote Gradescope's autograder to {written} (the course's solutions are in it: keep it yours)")


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


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=None, required=False)
@click.option("--min-score", type=click.FloatRange(min=0), help="Exit 0 from this score up. Default: every point "
              "there is; GitHub Classroom's workflow gives 0 (its reporter fails the job).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML to this file.")
@click.option("--gradescope", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write Gradescope's results.json to this file.")
@click.pass_context
@_friendly
def ci(ctx: click.Context, path: Path | None, min_score: float | None, junit: Path | None,
       gradescope: Path | None) -> None:
    """Grade PATH in CI, as `grade --profile ci check` (or the --profile given): the text report and, under GitHub
    Actions, Classroom's result, a job summary and annotations. Exit 0 at --min-score or more, 1 below it, 2 usage
    error, 3 below it with checks that could not be graded."""
    import os

    from click.core import ParameterSource

    from grader.ci.run import run_ci

    if ctx.find_root().get_parameter_source("profile") is ParameterSource.DEFAULT:
        ctx.obj = {**ctx.obj, "profile": Profile.CI.value}
    path = exercise_path(path)
    run = run_ci(path, settings=_settings(ctx, start=path), environ=os.environ, min_score=min_score, junit=junit,
                 gradescope=gradescope)
    _warn_fallback(ctx, run.report.notes)
    click.echo(run.stdout, nl=False)
    sys.exit(int(run.exit_code))
