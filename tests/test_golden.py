"""Golden reports: the text and Gradescope reports of a few submissions, byte for byte.

A report a learner or Gradescope reads changes only as a reviewed diff: run
``pytest tests/test_golden.py --update-goldens`` to rewrite ``tests/golden/`` from today's reports,
and read the diff before committing it. The submissions cover a full score, an untouched stub, a
partial one, a named misconception and its composite explanation, saturation, a non-answer, a
wrong backward and the torch track (with a device check skipped as inconclusive).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import ROOT, numpy_fixture, requires_torch

from grader.api import check_submission
from grader.config import Settings, load_settings
from grader.report import render

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).parent / "golden"
CORPUS = Path(__file__).parent / "corpus"

NUMPY: dict[str, Path | tuple[str, str]] = {
    "numpy-reference": ROOT / "solutions" / "lstm_numpy.py",
    "numpy-stub": ROOT / "exercises" / "lstm_numpy.py",
    "numpy-partial": ROOT / "examples" / "partial" / "lstm_numpy.py",
    "numpy-forget-on-stm": ("buggy", "forget_on_stm"),
    "numpy-unstable-sigmoid": ("buggy", "unstable_sigmoid"),
    "numpy-backward-missing-tanh": ("buggy", "backward_missing_tanh_derivative"),
    "numpy-returns-list": CORPUS / "numpy" / "forward_returns_list.py",
}
TORCH: dict[str, Path | tuple[str, str]] = {
    "torch-reference": ROOT / "solutions" / "lstm_torch.py",
    "torch-stub": ROOT / "exercises" / "lstm_torch.py",
    "torch-concat-order": ("buggy", "cell_concat_order"),
    "torch-where-sigmoid": ("buggy", "where_sigmoid"),
    "torch-item-debug": CORPUS / "torch" / "item_debug.py",
}


@pytest.fixture(scope="module")
def ci() -> Settings:
    """The grade of record's settings, as a fresh checkout has them; no machine-dependent device or isolation."""
    return dataclasses.replace(load_settings(ROOT, "ci"), device="cpu", sandbox="process")


def source(where: Path | tuple[str, str], track: str) -> str:
    if isinstance(where, tuple):
        return numpy_fixture(*where, track=track)
    return where.read_text()


def compare(name: str, fmt: str, text: str, update: bool) -> None:
    golden = GOLDEN / f"{name}.{'txt' if fmt == 'text' else 'gradescope.json'}"
    if update:
        golden.write_text(text, encoding="utf-8")
        return
    assert golden.is_file(), f"{golden} is missing: run pytest {Path(__file__).name} --update-goldens"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} changed: review the diff, then --update-goldens"


def check(name: str, where: Path | tuple[str, str], track: str, ci: Settings, tmp_path: Path,
          request: pytest.FixtureRequest) -> None:
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"lstm_{track}.py").write_text(source(where, track))
    report = check_submission(folder, settings=ci, label=name)
    for fmt in ("text", "gradescope"):
        compare(name, fmt, render(report, fmt), request.config.getoption("--update-goldens"))


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_numpy_reports_are_unchanged(name: str, ci: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    check(name, NUMPY[name], "numpy", ci, tmp_path, request)


@requires_torch
@pytest.mark.parametrize("name", sorted(TORCH))
def test_torch_reports_are_unchanged(name: str, ci: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    check(name, TORCH[name], "torch", ci, tmp_path, request)


def test_every_golden_file_belongs_to_a_submission() -> None:
    names = {*NUMPY, *TORCH}
    stray = [p.name for p in GOLDEN.iterdir() if p.name.split(".")[0] not in names]
    assert not stray, f"golden files of no submission: {stray}"
