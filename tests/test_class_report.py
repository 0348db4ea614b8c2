"""The instructors' class report: its statistics on hand-built classes, a page that fetches nothing and
escapes what students wrote, and the page as a real browser (headless chromium) shows it."""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import browse, close, decode_png
from conftest import ROOT

from grader.batch import classstats
from grader.batch.assignment import Part, named_parts, points
from grader.batch.classreport import class_report, write_class_report
from grader.batch.console import incomplete
from grader.batch.exports import Assignment, full_report, grades_csv
from grader.batch.records import FAILED, GRADED, INVALID_ID, NO_FILES, UNREADABLE, StudentRecord
from grader.batch.review import review
from grader.batch.run import BatchOutcome
from grader.catalog import load_track
from grader.errors import UsageError
from grader.quiz.loader import load_quiz
from grader.report.gradescope import to_gradescope
from grader.results import CheckResult, Diagnosis, ExerciseResult, Report, Status

HOSTILE = "<script>alert(1)</script>"
BLUE, RED = "#0969da", "#cf222e"  # the score histogram's bars, failed checks' bars

needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="matplotlib is not installed (pip install matplotlib)")


def check(exercise: str, id: str, status: str, *, diagnosis: str = "", message: str = "",
          points: float | None = None) -> CheckResult:
    passed = status == "passed"
    return CheckResult(exercise=exercise, id=id, title=f"{id.replace('_', ' ')} holds", status=Status(status),
                       points=(1.0 if passed else 0.0) if points is None else points,
                       max_points=0.0 if status == "skipped" else 1.0, message=message,
                       diagnosis=Diagnosis(diagnosis, f"This looks like {diagnosis}.") if diagnosis else None)


def report(*checks: CheckResult) -> Report:
    exercises: dict[str, list[CheckResult]] = {}
    for c in checks:
        exercises.setdefault(c.exercise, []).append(c)
    return Report("submission", 0, tuple(ExerciseResult(id, id.replace("_", " "), "lstm_numpy.py", tuple(found))
                                         for id, found in exercises.items()))


def graded(student: str, *checks: CheckResult, seconds: float = 1.0, quiz: Report | None = None,
           points: float | None = None, max_points: float | None = None) -> StudentRecord:
    code = report(*checks) if checks else None
    got = sum(c.points for c in checks) + (quiz.points if quiz else 0.0)
    most = sum(c.max_points for c in checks) + (quiz.max_points if quiz else 0.0)
    return StudentRecord(student, GRADED, points=got if points is None else points,
                         max_points=most if max_points is None else max_points, seconds=seconds, report=code,
                         quiz_report=quiz)


def quiz(score: float, maximum: float = 4.0) -> Report:
    answers = CheckResult("gates", "answers", "answers", Status.FAILED, points=score, max_points=maximum)
    return Report("answers", 0, (ExerciseResult("gates", "The four gates", "gates.toml", (answers,)),))


# ---- statistics ---------------------------------------------------------------------------------


def test_overview_counts_graded_students_and_their_mean_and_median() -> None:
    records = [graded("a", points=5, max_points=10), graded("b", points=10, max_points=10),
               graded("c", points=7.5, max_points=10), graded("d", points=0, max_points=0),  # no maximum: no score
               StudentRecord("e", NO_FILES, "The folder is empty.")]
    assert classstats.overview(records) == classstats.Overview(5, 4, 1, mean=75.0, median=75.0)
    assert classstats.overview([StudentRecord("e", NO_FILES)]) == classstats.Overview(1, 0, 1, None, None)
    assert classstats.overview([]) == classstats.Overview(0, 0, 0, None, None)


def test_histogram_bins_hold_each_score_once_with_100_in_the_last_bin() -> None:
    bins = classstats.histogram([0, 9.99, 10, 55, 99.5, 100, 120, -5])
    assert [(b.low, b.high) for b in bins][:2] == [(0, 10), (10, 20)] and bins[-1].high == 100
    assert [b.count for b in bins] == [3, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert [b.count for b in classstats.histogram([25, 75], bins=2)] == [1, 1]


def test_failure_rates_count_only_graded_students_the_check_ran_for() -> None:
    records = [
        graded("alice", check("forget_gate", "shapes", "failed"), check("forget_gate", "values", "error")),
        graded("bob", check("forget_gate", "shapes", "skipped"), check("forget_gate", "values", "error")),
        graded("carol", check("forget_gate", "shapes", "passed"), check("forget_gate", "values", "passed")),
        StudentRecord("dave", FAILED, "The worker was lost.", report=report(check("forget_gate", "shapes", "failed"))),
    ]
    values, shapes = classstats.check_rates(records)
    assert (values.exercise, values.check, values.failed, values.errored, values.ran) == ("forget_gate", "values", 0,
                                                                                          2, 3)
    assert values.rate == pytest.approx(2 / 3) and values.title == "values holds"
    assert (shapes.failed, shapes.errored, shapes.ran, shapes.rate) == (1, 0, 2, 0.5)  # bob's skip is no run
    never = classstats.check_rates([graded("a", check("LSTM", "gpu", "skipped"))])
    assert [(r.ran, r.rate) for r in never] == [(0, 0.0)]


def test_misconceptions_count_each_student_once_and_split_combined_ids() -> None:
    records = [
        graded("alice", check("forget_gate", "values", "failed", diagnosis="forget_on_stm"),
               check("lstm_cell", "matches_float64", "failed", diagnosis="forget_on_stm"),
               check("lstm_forward", "values", "failed", diagnosis="forget_on_stm+textbook_use_gate")),
        graded("bob", check("use_gate", "values", "failed", diagnosis="textbook_use_gate")),
        graded("carol", check("lstm_cell", "values", "failed", diagnosis="forget_on_stm+textbook_use_gate")),
        graded("dave", check("lstm_cell", "values", "passed")),
    ]
    found = classstats.misconceptions(records)
    assert [(m.id, m.students) for m in found] == [("textbook_use_gate", 3), ("forget_on_stm", 2)]
    assert {m.id: m.message for m in found} == {"forget_on_stm": "This looks like forget_on_stm.",
                                                "textbook_use_gate": "This looks like textbook_use_gate."}
    only_combined = classstats.misconceptions(records[2:])
    assert [m.message for m in only_combined] == ["This looks like forget_on_stm+textbook_use_gate."] * 2


def test_ungradable_lists_every_student_not_graded_and_every_check_that_errored() -> None:
    records = [
        StudentRecord("a", NO_FILES, "The folder holds no lstm_numpy.py or lstm_torch.py."),
        graded("b", check("learn_gate", "values", "error", message="took longer than the 5 s limit"),
               check("learn_gate", "shapes", "failed")),
        StudentRecord("c", UNREADABLE, "lstm_numpy.py is not UTF-8."),
        StudentRecord("d/e", INVALID_ID, "The folder's name is not a usable student id."),
        graded("f", check("learn_gate", "values", "passed")),
    ]
    assert classstats.ungradable(records) == [
        classstats.Ungradable("a", NO_FILES, "The folder holds no lstm_numpy.py or lstm_torch.py."),
        classstats.Ungradable("c", UNREADABLE, "lstm_numpy.py is not UTF-8."),
        classstats.Ungradable("d/e", INVALID_ID, "The folder's name is not a usable student id.")]
    assert classstats.errored_checks(records) == [
        classstats.ErroredCheck("b", "learn_gate:values", "took longer than the 5 s limit")]


@needs_matplotlib
def test_checks_not_run_again_are_listed_under_the_check_that_ran_out_of_time() -> None:
    again = "could not be graded: not run again: "
    records = [
        graded("hal",
               check("learn_gate", "values", "error", message="could not be graded: learn_gate took longer than the "
                                                               "5 s time limit"),
               check("learn_gate", "shapes", "error", message=again + "learn_gate already took longer than the 5 s "
                                                                    "limit in an earlier check"),
               check("use_gate", "values", "error", message="could not be graded: use_gate took longer than the "
                                                             "5 s time limit"),
               check("lstm_cell", "values", "error", message=again + "lstm_cell calls use_gate, which already took "
                                                                     "longer than the 5 s limit in an earlier check"),
               check("lstm_cell", "shapes", "error", message="could not be graded: lstm_cell used too much memory")),
        graded("ivy", check("lstm_cell", "values", "error", message=again + "lstm_cell calls learn_gate, which "
                                                                            "already took longer than the 5 s limit"),
               check("lstm_cell", "gpu", "skipped")),
    ]
    assert classstats.errored_checks(records) == [
        classstats.ErroredCheck("hal", "learn_gate:values", "could not be graded: learn_gate took longer than the "
                                                            "5 s time limit", after=("learn_gate:shapes",)),
        classstats.ErroredCheck("hal", "use_gate:values", "could not be graded: use_gate took longer than the "
                                                          "5 s time limit", after=("lstm_cell:values",)),
        classstats.ErroredCheck("hal", "lstm_cell:shapes", "could not be graded: lstm_cell used too much memory"),
        # ivy's cause is not among her graded checks (say, beyond a named assignment): her row stands alone
        classstats.ErroredCheck("ivy", "lstm_cell:values", again + "lstm_cell calls learn_gate, which already took "
                                                                   "longer than the 5 s limit")]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", class_report(records, title="t"))).split())
    assert "learn_gate:values and 1 more check not run again learn_gate:shapes could not be graded: learn_gate" in text
    assert "Failure rates of the 5 checks that failed most:" in text
    assert "gpu gpu holds lstm_cell 0 0 0 not run" in text  # skipped for everyone: no rate of 0.0%


def test_means_per_exercise_and_per_quiz_including_quiz_only_students() -> None:
    records = [
        graded("a", check("learn_gate", "x", "passed"), check("learn_gate", "y", "failed"), quiz=quiz(4)),
        graded("b", check("learn_gate", "x", "passed"), check("learn_gate", "y", "passed")),
        graded("c", quiz=quiz(1)),  # quizzes only: no code report
    ]
    (learn,) = classstats.exercise_means(records)
    assert (learn.id, learn.title, learn.students, learn.mean_points, learn.max_points) == ("learn_gate",
                                                                                            "learn gate", 2, 1.5, 2)
    assert learn.mean_percent == 75.0
    (gates,) = classstats.quiz_means(records)
    assert (gates.id, gates.students, gates.mean_points, gates.mean_percent) == ("gates", 2, 2.5, 62.5)
    assert classstats.quiz_means(records[1:2]) == []


def test_every_graded_student_is_scored_out_of_the_whole_assignment() -> None:
    records = [
        graded("ada", check("learn_gate", "x", "passed"), check("learn_gate", "y", "passed"), quiz=quiz(4)),
        graded("bob", check("learn_gate", "x", "passed"), check("learn_gate", "y", "passed")),  # no quiz
        graded("cat", quiz=quiz(4)),  # no code
        graded("dan", check("learn_gate", "x", "passed"), check("learn_gate", "gpu", "skipped"), quiz=quiz(3)),
        StudentRecord("eve", FAILED, "The worker was lost.", report=report(check("use_gate", "x", "failed")),
                      max_points=1.0),
    ]
    maxima = classstats.part_maxima(records)
    assert maxima == {"learn_gate": 2.0, "quiz:gates": 4.0}, "parts of graded students, each its largest maximum"
    assert [classstats.not_submitted(r, maxima) for r in records[:4]] == [[], ["quiz:gates"], ["learn_gate"], []]
    assert [classstats.maximum(r, maxima) for r in records[:4]] == [6.0, 6.0, 6.0, 5.0]  # dan's skip stays out
    assert classstats.percents(records) == pytest.approx([100.0, 100 / 3, 200 / 3, 80.0])
    assert classstats.overview(records).mean == pytest.approx(70.0)
    assert classstats.percent(records[1]) == 100.0, "without the assignment: the student's own maximum"
    assert classstats.not_submitted(records[4], maxima) == [] and classstats.percent(records[4], maxima) is None
    assert classstats.percent(StudentRecord("fay", NO_FILES), maxima) is None, "no files: no score, not 0 of 6"


def test_grades_csv_scores_everyone_out_of_the_assignment_and_says_what_was_not_submitted() -> None:
    records = [
        graded("ada", check("learn_gate", "x", "passed"), check("forget_gate", "x", "passed"),
               check("LSTM", "x", "passed"), check("LSTMCell", "x", "failed"), quiz=quiz(4)),
        graded("bob", check("learn_gate", "x", "passed"), check("forget_gate", "x", "passed")),  # numpy only
        graded("cat", check("learn_gate", "x", "failed"), check("LSTM", "x", "passed"),
               check("LSTMCell", "x", "passed"), quiz=quiz(1)),  # no forget_gate: from an older file, say
        StudentRecord("dan", NO_FILES, "The folder holds no recognised file."),
    ]
    table = {row["student"]: row for row in csv.DictReader(io.StringIO(grades_csv(records)))}
    assert {s: (table[s]["total"], table[s]["max"]) for s in table} == {
        "ada": ("7", "8"), "bob": ("2", "8"), "cat": ("3", "8"), "dan": ("", "")}
    assert table["ada"]["note"] == ""
    assert table["bob"]["note"] == "not submitted, counted as 0: lstm_torch.py (2 exercises), quiz gates"
    assert table["bob"]["LSTM"] == table["bob"]["quiz:gates"] == ""
    assert table["cat"]["note"] == "not submitted, counted as 0: forget_gate"
    assert table["dan"]["note"] == "The folder holds no recognised file."


def exercise(id: str, *checks: CheckResult, note: str = "", file: str = "lstm_numpy.py") -> ExerciseResult:
    return ExerciseResult(id, id.replace("_", " "), file, checks, note=note)


def coded(student: str, *exercises: ExerciseResult) -> StudentRecord:
    return StudentRecord(student, GRADED, report=Report(student, 0, exercises))


def test_review_says_why_a_score_is_low_when_the_gates_are_not_to_blame() -> None:
    syntax = "lstm_numpy.py could not be imported: SyntaxError at line 1: invalid syntax (def learn_gate(:)"
    broken = coded("ann", *(exercise(e, check(e, "x", "failed", message=syntax), note=syntax)
                            for e in ("learn_gate", "forget_gate")))
    stub = coded("ben", *(exercise(e, check(e, "x", "failed"), note="not implemented yet")
                          for e in ("learn_gate", "forget_gate")))
    hang = "could not be graded: learn_gate took longer than the 5 s time limit (an endless loop, or very slow code?)"
    again = "could not be graded: not run again: learn_gate already took longer than the 5 s limit in an earlier check"
    renamed = "lstm_numpy.py has no function named use_gate (was it renamed or deleted?)"
    messy = coded("cas",
                  exercise("learn_gate", check("learn_gate", "a", "error", message=hang),
                           check("learn_gate", "b", "error", message=again)),
                  exercise("lstm_cell", check("lstm_cell", "a", "error", message=again)),
                  exercise("forget_gate", check("forget_gate", "a", "failed"), note="not implemented yet"),
                  exercise("use_gate", check("use_gate", "a", "failed", message=renamed), note=renamed),
                  exercise("LSTM", check("LSTM", "a", "error", message="could not be graded: out of memory"),
                           file="lstm_torch.py"))
    wrong = coded("dee", exercise("learn_gate", check("learn_gate", "a", "failed", message="differs")),
                  exercise("LSTM", check("LSTM", "a", "passed"), file="lstm_torch.py"))
    assert review(broken) == [syntax]
    assert review(stub) == ["lstm_numpy.py: not implemented yet"]
    assert review(messy) == [
        renamed, "4 checks could not be graded and count 0: learn_gate took longer than the 5 s time limit (an "
        "endless loop, or very slow code?); out of memory"]
    assert review(wrong) == [] and review(StudentRecord("eve", NO_FILES, "no files")) == []
    table = {row["student"]: row for row in csv.DictReader(io.StringIO(grades_csv([broken, stub])))}
    assert table["ann"]["note"] == syntax and table["ben"]["note"] == "lstm_numpy.py: not implemented yet"
    assert review(messy, parts={"learn_gate", "lstm_cell"}) == [
        "3 checks could not be graded and count 0: learn_gate took longer than the 5 s time limit (an endless "
        "loop, or very slow code?)"], "about the parts of a named assignment only"
    tia = coded("tia", exercise("learn_gate", check("learn_gate", "a", "passed")),
                exercise("LSTM", check("LSTM", "a", "failed"), note="not implemented yet", file="lstm_torch.py"))
    named = Assignment.of([tia], {"learn_gate": Part("Learn gate", "lstm_numpy.py", 1.0)})
    assert next(csv.DictReader(io.StringIO(grades_csv([tia], named))))["note"] == (
        "not part of the assignment, not counted: lstm_torch.py (1 exercise)"), "no word on a stub that counts nothing"
    assert next(csv.DictReader(io.StringIO(grades_csv([tia]))))["note"] == "lstm_torch.py: not implemented yet"


def test_a_named_assignment_scores_everyone_out_of_it_and_counts_nothing_beyond_it() -> None:
    named = {"learn_gate": Part("Learn gate", "lstm_numpy.py", 2.0),
             "forget_gate": Part("Forget gate", "lstm_numpy.py", 2.0),
             "remember_gate": Part("Remember gate", "lstm_numpy.py", 5.0),  # nobody submitted it: it counts 5
             "quiz:gates": Part("The four gates", "gates.toml", 4.0)}
    ada = graded("ada", check("learn_gate", "x", "passed"), check("forget_gate", "x", "passed"),
                 check("LSTMCell", "x", "passed"), check("LSTM", "x", "failed"), check("LSTM", "y", "passed"),
                 quiz=Report("answers", 0, (ExerciseResult("gates", "The four gates", "gates.toml", (
                     CheckResult("gates", "q1", "q1", Status.PASSED, points=4.0, max_points=4.0),)),)))
    bob = graded("bob", check("learn_gate", "x", "passed"))
    records = [ada, bob]
    maxima = classstats.part_maxima(records, points(named))
    assert maxima == {"learn_gate": 1.0, "forget_gate": 1.0, "remember_gate": 5.0, "quiz:gates": 4.0}
    assert [(classstats.total(r, maxima), classstats.maximum(r, maxima)) for r in records] == [(6, 11), (1, 11)]
    assert classstats.percents(records, points(named)) == pytest.approx([600 / 11, 100 / 11])
    assert classstats.percents(records) == pytest.approx([800 / 9, 100 / 9]), "unnamed: what the class submitted"

    assignment = Assignment.of(records, named)
    table = {row["student"]: row for row in csv.DictReader(io.StringIO(grades_csv(records, assignment)))}
    assert list(table["ada"])[4:-1] == ["learn_gate", "forget_gate", "remember_gate", "quiz:gates"]
    assert (table["ada"]["total"], table["ada"]["max"]) == ("6", "11")
    assert table["ada"]["note"] == ("not submitted, counted as 0: remember_gate; "
                                    "not part of the assignment, not counted: lstm_torch.py (2 exercises)")
    assert table["bob"]["note"] == "not submitted, counted as 0: forget_gate, remember_gate, quiz gates"

    own = full_report(ada, assignment)
    assert own is not None and (own.points, own.max_points) == (6, 11)
    lstm = next(e for e in own.exercises if e.id == "LSTM")
    assert (lstm.points, lstm.max_points) == (0, 0) and [c.status for c in lstm.checks] == [Status.FAILED,
                                                                                           Status.PASSED]
    assert own.notes[-1] == ("Not part of this assignment, so they count nothing (their checks are shown for "
                             "practice): LSTMCell, LSTM")
    remember = next(e for e in own.exercises if e.id == "remember_gate")
    assert remember.title == "Remember gate" and remember.max_points == 5
    assert json.loads(to_gradescope(own))["score"] == 6
    assert incomplete(BatchOutcome(records=records, named=named)).split("\n") == [
        "2 graded students did not submit every part of the assignment (the parts named with --part or [tool.grader] "
        "parts): the missing parts count 0, and the note column of grades.csv says which",
        "1 graded student submitted parts beyond the assignment: they count nothing (the student still sees their "
        "feedback), and the note column of grades.csv says which"]


def test_named_parts_are_code_files_exercises_and_quizzes(tmp_path: Path) -> None:
    found = named_parts(["lstm_numpy.py", "LSTM", "quiz:gates", "by-hand"], ROOT)
    numpy_ids = [e.id for e in load_track("numpy").exercises]
    assert list(found) == [*numpy_ids, "LSTM", "quiz:gates", "quiz:by-hand"]
    assert found["lstm_cell"].points == load_track("numpy").exercises[numpy_ids.index("lstm_cell")].max_points > 0
    assert found["quiz:gates"].points == load_quiz(ROOT / "quizzes" / "gates.toml").max_points > 0
    with pytest.raises(UsageError, match=r"'lstm_nump\.py' \(--part, or parts in \[tool.grader\]\) is not a code file "
                                         r"\(lstm_numpy.py, lstm_torch.py\), an exercise \(learn_gate, .*quiz:gates"):
        named_parts(["lstm_nump.py"], ROOT)
    with pytest.raises(UsageError, match="or a quiz \\(the course has none\\)"):
        named_parts(["quiz:gates"], tmp_path)


def test_a_students_own_report_counts_what_they_did_not_submit_and_says_why() -> None:
    records = [
        graded("ada", check("LSTM", "x", "passed"), check("LSTM", "y", "passed"), quiz=quiz(3)),
        StudentRecord("bob", GRADED, "gates.toml: not valid TOML", points=1.0, max_points=2.0,
                      report=report(check("LSTM", "x", "passed"), check("LSTM", "y", "failed"))),
    ]
    assignment = Assignment.of(records)
    assert assignment.missing(records[0]) == []
    bob = full_report(records[1], assignment)
    assert bob is not None and (bob.points, bob.max_points) == (1.0, 6.0)
    gates = bob.exercises[-1]
    assert (gates.id, gates.title, gates.file, gates.points, gates.max_points) == ("gates", "The four gates",
                                                                                   "gates.toml", 0.0, 4.0)
    assert gates.note == ("No answers to quiz gates were graded, so it counts 0 of 4 points (gates.toml: not valid "
                          "TOML); start from `grade quiz --template gates` and check your answers with `grade quiz "
                          "FILE`.")
    assert bob.notes[-1] == "Not graded: gates.toml: not valid TOML"
    gradescope = json.loads(to_gradescope(bob))
    assert gradescope["output"] == "1 / 6 points" and gradescope["tests"][-1]["name"] == "gates: was submitted"
    quiz_only = full_report(graded("cy", quiz=quiz(4)), assignment)
    assert quiz_only is not None and quiz_only.exercises[-1].note == (
        "Your submission had no lstm_numpy.py, so this exercise counts 0 of 2 points; start from "
        "exercises/lstm_numpy.py, check it with `grade check`, and submit it.")
    assert full_report(records[1]) is not None and full_report(records[1]).max_points == 2.0  # type: ignore[union-attr]


def test_slowest_are_the_top_ten_by_grading_time() -> None:
    records = [graded(f"s{i:02}", seconds=float(i)) for i in range(12)] + [graded("nan", seconds=float("nan"))]
    assert [r.student for r in classstats.slowest(records)] == [f"s{i:02}" for i in range(11, 1, -1)]
    lost = StudentRecord("lost", FAILED, "the grading worker was killed", seconds=30.0)
    nothing = [StudentRecord("empty", NO_FILES, "no files", seconds=0.0), StudentRecord("a b", INVALID_ID, "id")]
    assert [r.student for r in classstats.slowest([*nothing, lost, records[3]])] == ["lost", "s03"]
    assert classstats.slowest([], 10) == []


def test_numbers_that_are_not_finite_count_as_zero() -> None:
    bad = graded("a", check("learn_gate", "x", "failed"), points=float("nan"), max_points=float("inf"))
    assert classstats.percent(bad) is None and classstats.overview([bad]).mean is None
    nan_report = Report("b", 0, (ExerciseResult("e", "", "", (CheckResult("e", "x", "", Status.FAILED,
                                                                          points=float("nan"), max_points=2.0),)),))
    (mean,) = classstats.exercise_means([StudentRecord("b", GRADED, report=nan_report)])
    assert (mean.mean_points, mean.mean_percent) == (0.0, 0.0)


# ---- the page -----------------------------------------------------------------------------------


@pytest.fixture
def klass() -> list[StudentRecord]:
    """A small class: strong, partial and weak students, a quiz-only one, and three not graded."""
    return [
        graded("ada", *(check("forget_gate", c, "passed") for c in ("shapes", "values")), quiz=quiz(4), seconds=3),
        graded("grace", check("forget_gate", "shapes", "passed"),
               check("forget_gate", "values", "failed", diagnosis="forget_on_stm"),
               check("use_gate", "values", "failed", diagnosis="forget_on_stm+textbook_use_gate"), seconds=12.5),
        graded(HOSTILE, check("forget_gate", "shapes", "failed"),
               check("forget_gate", "values", "error", message="<img src=x onerror=alert(2)> crashed"), seconds=30),
        graded("linus", quiz=quiz(2), seconds=0.5),
        StudentRecord("ken", NO_FILES, "The folder holds no lstm_numpy.py or lstm_torch.py.", seconds=0.1),
        StudentRecord("bad&id", INVALID_ID, "The folder's name is not a usable student id."),
        StudentRecord("dennis", FAILED, "The worker was lost <after 3 retries>."),
    ]


class Page(HTMLParser):
    """The page's text, and every element's tag and attributes in order."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def fetched(page: str) -> list[str]:
    """Whatever the page would load from elsewhere: remote src/href, scripts, style imports, remote url()."""
    remote = r"""(?:(?:src|href|xlink:href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:|//))"""
    return re.findall(rf"{remote}|<script|<link|<iframe|<object|<embed|@import|url\(\s*['\"]?\s*(?:https?:|//)",
                      page, flags=re.IGNORECASE)


@needs_matplotlib
def test_the_page_scores_a_named_assignment(klass: list[StudentRecord]) -> None:
    named = {"forget_gate": 2.0, "use_gate": 1.0}  # the quiz is left out: 3 points in all
    text = Page(class_report(klass, title="t", named=named)).all_text()
    assert "only the exercises and quizzes the instructor named count, for everyone" in text
    # ada 2/3 (her quiz counts nothing), grace 1/3, the hostile one 0/3, linus 0/3 (quiz only)
    assert "grace graded 12.5 s 1/3" in text and "ada graded 3.0 s 2/3" in text and "mean total 25.0%" in text
    unnamed = Page(class_report(klass, title="t")).all_text()
    assert "every exercise and quiz any graded student submitted counts for everyone" in unnamed


@needs_matplotlib
def test_the_page_is_self_contained_with_three_charts(klass: list[StudentRecord]) -> None:
    page = class_report(klass, title="LSTM course, spring batch")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert fetched(page) == []
    parsed = Page(page)
    svgs = parsed.named("svg")
    assert [s["id"] for s in svgs] == ["fig-scores", "fig-checks", "fig-misconceptions"]
    assert all(s["role"] == "img" and s["aria-labelledby"] == f"{s['id']}-title" for s in svgs)
    assert len(parsed.named("figure")) == len(parsed.named("figcaption")) == 3
    ids = [attrs["id"] for _, attrs in parsed.tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), "ids repeat across the charts"
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata" not in page
    text = parsed.all_text()
    # out of the assignment's 7 points (forget_gate 2, use_gate 1, quiz gates 4): 6, 1, 0 and 2 of them
    for expected in ("LSTM course, spring batch", "students 7", "graded 4", "not graded 3", "mean total 32.1%",
                     "median total 21.4%", "grace graded 12.5 s 1/7",
                     "forget_on_stm", "textbook_use_gate", "This looks like forget_on_stm.",
                     "The worker was lost <after 3 retries>.", "forget_gate:values", "bad&id", "gates"):
        assert expected in text, expected
    assert "nan" not in re.findall(r"[a-z]+", text.lower())


@needs_matplotlib
def test_what_students_wrote_is_escaped(klass: list[StudentRecord]) -> None:
    page = class_report(klass, title="<b>spring</b>")
    assert HOSTILE not in page and "<img src=x" not in page and "<b>spring" not in page
    assert html.escape(HOSTILE, quote=False) in page and "&lt;b&gt;spring&lt;/b&gt;" in page
    parsed = Page(page)
    assert HOSTILE in parsed.all_text() and "<img src=x onerror=alert(2)> crashed" in parsed.all_text()
    assert parsed.named("script") == [] and parsed.named("img") == [] and parsed.named("b") == []


@needs_matplotlib
def test_an_empty_class_and_a_class_nobody_passed_grading() -> None:
    for records in ([], [StudentRecord("ken", NO_FILES, "The folder is empty.")]):
        page = class_report(records, title="empty")
        parsed = Page(page)
        assert parsed.named("svg") == [] and fetched(page) == []
        text = parsed.all_text()
        assert f"students {len(records)}" in text and "mean total —" in text and "none: no misconception" in text
        assert ("none: every student was graded" in text) == (not records)
        assert "nan" not in re.findall(r"[a-z]+", text.lower())


@needs_matplotlib
def test_quiz_only_class_and_checks_that_all_passed() -> None:
    page = class_report([graded("linus", quiz=quiz(3)), graded("ada", check("learn_gate", "x", "passed"))], title="q")
    parsed = Page(page)
    assert [s["id"] for s in parsed.named("svg")] == ["fig-scores"]
    assert "none: every check passed" in parsed.all_text() and "quiz-means" in [t.get("id") for _, t in parsed.tags]


@needs_matplotlib
def test_the_same_class_gives_the_same_page(klass: list[StudentRecord], tmp_path: Path) -> None:
    write_class_report(klass, tmp_path / "report.html", title="t")
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == class_report(klass, title="t")


LEFT_OUT = ("The charts were left out because matplotlib is not installed: install it with pip install "
            "'lstm-grader[batch]' (or pip install matplotlib) and run grade batch again to draw them.")


def left_out(page: str) -> list[str]:
    """The text of each line of ``page`` that says what it left out."""
    return [html.unescape(re.sub(r"<[^>]+>", "", found))
            for found in re.findall(r'<p class="left-out" id="charts-left-out">(.*?)</p>', page, flags=re.DOTALL)]


def test_importing_and_writing_the_report_needs_no_matplotlib() -> None:
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "import grader.batch.classreport as c\n"
              "print(c.class_report([], title='t'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert left_out(done.stdout) == [LEFT_OUT]


@needs_matplotlib
def test_without_matplotlib_only_the_charts_are_left_out_and_the_page_says_how_to_get_them(
        klass: list[StudentRecord], monkeypatch: pytest.MonkeyPatch) -> None:
    tables = {"exercise-means", "check-rates", "misconception-counts", "slowest-table", "not-graded-table",
              "errored-table"}
    page = class_report(klass, title="t")
    drawn = Page(page)
    assert len(drawn.named("svg")) == 3 and left_out(page) == []
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what importing it does where it is not installed
    page = class_report(klass, title="t")
    bare = Page(page)
    text = bare.all_text()
    assert bare.named("svg") == [] and left_out(page) == [LEFT_OUT]
    assert tables <= {attrs.get("id") for _, attrs in bare.tags}
    assert "none: every check passed" not in text and "none: no graded student has a score yet" not in text
    assert [t.get("id") for t in bare.named("table")] == [t.get("id") for t in drawn.named("table")]
    assert len(bare.named("tr")) == len(drawn.named("tr")) > 10, "every table and row is still there"


@pytest.mark.slow
def test_a_batch_without_matplotlib_or_dask_writes_every_export_and_exits_0(tmp_path: Path) -> None:
    course = tmp_path / "course"  # this course, with fewer generated cases
    course.mkdir()
    (course / "solutions").symlink_to(ROOT / "solutions")
    table = (ROOT / "pyproject.toml").read_text().replace("[tool.grader]\n", "[tool.grader]\nexamples_scale = 0.2\n", 1)
    (course / "pyproject.toml").write_text(table)
    root, out = tmp_path / "submissions", tmp_path / "out"
    for student, source in (("alice", ROOT / "solutions"), ("bob", ROOT / "examples" / "partial")):
        (root / student).mkdir(parents=True)
        (root / student / "lstm_numpy.py").write_text((source / "lstm_numpy.py").read_text())
    args = ["--course", str(course), "batch", str(root), "--out", str(out), "-j", "2", "-q"]
    script = ("import sys\nsys.modules['matplotlib'] = sys.modules['distributed'] = None\n"
              f"from grader.cli import main\nmain({args!r})\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open(newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert rows["alice"]["total"] == rows["alice"]["max"] != rows["bob"]["total"] != ""
    for student in rows:
        assert {p.name for p in (out / "students" / student).iterdir()} == {"report.json", "results.json",
                                                                          "feedback.html"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert left_out(page) == [LEFT_OUT] and "<svg" not in page and 'id="check-rates"' in page


def test_a_csv_cell_never_starts_like_a_formula() -> None:
    records = [graded("ada", check("forget_gate", "values", "passed")),
               StudentRecord('=HYPERLINK("http://x")', INVALID_ID, "@SUM(A1) is not a student id"),
               StudentRecord("ken", NO_FILES, "-1+1: no lstm_numpy.py")]
    table = {row["student"]: row for row in csv.DictReader(io.StringIO(grades_csv(records)))}
    assert table["'=HYPERLINK(\"http://x\")"]["note"] == "'@SUM(A1) is not a student id"
    assert table["ken"]["note"].startswith("'-1+1: no lstm_numpy.py")
    assert table["ada"]["status"] == "graded" and table["ada"]["total"] == "1" and table["ada"]["note"] == ""


# ---- in a real browser -------------------------------------------------------------------------


@needs_matplotlib
def test_chromium_shows_the_text_and_the_charts(chromium: list[str], klass: list[StudentRecord],
                                                 tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    write_class_report(klass, page, title="LSTM course, spring batch")
    dom = Page(browse(chromium, tmp_path, "--dump-dom", page.as_uri()))
    text = dom.all_text()
    for expected in ("LSTM course, spring batch", HOSTILE, "grace", "forget_on_stm", "textbook_use_gate"):
        assert expected in text, expected
    assert dom.named("script") == []
    assert [s["id"] for s in dom.named("svg")] == ["fig-scores", "fig-checks", "fig-misconceptions"]
    assert len(dom.named("rect")) + len(dom.named("path")) > 30  # the charts' bars, axes and ticks


@pytest.mark.slow
@needs_matplotlib
def test_chromium_screenshot_shows_the_charts(chromium: list[str], klass: list[StudentRecord], tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    write_class_report(klass, page, title="LSTM course, spring batch")
    shots = tmp_path / "shots"
    shots.mkdir()
    browse(chromium, tmp_path, f"--screenshot={shots / 'class.png'}", "--window-size=1200,2400", page.as_uri())
    data = (shots / "class.png").read_bytes()
    print(f"screenshot: {shots / 'class.png'}")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, counts = decode_png(data)
    assert (width, height) == (1200, 2400)
    assert len(counts) > 100, "a blank or nearly blank page"
    near = {name: sum(n for colour, n in counts.items() if close(colour, name)) for name in (BLUE, RED)}
    assert near[BLUE] > 5000 and near[RED] > 5000, near  # the histogram's bars, the failed checks' bars
