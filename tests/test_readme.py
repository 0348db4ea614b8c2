"""The README's promises: two commands at the top, and CI runs the second one verbatim: ruff, mypy, the tests."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

from grader.catalog import TORCH_PIN


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.S)[:2]


def test_the_readme_starts_with_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first_block = text.index("```bash")
    assert text[:first_block].count("\n") <= 2, "the commands come first"
    main_job, tests = readme_commands()
    assert "\n" not in main_job and "\n" not in tests
    assert main_job.endswith("grade check examples/partial")
    assert f"torch=={TORCH_PIN}" in tests and tests.endswith("python -m pytest")


def test_the_test_command_lints_and_type_checks_before_testing() -> None:
    steps = readme_commands()[1].split(" && ")
    assert steps[-3:] == [".venv/bin/ruff check .", ".venv/bin/mypy", ".venv/bin/python -m pytest"]
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert {"grader", "tests"} <= set(mypy["files"]), "a bare `mypy` checks the package and its tests"


def test_the_readme_ci_and_pyproject_pin_the_torch_the_grader_names() -> None:
    """They spell the pin literally (a shell command, a comment); grader.catalog.TORCH_PIN is the one source."""
    for name in ("README.md", ".ci/run", "pyproject.toml"):
        pins = set(re.findall(r"torch==([\w.+-]+)", (ROOT / name).read_text()))
        assert pins == {TORCH_PIN}, f"{name} pins torch {sorted(pins)}, the grader {TORCH_PIN} (grader/catalog.py)"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()
