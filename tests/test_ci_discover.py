"""`grade batch` on what `gh classroom clone student-repos` makes: <assignment>-submissions/<assignment>-<login>/."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import ROOT, numpy_fixture

from grader.batch.discover import discover
from grader.batch.records import GRADED, UNREADABLE
from grader.batch.run import run_batch
from grader.config import Settings

SOLUTION = (ROOT / "solutions" / "lstm_numpy.py").read_text()


def clone(root: Path, name: str, files: dict[str, str]) -> Path:
    """A cloned repository: a .git folder (never read) and ``files`` (paths within it)."""
    (root / name / ".git").mkdir(parents=True)
    (root / name / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for path, text in files.items():
        (root / name / path).parent.mkdir(parents=True, exist_ok=True)
        (root / name / path).write_text(text)
    return root / name


def test_the_login_is_the_student_id_and_the_files_are_the_repositorys(tmp_path: Path) -> None:
    root = tmp_path / "lstm-submissions"
    clone(root, "lstm-alice", {"lstm_numpy.py": SOLUTION})
    clone(root, "lstm-bob-smith", {"lstm_numpy.py": "def learn_gate(:\n"})
    found = {folder.student: folder for folder in discover(root)}
    assert list(found) == ["alice", "bob-smith"]
    assert found["alice"].files == {"lstm_numpy.py": SOLUTION.encode()}
    assert found["alice"].folder == root / "lstm-alice" and found["alice"].status == GRADED
    assert [f.student for f in discover(root, only=["bob-smith"])] == ["bob-smith"]


def test_a_student_editions_repository_is_graded_from_exercises_without_its_settings(tmp_path: Path) -> None:
    root = tmp_path / "lstm-2026-submissions"
    clone(root, "lstm-2026-carol", {"exercises/lstm_numpy.py": SOLUTION, "quizzes/gates.toml": "[gates]\n",
                                    "wheels/README": "", "pyproject.toml": "[tool.grader]\n", "README.md": "# LSTM\n"})
    clone(root, "lstm-2026-dave", {"lstm_numpy.py": SOLUTION, "pyproject.toml": "[tool.grader]\n"})
    found = {folder.student: folder for folder in discover(root)}
    assert found["carol"].folder == root / "lstm-2026-carol" / "exercises"
    assert found["carol"].files == {"lstm_numpy.py": SOLUTION.encode()}
    assert found["dave"].files == {"lstm_numpy.py": SOLUTION.encode()}  # its pyproject.toml is no quiz answers


def test_a_linked_exercises_folder_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "lstm-submissions"
    repo = clone(root, "lstm-mallory", {"README.md": ""})
    (repo / "exercises").symlink_to(ROOT / "solutions", target_is_directory=True)
    [mallory] = discover(root)
    assert (mallory.student, mallory.status) == ("mallory", UNREADABLE) and "symbolic link" in mallory.problem


def test_other_layouts_keep_their_folder_names_as_ids(tmp_path: Path) -> None:
    plain = tmp_path / "submissions"
    clone(plain, "lstm-alice", {"lstm_numpy.py": SOLUTION})  # not in a -submissions folder: the name is the id
    assert [f.student for f in discover(plain)] == ["lstm-alice"]
    classroom = tmp_path / "lstm-submissions"
    clone(classroom, "erin", {"lstm_numpy.py": SOLUTION})  # no assignment prefix: the name is the id
    clone(classroom, "lstm-frank", {"lstm_numpy.py": SOLUTION})
    assert [f.student for f in discover(classroom)] == ["erin", "frank"]
    nbgrader = tmp_path / "course" / "submitted"
    (nbgrader / "grace" / "lstm").mkdir(parents=True)
    (nbgrader / "grace" / "lstm" / "lstm_numpy.py").write_text(SOLUTION)
    [grace] = discover(tmp_path / "course")
    assert (grace.student, grace.folder) == ("grace", nbgrader / "grace" / "lstm")


@pytest.mark.slow
def test_grade_batch_grades_the_clones_under_their_logins(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "lstm-submissions"
    clone(root, "lstm-alice", {"exercises/lstm_numpy.py": SOLUTION})
    clone(root, "lstm-bob", {"exercises/lstm_numpy.py": numpy_fixture("buggy", "forget_tanh")})
    fast = dataclasses.replace(settings, examples_scale=0.2, call_timeout=1.0)
    outcome = run_batch(root, out=tmp_path / "out", settings=fast, workers=1)
    records = {record.student: record for record in outcome.records}
    assert sorted(records) == ["alice", "bob"]
    assert records["alice"].points == records["alice"].max_points > records["bob"].points > 0
