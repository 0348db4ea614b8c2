"""Student copies: hashed keys verify right answers and only those, no key can be read off the
files, per-student questions check locally only for the roster, and the course secret is needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT

from grader.api import grade_quiz, write_student_copy
from grader.cli import main
from grader.quiz.commands import key_answers as solved
from grader.quiz.commands import reference_for
from grader.quiz.loader import load_folder, load_quiz
from grader.quiz.model import Quiz
from grader.results import Status

QUIZZES = ROOT / "quizzes"
SECRET = "a-course-secret-for-tests-only"
FAST = 2**10  # scrypt's n for tests; the default (2^14) is tested once below


def key_answers(quiz: Quiz, student: str) -> dict[str, Any]:
    """The instructor's key, as an answers table (per-student questions solved for ``student``)."""
    return solved(quiz, student=student, reference=reference_for(ROOT))


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("student") / "quizzes"
    roster = folder.parent / "roster.txt"
    roster.write_text("# our class\nS1\ns1   # twice, other case\n\n")
    write_student_copy(directory=folder, roster=roster, secret=SECRET, kdf_cost=FAST, quizzes=QUIZZES)
    return folder


def test_the_copy_has_every_quiz_and_no_plain_answer_or_explanation(copy: Path) -> None:
    instructor = load_folder(QUIZZES)
    student = load_folder(copy)
    assert [q.id for q in student] == [q.id for q in instructor]
    for quiz in student:
        assert quiz.student_copy and quiz.kdf is not None
        assert all(q.answer is None and q.explanation == "" for q in quiz.questions)
        assert all(q.key is not None for q in quiz.questions if not q.computed)


def blanked(text: str) -> str:
    """The copy's text with every salt, hash and sealed explanation blanked out."""
    return re.sub(r'(salt|hash|sealed) = "[A-Za-z0-9+/=]*"', r'\1 = "…"', text)


def spellings(value: float) -> set[str]:
    forms = {repr(value), f"{value:g}", f"{value:.3g}", f"{value:.4g}", f"{value:.6g}", f"{value:.3f}"}
    return {f for f in forms if len(f.strip("-0.")) >= 2}  # "0.5"-like fragments occur in prompts by chance


def test_no_key_can_be_read_off_the_student_copy(copy: Path) -> None:
    for quiz in load_folder(QUIZZES):
        text = blanked((copy / f"{quiz.id}.toml").read_text())
        assert not re.search(r"^\s*(answer|explanation)\s*=", text, flags=re.M)
        for question in quiz.questions:
            assert question.explanation[:40] not in text, f"{quiz.id}/{question.id}: explanation leaked"
            if isinstance(question.answer, float):
                for form in spellings(question.answer):
                    assert form not in text, f"{quiz.id}/{question.id}: the answer {form} appears in the copy"
            elif isinstance(question.answer, tuple) and len(question.answer) > 1:
                listed = "[" + ", ".join(f'"{a}"' for a in question.answer) + "]"
                assert listed not in text, f"{quiz.id}/{question.id}: the key {listed} appears in the copy"
        for table in re.findall(r"key = \{[^}]*\}", text):
            assert table == 'key = { salt = "…", hash = "…", sealed = "…" }'


@pytest.mark.parametrize("quiz_id", [q.id for q in load_folder(QUIZZES)])
def test_every_key_verifies_against_the_copy_and_unseals_its_explanation(copy: Path, quiz_id: str) -> None:
    instructor = load_quiz(QUIZZES / f"{quiz_id}.toml")
    report = grade_quiz(answers={quiz_id: key_answers(instructor, "s1")}, student="s1", quizzes=copy)
    checks = report.exercises[0].checks
    assert all(c.status is Status.PASSED for c in checks), [c.message for c in checks if c.status is not Status.PASSED]
    for question, check in zip(instructor.questions, checks, strict=True):
        if not question.computed:
            assert check.hint == question.explanation


def test_wrong_answers_do_not_verify(copy: Path) -> None:
    key = key_answers(load_quiz(QUIZZES / "gates.toml"), "s1")
    answers = {"forget-output": "a" if key["forget-output"] != "a" else "b", "learn-inputs": key["learn-inputs"][:1],
               "learn-steps": key["learn-steps"][1::-1] + key["learn-steps"][2:],  # the first two swapped
               "sigma-of-two": 0.8795, "stm-range": key["stm-range"]}  # σ(2) = 0.8808: 0.8795 is 2.6 half-units off
    checks = {c.id: c for c in grade_quiz(answers={"gates": answers}, quizzes=copy).checks()}
    for question in ("forget-output", "learn-inputs", "learn-steps", "sigma-of-two"):
        assert checks[question].status is Status.FAILED and checks[question].points == 0
        assert checks[question].hint == "", "a wrong answer must not unseal the explanation"
        assert "The explanation unlocks when your answer is right" in checks[question].message
    assert "partly right answers earn partial credit" in checks["learn-inputs"].message
    assert checks["stm-range"].status is Status.PASSED  # and a right one still does


@pytest.mark.parametrize(("answer", "right"), [(1.51, True), (1.49, True), (1.5, True), (1.53, False), (1.47, False)])
def test_hashed_numbers_accept_everything_within_the_tolerance(copy: Path, answer: float, right: bool) -> None:
    report = grade_quiz(answers={"by-hand": {"forget-by-hand": answer}}, student="s1", quizzes=copy)
    check = next(c for c in report.checks() if c.id == "forget-by-hand")  # 1.5, abs 0.01
    assert (check.status is Status.PASSED) is right


def test_per_student_questions_check_locally_only_for_the_roster(copy: Path) -> None:
    quiz = load_quiz(QUIZZES / "by-hand.toml")
    on_roster = grade_quiz(answers={"by-hand": key_answers(quiz, "s1")}, student="S1 ", quizzes=copy)
    assert all(c.status is Status.PASSED for c in on_roster.checks())
    wrong = key_answers(quiz, "s1") | {"forget-gate": key_answers(quiz, "s1")["forget-gate"] + 0.01}
    checks = {c.id: c for c in grade_quiz(answers={"by-hand": wrong}, student="s1", quizzes=copy).checks()}
    assert checks["forget-gate"].status is Status.FAILED
    assert "which is not right for your numbers" in checks["forget-gate"].message
    other = grade_quiz(answers={"by-hand": key_answers(quiz, "s2")}, student="s2", quizzes=copy)
    later = [c for c in other.checks() if quiz.question(c.id).computed]  # type: ignore[union-attr]
    assert later and all(c.status is Status.SKIPPED and c.max_points == 0 for c in later)
    assert "graded when you hand in (worth 1 point): this copy's roster of local checks does not list you" in \
        later[0].message
    assert other.points == other.max_points == 2  # the two fixed questions


def test_without_a_roster_per_student_questions_are_graded_when_handed_in(tmp_path: Path) -> None:
    write_student_copy(directory=tmp_path / "copy", secret=SECRET, kdf_cost=FAST, quizzes=QUIZZES)
    report = grade_quiz(answers={"by-hand": {"sigmoid": 0.5, "forget-by-hand": 1.5}}, student="s1",
                        quizzes=tmp_path / "copy")
    checks = {c.id: c for c in report.checks()}
    assert checks["sigmoid"].status is Status.SKIPPED
    assert "its answer is computed from the reference solutions, which this copy does not include" in \
        checks["sigmoid"].message
    assert checks["forget-gate"].status is Status.FAILED  # unanswered is still 0, even before handing in
    assert "per-student questions only if the copy's roster lists you" in " ".join(report.notes)


def test_the_same_secret_writes_the_same_bytes_and_another_secret_other_salts(tmp_path: Path) -> None:
    for name, secret in (("a", SECRET), ("b", SECRET), ("c", SECRET + "!")):
        write_student_copy(directory=tmp_path / name, secret=secret, kdf_cost=FAST, quizzes=QUIZZES)
    first, second, third = ((tmp_path / n / "gates.toml").read_text() for n in "abc")
    assert first == second
    assert first != third and blanked(first) == blanked(third)


def one_question(folder: Path) -> Path:
    """A quiz folder holding one quiz, ``one``, with gates.toml's forget-output question."""
    folder.mkdir()
    parts = (QUIZZES / "gates.toml").read_text().split("[[questions]]")
    (folder / "one.toml").write_text(parts[0] + "[[questions]]" + parts[2])
    return folder


def test_the_default_cost_is_scrypt_2_to_the_14(tmp_path: Path) -> None:
    write_student_copy(directory=tmp_path / "copy", secret=SECRET, quizzes=one_question(tmp_path / "quizzes"))
    quiz = load_quiz(tmp_path / "copy" / "one.toml")
    assert quiz.kdf is not None and (quiz.kdf.n, quiz.kdf.r, quiz.kdf.p) == (2**14, 8, 1)
    key = load_quiz(QUIZZES / "gates.toml").question("forget-output").answer  # type: ignore[union-attr]
    right = grade_quiz(answers={"one": {"forget-output": key}}, quizzes=tmp_path / "copy")
    wrong = grade_quiz(answers={"one": {"forget-output": "b" if key != "b" else "c"}}, quizzes=tmp_path / "copy")
    assert (right.points, wrong.points) == (1, 0)


# -------------------------------------------------------------------------- the command


def run(runner: CliRunner, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str]:
    result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_writing_a_copy_needs_the_course_secret(runner: CliRunner, tmp_path: Path) -> None:
    source = one_question(tmp_path / "quizzes")
    args = ["--course", str(tmp_path), "quiz", "--quizzes", str(source), "--student-copy", str(tmp_path / "out")]
    code, out = run(runner, *args, env={"GRADER_COURSE_SECRET": None})
    assert code == 2 and len(out.strip().splitlines()) == 1
    assert out.startswith("Error: writing a student copy needs the course secret: set GRADER_COURSE_SECRET or "
                          f"write it to {tmp_path / 'quiz_secret'} (and keep that file out of the student bundle)")
    code, out = run(runner, *args, env={"GRADER_COURSE_SECRET": "short"})
    assert code == 2 and "the course secret in GRADER_COURSE_SECRET is 5 characters long; use at least 16" in out
    (tmp_path / "quiz_secret").write_text(SECRET + "\n")
    code, out = run(runner, *args, env={"GRADER_COURSE_SECRET": None})
    assert code == 0 and out.startswith(f"wrote the student copy of 1 quiz to {tmp_path / 'out'}: hashed keys")
    assert load_quiz(tmp_path / "out" / "one.toml").student_copy


def test_a_copy_never_overwrites_the_instructors_quizzes(runner: CliRunner, tmp_path: Path) -> None:
    code, out = run(runner, "quiz", "--student-copy", str(QUIZZES), env={"GRADER_COURSE_SECRET": SECRET})
    assert code == 2 and "is the instructor's quiz folder: write the student copy somewhere else" in out
    (tmp_path / "stray.toml").write_text("x = 1\n")
    code, out = run(runner, "quiz", "--student-copy", str(tmp_path), env={"GRADER_COURSE_SECRET": SECRET})
    assert code == 2 and "already holds stray.toml, which is not one of the quizzes: choose an empty folder" in out


def test_an_empty_roster_is_an_input_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "roster.txt").write_text("# nobody yet\n")
    code, out = run(runner, "quiz", "--student-copy", str(tmp_path / "out"), "--roster", str(tmp_path / "roster.txt"),
                    env={"GRADER_COURSE_SECRET": SECRET})
    assert code == 2 and "roster.txt: the roster lists no student ids (one per line)" in out
