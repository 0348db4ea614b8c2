"""The case bank on disk, its refusals, and the course found from where grade runs (no edition needed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT

from grader import __version__
from grader.bank.answers import BankMiss, Published, Raised, Recorder
from grader.bank.store import Bank, load_bank, save_bank
from grader.checks.cases import Case, published
from grader.cli import main
from grader.config import default_course, find_course, load_settings
from grader.diagnosis.misconception import Misconception
from grader.errors import InputError

CASE = Case(B=1, I=1, H=1, T=0, dtype="float64", magnitude=1.0, seed=1)


def tiny_edition(folder: Path, *, version: str = __version__, course: str = "tiny",
                 driven: frozenset[str] = frozenset({"remember_gate:matches_reference"})) -> Path:
    """An edition with one published case and its answer: enough to load, not to grade."""
    (folder / "exercises").mkdir(parents=True)
    (folder / "exercises" / "lstm_numpy.py").write_text((ROOT / "exercises" / "lstm_numpy.py").read_text())
    (folder / "pyproject.toml").write_text(f'[tool.grader]\n\n[tool.grader.edition]\ncourse = "{course}"\n')
    bank = Bank(version=version, course=course, cases={"remember_gate:matches_reference": (CASE,)},
                driven=driven,
                answers={"1/1/1/0/float64/1.0/1/|reference remember_gate": {"ltm": np.ones((1, 1))}},
                misconceptions=(Misconception("m", "a title", "why", ("remember_gate",), hint="do this"),))
    save_bank(bank, folder / "bank.npz")
    return folder


def test_a_bank_reads_back_what_was_recorded(tmp_path: Path) -> None:
    recorder = Recorder()
    cases = published()[:3]
    assert recorder.cases_for("forget_gate:matches_reference", cases) == cases
    same = np.arange(6.0).reshape(2, 3)
    for case in cases:
        recorder.oracle(case, "reference", lambda: {"out": same, "pair": (same[0], 2.5), "none": None})
    with pytest.raises(IndexError):  # recorded as raised, and raised again
        recorder.oracle(cases[0], "variant", lambda: np.zeros(2)[5])
    assert recorder.driven == {"forget_gate:matches_reference"}
    saved = save_bank(Bank(__version__, "course", recorder.cases, frozenset(recorder.driven), recorder.answers,
                           ()), tmp_path / "bank.npz")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "course"\n[tool.grader]\n')
    bank = load_bank(saved, tmp_path)
    answers = Published(bank.cases, bank.answers, bank.driven)
    got: dict[str, Any] = answers.oracle(cases[1], "reference", dict)
    assert np.array_equal(got["out"], same) and isinstance(got["pair"], tuple) and got["pair"][1] == 2.5
    assert got["none"] is None
    assert isinstance(bank.answers[next(k for k in bank.answers if k.endswith("variant"))], Raised)
    with pytest.raises(ValueError, match="IndexError"):
        answers.oracle(cases[0], "variant", dict)
    with pytest.raises(BankMiss):
        answers.oracle(published()[5], "reference", dict)  # not a published case of this bank
    assert answers.cases_for("forget_gate:matches_reference", ()) == cases
    assert answers.cases_for("forget_gate:output_range", cases) is None  # needs no answer: it searches


@pytest.mark.parametrize(("damage", "says"), [
    ("truncated", "cannot be read"),
    ("version", "made by grader 0.0.0-old"),
    ("course", "made for the course 'another'"),
    ("missing", "is not there either"),
])
def test_a_bank_that_cannot_be_used_is_refused_in_one_sentence(tmp_path: Path, damage: str, says: str) -> None:
    folder = tiny_edition(tmp_path / "edition", version="0.0.0-old" if damage == "version" else __version__,
                          course="another" if damage == "course" else "tiny")
    if damage == "course":
        (folder / "pyproject.toml").write_text('[tool.grader]\n\n[tool.grader.edition]\ncourse = "tiny"\n')
    bank = folder / "bank.npz"
    if damage == "truncated":
        bank.write_bytes(bank.read_bytes()[:200])
    if damage == "missing":
        bank.unlink()
    result = CliRunner().invoke(main, ["--course", str(folder), "check", str(folder / "exercises"),
                                       "-e", "remember_gate"])
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert result.output.count("\n") == 1  # one sentence


def test_the_instructors_course_never_reads_a_bank(tmp_path: Path) -> None:
    """A bank in the course (a tampered one, say) never reaches the grade of record: the references answer."""
    from grader.bank.edition import course_answers
    from grader.catalog import load_track

    (tmp_path / "bank.npz").write_bytes(b"tampered")
    from grader.bank.answers import LIVE

    assert course_answers(ROOT, load_track("numpy")).answers is LIVE


def test_the_course_is_found_from_where_grade_runs_never_from_site_packages(tmp_path: Path) -> None:
    edition = tiny_edition(tmp_path / "edition")
    deep = edition / "exercises"
    assert find_course(deep) == edition.resolve()
    assert find_course(deep / "lstm_numpy.py") == edition.resolve()
    assert find_course(tmp_path) is None
    here = Path.cwd()
    try:
        os.chdir(deep)
        assert default_course() == edition.resolve()
        os.chdir(tmp_path)
        assert default_course() == ROOT  # this checkout (an editable install): nothing found upwards
        assert default_course(deep) == edition.resolve()  # the path graded wins
    finally:
        os.chdir(here)
    import grader

    assert "site-packages" not in str(default_course()) or (Path(grader.__file__).parent.parent / "solutions").is_dir()


def test_an_edition_without_its_bank_or_a_folder_without_a_course_says_what_to_do(tmp_path: Path) -> None:
    from grader.bank.edition import course_answers
    from grader.catalog import load_track

    with pytest.raises(InputError, match="no course here: neither this folder nor one above it"):
        course_answers(tmp_path, load_track("numpy"))
    (tmp_path / "pyproject.toml").write_text("[tool.grader]\n")
    with pytest.raises(InputError, match="the student edition's case bank"):
        course_answers(tmp_path, load_track("numpy"))


def test_the_edition_reads_its_answers_from_the_bank_and_leaves_the_rest_to_hand_in(tmp_path: Path) -> None:
    """A check the bank drives compares with the bank's answer (here a wrong one, which the right code then
    fails); a check that needs answers the bank does not publish is skipped, said to run at hand-in, never
    counted, and the others run as always."""
    from grader.pipeline.check import check_submission
    from grader.results import CheckResult, Status

    def grade(edition: Path) -> dict[str, CheckResult]:
        (edition / "mine").mkdir()
        file = edition / "mine" / "lstm_numpy.py"
        file.write_text((ROOT / "solutions" / "lstm_numpy.py").read_text())
        report = check_submission(file, exercise="remember_gate", settings=load_settings(edition))
        return {c.id: c for c in report.checks()}

    driven = grade(tiny_edition(tmp_path / "driven"))
    assert driven["matches_reference"].status is Status.FAILED  # the bank says ltm = 1 on its one case
    assert "differs from the reference" in driven["matches_reference"].message
    left = grade(tiny_edition(tmp_path / "left", driven=frozenset()))
    check = left["matches_reference"]
    assert check.status is Status.SKIPPED and check.max_points == 0 and "runs at hand-in" in check.message
    assert all(c.status is Status.PASSED for name, c in left.items() if name != "matches_reference")
