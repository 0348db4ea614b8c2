"""One serializer for results: typed -> JSON -> typed is the identity, another schema version is refused
with one sentence, and results that stay in one process are never serialized."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import numpy_fixture

from grader.batch.gradebook import FILE, Gradebook
from grader.batch.records import GRADED, StudentRecord
from grader.config import Settings
from grader.errors import InputError, UsageError
from grader.pipeline.check import check_submission
from grader.pipeline.parallel import run_forked
from grader.results import (
    SCHEMA_VERSION,
    CheckResult,
    Counterexample,
    Diagnosis,
    ExerciseResult,
    Report,
    Status,
    Tolerance,
    Worst,
    deserialize,
    serialize,
)

NAN_WORST = Worst(output="stm", index=(1, 2), expected=0.5, got=math.nan, abs_error=math.nan, rel_error=math.inf,
                  mismatched=3, total=12)


def exercise(worst: Worst = NAN_WORST) -> ExerciseResult:
    example = Counterexample(sizes={"B": 2, "I": 1, "H": 3}, dtype="float32",
                             inputs={"event": [[0.5], [-1.0]], "params": {"W_f": [[1.0, 2.0]]}},
                             expected={"stm": [[0.1, 0.2, 0.3]]}, got={"stm": [[0.1, "nan", "-inf"]]}, worst=worst)
    checks = (
        CheckResult("forget_gate", "values", "matches the reference", Status.FAILED, 0.0, 2.0, message="differs",
                    hint="sigmoid", cases=40, tolerance=Tolerance(1e-5, 1e-6, "float64 result"),
                    counterexample=example, diagnosis=Diagnosis("forget_on_stm", "This looks like forget_on_stm."),
                    output="printed\n", reproduce="grade check lstm_numpy.py --seed 0 --exercise forget_gate"),
        CheckResult("forget_gate", "gpu", "same on the GPU", Status.SKIPPED, 0.0, 0.0, message="no CUDA here"),
        CheckResult("forget_gate", "shapes", "shapes", Status.PASSED, 1.0, 1.0, visibility="hidden", cases=3),
        CheckResult("forget_gate", "hangs", "hangs", Status.ERROR, 0.0, 1.0, message="could not be graded: slow"),
    )
    return ExerciseResult("forget_gate", "Forget gate", "lstm_numpy.py", checks)


def report() -> Report:
    return Report("alice", 7, (exercise(),), environment={"python": "3.11", "device": "cpu"}, notes=("a note",))


def without_nan(value: Report) -> Report:
    """``value`` with the worst element's NaN replaced (NaN equals nothing, itself included)."""
    exercises = []
    for e in value.exercises:
        checks = []
        for c in e.checks:
            if c.counterexample and c.counterexample.worst:
                worst = dataclasses.replace(c.counterexample.worst, got=0.0, abs_error=0.0)
                c = dataclasses.replace(c, counterexample=dataclasses.replace(c.counterexample, worst=worst))
            checks.append(c)
        exercises.append(dataclasses.replace(e, checks=tuple(checks)))
    return dataclasses.replace(value, exercises=tuple(exercises))


def test_a_report_survives_json_with_its_counterexamples_diagnoses_nan_and_skipped_checks() -> None:
    original = report()
    text = serialize(original)
    assert "\n" not in text and text.startswith(f'{{"schema_version": "{SCHEMA_VERSION}"')
    back = deserialize(text, Report)
    assert without_nan(back) == without_nan(original) and serialize(back) == text
    worst = back.checks()[0].counterexample.worst  # type: ignore[union-attr]
    assert worst is not None and math.isnan(worst.got) and math.isnan(worst.abs_error)
    assert worst.rel_error == math.inf and worst.index == (1, 2)
    assert [c.status for c in back.checks()] == [Status.FAILED, Status.SKIPPED, Status.PASSED, Status.ERROR]
    finite = dataclasses.replace(NAN_WORST, got=0.25, abs_error=0.25, rel_error=0.5)
    assert deserialize(serialize(exercise(finite)), ExerciseResult) == exercise(finite)


def test_a_student_record_survives_json() -> None:
    quiz = Report("bob", 0, (ExerciseResult("gates", "The four gates", "gates.toml", (
        CheckResult("gates", "q1", "q1", Status.PASSED, 4.0, 4.0),)),))
    record = StudentRecord("bob", GRADED, problem="answers.toml: not valid TOML", points=4.0, max_points=7.0,
                           seconds=1.5, content_hash="abc", grader_version="1.0", graded_at="2026-12-01T10:00:00+00:00",
                           report=without_nan(report()), quiz_report=quiz, files=("answers.toml", "lstm_numpy.py"))
    assert deserialize(serialize(record), StudentRecord) == record
    assert deserialize(serialize(StudentRecord("ann", "no files")), StudentRecord) == StudentRecord("ann", "no files")


@pytest.mark.parametrize("version", ["0.9", "2.0", None])
def test_a_payload_of_another_schema_version_is_refused_with_one_sentence(version: str | None) -> None:
    payload = {**json.loads(serialize(report())), "schema_version": version}
    with pytest.raises(InputError) as refused:
        deserialize(json.dumps(payload), Report)
    assert str(refused.value) == (f"a result written by another version of the grader cannot be read (result "
                                  f"schema {version!r}; this grader reads {SCHEMA_VERSION!r})")
    with pytest.raises(InputError, match="a malformed StudentRecord cannot be read"):
        deserialize(serialize(report()), StudentRecord)


def test_one_worker_passes_typed_results_without_serializing(submission: Callable[[str], Path], settings: Settings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("serialized although nothing left this process")

    for kind in (Report, ExerciseResult):
        monkeypatch.setattr(kind, "to_dict", refuse)
        monkeypatch.setattr(kind, "from_dict", refuse)
    graded = check_submission(submission(numpy_fixture("buggy", "batch_of_one")), exercise="forget_gate",
                              settings=settings, isolation="none", jobs=1)
    assert any(c.counterexample is not None for c in graded.checks())


def test_forked_workers_send_typed_results_through_the_serializer() -> None:
    sent = [exercise(dataclasses.replace(NAN_WORST, got=float(k), abs_error=0.5)) for k in range(3)]
    parts = run_forked(3, lambda k: [sent[k]], timeout=60, encode=serialize,
                       decode=lambda line: deserialize(line, ExerciseResult))
    assert parts == [[e] for e in sent]


def test_a_gradebook_row_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    with Gradebook(tmp_path, course="c") as book:
        assert book.save(StudentRecord("ann", GRADED, points=1.0, max_points=2.0, report=without_nan(report())), "v1")
        assert book.records()[0].report == without_nan(report())
    with sqlite3.connect(tmp_path / FILE) as db:
        db.execute("UPDATE grades SET record = replace(record, ?, ?)",
                   (f'"schema_version": "{SCHEMA_VERSION}"', '"schema_version": "0.9"'))
    with Gradebook(tmp_path, course="c") as book, pytest.raises(UsageError) as refused:
        book.records()
    assert str(refused.value) == (f"{tmp_path / FILE}: a result written by another version of the grader cannot be "
                                  f"read (result schema '0.9'; this grader reads {SCHEMA_VERSION!r}); choose another "
                                  "--out folder")
