"""``grade batch`` over the corpus: one student per submission, each verdict the TOML's.

The batch is how an instructor grades a class; it must reach the verdicts that
``grade --profile ci check`` reaches (tests/test_corpus.py), which are the TOMLs'.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from corpus_support import FILES, compare, entries, table

from grader.batch.records import GRADED
from grader.batch.run import run_batch
from grader.config import load_settings

HAVE_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.slow
def test_a_batch_of_the_corpus_agrees_with_it(tmp_path: Path) -> None:
    corpus = [e for e in entries() if e.track != "torch" or HAVE_TORCH]
    root = tmp_path / "submissions"
    for entry in corpus:
        (root / entry.student).mkdir(parents=True)
        shutil.copyfile(entry.path, root / entry.student / FILES[entry.track])

    outcome = run_batch(root, out=tmp_path / "out", settings=load_settings(ROOT, "ci"), workers=2)

    records = {r.student: r for r in outcome.records}
    assert sorted(records) == sorted(e.student for e in corpus)
    rows, problems = [], []
    for entry in corpus:
        record = records[entry.student]
        if record.status != GRADED or record.report is None:
            problems.append(f"{entry.id}: {record.status} {record.problem}")
            continue
        exercises = [e for e in record.report.to_dict()["exercises"] if e["id"] in entry.verdicts]
        rows.append(compare(entry, exercises))
    left_out = "" if HAVE_TORCH else " (torch is not installed: its submissions are left out)"
    print("\n" + table(rows, f"grade batch (ci settings) against tests/corpus{left_out}"))
    assert problems == []
    assert all(not r.disagreements for r in rows), "the batch disagrees with the corpus (see the table)"
    assert [r.entry.id for r in rows if r.entry.kind == "correct" and r.named] == []
