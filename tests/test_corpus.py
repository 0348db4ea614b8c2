"""The corpus keeps the grader honest: realistic whole learner files, each with its expected verdicts.

The grader must never give full marks to broken work and never take marks from correct work
written in an unusual way. Every submission in tests/corpus is graded as the grade of record is
(``grade --profile ci check``) and each exercise's full/short verdict is compared with the TOML
beside it; ``pytest -s`` shows the agreement table. See tests/corpus_support.py for the format.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable

import pytest
from conftest import ROOT, requires_torch
from corpus_support import CORPUS, EXERCISES, FILES, Entry, Row, compare, entries, problems, table

from grader.catalog import TORCH_PIN
from grader.config import Settings, load_settings

ENTRIES = entries()
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _param(entry: Entry) -> pytest.ParameterSet:
    return pytest.param(entry, id=entry.id, marks=[requires_torch] if entry.track == "torch" else [])


@pytest.fixture(scope="session")
def ci_settings() -> Settings:
    return load_settings(ROOT, "ci")


@pytest.fixture(scope="session")
def graded(ci_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Entry], Row]:
    """An entry's grading compared with its TOML, graded once per session (the table reuses it)."""
    from grader.api import check_submission

    rows: dict[str, Row] = {}

    def grade(entry: Entry) -> Row:
        if entry.id not in rows:
            folder = tmp_path_factory.mktemp(f"corpus-{entry.track}-{entry.name}")
            file = folder / FILES[entry.track]
            shutil.copyfile(entry.path, file)
            report = check_submission(file, settings=ci_settings)
            rows[entry.id] = compare(entry, report.to_dict()["exercises"])
        return rows[entry.id]

    return grade


def test_the_corpus_is_large_enough() -> None:
    kinds = [e.kind for e in ENTRIES]
    assert kinds.count("correct") >= 15 and kinds.count("buggy") >= 10, kinds
    assert {e.track for e in ENTRIES} == set(EXERCISES)


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id) for e in ENTRIES])
def test_every_toml_is_well_formed(entry: Entry) -> None:
    assert entry.path.with_suffix(".toml").is_file(), f"{entry.id}: no TOML beside the submission"
    assert problems(entry) == [], f"{entry.path.with_suffix('.toml')}: {problems(entry)}"


def test_every_toml_has_its_submission() -> None:
    orphans = [p for p in CORPUS.glob("*/*.toml") if not p.with_suffix(".py").is_file()]
    assert orphans == []


@pytest.mark.parametrize("track", sorted(EXERCISES))
def test_the_exercise_lists_are_the_catalogs(track: str) -> None:
    if track == "torch" and not HAVE_TORCH:
        pytest.skip(f"torch is not installed (pip install torch=={TORCH_PIN})")
    from grader.catalog import load_track

    assert tuple(e.id for e in load_track(track).exercises) == EXERCISES[track]


@pytest.mark.slow
@pytest.mark.parametrize("entry", [_param(e) for e in ENTRIES])
def test_the_grader_agrees_with_the_corpus(entry: Entry, graded: Callable[[Entry], Row]) -> None:
    row = graded(entry)
    print(f"\n{entry.id} ({entry.kind}): {row.got}; named: {row.named or '-'}")
    assert row.disagreements == [], f"{entry.id}:\n" + "\n".join(row.disagreements)
    if entry.kind == "correct":
        assert row.named == [], f"{entry.id} is correct, yet the feedback names {row.named}"


@pytest.mark.slow
def test_agreement_table(graded: Callable[[Entry], Row]) -> None:
    """Every submission graded (those not graded yet this session are graded now); the whole table."""
    rows = [graded(e) for e in ENTRIES if e.track != "torch" or HAVE_TORCH]
    print("\n" + table(rows, "grade --profile ci check against tests/corpus"))
    assert all(not r.disagreements for r in rows), "the grader disagrees with the corpus (see the table)"
    assert [r.entry.id for r in rows if r.entry.kind == "correct" and r.named] == []
