"""``grade`` as a learner and CI use it: formats, files, exit codes, and bad input answered with
one sentence (never a traceback)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, numpy_fixture, replace_once, solution_source

from grader.cli import main

FAST = ["--exercise", "remember_gate"]  # the quickest exercise, for tests about the CLI itself


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def full_marks(out: str) -> bool:
    """The summary says full marks, whatever the total is."""
    return re.search(r"Total: (\d+(?:\.\d+)?)/\1 points", out) is not None


def test_reference_passes_with_exit_code_0(runner: CliRunner) -> None:
    code, out = run(runner, "check", str(ROOT / "solutions"), *FAST)
    assert code == 0, out
    assert "✔ remember_gate" in out and "✘" not in out and full_marks(out)


def test_stub_fails_with_exit_code_1_and_says_not_implemented(runner: CliRunner) -> None:
    code, out = run(runner, "check", str(ROOT / "exercises"), *FAST)
    assert code == 1 and "not implemented yet" in out


def test_default_path_is_the_exercises_folder(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out = run(runner, "check", *FAST)
    assert code == 1 and "grade check exercises" in out


def test_a_file_path_works_too(runner: CliRunner) -> None:
    code, out = run(runner, "check", str(ROOT / "solutions" / "lstm_numpy.py"), *FAST)
    assert code == 0 and full_marks(out)


def test_json_report_is_the_versioned_result_model(runner: CliRunner) -> None:
    code, out = run(runner, "check", str(ROOT / "exercises"), *FAST, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["schema_version"] == "1.0" and data["seed"] == 0
    assert {"grader", "python", "numpy", "hypothesis", "device", "isolation"} <= set(data["environment"])
    (exercise,) = data["exercises"]
    assert exercise["id"] == "remember_gate" and exercise["note"] == "not implemented yet"
    assert {"id", "title", "status", "score", "max_score", "message", "hint", "tolerance", "counterexample",
            "diagnosis", "cases", "visibility"} <= set(exercise["checks"][0])


def test_gradescope_report_has_the_documented_shape(runner: CliRunner, submission: Callable[[str], Path]) -> None:
    folder = submission(numpy_fixture("buggy", "remember_multiplies"))
    code, out = run(runner, "check", str(folder), *FAST, "--format", "gradescope")
    data = json.loads(out)
    assert code == 1
    assert set(data) >= {"score", "tests", "stdout_visibility"}
    assert data["score"] == sum(t["score"] for t in data["tests"])
    for test in data["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "status", "visibility"}
        assert test["name"].startswith("remember_gate: ")
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
    failing = next(t for t in data["tests"] if t["status"] == "failed")
    assert "smallest failing input" in failing["output"]


def test_output_file_gets_the_report_and_the_terminal_a_summary(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out = run(runner, "check", str(ROOT / "solutions"), *FAST, "--format", "json", "--output", str(target))
    assert code == 0
    report = json.loads(target.read_text())
    assert report["score"] == report["max_score"] > 0
    assert out.startswith(f"wrote {target}: {report['score']}/{report['max_score']} points")


def test_same_submission_and_seed_give_byte_identical_json(
    runner: CliRunner, submission: Callable[[str], Path]
) -> None:
    folder = submission(numpy_fixture("buggy", "concat_order"))
    outputs = [run(runner, "check", str(folder), "--format", "json", "--seed", "7")[1] for _ in range(2)]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["seed"] == 7


def test_the_reproduce_command_reproduces_the_failure(runner: CliRunner, submission: Callable[[str], Path]) -> None:
    folder = submission(numpy_fixture("buggy", "forget_on_stm"))
    first = json.loads(run(runner, "check", str(folder), "--format", "json", "--seed", "3")[1])
    check = next(c for e in first["exercises"] for c in e["checks"] if c["reproduce"])
    args = check["reproduce"].split()[1:]  # drop the program name
    again = json.loads(run(runner, *args, "--format", "json")[1])
    rerun = next(c for c in again["exercises"][0]["checks"] if c["id"] == check["id"])
    assert rerun["counterexample"] == check["counterexample"]


# ------------------------------------------------------------------------------------------ bad input


def assert_one_clean_sentence(out: str) -> None:
    assert "Traceback" not in out
    assert len(out.strip().splitlines()) == 1 and out.startswith("Error: ")


def test_missing_path_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    code, out = run(runner, "check", str(tmp_path / "nowhere"))
    assert code == 2
    assert_one_clean_sentence(out)
    assert "nowhere: no such file or folder" in out


def test_a_folder_without_exercise_files_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    code, out = run(runner, "check", str(tmp_path))
    assert code == 2
    assert_one_clean_sentence(out)
    assert "holds none of the exercise files (lstm_numpy.py" in out


def test_a_file_with_another_name_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "my_lstm.py"
    other.write_text("x = 1\n")
    code, out = run(runner, "check", str(other))
    assert code == 2
    assert_one_clean_sentence(out)


def test_unknown_exercise_is_a_usage_error(runner: CliRunner) -> None:
    code, out = run(runner, "check", str(ROOT / "solutions"), "--exercise", "lean_gate")
    assert code == 2
    assert_one_clean_sentence(out)
    assert "unknown exercise 'lean_gate'" in out and "learn_gate" in out


@pytest.mark.parametrize(
    ("edit", "sentence"),
    [
        (("    return forget_out + learn_out\n", "    return forget_out + learn_out +\n"),
         "lstm_numpy.py could not be imported: SyntaxError at line"),
        (("import numpy as np\n", "import numpy as np\nimport no_such_module_anywhere\n"),
         "lstm_numpy.py line 8 imports no_such_module_anywhere, which the course's grading environment"),
        (("def remember_gate(", "def remember_gates("),
         "lstm_numpy.py has no function named remember_gate (was it renamed or deleted?)"),
        (("def remember_gate(forget_out, learn_out):", "def remember_gate(forget_out):\n    learn_out = 0"),
         "remember_gate must take 2 arguments (forget_out, learn_out); yours takes 1 (forget_out)"),
        (("    return forget_out + learn_out\n", "    return (forget_out + learn_out).tolist()\n"),
         "it returned a list of 2 items (return the numpy array itself, not a Python list). A result of the wrong "
         "kind is not an answer"),
        (("    return forget_out + learn_out\n", "    return (forget_out + learn_out)[:, :1]\n"),
         "remember_gate returned ltm with shape (2, 1); expected (B, H) = (2, 4)"),
        (("    return forget_out + learn_out\n", "    return None\n"),
         "it returned None (is a `return` statement missing?)"),
    ],
)
def test_broken_submissions_get_one_clear_sentence(
    runner: CliRunner, submission: Callable[[str], Path], edit: tuple[str, str], sentence: str
) -> None:
    folder = submission(replace_once(solution_source(), *edit))
    code, out = run(runner, "check", str(folder), *FAST)
    assert code == 1
    assert sentence in out
    assert "Traceback" not in out


def test_a_hanging_submission_is_reported_as_ungradable_with_exit_code_3(
    runner: CliRunner, submission: Callable[[str], Path]
) -> None:
    folder = submission(replace_once(solution_source(), "    return forget_out + learn_out\n",
                                     "    while True:\n        pass\n"))
    pyproject = ROOT / "pyproject.toml"
    course = folder / "course"
    course.mkdir()
    (course / "pyproject.toml").write_text(pyproject.read_text() + "\n")
    (course / "solutions").symlink_to(ROOT / "solutions")
    text = (course / "pyproject.toml").read_text().replace("[tool.grader]\n", "[tool.grader]\ncall_timeout = 1.0\n", 1)
    (course / "pyproject.toml").write_text(text)
    code, out = run(runner, "--course", str(course), "check", str(folder), *FAST)
    assert code == 3
    assert "could not be graded: remember_gate took longer than the 1 s time limit" in out


def test_hidden_checks_run_at_grading_time_not_in_a_local_check(runner: CliRunner) -> None:
    local = json.loads(run(runner, "check", str(ROOT / "solutions"), "-e", "lstm_forward", "--format", "json")[1])
    check = next(c for c in local["exercises"][0]["checks"] if c["id"] == "rows_independent")
    assert check["status"] == "skipped" and check["visibility"] == "hidden" and check["max_score"] == 0
    assert "runs at grading time" in check["message"]
    graded = json.loads(run(runner, "--profile", "ci", "check", str(ROOT / "solutions"), "-e", "lstm_forward",
                            "--format", "gradescope")[1])
    test = next(t for t in graded["tests"] if t["name"] == "lstm_forward: treats batch rows independently")
    assert test["visibility"] == "hidden" and test["score"] == test["max_score"] == 1
    assert test["output"].startswith("treats batch rows independently: passed (details are not shown")


def test_config_prints_each_setting_and_its_source(runner: CliRunner) -> None:
    code, out = run(runner, "--profile", "exam", "config")
    assert code == 0
    assert "examples_scale       2.0" in out and "pyproject.toml [tool.grader.profiles.exam]" in out
    assert "call_timeout         5.0" in out and "default" in out


@pytest.mark.slow
def test_selftest_passes_on_this_course(runner: CliRunner) -> None:
    code, out = run(runner, "selftest")
    assert code == 0, out
    assert "solutions/lstm_numpy.py scores full marks" in out and "selftest passed" in out
    assert "solutions/lstm_torch.py scores full marks" in out


def test_asking_for_cuda_without_it_is_a_usage_error(runner: CliRunner) -> None:
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, out = run(runner, "check", str(ROOT / "solutions" / "lstm_torch.py"), "--device", "cuda")
    assert code == 2
    assert_one_clean_sentence(out)
    assert "CUDA is not available here" in out
