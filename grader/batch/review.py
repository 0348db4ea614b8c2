"""What an instructor should know about a graded student beyond the points, in a few sentences.

A score alone does not say why it is low for reasons other than the learner's gates being
wrong: a file that does not import, the untouched stub, a function renamed away, or checks that
could not be graded (an endless loop, a crash, too much memory). ``review`` reads the student's
code report and says so, once per file where the whole file ended the same way, so the CSV's
note column and the summary's lines point the instructor at the students worth a look.
"""

from __future__ import annotations

from collections.abc import Collection

from grader.batch.records import StudentRecord
from grader.results import COULD_NOT_GRADE, NOT_IMPLEMENTED, ExerciseResult, Status
from grader.sandbox.session import NOT_RUN_AGAIN


def review(record: StudentRecord, parts: Collection[str] | None = None) -> list[str]:
    """Sentences about ``record``'s code report: whole-file problems, exercise problems (a missing or
    misshapen function), and the checks that could not be graded, with their causes; about the
    exercises among ``parts`` only, where given (those of an assignment the instructor named)."""
    exercises = [e for e in (record.report.exercises if record.report else ()) if parts is None or e.id in parts]
    lines: list[str] = []
    told: set[str] = set()
    by_file: dict[str, list[ExerciseResult]] = {}
    for exercise in exercises:
        by_file.setdefault(exercise.file, []).append(exercise)
    for file, group in by_file.items():
        notes = {e.note for e in group}
        note = notes.pop() if len(notes) == 1 else ""
        if note and not note.startswith(COULD_NOT_GRADE):  # ungraded checks are counted with their causes below
            lines.append(note if not file or note.startswith(file) else f"{file}: {note}")
            told.update(e.id for e in group)
    for exercise in exercises:
        note = exercise.note
        if exercise.id not in told and note and note != NOT_IMPLEMENTED and not note.startswith(COULD_NOT_GRADE):
            lines.append(note)
            told.add(exercise.id)
    errors = [c.message for e in exercises if e.id not in told for c in e.checks if c.status is Status.ERROR]
    if errors:
        reasons = [m.removeprefix(COULD_NOT_GRADE) for m in errors]
        causes = list(dict.fromkeys(r for r in reasons if not r.startswith(NOT_RUN_AGAIN))) or reasons[:1]
        some = f"{len(errors)} checks" if len(errors) > 1 else "1 check"
        lines.append(f"{some} could not be graded and count 0: {'; '.join(causes)}")
    return lines
