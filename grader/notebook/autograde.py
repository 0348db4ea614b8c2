"""What an nbgrader autograder cell runs: the grader's verdict on one exercise, as nbgrader's partial credit.

Each autograder cell of the course (``grader.notebook.nbgrader_course``) ends in
``score("forget_gate")``. That grades the notebook's *saved code*, read from its file beside the
kernel's working folder (at ``nbgrader autograde``, the sanitized copy, with the course's own
cells put back), in the grader's sandbox, like ``grade batch``: never the objects in the
student's kernel. The first cell grades the whole notebook; the others reuse that grading
(cached per file and content). The cell prints the feedback for its exercise (hidden checks:
their title, outcome and hint only) and evaluates to the points as a plain ``float`` in
``[0, points]``: nbgrader reads the cell's value as partial credit (a numpy scalar or a tensor
would be misread as full marks), and scores any output on stderr 0, so nothing is written there.

``hidden_checks()`` sits in each cell's hidden-tests region: at autograde the hidden checks run
too, with ``grade batch``'s settings; in the students' copy that line is gone, and a run grades
what ``grade check`` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_state = {"hidden": False}
_cache: dict[tuple[str, int, int, bool], Any] = {}


def hidden_checks() -> None:
    """Grade with every check, hidden ones too (the hidden-tests region of each autograder cell)."""
    _state["hidden"] = True


def score(exercise: str, folder: Path | None = None) -> float:
    """Print ``exercise``'s feedback and return its points (``folder``: where the notebook is; default: here)."""
    with _quiet():
        try:
            points, feedback = _graded(exercise, folder or Path.cwd())
        except Exception as error:  # told in the cell's output, and scored 0 (fail closed)
            from grader.errors import GraderError

            why = str(error) if isinstance(error, GraderError) else f"{type(error).__name__}: {error}"
            points, feedback = 0.0, f"{exercise}: could not be graded, so it scores 0: {why}"
    print(feedback)
    return points


def _graded(exercise: str, folder: Path) -> tuple[float, str]:
    from grader.catalog import find_exercise
    from grader.notebook.cells import notebook_name

    track, wanted = find_exercise(exercise)
    path = folder / notebook_name(track.file)
    if not path.is_file():
        return 0.0, (f"{exercise}: {path.name} is not in {folder}, so nothing was graded (the autograder grades the "
                     "saved notebook of that name)")
    report = _report(path, _state["hidden"])
    result = next(e for e in report.exercises if e.id == exercise)
    points = min(wanted.max_points, max(0.0, round(float(result.points), 6)))
    return float(points), _feedback(report, result)


def _report(path: Path, hidden: bool) -> Any:
    """The notebook's report, graded once per file content and kind of run."""
    info = path.stat()
    key = (str(path.resolve()), info.st_mtime_ns, info.st_size, hidden)
    if key not in _cache:
        from grader.api import check_submission
        from grader.batch.jobs import grading_settings
        from grader.config import load_settings
        from grader.notebook.kernel import COURSE_VARIABLE

        course = os.environ.get(COURSE_VARIABLE)
        settings = load_settings(Path(course) if course else None, start=path)
        settings = grading_settings(settings) if hidden else settings
        _cache[key] = check_submission(path, settings=settings, jobs=1, label=path.name, reproduce_by_file=True)
    return _cache[key]


def _feedback(report: Any, exercise: Any) -> str:
    """The text report of one exercise, a check that is not visible told by its title, outcome and hint only."""
    from grader.report.text import to_text

    checks = tuple(c if c.visibility == "visible" else dataclasses.replace(
        c, message="", tolerance=None, counterexample=None, diagnosis=None, output="", reproduce="")
        for c in exercise.checks)
    one = dataclasses.replace(report, exercises=(dataclasses.replace(exercise, checks=checks),), notes=())
    return to_text(one).split("\n\nTotal:")[0].rstrip()  # the exercise's own lines: its score heads them


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Nothing reaches stderr, not a warning, nor a child process's line (nbgrader would score the cell 0)."""
    sys.stderr.flush()
    saved, sink = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 2)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)
