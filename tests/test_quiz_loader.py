"""Malformed quiz files: one sentence naming the file, the question and the problem (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import InputError
from grader.quiz.loader import load_folder, load_quiz

VALID = '''title = "A small quiz"
variant_salt = "salt"

[[questions]]
id = "q1"
kind = "single"
topic = "activations"
prompt = "Which activation gives f_t?"
choices = ["tanh", "sigmoid", "ReLU", "none"]
answer = "b"
explanation = "A sigmoid: a fraction in (0, 1)."

[[questions]]
id = "q2"
kind = "multiple"
topic = "gate-io"
prompt = "What does the learn gate read?"
choices = ["STM", "E", "LTM"]
answer = ["a", "b"]
explanation = "[STM, E]."

[[questions]]
id = "q3"
kind = "ordering"
topic = "equations"
prompt = "Order them."
items = ["second", "first", "third"]
answer = ["b", "a", "c"]
explanation = "As numbered."

[[questions]]
id = "q4"
kind = "numeric"
topic = "parameters"
prompt = "How many?"
answer = 148
tolerance = { abs = 0.5 }
explanation = "4·H·(H + I + 1) + H·(H + 1)."

[[questions]]
id = "q5"
kind = "numeric"
topic = "equations"
compute = "forget_gate"
tolerance = { abs = 0.002 }
prompt = "W_f = $W_f. What is the forget gate's output?"
explanation = "σ($pre) = $f, so $answer."
'''


def write(tmp_path: Path, text: str, name: str = "small.toml") -> Path:
    folder = tmp_path / "quizzes"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def test_the_valid_quiz_loads(tmp_path: Path) -> None:
    quiz = load_quiz(write(tmp_path, VALID))
    assert quiz.id == "small" and [q.kind for q in quiz.questions] == ["single", "multiple", "ordering", "numeric",
                                                                        "numeric"]
    assert quiz.questions[1].answer == ("a", "b") and quiz.questions[3].answer == 148.0 and quiz.per_student


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('title = "A small quiz"', 'title = "A small quiz', "not valid TOML (Illegal character"),
        ('title = "A small quiz"', 'titel = "A small quiz"',
         "unknown top-level field 'titel' (did you mean 'title'?); the fields of a quiz file are: title,"),
        ('title = "A small quiz"', 'title = ""', "title must be a non-empty text in quotes"),
        ('variant_salt = "salt"', "",
         "per-student questions need a variant_salt = \"...\" text at the top of the file"),
        ('kind = "single"', 'kind = "choice"',
         "question 'q1': kind must be one of single, multiple, numeric, ordering, not 'choice'"),
        ('answer = "b"', 'anwser = "b"', "question 'q1': unknown field 'anwser' (did you mean 'answer'?)"),
        ('answer = "b"', 'answer = "e"', "question 'q1': answer 'e' is not one of the choice letters a-d"),
        ('answer = "b"', "", "question 'q1': the answer is missing"),
        ('choices = ["tanh", "sigmoid", "ReLU", "none"]', 'choices = ["tanh", "tanh"]',
         "question 'q1': choices lists the same text twice"),
        ('topic = "activations"', 'topic = "gates"', "question 'q1': topic must be one of vanishing-gradients,"),
        ('explanation = "A sigmoid: a fraction in (0, 1)."', "",
         "question 'q1': explanation must be a non-empty text in quotes, and it is missing"),
        ('id = "q1"', 'id = "Q 1"', "question 'Q 1': needs an id = \"...\" of lower-case letters, digits"),
        ('id = "q1"', "", "question #1 (the 1st [[questions]]): needs an id"),
        ('id = "q2"', 'id = "q1"', "question 'q1': the id is used by an earlier question too"),
        ('answer = ["a", "b"]', 'answer = ["a", "a"]', "question 'q2': answer lists the same letter twice"),
        ('answer = ["a", "b"]', 'answer = "ab"', "question 'q2': answer must be a list of letters from a-c"),
        ('answer = ["b", "a", "c"]', 'answer = ["b", "a"]', "question 'q3': answer must put every item in order"),
        ("tolerance = { abs = 0.5 }", "",
         "question 'q4': tolerance must be an inline table with one of abs, rel or sig"),
        ("tolerance = { abs = 0.5 }", "tolerance = { abs = 0 }", "question 'q4': tolerance abs must be greater than 0"),
        ("tolerance = { abs = 0.5 }", "tolerance = { sig = 2.5 }",
         "question 'q4': tolerance sig must be a whole number of significant figures from 1 to 15"),
        ("tolerance = { abs = 0.5 }", "tolerance = { rel = 1 }", "question 'q4': tolerance rel must be greater than 0"),
        ("answer = 148", "answer = \"148\"", "question 'q4': a numeric question needs answer = <a number>"),
        ("answer = 148\ntolerance = { abs = 0.5 }", "answer = 0\ntolerance = { rel = 0.01 }",
         "question 'q4': a rel tolerance cannot judge the answer 0: use tolerance = { abs = ... }"),
        ('compute = "forget_gate"', 'compute = "forget"',
         "question 'q5': compute 'forget' is not a generator; the generators are: sigmoid, forget_gate,"),
        ("W_f = $W_f.", "W_f = $W_x.",
         "question 'q5': the prompt names $W_x, which the 'forget_gate' generator does not provide (it provides: W_f,"),
        ("so $answer.", "so $answer in $.",
         "question 'q5': the explanation has a '$' that is not a placeholder such as $W_f (write $$ for a dollar "
         "sign)"),
        ('compute = "forget_gate"', 'compute = "forget_gate"\nanswer = 1',
         "question 'q5': give either answer (a fixed number) or compute (a per-student generator), not both"),
        ('answer = "b"', 'answer = "b"\nkey = { salt = "00", hash = "00" }',
         "question 'q1': key belongs in student copies only, on fixed questions"),
        ("[[questions]]\nid = \"q2\"", "[[questions]]\npoints = -1\nid = \"q2\"",
         "question 'q2': points must be a number greater than 0, not -1"),
        ('title = "A small quiz"', 'title = "A small quiz"\ncopy = "student"',
         "a student copy needs a [kdf] table with name = \"scrypt\", n, r and p"),
    ],
)
def test_a_malformed_quiz_is_one_sentence_naming_file_question_and_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert VALID.count(old) == 1, old
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(InputError) as error:
        load_quiz(path)
    text = str(error.value)
    assert text.startswith(f"{path}: ") and message in text, text
    assert "\n" not in text


def test_the_file_name_is_the_quiz_id(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"My Quiz\.toml: the file name is the quiz id"):
        load_quiz(write(tmp_path, VALID, name="My Quiz.toml"))


def test_a_missing_or_empty_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such quiz folder"):
        load_folder(tmp_path / "nowhere")
    with pytest.raises(InputError, match="holds no quiz files"):
        load_folder(tmp_path)


def test_the_cli_reports_a_malformed_quiz_with_exit_code_2(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('answer = "b"', 'answer = "e"'))
    (tmp_path / "answers.toml").write_text('[small]\nq1 = "b"\n')
    for args in (["--list"], ["--show", "small"], ["--template", "small"], [str(tmp_path / "answers.toml")]):
        result = runner.invoke(main, ["quiz", "--quizzes", str(path.parent), *args], catch_exceptions=False)
        assert result.exit_code == 2, args
        assert result.output == f"Error: {path}: question 'q1': answer 'e' is not one of the choice letters a-d\n"
