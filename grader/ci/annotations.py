"""GitHub workflow commands: an ``::error`` annotation per failing check, at the learner's ``def`` line.

Escaping follows GitHub's rules for workflow commands (actions/toolkit ``command.ts``): in the
message ``%``, ``\\r`` and ``\\n``; in a property also ``:`` and ``,``. Checks of one exercise that
fail with the same message (every check of an exercise not implemented yet, or whose file did
not import) share one annotation. GitHub shows at most 10 error annotations per step, so they
come in the report's order, the exercises' own.

A submission's printed output reaches the text report, and GitHub reads a line starting with
``::`` on stdout as a command: ``fenced`` wraps such text in ``::stop-commands::`` with a token
the submission cannot know, so nothing in it is taken as a command.
"""

from __future__ import annotations

import secrets

from grader.ci.feedback import check_name, clip, feedback, is_problem
from grader.ci.locations import Locator, Place
from grader.results import CheckResult, Report

MESSAGE_BYTES = 4096  # an annotation's message, at most (the job log holds the whole report)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(place: Place, title: str, message: str) -> str:
    """One ``::error`` workflow command (a single line)."""
    properties = f"file={escape_property(place.file)},line={place.line},title={escape_property(title)}"
    return f"::error {properties}::{escape_data(clip(message, MESSAGE_BYTES))}"


def error_annotations(report: Report, locator: Locator) -> list[str]:
    """An ``::error`` command for each failing check (or group of checks failing alike) of ``report``."""
    commands = []
    for exercise in report.exercises:
        groups: dict[str, list[CheckResult]] = {}
        for check in exercise.checks:
            if is_problem(check):
                groups.setdefault(feedback(check), []).append(check)
        place = locator.place(exercise.file, exercise.id)
        for message, checks in groups.items():
            commands.append(error_command(place, _title(checks, len(exercise.checks)), message))
    return commands


def _title(checks: list[CheckResult], of: int) -> str:
    if len(checks) > 1 and len(checks) == of:
        return f"{checks[0].exercise}: all {of} checks"
    more = len(checks) - 1
    return check_name(checks[0]) + (f" (and {more} more check{'s' if more > 1 else ''} alike)" if more else "")


def fenced(text: str) -> str:
    """``text`` between ``::stop-commands::TOKEN`` and ``::TOKEN::``: GitHub runs no command in it."""
    token = secrets.token_hex(16)
    body = text if text.endswith("\n") else text + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"
