"""Quiz grading rules: each kind scores what docs/quizzes.md says, partial credit and tolerances
hold as properties, and every malformed answer gets its own message instead of a crash."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.api import grade_quiz
from grader.quiz.credit import multiple_credit, ordering_credit, points_for
from grader.quiz.loader import load_quiz
from grader.quiz.model import Question
from grader.quiz.numeric import Tolerance, exact
from grader.results import CheckResult, Status

QUIZZES = ROOT / "quizzes"
GATES = load_quiz(QUIZZES / "gates.toml")


def question(question_id: str) -> Question:
    found = GATES.question(question_id)
    assert found is not None
    return found


def key(question_id: str) -> Any:
    return question(question_id).answer


def wrong_letters(question_id: str) -> list[str]:
    return [letter for letter in question(question_id).letters if letter not in key(question_id)]


def graded(quiz: str, answers: dict[str, Any], student: str | None = None) -> dict[str, CheckResult]:
    report = grade_quiz(answers={quiz: answers}, quiz=quiz, student=student, quizzes=QUIZZES)
    return {check.id: check for check in report.checks()}


# ------------------------------------------------------------------------------------ each kind


def test_single_choice_right_and_wrong() -> None:
    wrong = wrong_letters("remember-output")[0]
    checks = graded("gates", {"forget-output": key("forget-output"), "remember-output": wrong})
    assert checks["forget-output"].status is Status.PASSED and checks["forget-output"].points == 1
    check = checks["remember-output"]
    assert check.status is Status.FAILED and check.points == 0
    q = question("remember-output")
    assert check.message == f"you answered {q.label(wrong)}; the answer is {q.label(key('remember-output'))}."
    assert "the answer is d) LTM_{t-1}·f_t + N_t·i_t, the new long-term memory" in check.message
    assert check.hint.startswith("The remember gate has no weights"), "the explanation comes with the grade"


def test_single_choice_reads_letters_leniently() -> None:
    answers = {"forget-output": f" {key('forget-output').upper()}) ", "remember-output": f"({key('remember-output')})",
               "use-output": f"{key('use-output')}."}
    checks = graded("gates", answers)
    assert all(checks[q].status is Status.PASSED for q in answers)


@pytest.mark.parametrize(
    ("right", "wrong", "points"),
    [
        (2, 0, 1.0),  # exactly the right ones
        (1, 0, 0.5),  # one of two right picks
        (2, 1, 0.5),  # both right, one of the two wrong options: 1 - 1/2
        (1, 1, 0.0),  # 1/2 - 1/2
        (2, 2, 0.0),  # everything earns nothing
        (0, 2, 0.0),  # never below 0
    ],
)
def test_multiple_select_partial_credit(right: int, wrong: int, points: float) -> None:
    assert len(key("learn-inputs")) == 2 and len(question("learn-inputs").letters) == 4
    picked = list(key("learn-inputs"))[:right] + wrong_letters("learn-inputs")[:wrong]
    check = graded("gates", {"learn-inputs": picked})["learn-inputs"]
    assert check.points == points
    assert graded("gates", {"learn-inputs": picked[::-1]})["learn-inputs"].points == points, "order does not matter"
    assert (check.status is Status.PASSED) == (points == 1.0)
    if 0 < points < 1:
        assert "Each right pick earns 1/2 of the points and each wrong pick costs 1/2 (never below 0)" in check.message


def test_multiple_select_takes_letters_in_a_string_too() -> None:
    assert graded("gates", {"learn-inputs": " ".join(key("learn-inputs"))})["learn-inputs"].points == 1


@pytest.mark.parametrize(
    ("swap", "points"),
    [(None, 1.0), ((0, 1), 0.6667), ((1, 2), 0.6667), ((2, 3), 0.6667), ((0, 3), 0.0), ("reversed", 0.0)],
)
def test_ordering_partial_credit(swap: Any, points: float) -> None:
    order = list(key("learn-steps"))  # one swap of neighbours: (5 - 1) / 6; first and last: (1 - 5) / 6 -> 0
    if swap == "reversed":
        order.reverse()
    elif swap:
        order[swap[0]], order[swap[1]] = order[swap[1]], order[swap[0]]
    check = graded("gates", {"learn-steps": order})["learn-steps"]
    assert check.points == points
    if 0 < points < 1:
        right = " ".join(key("learn-steps"))
        assert f"puts 5 of the 6 pairs of items in the right order; the right order is {right}" in check.message
    assert graded("gates", {"learn-steps": "".join(order)})["learn-steps"].points == points


@pytest.mark.parametrize(
    ("question", "answer", "right"),
    [
        ("forget-by-hand", 1.5, True),  # abs 0.01
        ("forget-by-hand", 1.51, True),  # on the boundary, as decimals
        ("forget-by-hand", 1.49, True),
        ("forget-by-hand", 1.5101, False),
        ("forget-by-hand", "1.505", True),  # a number in quotes is read too
        ("remember-by-hand", -0.3, True),  # abs 0.001
        ("remember-by-hand", 0.3, False),  # the sign matters
    ],
)
def test_numeric_absolute_tolerance(question: str, answer: Any, right: bool) -> None:
    check = graded("by-hand", {question: answer}, student="s1")[question]
    assert (check.status is Status.PASSED) is right
    assert "answers within ±0.0" in check.message


@pytest.mark.parametrize(
    ("answer", "right"),
    [(0.881, True), (0.8805, True), (0.8812, True), (0.88, False), (0.8813, False), (0.9, False)],
)
def test_numeric_significant_figures(answer: float, right: bool) -> None:
    check = graded("gates", {"sigma-of-two": answer})["sigma-of-two"]  # σ(2) = 0.880797..., 3 figures
    assert (check.status is Status.PASSED) is right, check.message


@pytest.mark.parametrize(("answer", "right"), [(9.54e-7, True), (9.5e-7, True), (9.4e-7, False), (0.25**9, False)])
def test_numeric_relative_tolerance(answer: float, right: bool) -> None:
    check = graded("rnn-to-lstm", {"shrinking-gradient": answer})["shrinking-gradient"]  # 0.25^10, rel 1%
    assert (check.status is Status.PASSED) is right, check.message


# ------------------------------------------------------------------------ malformed answers


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        ("forget-output", 2, 'forget-output is a single choice question: answer with one letter in quotes, e.g. "b"; '
                             "your answer is the number 2"),
        ("forget-output", "ab", "your answer is the text 'ab'"),
        ("forget-output", "e", "forget-output: 'e' is not one of the letters a-d"),
        ("forget-output", ["a", "b"], "your answer is a list"),
        ("learn-inputs", {"a": 1}, "learn-inputs is a multiple select question: answer with a list of letters"),
        ("learn-inputs", ["a", 3], "your answer is a list"),
        ("learn-steps", ["b", "d", "a"], "learn-steps: put every letter a-d in order, each once (missing c)"),
        ("learn-steps", ["b", "b", "a", "c"], "(missing d; b more than once)"),
        ("sigma-of-two", "about 0.9", "sigma-of-two needs a number, e.g. 0.25; the text 'about 0.9' is not a number"),
        ("sigma-of-two", True, "sigma-of-two needs a number, e.g. 0.25; your answer is the value true"),
        ("sigma-of-two", float("nan"), "nan is not a finite number"),
        ("sigma-of-two", "inf", "'inf' is not a finite number"),
        ("sigma-of-two", [0.88], "your answer is a list"),
    ],
)
def test_malformed_answers_get_a_message_for_their_question(question: str, raw: Any, message: str) -> None:
    check = graded("gates", {question: raw})[question]
    assert check.status is Status.FAILED and check.points == 0
    assert message in check.message


def test_missing_answers_and_typos_are_named() -> None:
    report = grade_quiz(answers={"gates": {"forget-outptu": "a"}, "use-output": "a"}, quiz="gates", quizzes=QUIZZES)
    checks = {c.id: c for c in report.checks()}
    assert "no answer for forget-output (the answers file has 'forget-outptu', which is no question of this quiz: " \
           "a typo?)" in checks["forget-output"].message
    assert checks["use-output"].message == ("no answer for use-output: your line use-output = ... sits above the "
                                            "[gates] header, outside any quiz table; move it below [gates]")
    assert checks["tanh-ones"].message == "no answer for tanh-ones"
    assert "answers for 'forget-outptu', which is not a question of this quiz, were not graded" in \
        report.exercises[0].note


def test_empty_answers_are_unanswered_not_wrong_types() -> None:
    checks = graded("gates", {"forget-output": "", "learn-inputs": [], "sigma-of-two": ""})
    assert all(checks[q].message == f"no answer for {q}" for q in ("forget-output", "learn-inputs", "sigma-of-two"))


# ----------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None, derandomize=True)
@given(picked=st.sets(st.sampled_from("abcdef")), right=st.sets(st.sampled_from("abcdef"), min_size=1),
       extra=st.sampled_from("abcdef"))
def test_multiple_credit_properties(picked: set[str], right: set[str], extra: str) -> None:
    credit = multiple_credit(picked, right, 6)
    assert 0 <= credit <= 1
    assert (credit == 1) == (picked == right)
    more = multiple_credit(picked | {extra}, right, 6)
    assert (more >= credit) if extra in right else (more <= credit)  # right picks never cost, wrong never pay
    if len(right) < 6:
        assert multiple_credit(set("abcdef"), right, 6) == 0  # picking everything earns nothing
    assert multiple_credit(set(), right, 6) == 0


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 1000), min_size=2, max_size=7, unique=True).flatmap(
    lambda items: st.tuples(st.just([str(i) for i in items]), st.permutations([str(i) for i in items]))))
def test_ordering_credit_properties(orders: tuple[list[str], list[str]]) -> None:
    right, given_order = orders
    credit = ordering_credit(given_order, right)
    n = len(right)
    assert 0 <= credit <= 1
    assert (credit == 1) == (given_order == right)
    assert ordering_credit(list(reversed(right)), right) == 0
    swapped = right[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert ordering_credit(swapped, right) == max(Fraction(0), 1 - Fraction(4, n * (n - 1)))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.fractions(0, 1, max_denominator=60), st.sampled_from([1.0, 2.0, 0.5, 3.0]))
def test_points_are_the_credit_of_the_points_rounded(credit: Fraction, max_points: float) -> None:
    points = points_for(credit, max_points)
    assert 0 <= points <= max_points
    assert abs(points - float(credit) * max_points) <= 5e-5


def tolerances() -> st.SearchStrategy[Tolerance]:
    return st.one_of(
        st.builds(Tolerance, st.just("abs"), st.sampled_from([1e-6, 0.001, 0.002, 0.01, 0.5, 3.0, 25.0])),
        st.builds(Tolerance, st.just("rel"), st.sampled_from([0.001, 0.01, 0.05, 0.3, 0.5])),
        st.builds(Tolerance, st.just("sig"), st.integers(1, 8).map(float)),
    )


def decimals() -> st.SearchStrategy[float]:
    """Numbers as learners and keys write them: a few digits at some scale, either sign."""
    return st.builds(lambda m, e: float(Decimal(m).scaleb(e)), st.integers(-10**6, 10**6), st.integers(-9, 5))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(tolerance=tolerances(), answer=decimals(), fraction=st.floats(-4, 4))
def test_an_accepted_number_always_finds_the_answers_cell(tolerance: Tolerance, answer: float, fraction: float) -> None:
    """The hashed self-check never rejects what grading accepts, and accepts at most about twice the tolerance."""
    if tolerance.kind != "abs" and answer == 0:
        return
    got = float(exact(answer) + Decimal(fraction) * tolerance.bound(answer))
    near = tolerance.cells_near(got)
    if tolerance.accepts(got, answer):
        assert tolerance.cell(answer) in near
    if tolerance.cell(answer) in near:
        error = abs(exact(got) - exact(answer))
        r = exact(tolerance.amount)
        lenient = 2 * (1 + r) / (1 - r) if tolerance.kind == "rel" else Decimal(2)
        assert error <= lenient * tolerance.bound(answer)
    assert len(near) <= 5


@settings(max_examples=150, deadline=None, derandomize=True)
@given(tolerance=tolerances(), answer=decimals())
def test_the_tolerance_boundary_is_exact_in_decimals(tolerance: Tolerance, answer: float) -> None:
    bound = tolerance.bound(answer)
    if bound == 0:
        assert tolerance.accepts(answer, answer) and not tolerance.accepts(answer + 1e-300, answer)
        return
    edge = exact(answer) + bound
    if Decimal(repr(float(edge))) == edge:  # representable exactly as the learner would type it
        assert tolerance.accepts(float(edge), answer)
    beyond = exact(answer) + bound * Decimal("1.0001")
    assert not tolerance.accepts(float(beyond), answer) or Decimal(repr(float(beyond))) != beyond
