"""A report about code taken from a notebook, told in the notebook's terms.

The sandbox graded a module made of the notebook's cells (``grader.notebook.extract``), so its
messages name that module's file and lines: "lstm_numpy.py could not be imported: SyntaxError at
line 41", "(in forget_gate, line 12: ...)". Here each becomes the notebook and the cell the
learner sees: "lstm_numpy.ipynb could not be imported: SyntaxError at cell 9, line 3". Only the
exercises of that file are touched, and only what the grader wrote (messages, notes, reproduce
commands), never what the learner's code printed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from grader.notebook.extract import LineMap
from grader.results import CheckResult, ExerciseResult, Report

_LINE = re.compile(r"(?:(?P<file>[\w.-]+\.py) )?\bline (?P<line>\d+)\b")


@dataclass(frozen=True)
class Origin:
    """Where a graded module came from: the notebook (as the learner names it) and the map of its lines."""

    shown: str  # e.g. "lstm_numpy.ipynb", or "this notebook"
    lines: LineMap
    named: bool = True  # "lstm_numpy.py line 4" -> "lstm_numpy.ipynb cell 3, line 2" (False: "In [5], line 2")


def relocate(report: Report, origins: Mapping[str, Origin], notes: tuple[str, ...] = ()) -> Report:
    """``report`` with every message about a file in ``origins`` (track file -> Origin) told in the notebook's
    cells and lines, and ``notes`` added."""
    if not origins and not notes:
        return report
    exercises = tuple(_exercise(e, origins[e.file]) if e.file in origins else e for e in report.exercises)
    return dataclasses.replace(report, exercises=exercises, notes=(*report.notes, *notes))


def told(text: str, file: str, origin: Origin) -> str:
    """``text`` with the lines of ``file`` told as cells of ``origin``, and ``file`` named as the notebook."""
    def place(found: re.Match[str]) -> str:
        if found["file"] not in (None, file):
            return found[0]  # another file's line (a helper module beside the notebook)
        where = origin.lines.place(int(found["line"]))
        if not where:
            return found[0]
        return f"{origin.shown} {where}" if found["file"] and origin.named else where

    return re.sub(rf"(?<![\w.-]){re.escape(file)}\b", origin.shown, _LINE.sub(place, text)) if text else text


def _exercise(exercise: ExerciseResult, origin: Origin) -> ExerciseResult:
    checks = tuple(_check(c, exercise.file, origin) for c in exercise.checks)
    return dataclasses.replace(exercise, checks=checks, note=told(exercise.note, exercise.file, origin))


def _check(check: CheckResult, file: str, origin: Origin) -> CheckResult:
    return dataclasses.replace(check, message=told(check.message, file, origin),
                               reproduce=told(check.reproduce, file, origin))
