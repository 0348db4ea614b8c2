"""Settings: one table in pyproject.toml, profiles, overrides, and one sentence for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import load_settings
from grader.errors import InputError, UsageError


def course(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(table)
    return tmp_path


def test_defaults_then_table_then_profile_then_overrides(tmp_path: Path) -> None:
    root = course(tmp_path, "[tool.grader]\nseed = 4\ncall_timeout = 2\n[tool.grader.profiles.exam]\nseed = 9\n")
    local = load_settings(root)
    assert (local.seed, local.call_timeout, local.memory_mb) == (4, 2.0, 1024)
    assert local.sources["seed"] == "pyproject.toml [tool.grader]"
    exam = load_settings(root, "exam")
    assert exam.seed == 9 and exam.sources["seed"] == "pyproject.toml [tool.grader.profiles.exam]"
    overridden = exam.with_overrides(seed=11, call_timeout=None)
    assert overridden.seed == 11 and overridden.call_timeout == 2.0 and overridden.sources["seed"] == "command line"


def test_the_assignments_parts_are_a_list_of_names(tmp_path: Path) -> None:
    root = course(tmp_path, '[tool.grader]\nparts = ["lstm_numpy.py", "quiz:gates"]\n')
    assert load_settings(root).parts == ("lstm_numpy.py", "quiz:gates")
    assert load_settings(root).with_overrides(parts=("LSTM",)).parts == ("LSTM",)
    assert load_settings(tmp_path / "elsewhere").parts == (), "by default the class's submissions are the assignment"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("[tool.grader]\nsead = 1\n", "unknown setting 'sead'"),
        ("[tool.grader]\ncall_timeout = 'fast'\n", "call_timeout must be a positive number, not 'fast'"),
        ("[tool.grader]\nmemory_mb = -5\n", "memory_mb must be a whole number >= 0, not -5"),
        ("[tool.grader\n", "not valid TOML"),
        ("[tool.grader]\nparts = 'lstm_numpy.py'\n", "parts must be a list of names"),
        ("[tool.grader]\nparts = ['lstm_numpy.py', 3]\n", "parts must be a list of names"),
    ],
)
def test_a_bad_settings_file_gets_one_sentence_naming_it(tmp_path: Path, table: str, words: str) -> None:
    root = course(tmp_path, table)
    with pytest.raises(InputError) as error:
        load_settings(root)
    assert words in str(error.value) and "pyproject.toml" in str(error.value)


def test_an_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown profile 'quiz'"):
        load_settings(tmp_path, "quiz")
