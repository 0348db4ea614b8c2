"""What a batch leaves in its output folder, regenerated from the gradebook on every run.

- ``grades.csv``: one row per student (status, total, maximum, one column per exercise and per
  quiz, a note), ready for a spreadsheet or an LMS import;
- ``students/<id>/``: ``report.json`` (the full report), ``results.json`` (Gradescope's format)
  and ``feedback.html`` (the page a learner gets from ``grade check --format html``);
- ``report.html``: the class report.

Every file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import grader.batch.classstats as classstats
from grader.batch.assignment import Part, points
from grader.batch.records import GRADED, StudentRecord
from grader.batch.review import review
from grader.catalog import TRACKS, load_track
from grader.errors import UsageError
from grader.pipeline.parallel import run_forked
from grader.results import CheckResult, ExerciseResult, Report, Status

CSV_FILE = "grades.csv"
CLASS_REPORT = "report.html"
STUDENTS = "students"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
EXPORT_SECONDS = 600.0  # a share of the exports that takes longer is a grader failure


def write_all(records: Sequence[StudentRecord], out: Path, *, title: str, workers: int = 1,
              named: Mapping[str, Part] | None = None) -> list[Path]:
    """Write every export of ``records`` under ``out``; the paths written. With ``workers`` > 1 the
    students' files are shared among that many forked processes while this one draws the class report
    (the batch's cores are idle by then, and 200 students' pages take seconds to render). ``named``: the
    parts of the assignment an instructor named (None: what the class submitted)."""
    shares = max(1, min(workers, len(records)))
    assignment = Assignment.of(records, named)

    def students(k: int) -> list[Any]:
        try:
            return [str(path) for record in records[k::shares]
                    for path in student_files(record, out / STUDENTS / record.student, assignment)]
        except OSError as error:  # data from a forked process: raised again here
            return [{"errno": error.errno or 0, "strerror": error.strerror or str(error), "filename": error.filename}]

    def work(k: int) -> list[Any]:
        if k > 0:
            return students(k - 1)
        written = [str(write_atomic(out / CSV_FILE, grades_csv(records, assignment))),
                   *(students(0) if shares == 1 else [])]  # the grades first: the class report comes last
        try:
            from grader.batch.classreport import class_report

            report = class_report(records, title=title, named=points(named))
        except UsageError as error:  # after the other shares are collected
            return [*written, {"usage": str(error)}]
        return [*written, str(write_atomic(out / CLASS_REPORT, report))]

    parts = run_forked(shares + 1 if shares > 1 else 1, work, timeout=EXPORT_SECONDS)
    written = []
    for item in (item for part in parts for item in part):
        if isinstance(item, dict) and "usage" in item:
            raise UsageError(item["usage"])
        if isinstance(item, dict):
            raise OSError(item["errno"], item["strerror"], item["filename"])
        written.append(Path(item))
    return written


def columns(records: Iterable[StudentRecord], assignment: Assignment | None = None) -> list[str]:
    """Exercise and quiz columns: the catalog's exercises in order, then quizzes by id; those of the
    assignment the instructor named, or else every part any student has."""
    seen = set(assignment.maxima) if assignment and assignment.named else {
        part for record in records for part in record.parts()}
    ordered = [e.id for name in TRACKS for e in load_track(name).exercises if e.id in seen]
    return ordered + sorted(seen - set(ordered))


def grades_csv(records: Sequence[StudentRecord], assignment: Assignment | None = None) -> str:
    """One row per student. Every graded student's ``max`` is the whole assignment's (``Assignment``):
    a part they did not submit has an empty cell, counts 0, and the note says so."""
    assignment = assignment or Assignment.of(records)
    parts = columns(records, assignment)
    named = assignment.maxima if assignment.named else None  # notes about named parts only
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "status", "total", "max", *parts, "note"])
    for record in records:
        found = record.parts()
        graded = record.status == GRADED
        note = "; ".join(note for note in (record.problem, *review(record, named), assignment.note(record)) if note)
        writer.writerow([
            _cell(record.student), record.status, _num(classstats.total(record, assignment.maxima)) if graded else "",
            _num(classstats.maximum(record, assignment.maxima)) if graded else "",
            *(_num(found[p][0]) if p in found else "" for p in parts),
            _cell(note),
        ])
    return buffer.getvalue()


@dataclass(frozen=True)
class Assignment:
    """What every graded student is scored out of: each part (exercise, or ``quiz:<id>``) with its
    maximum (``classstats.part_maxima``), title and file: the parts an instructor named (``named``),
    or else every part any graded student has."""

    maxima: dict[str, float]
    about: dict[str, tuple[str, str]]  # part -> (title, file)
    named: bool = False

    @classmethod
    def of(cls, records: Sequence[StudentRecord], named: Mapping[str, Part] | None = None) -> Assignment:
        about: dict[str, tuple[str, str]] = {id: (part.title, part.file) for id, part in (named or {}).items()}
        for record in classstats.graded(records):
            for prefix, report in (("", record.report), ("quiz:", record.quiz_report)):
                for exercise in report.exercises if report else ():
                    about.setdefault(prefix + exercise.id, (exercise.title, exercise.file))
        return cls(classstats.part_maxima(records, points(named)), about, named is not None)

    def note(self, record: StudentRecord) -> str:
        """'not submitted, counted as 0: lstm_torch.py (3 exercises), quiz gates' for the parts ``record``
        has no result for ('no readable answers, counted as 0: quiz gates' for its quizzes when one of its
        answers files could not be read), and 'not part of the assignment, not counted: ...' for those it
        has beyond it ('' if none): a code file by name when the note holds all its exercises."""
        notes = []
        missing = classstats.not_submitted(record, self.maxima)
        unread = [p for p in missing if p.startswith("quiz:")] if record.problem else []  # an answers file was bad
        for what, parts, among in (("not submitted, counted as 0", [p for p in missing if p not in unread],
                                    list(self.maxima)),
                                   ("no readable answers, counted as 0", unread, list(self.maxima)),
                                   ("not part of the assignment, not counted", classstats.beyond(record, self.maxima),
                                    list(record.parts()))):
            if parts:
                notes.append(f"{what}: {', '.join(_named(parts, among))}")
        return "; ".join(notes)

    def missing(self, record: StudentRecord) -> list[ExerciseResult]:
        """An exercise counting 0 for each part ``record`` did not submit, saying so."""
        return [self._not_submitted(part, record.problem) for part in classstats.not_submitted(record, self.maxima)]

    def _not_submitted(self, part: str, problem: str) -> ExerciseResult:
        title, file = self.about.get(part, (part, ""))
        most, id = self.maxima[part], part.removeprefix("quiz:")
        if part.startswith("quiz:"):
            message = f"No answers to quiz {id} were graded, so it counts 0 of {most:g} points"
            message += f" ({problem})" if problem else ""
            hint = f"start from `grade quiz --template {id}` and check your answers with `grade quiz FILE`"
        else:
            message = f"Your submission had no {file}, so this exercise counts 0 of {most:g} points"
            hint = f"start from exercises/{file}, check it with `grade check`, and submit it"
        check = CheckResult(exercise=id, id="submitted", title="was submitted", status=Status.FAILED, points=0.0,
                            max_points=most, message=message, hint=hint)
        return ExerciseResult(id=id, title=title, file=file, checks=(check,), note=f"{message}; {hint}.")


def _named(parts: Sequence[str], among: Sequence[str]) -> list[str]:
    """``parts`` for a note: a quiz as 'quiz gates', a code file by name ('lstm_torch.py (3 exercises)')
    where ``parts`` hold every exercise of it that ``among`` holds, other exercises by id."""
    files = {e.id: e.file for name in TRACKS for e in load_track(name).exercises}
    per_file: dict[str, list[str]] = {}
    for part in among:
        if part in files:
            per_file.setdefault(files[part], []).append(part)
    named = []
    for part in parts:
        whole = per_file.get(files.get(part, ""), [])
        if part.startswith("quiz:"):
            named.append(f"quiz {part.removeprefix('quiz:')}")
        elif whole and set(whole) <= set(parts):
            if part == whole[0]:
                named.append(f"{files[part]} ({len(whole)} exercise{'s' if len(whole) > 1 else ''})")
        else:
            named.append(part)
    return named


def full_report(record: StudentRecord, assignment: Assignment | None = None) -> Report | None:
    """The student's code report and quiz results as one report, with the parts of ``assignment`` they
    did not submit (each 0 of its points), those they submitted beyond it (worth nothing, their checks
    kept) and their files' problems as notes (None if nothing was graded)."""
    missing = assignment.missing(record) if assignment else []
    if record.report is None and record.quiz_report is None and not missing:
        return None
    code = record.report or Report(submission=record.student, seed=0, exercises=())
    quizzes = record.quiz_report.exercises if record.quiz_report else ()
    report = replace(code, exercises=(*code.exercises, *quizzes))
    beyond = set(classstats.beyond(record, assignment.maxima)) if assignment else set()
    first_quiz = len(report.exercises) - len(quizzes)
    practice = [e.id for k, e in enumerate(report.exercises) if ("quiz:" if k >= first_quiz else "") + e.id in beyond]
    exercises = tuple(_practice(e) if e.id in practice else e for e in report.exercises)
    notes = (*report.notes, *([f"Not graded: {record.problem}"] if record.problem else []),
             *([f"Not part of this assignment, so they count nothing (their checks are shown for practice): "
                f"{', '.join(practice)}"] if practice else []))
    return replace(report, exercises=(*exercises, *missing), notes=notes)


def _practice(exercise: ExerciseResult) -> ExerciseResult:
    """``exercise`` worth nothing, its checks' verdicts and feedback kept."""
    return replace(exercise, checks=tuple(replace(c, points=0.0, max_points=0.0) for c in exercise.checks))


STUDENT_FILES = ("report.json", "results.json", "feedback.html")


def student_files(record: StudentRecord, folder: Path, assignment: Assignment | None = None) -> list[Path]:
    """Write the student's own files (``STUDENT_FILES``); where nothing of theirs is graded now, remove
    those an earlier run wrote, so no page outlives the grade it showed."""
    from grader.report.gradescope import to_gradescope
    from grader.report.html import to_html
    from grader.report.json_report import to_json

    report = full_report(record, assignment)
    if report is None:
        remove_student_files(folder)
        return []
    texts = (to_json(report), to_gradescope(report), to_html(report, command=False))
    return [write_atomic(folder / name, text) for name, text in zip(STUDENT_FILES, texts, strict=True)]


def remove_student_files(folder: Path) -> None:
    """Remove the files ``student_files`` writes from ``folder`` (and the folder, if that empties it)."""
    for name in STUDENT_FILES:
        (folder / name).unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def write_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def _num(value: float) -> str:
    return f"{value:g}"


def _cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: one starting like a formula (``=``, ``+``, ``-``, ``@``, or a
    tab or carriage return before one) gets a leading apostrophe, the usual guard against formula injection."""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text
