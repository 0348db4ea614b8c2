"""``grade ci``: grade once, write every CI output from that one report, and decide the exit code.

The report comes from ``grader.api.check_submission`` with the settings ``grade --profile ci
check`` uses; nothing here grades. From it:

- ``$GITHUB_OUTPUT`` (when set): ``result=<base64>``, GitHub Classroom's runner result;
- ``$GITHUB_STEP_SUMMARY`` (when set): the Markdown summary;
- ``junit`` / ``gradescope`` (when given): JUnit XML, Gradescope's results.json;
- stdout: the text report as ``grade check`` prints it and, under GitHub Actions
  (``$GITHUB_ACTIONS`` is ``true``), the ``::error`` annotations, after the report, which is fenced
  with ``::stop-commands::`` so nothing the submission printed is run as a workflow command.

Exit codes: 0 when the score reaches ``min_score`` (default: every point there is), else 3 when some
check could not be graded and 1 when not; an error that grades nothing (a missing file: 2) still
leaves a result saying why in ``$GITHUB_OUTPUT`` and the Gradescope file, then propagates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.api import check_submission
from grader.ci.annotations import error_annotations, fenced
from grader.ci.classroom import classroom_result, error_result, write_output
from grader.ci.junit import write_junit
from grader.ci.locations import Locator
from grader.ci.summary import append_summary, escape, summary
from grader.config import Settings
from grader.errors import ExitCode, GraderError, UsageError
from grader.report import render
from grader.results import Report, Status

GITHUB_OUTPUT, STEP_SUMMARY = "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"
WORKSPACE, ACTIONS = "GITHUB_WORKSPACE", "GITHUB_ACTIONS"


@dataclass(frozen=True)
class CiRun:
    report: Report
    stdout: str  # what to print
    exit_code: ExitCode
    minimum: float  # the score it had to reach


def run_ci(path: Path, *, settings: Settings, environ: Mapping[str, str], min_score: float | None = None,
           junit: Path | None = None, gradescope: Path | None = None) -> CiRun:
    """Grade ``path`` and write the CI outputs ``environ`` (the process's environment) and the options ask for."""
    try:
        report = check_submission(path, settings=settings)
    except GraderError as error:
        _record_failure(str(error), f"grade ci {path}", environ, gradescope)
        raise
    locator = Locator.for_submission(path, environ.get(WORKSPACE))
    if environ.get(GITHUB_OUTPUT):
        write_output(Path(environ[GITHUB_OUTPUT]), classroom_result(report, locator))
    if environ.get(STEP_SUMMARY):
        append_summary(Path(environ[STEP_SUMMARY]), summary(report, title=f"grade ci {locator.display(path)}"))
    if junit is not None:
        write_junit(junit, report, locator)
    if gradescope is not None:
        _write(gradescope, render(report, "gradescope"), "Gradescope's results.json")
    minimum = report.max_points if min_score is None else min_score
    reached = round(report.points, 6) >= round(minimum, 6)
    code = ExitCode.OK if reached else ExitCode.UNGRADABLE if _ungraded(report) else ExitCode.FAILED
    verdict = "reached" if reached else "not reached"
    text = render(report, "text") + f"Minimum score {minimum:g}: {verdict} ({report.points:g}/{report.max_points:g}).\n"
    if environ.get(ACTIONS) == "true":
        text = fenced(text) + "".join(command + "\n" for command in error_annotations(report, locator))
    return CiRun(report, text, code, minimum)


def _ungraded(report: Report) -> bool:
    return any(check.status is Status.ERROR for check in report.checks())


def _record_failure(reason: str, command: str, environ: Mapping[str, str], gradescope: Path | None) -> None:
    """Where nothing could be graded, the outputs CI reads still say why (best effort: the error is what counts)."""
    try:
        if environ.get(GITHUB_OUTPUT):
            write_output(Path(environ[GITHUB_OUTPUT]), error_result(reason, command))
        if environ.get(STEP_SUMMARY):
            append_summary(Path(environ[STEP_SUMMARY]), f"## {escape(command)}\n\n**Not graded:** {escape(reason)}\n")
        if gradescope is not None:
            results = {"score": 0, "output": f"Not graded: {reason}", "stdout_visibility": "hidden", "tests": []}
            _write(gradescope, json.dumps(results, indent=2) + "\n", "Gradescope's results.json")
    except GraderError:
        pass


def _write(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write {what} ({error.strerror})") from None
