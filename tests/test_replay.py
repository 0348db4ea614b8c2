"""Replaying recorded cases (what a batch's workers do) gives exactly the report a full search gives."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, fixture_names, numpy_fixture, requires_torch

from grader.api import check_submission
from grader.batch.pool import record_cases
from grader.checks import replay
from grader.config import Settings

CORE = ["learn_gate", "forget_gate", "remember_gate", "use_gate", "lstm_cell", "lstm_forward"]


@pytest.fixture
def quick(settings: Settings) -> Settings:
    return dataclasses.replace(settings, examples_scale=0.2)


@pytest.fixture
def replaying(quick: Settings) -> Iterator[None]:
    record_cases(quick)
    try:
        yield
    finally:
        replay.disable()


def graded(path: Path, settings: Settings) -> dict[str, Any]:
    return check_submission(path, exercise=CORE, settings=settings, isolation="none", jobs=1).to_dict()


def fixtures() -> list[tuple[str, str]]:
    """Every correct fixture and every other buggy one (each buggy one runs the full search twice)."""
    return [("correct", n) for n in fixture_names("correct")] + [("buggy", n) for n in fixture_names("buggy")[::2]]


def test_recording_covers_every_property_check(quick: Settings, replaying: None) -> None:
    assert replay.size() >= 30, "every numpy property check of the six exercises is recorded"


@pytest.mark.slow
def test_replay_changes_no_report(quick: Settings, tmp_path: Path) -> None:
    submissions = []
    for kind, name in fixtures():
        folder = tmp_path / kind / name
        folder.mkdir(parents=True)
        (folder / "lstm_numpy.py").write_text(numpy_fixture(kind, name))
        submissions.append(folder)
    searched = [graded(folder, quick) for folder in submissions]
    record_cases(quick)
    try:
        replayed = [graded(folder, quick) for folder in submissions]
    finally:
        replay.disable()
    for folder, full, fast in zip(submissions, searched, replayed, strict=True):
        assert fast == full, folder.name
    assert any(r["score"] < r["max_score"] for r in replayed), "the buggy ones still lose points"


def test_a_replay_that_meets_a_wrong_case_shrinks_it_without_searching_again(
        quick: Settings, replaying: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorded batches are the search's: the first failing one is what the search would find, so
    only the shrink stage runs (the reports are the same: test_replay_changes_no_report)."""
    from grader.checks import property as prop

    stages: list[bool] = []
    real = prop._search

    def search(*args: Any, **kwargs: Any) -> Any:
        stages.append(kwargs["shrink"])
        return real(*args, **kwargs)

    monkeypatch.setattr(prop, "_search", search)
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    source = (ROOT / "solutions" / "lstm_numpy.py").read_text()
    (wrong / "lstm_numpy.py").write_text(source + "\n\ndef forget_gate(ltm_prev, stm_prev, event, W_f, b_f):\n"
                                                  "    return ltm_prev * 0.5\n")
    report = graded(wrong, quick)
    forget = next(e for e in report["exercises"] if e["id"] == "forget_gate")
    match = next(c for c in forget["checks"] if c["id"] == "matches_reference")
    assert match["status"] == "failed" and match["counterexample"] is not None, "shrunk by hypothesis as usual"
    assert stages and all(stages), f"search stages run: {stages.count(False)}, shrink stages: {stages.count(True)}"


TORCH_SAMPLE = [("correct", "fused_preactivations"), ("buggy", "cell_concat_order")]


@requires_torch
@pytest.mark.slow
def test_replay_changes_no_torch_report(quick: Settings, tmp_path: Path) -> None:
    submissions = []
    for kind, name in TORCH_SAMPLE:
        folder = tmp_path / kind / name
        folder.mkdir(parents=True)
        (folder / "lstm_torch.py").write_text(numpy_fixture(kind, name, track="torch"))
        submissions.append(folder)

    few = dataclasses.replace(quick, examples_scale=0.1)

    def torch_report(folder: Path) -> dict[str, Any]:
        return check_submission(folder, settings=few, isolation="none", jobs=1).to_dict()

    searched = [torch_report(folder) for folder in submissions]
    record_cases(few, ["torch"])
    try:
        assert replay.size() >= 20
        replayed = [torch_report(folder) for folder in submissions]
    finally:
        replay.disable()
    for folder, full, fast in zip(submissions, searched, replayed, strict=True):
        assert fast == full, folder.name
    correct, *buggy = (r["score"] for r in replayed)
    assert all(score < correct for score in buggy), "the buggy ones still lose points"


@pytest.mark.slow
def test_a_replay_that_stops_reports_what_the_search_reports(quick: Settings, tmp_path: Path) -> None:
    hangs = tmp_path / "hangs"
    hangs.mkdir()
    source = (ROOT / "solutions" / "lstm_numpy.py").read_text()
    (hangs / "lstm_numpy.py").write_text(source + "\n\ndef remember_gate(forget_out, learn_out):\n"
                                                  "    while True:\n        pass\n")
    limited = dataclasses.replace(quick, call_timeout=0.5)

    def report() -> dict[str, Any]:
        return check_submission(hangs, exercise=CORE, settings=limited, isolation="process", jobs=1).to_dict()

    searched = report()
    record_cases(limited)
    try:
        replayed = report()
    finally:
        replay.disable()
    assert replayed == searched
    remember = next(e for e in replayed["exercises"] if e["id"] == "remember_gate")
    assert "remember_gate took longer than the 0.5 s time limit" in remember["checks"][0]["message"]


@pytest.mark.slow
def test_primed_frames_change_no_sandboxed_report(quick: Settings, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """What a batch's workers do: replay the recorded cases, sending requests encoded once in the warm parent."""
    from grader.batch.pool import prime_frames
    from grader.sandbox import frames
    from grader.sandbox.runtime import protocol

    submissions = []
    for kind, name in (("correct", fixture_names("correct")[0]), ("buggy", "forget_on_stm")):
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "lstm_numpy.py").write_text(numpy_fixture(kind, name))
        submissions.append(folder)

    def sandboxed(folder: Path) -> dict[str, Any]:
        return check_submission(folder, exercise=CORE, settings=quick, isolation="process", jobs=1).to_dict()

    searched = [sandboxed(folder) for folder in submissions]
    record_cases(quick)
    try:
        prime_frames(quick, "process")
        encoded: list[int] = []
        sent: list[int] = []
        real_encode, real_frame = protocol.encode_frame, frames.frame

        def encode_frame(*args: Any, **kwargs: Any) -> Any:
            encoded.append(1)
            return real_encode(*args, **kwargs)

        def frame(*args: Any, **kwargs: Any) -> Any:
            sent.append(1)
            return real_frame(*args, **kwargs)

        monkeypatch.setattr(protocol, "encode_frame", encode_frame)
        monkeypatch.setattr(frames, "frame", frame)
        replayed = [sandboxed(submissions[0])]
        correct = (len(encoded), len(sent))  # a submission whose every check replays: the batch's common case
        replayed.append(sandboxed(submissions[1]))
    finally:
        replay.disable()
    assert replayed == searched
    assert replayed[1]["score"] < replayed[0]["score"]
    assert 0 < correct[0] < correct[1] / 2, f"{correct[0]} of {correct[1]} frames encoded: most come from the cache"
    assert len(sent) > correct[1], "the buggy submission is graded through the same frames"


def test_a_replayed_check_sends_all_its_cases_in_one_go(quick: Settings, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every recorded case of a passing check goes out together: one round trip per body, not one per batch."""
    from grader.checks.context import CheckContext

    bodies: list[str] = []
    real = CheckContext.run
    def run(self: CheckContext, calls: Any) -> Any:
        bodies.append(self.exercise)
        return real(self, calls)

    monkeypatch.setattr(CheckContext, "run", run)
    reference = ROOT / "solutions" / "lstm_numpy.py"
    searched = check_submission(reference, exercise=["learn_gate"], settings=quick, isolation="none", jobs=1)
    searching = len(bodies)
    record_cases(quick)
    try:
        bodies.clear()
        replayed = check_submission(reference, exercise=["learn_gate"], settings=quick, isolation="none", jobs=1)
    finally:
        replay.disable()
    assert replayed.to_dict() == searched.to_dict()
    checks = len(replayed.exercises[0].checks)
    probe = 1  # "is it an answer at all" (grader.checks.non_answers): one round trip before the checks
    assert len(bodies) == checks + probe < searching, (f"{len(bodies)} round trips for {checks} checks "
                                                       f"({searching} searching)")
