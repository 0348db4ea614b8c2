"""The course's quizzes: enough of them, every topic of the notes, every kind, sound keys."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import ROOT

from grader.api import grade_quiz, quiz_self_test
from grader.quiz.commands import key_answers, reference_for
from grader.quiz.loader import load_folder
from grader.quiz.model import TOPICS, Quiz
from grader.results import Status
from grader.scoring import exit_code

QUIZZES = load_folder(ROOT / "quizzes")
QUESTIONS = [q for quiz in QUIZZES for q in quiz.questions]


def test_at_least_four_quizzes_and_forty_questions() -> None:
    assert len(QUIZZES) >= 4 and len(QUESTIONS) >= 40
    assert not any(quiz.student_copy for quiz in QUIZZES), "the course keeps the instructor's copy"


def test_every_topic_of_the_notes_has_questions() -> None:
    topics = Counter(q.topic for q in QUESTIONS)
    assert {topic: topics[topic] for topic in TOPICS if topics[topic] < 4} == {}


def test_every_kind_is_used_and_some_questions_are_per_student() -> None:
    kinds = Counter(q.kind for q in QUESTIONS)
    assert all(kinds[kind] >= 4 for kind in ("single", "multiple", "numeric", "ordering")), kinds
    computed = {q.compute for q in QUESTIONS if q.computed}
    assert {"forget_gate", "lesson_params", "torch_lstm_params", "gru_params"} <= computed
    assert {q.tolerance.kind for q in QUESTIONS if q.tolerance} == {"abs", "rel", "sig"}


def test_keys_do_not_give_themselves_away() -> None:
    singles = Counter(q.answer for q in QUESTIONS if q.kind == "single")
    assert max(singles.values()) <= 0.4 * sum(singles.values()), f"guessing one letter would pay: {singles}"
    for question in QUESTIONS:
        if question.kind == "multiple":
            assert isinstance(question.answer, tuple), question.id
            assert question.answer and len(question.answer) < len(question.choices), question.id  # select-all earns 0
        if question.kind == "ordering":
            assert question.answer != tuple(question.letters), f"{question.id}: the items are listed in order"
        if question.kind == "single":
            assert len(question.choices) >= 4, question.id


@pytest.mark.parametrize("quiz", QUIZZES, ids=lambda quiz: quiz.id)
def test_each_quizs_key_scores_full_marks(quiz: Quiz) -> None:
    for student in ("s1", "another student"):
        key = key_answers(quiz, student=student, reference=reference_for(ROOT))
        report = grade_quiz(answers={quiz.id: key}, student=student)
        assert report.points == report.max_points == quiz.max_points
        assert exit_code(report) == 0 and all(c.status is Status.PASSED and c.hint for c in report.checks())


def test_selftest_lines_for_the_quizzes() -> None:
    lines = quiz_self_test()
    assert all(line.ok for line in lines), lines
    assert [line.what for line in lines][:len(QUIZZES)] == [
        f"quizzes/{quiz.id}.toml parses and its key scores full marks" for quiz in QUIZZES
    ]
