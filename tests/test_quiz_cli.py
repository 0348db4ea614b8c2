"""``grade quiz`` as learners, instructors and CI use it: files, formats, exit codes, templates,
the interactive mode (driven through CliRunner's input), and bad input answered in one sentence."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from grader import api
from grader.cli import main
from grader.quiz.commands import key_answers, reference_for
from grader.quiz.loader import load_quiz
from grader.quiz.variants import draw

QUIZZES = ROOT / "quizzes"
GATES = load_quiz(QUIZZES / "gates.toml")
GATES_KEY = key_answers(GATES, student="s1", reference=reference_for(ROOT)) | {"sigma-of-two": 0.881}


def run(runner: CliRunner, *args: str, input: str | None = None, env: dict[str, str | None] | None = None
        ) -> tuple[int, str]:
    result = runner.invoke(main, ["quiz", *args], input=input, env=env, catch_exceptions=False)
    return result.exit_code, result.output


def answers_file(tmp_path: Path, quiz: str, answers: Mapping[str, object], name: str = "answers.toml") -> Path:
    lines = [f"[{quiz}]"] + [f"{k} = {json.dumps(v)}" for k, v in answers.items()]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_key_scores_full_with_exit_code_0(runner: CliRunner, tmp_path: Path) -> None:
    code, out = run(runner, str(answers_file(tmp_path, "gates", GATES_KEY)))
    assert code == 0, out
    assert "Total: 14/14 points; 14 of 14 questions right." in out
    assert out.count("why: ") == 14, "every explanation is shown after grading"


def wrong(question_id: str) -> str:
    """A wrong letter for a single-choice question of gates.toml."""
    return next(letter for letter in "abcd" if letter != GATES_KEY[question_id])


def test_some_wrong_answers_exit_1_with_partial_points(runner: CliRunner, tmp_path: Path) -> None:
    steps = GATES_KEY["learn-steps"]
    answers = GATES_KEY | {"learn-inputs": GATES_KEY["learn-inputs"][:1], "learn-steps": steps[1::-1] + steps[2:],
                           "forget-output": wrong("forget-output")}
    code, out = run(runner, str(answers_file(tmp_path, "gates", answers)))
    assert code == 1
    assert "Total: 12.1667/14 points; 11 of 14 questions right; 2 partly right; 1 not right." in out
    assert "◐  1. learn-inputs (0.5/1)" in out and "✘  2. forget-output (0/1)" in out


def test_json_is_the_result_model_and_byte_identical(runner: CliRunner, tmp_path: Path) -> None:
    path = answers_file(tmp_path, "gates", GATES_KEY | {"learn-inputs": GATES_KEY["learn-inputs"][:1]})
    first, second = (run(runner, str(path), "--format", "json")[1] for _ in range(2))
    assert first == second
    data = json.loads(first)
    assert data["schema_version"] == "1.0" and data["score"] == 13.5 and data["max_score"] == 14
    assert data["environment"]["quizzes"] == "instructor copy"
    (exercise,) = data["exercises"]
    assert exercise["id"] == "gates" and exercise["file"] == "gates.toml" and exercise["status"] == "failed"
    check = exercise["checks"][0]
    assert check["id"] == "learn-inputs" and check["score"] == 0.5 and check["max_score"] == 1
    assert check["hint"].startswith("The learn gate reads only") and "1 of the 2 right choices" in check["message"]


def test_gradescope_has_a_test_per_question(runner: CliRunner, tmp_path: Path) -> None:
    code, out = run(runner, str(answers_file(tmp_path, "gates", GATES_KEY | {"forget-output": "c"})),
                    "--format", "gradescope")
    data = json.loads(out)
    assert code == 1 and data["score"] == 13 and len(data["tests"]) == 14
    test = next(t for t in data["tests"] if t["score"] == 0)
    assert test["name"] == "gates: What does the forget gate give out?" and test["status"] == "failed"
    assert GATES_KEY["forget-output"] == "d", "the message below names the key's text"
    assert "you answered c) STM_{t-1}·f_t; the answer is d) LTM_{t-1}·f_t" in test["output"]
    assert "hint: The forget gate scales the old long-term memory" in test["output"]


def test_html_is_one_page(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, out = run(runner, str(answers_file(tmp_path, "gates", GATES_KEY)), "--format", "html", "-o", str(target))
    assert code == 0 and out.startswith(f"wrote {target}: 14/14 points")
    assert "<html" in target.read_text() and "The four gates" in target.read_text()


def test_output_file_gets_the_report_and_the_terminal_a_summary(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out = run(runner, str(answers_file(tmp_path, "gates", GATES_KEY)), "--format", "json", "-o", str(target))
    assert code == 0 and out == f"wrote {target}: 14/14 points; 14 of 14 questions right\n"
    assert json.loads(target.read_text())["score"] == 14


def test_per_student_answers_from_ci_with_grader_student(runner: CliRunner, tmp_path: Path) -> None:
    quiz = load_quiz(QUIZZES / "by-hand.toml")
    reference = __import__("grader.quiz.commands", fromlist=["reference_for"]).reference_for(ROOT)()
    from grader.quiz.variants import solve

    answers = {q.id: solve(q, draw(quiz, q, "ci-student"), reference)[0] if q.computed else q.answer
               for q in quiz.questions}
    path = answers_file(tmp_path, "by-hand", answers)
    code, out = run(runner, str(path), env={"GRADER_STUDENT": "ci-student"})
    assert code == 0 and "(ci-student, instructor copy)" in out
    code, out = run(runner, str(path), "--student", "someone-else")
    assert code == 1


def test_the_template_is_an_answers_file_to_fill_in(runner: CliRunner, tmp_path: Path) -> None:
    template = tmp_path / "gates.toml"
    code, out = run(runner, "--template", "gates", "-o", str(template))
    assert code == 0 and out == f"wrote {template}\n"
    text = template.read_text()
    assert tomllib.loads(text) == {"gates": {q: [] if isinstance(v, list) else "" for q, v in GATES_KEY.items()}}
    assert "#      d) LTM_{t-1}·f_t" in text and "# 10. sigma-of-two (numeric, 1 point): a number" in text
    code, out = run(runner, str(template))
    assert code == 1 and "no answer for forget-output" in out and "0/14 points" in out
    for question, value in GATES_KEY.items():
        empty = f"{question} = []" if isinstance(value, list) else f'{question} = ""'
        text = text.replace(empty, f"{question} = {json.dumps(value)}")
    template.write_text(text)
    assert run(runner, str(template))[0] == 0


def test_list_shows_quizzes_and_topics(runner: CliRunner) -> None:
    code, out = run(runner, "--list")
    assert code == 0 and "gates            The four gates" in out and "questions by topic:" in out
    assert "gru: GRU as another architecture" in out


# ------------------------------------------------------------------------------ interactive


def typed(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


GATES_TYPED = ["a c e"] + [typed(v) if q != "sigma-of-two" else f"about\n{v}" for q, v in GATES_KEY.items()]


def test_interactive_asks_explains_saves_and_grades(runner: CliRunner, tmp_path: Path) -> None:
    saved = tmp_path / "mine.toml"
    code, out = run(runner, "--interactive", "--quiz", "gates", str(saved), input="\n".join(GATES_TYPED) + "\n")
    assert code == 0, out
    assert "1. learn-inputs (multiple select, pick one or more; 1 point)" in out
    assert "     b) STM_{t-1}\n" in out and "Your answer (letters, e.g. a c)" in out
    assert "learn-inputs: 'e' is not one of the letters a-d" in out  # asked again, not a crash
    assert "sigma-of-two needs a number, e.g. 0.25; the text 'about' is not a number" in out
    assert f"saved your answers to {saved}" in out and "Total: 14/14 points" in out
    assert tomllib.loads(saved.read_text())["gates"] == GATES_KEY
    assert run(runner, str(saved))[0] == 0  # what was saved grades the same


def test_interactive_completes_a_saved_file(runner: CliRunner, tmp_path: Path) -> None:
    saved = answers_file(tmp_path, "gates", GATES_KEY)
    code, out = run(runner, "-i", "--quiz", "gates", str(saved), input="-\n" + "\n" * 13)
    default = " ".join(GATES_KEY["learn-inputs"])
    assert code == 1 and f"(letters, e.g. a c) ({default}): " in out, "the earlier answer is the default; '-' clears it"
    assert "Total: 13/14 points" in out
    assert tomllib.loads(saved.read_text())["gates"]["learn-inputs"] == []


def test_interactive_picks_a_quiz_asks_the_student_and_stops_at_end_of_input(runner: CliRunner) -> None:
    quiz = load_quiz(QUIZZES / "by-hand.toml")
    code, out = run(runner, "--interactive", input="seven\n1\n S1\n0.5\n", env={"GRADER_STUDENT": None})
    assert code == 1
    assert "  1) by-hand: The cell by hand" in out and "seven is not one of 1-5 or a quiz id" in out
    assert "Your student id (it picks your own numbers)" in out
    assert draw(quiz, quiz.questions[1], "s1").prompt.splitlines()[1] in out
    assert "(end of input: the questions not reached stay unanswered)" in out
    assert "(s1, instructor copy)" in out and "no answer for forget-gate" in out


# ------------------------------------------------------------------------------ bad input


def assert_one_clean_sentence(out: str) -> None:
    assert "Traceback" not in out
    assert len(out.strip().splitlines()) == 1 and out.startswith("Error: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[gates\nforget-output = 'a'\n", "answers.toml: not valid TOML (Expected ']'"),
        ('forget-output = "a"\n', "answers.toml: holds answers to none of the quizzes (by-hand, gates, rnn-to-lstm, "
                                  "sequences-gru, torch-lstm): answers go under a [quiz-id] header"),
        (b"\xff\xfe".decode("latin-1"), "answers.toml: not UTF-8 text"),
    ],
)
def test_a_malformed_answers_file_is_an_input_error(runner: CliRunner, tmp_path: Path, content: str,
                                                    message: str) -> None:
    path = tmp_path / "answers.toml"
    path.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    code, out = run(runner, str(path))
    assert code == 2
    assert_one_clean_sentence(out)
    assert message in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give an ANSWERS file to grade, or one of --interactive, --template QUIZ, --show QUIZ, --list, "
             "--student-copy DIR"),
        (["--list", "--show", "gates"], "(not --show and --list together)"),
        (["--template", "gatez"], "unknown quiz 'gatez' (did you mean 'gates'?); the quizzes are: by-hand, gates,"),
        (["--roster", "r.txt", "--list"], "--roster goes with --student-copy DIR"),
        (["nowhere.toml"], "nowhere.toml: no such answers file"),
    ],
)
def test_usage_errors_are_one_sentence(runner: CliRunner, args: list[str], message: str) -> None:
    code, out = run(runner, *args)
    assert code == 2
    assert_one_clean_sentence(out)
    assert message in out


def test_selftest_checks_every_quiz(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(api, "TRACKS", {})  # only the quiz lines: the exercise lines are tested in test_cli.py
    result = runner.invoke(main, ["selftest"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "✔ quizzes/gates.toml parses and its key scores full marks (14/14, 14 questions)" in result.output
    assert "✔ the quizzes cover every topic of the notes (5 quizzes, 60 questions)" in result.output
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "broken.toml").write_text('title = "x"\n')
    result = runner.invoke(main, ["--course", str(tmp_path), "selftest"], catch_exceptions=False)
    assert result.exit_code == 1 and "selftest FAILED" in result.output
    assert "✘ quizzes/ parses" in result.output and "broken.toml: needs at least one question" in result.output


def test_interactive_accepts_a_list_typed_as_the_answers_file_writes_it(runner: CliRunner, tmp_path: Path) -> None:
    """The answers file's own format, ["b", "d"], typed at the prompt, is read as the letters it lists."""
    as_lists = [f"[{', '.join(repr(v) for v in value)}]".replace("'", '"') if isinstance(value, list) else typed(value)
                for value in GATES_KEY.values()]
    assert any(answer.startswith('["') for answer in as_lists)
    code, out = run(runner, "--interactive", "--quiz", "gates", str(tmp_path / "mine.toml"),
                    input="\n".join(as_lists) + "\n")
    assert code == 0 and "Total: 14/14 points" in out, out
    assert "is not" not in out  # nothing was refused
