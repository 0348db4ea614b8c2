"""Classroom scores: rounded to 2 decimals, adding up (as the reporter adds them) to our total exactly."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.ci.scores import classroom_scores, reporter_sum


def exact_total(points: list[float]) -> float:
    return round(sum(points), 6)  # how a Report adds its checks up


def test_thirds_round_to_cents_that_add_up_to_the_total() -> None:
    points = [1 / 3] * 3
    assert sum(points) != 1.0 or reporter_sum(points) == 1.0  # the trouble this solves, where it shows
    scores = classroom_scores(points, exact_total(points))
    assert sorted(scores) == [0.33, 0.33, 0.34]
    assert reporter_sum(scores) == 1.0


def test_equal_shares_sum_to_three_not_three_and_a_bit() -> None:
    points = [4 / 20] * 15 + [0.0] * 5  # 4 points in 20 equal shares, 15 passed (github/gh-classroom#83)
    assert reporter_sum(points) == 3.0000000000000004  # what Classroom's gradebook got
    scores = classroom_scores(points, exact_total(points))
    assert reporter_sum(scores) == 3.0
    assert all(abs(score - round(score, 2)) < 1e-12 for score in scores)


def test_exact_cents_whose_float_sum_is_off_still_add_up() -> None:
    points = [0.1, 0.2]
    assert reporter_sum(points) != 0.3
    scores = classroom_scores(points, 0.3)
    assert reporter_sum(scores) == 0.3
    assert [round(s, 2) for s in scores] == [0.1, 0.2]


def test_whole_points_are_left_as_they_are_and_zero_stays_zero() -> None:
    points = [5.0, 0.0, 1.0, 4.0, 0.0]
    assert classroom_scores(points, 10.0) == points


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from([1, 2, 3, 4, 6, 7, 9, 10, 12, 100]),
                          st.booleans()), min_size=1, max_size=60))
def test_any_points_round_to_cents_adding_up_to_the_rounded_total(checks: list[tuple[int, int, bool]]) -> None:
    points = [float(Fraction(n, d)) if passed else 0.0 for n, d, passed in checks]
    total = exact_total(points)
    scores = classroom_scores(points, total)
    assert reporter_sum(scores) == round(total, 2)
    for score, point in zip(scores, points, strict=True):
        assert abs(score - round(score, 2)) < 1e-12  # 2 decimals (a few units in the last place at most)
        assert abs(score - point) < 0.01 + 1e-12  # within a cent of the check's points
        assert (score == 0) == (point == 0)  # a check without points gets none
