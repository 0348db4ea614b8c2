"""``%load_ext grader`` and ``%grade`` (or ``grader.notebook.check()``) inside Jupyter.

``%grade`` grades the code this kernel holds now (``grader.notebook.history``: the latest
definition of each function and class run, and what they use), never the kernel's objects: the
code is written to a private folder and graded there exactly as ``grade check`` grades a file,
in the sandbox, with this course's settings. The feedback page (``grade check --format html``'s)
is shown below the cell in a frame of its own, so its styles stay out of the notebook's.

``%grade [EXERCISE ...] [--seed N]``: only those exercises; other generated cases.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shlex
import tempfile
from pathlib import Path
from typing import Any

from grader.errors import GraderError, UsageError
from grader.notebook.extract import Extracted
from grader.notebook.history import current_code
from grader.notebook.lines import Origin, relocate
from grader.results import Report

LABEL = "this notebook"
COURSE_VARIABLE = "GRADER_COURSE"  # the course to grade against, where it is not the installed grader's
_REPRODUCE = re.compile(r"grade check .* --seed (?P<seed>\d+) --exercise (?P<exercise>\S+)$")


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magic_function(_magic, magic_kind="line", magic_name="grade")


def check(*exercises: str, seed: int | None = None) -> None:
    """Grade the kernel's current code and show the feedback page (a one-line message for a usage error)."""
    from IPython import get_ipython
    from IPython.display import display

    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        print("%grade does not run while nbgrader grades: the autograder cells grade this notebook.")
        return
    ipython = get_ipython()
    if ipython is None:
        raise UsageError("grader.notebook.check() grades a notebook from inside Jupyter; in a terminal, run "
                         "grade check NOTEBOOK.ipynb")
    try:
        report = grade_code(current_code(ipython.history_manager.input_hist_raw), exercises, seed)
    except GraderError as error:
        print(f"Error: {error}")
        return
    if report is not None:  # the text report where the front end shows no HTML (a terminal's IPython)
        from grader.report.text import to_text

        show: Any = display  # untyped
        show({"text/html": framed(page(report)), "text/plain": to_text(report)}, raw=True)


def grade_code(extracted: Extracted, exercises: tuple[str, ...] = (), seed: int | None = None) -> Report | None:
    """The report of ``extracted`` (graded as each track whose exercises it defines); None, with a sentence
    printed, when it defines none of them yet."""
    from grader.api import check_submission
    from grader.catalog import TRACK_FILES, find_exercise, load_track
    from grader.config import load_settings

    symbols = {info[0]: {e.symbol for e in load_track(name).exercises} for name, info in TRACK_FILES.items()}
    defined = extracted.defines()
    files = [file for file, names in symbols.items() if names & defined]
    if not files:
        every = ", ".join(sorted(set().union(*symbols.values())))
        print(f"Nothing to grade yet: run the cells that define the exercises ({every}), then %grade again.")
        return None
    for exercise in exercises:
        track, wanted = find_exercise(exercise)
        if track.file not in files:
            raise UsageError(f"{wanted.symbol} is not defined in this notebook yet: run its cell, then "
                             f"%grade {exercise}")
    course = os.environ.get(COURSE_VARIABLE)
    settings = load_settings(Path(course) if course else None).with_overrides(seed=seed)
    with tempfile.TemporaryDirectory(prefix="grade-notebook-") as folder:
        for file in files:
            (Path(folder) / file).write_text(extracted.code, encoding="utf-8")
        report = check_submission(Path(folder), exercise=list(exercises) or None, settings=settings, jobs=1,
                                  label=LABEL)
    origin = Origin(LABEL, extracted.lines, named=False)
    return _reproduced(relocate(report, dict.fromkeys(files, origin)))


def page(report: Report) -> str:
    """The feedback page, as ``grade check --format html`` writes it (headed by the submission, not a command)."""
    from grader.report.html import to_html

    return to_html(report, command=False)


def framed(document: str) -> str:
    """``document`` in an iframe of its own (its CSS would restyle the notebook), as tall as its content where
    the notebook runs the frame's onload (a trusted notebook); 640 px where not."""
    return (f'<iframe srcdoc="{html.escape(document, quote=True)}" title="LSTM feedback" '
            'style="width: 100%; height: 640px; border: 1px solid #d0d7de; border-radius: 6px;" '
            "onload=\"this.style.height = (this.contentDocument.documentElement.scrollHeight + 24) + 'px'\">"
            "</iframe>")


def _magic(line: str) -> None:
    """%grade [EXERCISE ...] [--seed N]: grade the exercises you have run in this notebook."""
    try:
        exercises, seed = _arguments(line)
    except UsageError as error:
        print(f"Error: {error}")
        return
    check(*exercises, seed=seed)


def _arguments(line: str) -> tuple[tuple[str, ...], int | None]:
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise UsageError(f"%grade {line}: {error}") from None
    seed = None
    if "--seed" in words:
        at = words.index("--seed")
        if at + 1 >= len(words) or not words[at + 1].isdigit():
            raise UsageError("--seed needs a whole number: %grade --seed 3")
        seed = int(words[at + 1])
        del words[at : at + 2]
    unknown = [w for w in words if w.startswith("-")]
    if unknown:
        raise UsageError(f"%grade has no option {unknown[0]}: use %grade [EXERCISE ...] [--seed N]")
    return tuple(words), seed


def _reproduced(report: Report) -> Report:
    """Reproduce commands as the learner gives them here: ``%grade forget_gate --seed 0``."""
    def magic(text: str) -> str:
        return _REPRODUCE.sub(lambda m: f"%grade {m['exercise']} --seed {m['seed']}", text)

    exercises = tuple(dataclasses.replace(e, checks=tuple(dataclasses.replace(c, reproduce=magic(c.reproduce))
                                                          for c in e.checks)) for e in report.exercises)
    return dataclasses.replace(report, exercises=exercises)
