"""The README's promises: two commands at the top, and CI runs the second one verbatim."""

from __future__ import annotations

import re

from conftest import ROOT


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
    assert "torch==2.13.0" in tests and tests.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()
