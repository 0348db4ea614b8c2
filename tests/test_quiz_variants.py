"""Per-student variants: the same student always gets the same numbers, others get others, and the
answers come from the reference solutions (checked here against independent formulas and torch)."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT, requires_torch

from grader.api import grade_quiz, show_quiz
from grader.cli import main
from grader.quiz.commands import reference_for
from grader.quiz.generators import GENERATORS
from grader.quiz.loader import load_quiz
from grader.quiz.model import Question
from grader.quiz.variants import Draws, draw, normalise_student, seed, solve
from grader.results import Status

QUIZZES = ROOT / "quizzes"
BY_HAND = load_quiz(QUIZZES / "by-hand.toml")
COMPUTED = [q for q in BY_HAND.questions if q.computed]
STUDENTS = [f"student-{i}" for i in range(20)]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.mark.parametrize("question", COMPUTED, ids=lambda q: q.id)
def test_the_same_student_always_gets_the_same_variant(question: Question) -> None:
    first = [draw(BY_HAND, question, s) for s in STUDENTS]
    again = [draw(BY_HAND, question, s) for s in STUDENTS]
    assert first == again
    distinct = {v.prompt for v in first}
    assert len(distinct) >= 15, "different students should mostly get different numbers"


def test_the_variant_stream_is_stable_across_versions() -> None:
    """A golden: changing how numbers are drawn would change every student's questions mid-term."""
    assert seed("salt", "s1", "quiz", "q") == hashlib.sha256(b"salt\0s1\0quiz\0q").digest()  # never hash()
    draws = Draws(seed("salt", "s1", "quiz", "q"))
    assert [draws.integer(0, 9) for _ in range(8)] == [9, 1, 4, 7, 2, 2, 5, 6]
    assert draws.decimal(-1.5, 1.5) == 0.0 and draws.matrix(1, 2) == [[-1.1, -1.1]]


def test_student_ids_are_trimmed_and_case_folded() -> None:
    assert normalise_student("  S123 ") == "s123"
    assert normalise_student("") is None and normalise_student(None) is None
    question = COMPUTED[0]
    assert draw(BY_HAND, question, "s123") == draw(BY_HAND, question, normalise_student(" S123") or "")


def test_show_prints_the_students_own_numbers() -> None:
    mine = show_quiz(quiz="by-hand", student="s1", quizzes=QUIZZES)
    theirs = show_quiz(quiz="by-hand", student="s2", quizzes=QUIZZES)
    assert mine == show_quiz(quiz="by-hand", student="S1", quizzes=QUIZZES) and mine != theirs
    assert draw(BY_HAND, COMPUTED[1], "s1").prompt.splitlines()[1] in mine
    assert "$" not in mine and "(student s1)" in mine


def test_the_student_id_comes_from_the_flag_or_grader_student(runner: CliRunner) -> None:
    by_flag = runner.invoke(main, ["quiz", "--show", "by-hand", "--student", "s1"], catch_exceptions=False)
    by_env = runner.invoke(main, ["quiz", "--show", "by-hand"], env={"GRADER_STUDENT": "s1"}, catch_exceptions=False)
    assert by_flag.exit_code == by_env.exit_code == 0 and by_flag.output == by_env.output
    missing = runner.invoke(main, ["quiz", "--show", "by-hand"], env={"GRADER_STUDENT": None})
    assert missing.exit_code == 2
    assert missing.output == ("Error: quiz 'by-hand' has per-student questions: showing your questions needs your "
                              "student id; give --student ID or set GRADER_STUDENT\n")


def test_grading_per_student_questions_needs_the_student() -> None:
    from grader.errors import UsageError

    with pytest.raises(UsageError, match="grading needs your student id"):
        grade_quiz(answers={"by-hand": {"sigmoid": 0.5}}, quizzes=QUIZZES)


def test_one_students_answers_are_wrong_for_another_student() -> None:
    reference = reference_for(ROOT)()
    question = next(q for q in COMPUTED if q.id == "forget-gate")
    mine = solve(question, draw(BY_HAND, question, "s1"), reference)[0]
    right = grade_quiz(answers={"by-hand": {"forget-gate": mine}}, student="s1", quizzes=QUIZZES)
    copied = grade_quiz(answers={"by-hand": {"forget-gate": mine}}, student="s2", quizzes=QUIZZES)
    check = next(c for c in right.checks() if c.id == "forget-gate")
    assert check.status is Status.PASSED and "[STM_{t-1}, E_t] = " in check.hint and "$" not in check.hint
    assert next(c for c in copied.checks() if c.id == "forget-gate").status is Status.FAILED


# ------------------------------------------------------------ answers, checked independently


@pytest.mark.parametrize("student", STUDENTS[:5])
def test_the_gate_answers_follow_the_lessons_equations(student: str) -> None:
    """Written out by hand here: [STM, E] puts STM first and weights are (out, in)."""
    reference = reference_for(ROOT)()
    answers = {q.id: solve(q, draw(BY_HAND, q, student), reference)[0] for q in COMPUTED}
    values = {q.id: draw(BY_HAND, q, student).values for q in COMPUTED}

    v = values["sigmoid"]
    assert answers["sigmoid"] == pytest.approx(sigmoid(v["x"]), abs=1e-12)

    v = values["forget-gate"]
    x, row = [*v["stm"][0], *v["event"][0]], v["W_f"][v["unit"]]
    pre = sum(w * xi for w, xi in zip(row, x, strict=True)) + v["b_f"][v["unit"]]
    assert answers["forget-gate"] == pytest.approx(v["ltm"][0][v["unit"]] * sigmoid(pre), abs=1e-12)

    v = values["learn-gate"]
    x = [*v["stm"][0], *v["event"][0]]
    pre_n = sum(w * xi for w, xi in zip(v["W_n"][0], x, strict=True)) + v["b_n"][0]
    pre_i = sum(w * xi for w, xi in zip(v["W_i"][0], x, strict=True)) + v["b_i"][0]
    assert answers["learn-gate"] == pytest.approx(math.tanh(pre_n) * sigmoid(pre_i), abs=1e-12)

    v = values["use-gate"]
    u = math.tanh(v["W_u"][0][0] * v["forget_out"][0][0] + v["b_u"][0])
    pre_v = v["W_v"][0][0] * v["stm"][0][0] + v["W_v"][0][1] * v["event"][0][0] + v["b_v"][0]
    assert answers["use-gate"] == pytest.approx(u * sigmoid(pre_v), abs=1e-12)

    v = values["cell-ltm"]
    x = [v["stm"][0][0], v["event"][0][0]]
    gate = {g: sum(w * xi for w, xi in zip(v[f"W_{g}"][0], x, strict=True)) + v[f"b_{g}"][0] for g in "nif"}
    ltm = v["ltm"][0][0] * sigmoid(gate["f"]) + math.tanh(gate["n"]) * sigmoid(gate["i"])
    assert answers["cell-ltm"] == pytest.approx(ltm, abs=1e-12)

    v = values["lesson-params"]
    size_i, size_h = v["I"], v["H"]
    assert answers["lesson-params"] == 4 * size_h * (size_h + size_i + 1) + size_h * (size_h + 1)


@requires_torch
@pytest.mark.parametrize(("size_i", "size_h"), [(1, 1), (3, 4), (10, 20), (40, 64)])
def test_parameter_counts_match_torch(size_i: int, size_h: int) -> None:
    import importlib.util

    import torch

    def count(module: torch.nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    values = {"I": size_i, "H": size_h}
    reference = reference_for(ROOT)()
    assert GENERATORS["torch_lstm_params"].solve(values, reference)["answer"] == count(torch.nn.LSTM(size_i, size_h))
    assert GENERATORS["gru_params"].solve(values, reference)["answer"] == count(torch.nn.GRU(size_i, size_h))
    spec = importlib.util.spec_from_file_location("_quiz_lstm_torch", ROOT / "solutions" / "lstm_torch.py")
    assert spec is not None and spec.loader is not None
    lesson = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lesson)
    assert GENERATORS["lesson_params"].solve(values, reference)["answer"] == count(lesson.LSTMCell(size_i, size_h))


@requires_torch
def test_the_fixed_numeric_answers_match_torch() -> None:
    import torch

    def count(module: torch.nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    torch_quiz = load_quiz(QUIZZES / "torch-lstm.toml")
    sequences = load_quiz(QUIZZES / "sequences-gru.toml")
    assert torch_quiz.question("torch-lstm-count").answer == count(torch.nn.LSTM(10, 20))  # type: ignore[union-attr]
    bias = sum(p.numel() for n, p in torch.nn.LSTM(7, 24).named_parameters() if "bias" in n)
    assert torch_quiz.question("bias-count").answer == bias  # type: ignore[union-attr]
    assert sequences.question("gru-count").answer == count(torch.nn.GRU(12, 8))  # type: ignore[union-attr]
    counts = {"a": 2900, "b": count(torch.nn.GRU(10, 20)), "c": count(torch.nn.RNN(10, 20)),
              "d": count(torch.nn.LSTM(10, 20))}
    assert tuple(sorted(counts, key=counts.__getitem__)) == sequences.question("count-order").answer  # type: ignore[union-attr]
    assert torch.nn.LSTMCell(3, 5).weight_ih.shape == (20, 3)  # (4H, I), the weight-ih-shape key


def test_the_fixed_by_hand_answers_follow_the_reference() -> None:
    reference = reference_for(ROOT)()
    out = reference.forget_gate(np.array([[3.0]]), np.array([[0.0]]), np.array([[1.0]]), np.array([[0.0, 2.0]]),
                                np.array([-2.0]))
    assert BY_HAND.question("forget-by-hand").answer == float(out[0, 0])  # type: ignore[union-attr]
    ltm = reference.remember_gate(np.array([[0.2, -0.4]]), np.array([[0.5, 0.1]]))
    assert BY_HAND.question("remember-by-hand").answer == pytest.approx(ltm[0, 1])  # type: ignore[union-attr]
    gates = load_quiz(QUIZZES / "gates.toml")
    assert gates.question("sigma-of-two").answer == float(reference.sigmoid(np.float64(2.0)))  # type: ignore[union-attr]
    lstm = load_quiz(QUIZZES / "rnn-to-lstm.toml")
    assert lstm.question("shrinking-gradient").answer == 0.25**10  # type: ignore[union-attr]
