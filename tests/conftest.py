"""Shared test helpers: the course, fixture submissions, a CLI runner, and the CI skip rule.

Under CI (``CI=true``) a skipped test fails instead, so CI proves everything; the one
exception is a ``gpu`` test on a machine without CUDA (CI machines have no GPU).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.catalog import TORCH_PIN
from grader.config import Settings, load_settings
from grader.results import Report

pytest_plugins = ("browser",)  # the chromium fixture, for the tests of the HTML pages

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="Rewrite tests/golden/ from today's reports instead of comparing with them.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and item.get_closest_marker("gpu") is None:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """This course's settings at grading time (hidden checks run too), with short time limits so
    hanging fixtures cost little."""
    return dataclasses.replace(load_settings(ROOT), call_timeout=2.0, startup_timeout=30.0, run_hidden=True)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def buggy_report(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Report]:
    """The report of a buggy fixture's whole file (``track``, ``name``), graded once per test session: the
    tracks' tests and the diagnosis tests look at the same reports."""
    from grader.api import check_submission

    reports: dict[tuple[str, str], Report] = {}

    def report(track: str, name: str) -> Report:
        if (track, name) not in reports:
            folder = tmp_path_factory.mktemp(f"buggy-{track}-{name}")
            file = f"lstm_{track}.py"
            (folder / file).write_text(numpy_fixture("buggy", name, track))
            reports[track, name] = check_submission(folder / file, settings=settings)
        return reports[track, name]

    return report


def numpy_fixture(kind: str, name: str, track: str = "numpy") -> str:
    """The source of a fixture: the track's shared correct base with the fixture's edits appended."""
    base = (FIXTURES / track / "_base.py").read_text()
    edits = (FIXTURES / track / kind / f"{name}.py").read_text()
    return f"{base}\n\n# ---- the fixture's edits ----\n{edits}"


def fixture_names(kind: str, track: str = "numpy") -> list[str]:
    return sorted(p.stem for p in (FIXTURES / track / kind).glob("*.py"))


requires_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason=f"torch is not installed (pip install torch=={TORCH_PIN})"
)


@pytest.fixture
def submission(tmp_path: Path) -> Callable[[str], Path]:
    """Write ``source`` as a learner's ``lstm_numpy.py`` in a fresh folder and return the folder."""

    def make(source: str, name: str = "lstm_numpy.py") -> Path:
        folder = tmp_path / f"submission{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / name).write_text(source)
        return folder

    return make


def solution_source() -> str:
    return (ROOT / "solutions" / "lstm_numpy.py").read_text()


def replace_once(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, f"{old!r} should occur exactly once"
    return source.replace(old, new)
