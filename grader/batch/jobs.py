"""Grade one student of a batch: their code through the sandbox, their quiz answers, one record.

A job gets the student's files as bytes (so it runs the same on this machine or on a Dask
worker elsewhere), writes them to a private temporary folder, grades them and returns the
record (whoever carries it to another process serializes it: ``grader.results.serialize``).
Only the batch's parent writes the gradebook.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import grader
from grader.batch.discover import CODE_FILES
from grader.batch.records import FAILED, GRADED, StudentRecord
from grader.config import Settings
from grader.errors import GraderError, UsageError
from grader.results import ExerciseResult, Report
from grader.sandbox import scratch


def grading_settings(settings: Settings) -> Settings:
    """The settings a batch grades with: every check runs, hidden ones too; one process per student,
    which sleeps while its sandbox computes (every core is busy with other students)."""
    return dataclasses.replace(settings, run_hidden=True, jobs=1, reply_spin=0.0)


def fingerprint(settings: Settings) -> str:
    """What makes two gradings of the same files comparable: the grader's version, the settings
    that change a grade, and the course's references and quizzes."""
    digest = hashlib.sha256(grader.__version__.encode())
    for name in ("seed", "examples_scale", "call_timeout", "memory_mb", "device", "visibility", "environment"):
        digest.update(f"\0{name}={getattr(settings, name)!r}".encode())
    for folder, pattern in (("solutions", "*.py"), ("quizzes", "*.toml")):
        for path in sorted((settings.course / folder).glob(pattern)):
            digest.update(f"\0{folder}/{path.name}\0".encode() + path.read_bytes())
    return f"{grader.__version__}+{digest.hexdigest()[:16]}"


def grade_student(student: str, files: dict[str, bytes], content_hash: str, settings: Settings,
                  isolation: str) -> StudentRecord:
    """Grade ``files`` (name -> bytes) of ``student``; their record."""
    started = time.monotonic()
    workdir = scratch.make("batch")  # named after this worker: swept if the batch is killed
    try:
        folder = workdir / "submission"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        record = _grade_folder(student, folder, sorted(files), settings, isolation)
    except GraderError as error:
        record = StudentRecord(student, FAILED, problem=f"the grader could not finish: {error}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return dataclasses.replace(record, seconds=round(time.monotonic() - started, 3), content_hash=content_hash,
                               grader_version=grader.__version__,
                               graded_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _grade_folder(student: str, folder: Path, names: list[str], settings: Settings,
                  isolation: str) -> StudentRecord:
    from grader.pipeline.check import check_submission
    from grader.quiz.commands import grade as grade_quiz

    report = None
    if any(name in CODE_FILES for name in names):
        report = check_submission(folder, settings=settings, isolation=isolation, jobs=1,
                                  label=student, reproduce_by_file=True)
    quizzes: list[ExerciseResult] = []
    problems = []
    for name in names:
        if not name.endswith(".toml"):
            continue
        try:
            graded = grade_quiz(answers=folder / name, folder=settings.course / "quizzes", course=settings.course,
                                student=student)
        except UsageError as error:
            problems.append(str(error).replace(str(folder) + "/", ""))
            continue
        quizzes += graded.exercises
    quiz_report = Report(submission=student, seed=0, exercises=tuple(quizzes)) if quizzes else None
    parts = [r for r in (report, quiz_report) if r is not None]
    return StudentRecord(
        student, GRADED, problem="; ".join(problems),
        points=round(sum(r.points for r in parts), 6), max_points=round(sum(r.max_points for r in parts), 6),
        report=report, quiz_report=quiz_report, files=tuple(names))
