"""The parts of an assignment an instructor names (``parts`` in ``[tool.grader]``, or ``grade batch --part``).

By default a batch scores every graded student out of what the class handed in (each exercise and
quiz any graded student has: ``classstats.part_maxima``). Naming the parts fixes the assignment
instead: a code file stands for every exercise in it (``lstm_numpy.py``), an exercise for itself
(``lstm_cell_backward``), a quiz is ``quiz:<id>`` (or its bare id). A part nobody submitted then
still counts, at the points the catalog or the quiz file gives it, and a part a student submitted
beyond the assignment counts nothing (they still see its feedback).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import TRACKS, load_track
from grader.errors import UsageError

QUIZ = "quiz:"


@dataclass(frozen=True)
class Part:
    title: str
    file: str  # the learner's file: lstm_numpy.py, or the quiz's answers file (gates.toml)
    points: float  # the catalog's points of every check, or the quiz file's


def named_parts(names: Sequence[str], course: Path) -> dict[str, Part]:
    """``names`` resolved into parts (exercise ids, and ``quiz:<id>``), in the order named; a name that is
    no code file, exercise or quiz of ``course`` is a ``UsageError`` that lists what there is."""
    exercises = {e.id: (e, track.file) for name in TRACKS for track in [load_track(name)] for e in track.exercises}
    files = {info.file for info in TRACKS.values()}
    quizzes: dict[str, Part] | None = None
    found: dict[str, Part] = {}
    for name in names:
        if name in files:
            found.update({id: Part(e.title, file, e.max_points) for id, (e, file) in exercises.items() if file == name})
        elif name in exercises:
            exercise, file = exercises[name]
            found[name] = Part(exercise.title, file, exercise.max_points)
        elif name.removeprefix(QUIZ) in (quizzes := _quizzes(course) if quizzes is None else quizzes):
            id = name.removeprefix(QUIZ)
            found[QUIZ + id] = quizzes[id]
        else:
            raise UsageError(
                f"the assignment's part {name!r} (--part, or parts in [tool.grader]) is not a code file "
                f"({', '.join(sorted(files))}), an exercise ({', '.join(exercises)}) or a quiz "
                f"({', '.join(QUIZ + q for q in quizzes or {}) or 'the course has none'})")
    return found


def points(named: Mapping[str, Part] | None) -> dict[str, float] | None:
    """Each named part's points, as ``classstats`` takes them (None: the assignment is the class's)."""
    return None if named is None else {id: part.points for id, part in named.items()}


def _quizzes(course: Path) -> dict[str, Part]:
    """The course's quizzes (none without a quiz folder; a quiz file it cannot read is an ``InputError``)."""
    from grader.quiz.loader import load_folder

    folder = course / "quizzes"
    if not any(folder.glob("*.toml")):
        return {}
    return {q.id: Part(q.title, f"{q.id}.toml", q.max_points) for q in load_folder(folder)}
