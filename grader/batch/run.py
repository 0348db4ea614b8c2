"""A whole batch: find the students, grade what the gradebook lacks, write the exports.

``run_batch`` is what ``grade batch`` calls. Students whose files and grader are unchanged
since their last good grade are not graded again (unless ``regrade``); folders that cannot
be graded get a record saying why, so they show in the CSV and the class report too.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grader.batch.classstats as classstats
from grader.batch.assignment import Part, named_parts, points
from grader.batch.discover import StudentFolder, base_of, discover
from grader.batch.exports import STUDENTS, remove_student_files, write_all
from grader.batch.gradebook import Gradebook
from grader.batch.jobs import fingerprint, grading_settings
from grader.batch.lock import exclusive
from grader.batch.pool import Job, run_local
from grader.batch.records import GRADED, StudentRecord
from grader.config import Settings
from grader.errors import UsageError
from grader.sandbox import scratch
from grader.sandbox.isolation import resolve


@dataclass
class BatchOutcome:
    records: list[StudentRecord]  # every student's current grade, sorted by id
    graded: list[str] = field(default_factory=list)  # students graded in this run
    unchanged: list[str] = field(default_factory=list)  # students whose earlier grade still holds
    kept: list[str] = field(default_factory=list)  # failed re-grades that left a good grade in place
    selected: list[str] = field(default_factory=list)  # the students this run was limited to (--student)
    departed: list[str] = field(default_factory=list)  # in the gradebook, with no folder in DIR now (grades kept)
    forgotten: list[str] = field(default_factory=list)  # removed from the grades by --forget (kept in history)
    export_problem: str = ""  # why an export could not be written ('' if all were)
    out: Path = Path()
    named: dict[str, Part] | None = None  # the assignment's parts, where the instructor named them

    def maxima(self) -> dict[str, float]:
        """The assignment everyone is scored out of (``classstats.part_maxima``): its parts and their points."""
        return classstats.part_maxima(self.records, points(self.named))

    @property
    def concerned(self) -> list[StudentRecord]:
        """The students this run is about: those it was limited to (``selected``), or everyone."""
        return [r for r in self.records if not self.selected or r.student in self.selected]

    @property
    def not_graded(self) -> list[StudentRecord]:
        """The students this run is about who have no grade (the exit code's 3)."""
        return [r for r in self.concerned if r.status != GRADED]


Started = Callable[[int], None]  # told how many students will be graded
Finished = Callable[[StudentRecord], None]  # told each student's new record


def default_out(root: Path) -> Path:
    """Where a batch of ``root`` writes by default: ``<root>-graded``, beside it."""
    return root.with_name(root.resolve().name + "-graded")


def run_batch(root: Path, *, settings: Settings, out: Path | None = None, workers: int | None = None,
              isolation: str | None = None, regrade: bool = False, scheduler: str | None = None,
              assignment: str | None = None, students: Sequence[str] = (), forget: Sequence[str] = (),
              started: Started = lambda n: None, finished: Finished = lambda r: None) -> BatchOutcome:
    """Grade the students of ``root`` (only ``students``, where given; the others keep what the gradebook
    holds), record them in ``out``'s gradebook and write the exports of everyone in it. The students in
    ``forget`` (whose folders must be gone from ``root``) leave the grades and the exports first; the
    gradebook's history keeps what they had. ``out`` defaults to ``default_out(root)``, ``workers`` (students
    graded at once on this machine) to one per CPU core."""
    out = out or default_out(root)
    workers = workers or os.cpu_count() or 1
    named = named_parts(settings.parts, settings.course) if settings.parts else None
    folders = discover(root, assignment=assignment, skip=out, only=students)
    scratch.sweep()  # what a batch killed earlier (kill -9) left in the temporary directory
    settings = grading_settings(settings)
    isolation = resolve(isolation or settings.sandbox)
    outcome = BatchOutcome(records=[], out=out, named=named, selected=sorted(set(students)))
    with exclusive(out):  # one batch at a time in this output folder
        stamp = fingerprint(settings)
        with Gradebook(out, course=course_identity(settings.course)) as book:
            outcome.forgotten = _forget(book, sorted(set(forget)), root, out)
            jobs = []
            for folder in folders:
                digest = _hash(folder)
                if not regrade and book.is_current(folder.student, digest, stamp):
                    outcome.unchanged.append(folder.student)
                elif folder.status != GRADED:
                    record = StudentRecord(folder.student, folder.status, problem=folder.problem, content_hash=digest)
                    book.save(record, stamp)
                    finished(record)
                else:
                    jobs.append(Job(folder.student, folder.files, digest))

            def done(record: StudentRecord) -> None:
                (outcome.graded if book.save(record, stamp) else outcome.kept).append(record.student)
                finished(record)

            started(len(jobs))
            if jobs and scheduler:
                from grader.batch.scale import run_dask

                run_dask(jobs, address=scheduler, settings=settings, isolation=isolation, done=done)
            elif jobs:
                run_local(jobs, workers=workers, settings=settings, isolation=isolation, done=done)
            outcome.records = book.records()
            here = {folder.student for folder in folders}
            outcome.departed = [] if students else [r.student for r in outcome.records if r.student not in here]
        try:
            write_all(outcome.records, out, title=f"{course_identity(settings.course)}: class report", workers=workers,
                      named=outcome.named)
        except UsageError as error:
            outcome.export_problem = str(error)
        except OSError as error:
            outcome.export_problem = f"{error.filename}: cannot be written ({error.strerror})"
    return outcome


def _forget(book: Gradebook, students: Sequence[str], root: Path, out: Path) -> list[str]:
    """Move ``students``' grades to the gradebook's history and remove their pages; nothing is done
    (a ``UsageError``) if one has no grade, or still has a folder the next run would grade again."""
    if not students:
        return []
    unknown = sorted(set(students) - {record.student for record in book.records()})
    if unknown:
        raise UsageError(f"the gradebook in {out} has no grade for {', '.join(unknown)} (given with --forget)")
    base = base_of(root)
    present = [base / student for student in students if (base / student).exists()]
    if present:
        raise UsageError(f"--forget {present[0].name}: {present[0]} is still there, and the next run would grade it "
                         "again; move that folder out first")
    for student in students:
        book.forget(student)
        remove_student_files(out / STUDENTS / student)
    return list(students)


def course_identity(course: Path) -> str:
    """The course's name: ``[project] name`` of its pyproject.toml, else its folder's name."""
    try:
        return str(tomllib.loads((course / "pyproject.toml").read_text())["project"]["name"])
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return course.resolve().name


def _hash(folder: StudentFolder) -> str:
    """The content hash: the files' bytes, or for a folder that cannot be graded, why not."""
    if folder.status == GRADED:
        return folder.content_hash
    return "problem:" + hashlib.sha256(f"{folder.status}\0{folder.problem}".encode()).hexdigest()

