"""An nbgrader course of the lesson's notebooks, whose autograder cells grade in the grader's sandbox.

``write_nbgrader_course(course, out)`` writes::

    out/nbgrader_config.py        course id, cell timeout, and GRADER_COURSE: the course graded against
    out/source/lstm/lstm_numpy.ipynb, lstm_torch.ipynb

Each notebook is the lesson's (``grader.notebook.build``) with nbgrader's schema-v3 cell
metadata: the text cells locked; each exercise's cell a solution cell holding the solution from
``solutions/`` between ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (the instructor's source;
``nbgrader generate_assignment`` makes the students' stubs); after it, an autograder cell worth
the exercise's points in the grader's catalog, which runs ``grader.notebook.autograde.score``,
the hidden checks switched on between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``.
The code cells the students may change (the imports, the given ``sigmoid``, the ``%grade`` cell)
carry no nbgrader metadata, so nbgrader keeps what the student wrote there, as ``grade batch`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.catalog import TRACK_FILES, load_track
from grader.notebook.build import Part, lesson_parts, notebook, text_of
from grader.notebook.cells import notebook_name
from grader.notebook.solution_cells import extra_imports, with_solution

ASSIGNMENT = "lstm"
CELL_TIMEOUT = 600  # seconds; the first autograder cell of a notebook grades all of it

_CONFIG = '''"""nbgrader's settings for the LSTM course, written by grader.notebook.nbgrader_course.

The autograder cells grade each notebook's saved code in the grader's sandbox, against the course
in GRADER_COURSE (its solutions, hidden checks and [tool.grader] settings).
"""

import os

c = get_config()  # noqa: F821 (nbgrader's configuration loader provides it)
c.CourseDirectory.course_id = "{assignment}"
c.ExecutePreprocessor.timeout = {timeout}
os.environ.setdefault("GRADER_COURSE", {course!r})
'''


def write_nbgrader_course(course: Path, out: Path) -> Path:
    """Write the nbgrader course of ``course``'s notebooks to ``out``; returns ``out``."""
    source = out / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    for name, (file, _) in TRACK_FILES.items():
        book = source_notebook(course, name, file)
        (source / notebook_name(file)).write_text(text_of(book), encoding="utf-8")
    config = _CONFIG.format(assignment=ASSIGNMENT, timeout=CELL_TIMEOUT, course=str(course.resolve()))
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return out


def source_notebook(course: Path, track: str, file: str) -> Any:
    """The instructor's nbgrader notebook of ``file``: solutions in their regions, autograder cells, metadata."""
    solution = (course / "solutions" / file).read_text(encoding="utf-8")
    stub = (course / "exercises" / file).read_text(encoding="utf-8")
    points = {e.symbol: (e.id, e.max_points) for e in load_track(track).exercises}
    parts: list[Part] = []
    metadata: dict[str, dict[str, Any]] = {}
    for part in lesson_parts(course, file):
        if part.kind == "markdown":
            metadata[part.id] = _nbgrader(part.id, locked=True)
            parts.append(part)
        elif part.role == "imports":
            extra = extra_imports(stub, solution)
            parts.append(Part("code", part.id, "\n".join([part.source, *extra]), part.role))
        elif part.role == "symbol" and part.symbol in points:
            exercise, most = points[part.symbol]
            metadata[part.id] = _nbgrader(part.id, solution=True)
            parts.append(Part("code", part.id, with_solution(part.source, solution, part.symbol), part.role,
                              part.symbol))
            test = f"{exercise}-checks"
            metadata[test] = _nbgrader(test, grade=True, locked=True, points=most)
            parts.append(Part("code", test, autograder_cell(exercise, most), "test", part.symbol))
        else:
            parts.append(part)
    return notebook(parts, metadata)


def autograder_cell(exercise: str, points: float) -> str:
    """The autograder cell of ``exercise``: its last expression is the points it earned."""
    return (f"# The grader's checks of {exercise} ({points:g} points), run in its sandbox on this notebook's saved "
            "code:\n# save the notebook, then run this cell. The hidden checks run at grading time.\n"
            "from grader.notebook import autograde\n\n"
            "### BEGIN HIDDEN TESTS\nautograde.hidden_checks()\n### END HIDDEN TESTS\n"
            f"autograde.score({exercise!r})")


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
              points: float | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                            "solution": solution}
    if points is not None:
        cell["points"] = points
    return {"nbgrader": cell}
