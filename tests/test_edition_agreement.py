"""Agreement: on every fixture, the student edition's verdict per exercise (the checks that do not pass) equals
the instructor's grading at hand-in (hidden and GPU checks left out: they never run in a learner's check).

The edition grades every fixture in one ``grade batch`` (one student per fixture) against its bank; the hand-in
side is graded at grading time (hidden checks run). ``pytest -s`` prints the table."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, fixture_names, numpy_fixture

from grader.batch.records import GRADED
from grader.batch.run import run_batch
from grader.config import Settings, load_settings
from grader.pipeline.check import check_submission
from grader.results import Report, Status

pytestmark = pytest.mark.slow
TRACKS = ("numpy", "torch") if importlib.util.find_spec("torch") is not None else ("numpy",)


def verdicts(report: Report) -> dict[str, list[str]]:
    return {e.id: sorted(c.id for c in e.checks if c.status not in (Status.PASSED, Status.SKIPPED)
                         and c.visibility == "visible" and c.id != "gpu") for e in report.exercises}


def graded(folder: Path, out: Path, course: Path, profile: str) -> dict[str, Report]:
    outcome = run_batch(folder, out=out, settings=load_settings(course, profile), workers=2)
    problems = [f"{r.student}: {r.status} {r.problem}" for r in outcome.records
                if r.status != GRADED or r.report is None]
    assert not problems, problems
    return {r.student: r.report for r in outcome.records if r.report is not None}


def test_the_edition_agrees_with_hand_in_on_every_fixture(tmp_path: Path, settings: Settings,
                                                          buggy_report: Callable[[str, str], Report]) -> None:
    """The hand-in side: the buggy fixtures' reports the tracks' tests share (graded once per session, at
    grading time), and the correct ones graded here."""
    from grader.release.edition import release

    edition = tmp_path / "edition"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_COURSE_SECRET", "a-course-secret-for-the-tests-only")
        release(ROOT, edition, wheel=False)
    class_ = tmp_path / "class"
    fixtures = [(track, kind, name) for track in TRACKS for kind in ("correct", "buggy")
                for name in fixture_names(kind, track)]
    for track, kind, name in fixtures:
        folder = class_ / f"{track}-{kind}-{name}".replace("_", "-")
        folder.mkdir(parents=True)
        (folder / f"lstm_{track}.py").write_text(numpy_fixture(kind, name, track))
    local = graded(class_, tmp_path / "local", edition, "local")
    hand_in = {}
    for track, kind, name in fixtures:
        student = f"{track}-{kind}-{name}".replace("_", "-")
        hand_in[student] = (buggy_report(track, name) if kind == "buggy" else
                            check_submission(class_ / student / f"lstm_{track}.py", settings=settings))
    rows = [f"  {student}: {'agree' if verdicts(local[student]) == verdicts(hand_in[student]) else 'DIFFER'}"
            for student in sorted(hand_in)]
    print("\n".join(["", f"edition vs hand-in, {len(rows)} fixtures:", *rows]))
    assert len(rows) == len(fixtures) > 40
    differ = {s: (verdicts(local[s]), verdicts(hand_in[s])) for s in hand_in
              if verdicts(local[s]) != verdicts(hand_in[s])}
    assert not differ, differ
