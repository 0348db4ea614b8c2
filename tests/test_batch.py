"""``grade batch``: a class graded in one command, resumable, with exports that agree."""

from __future__ import annotations

import csv
import dataclasses
import errno
import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from browser import browse
from click.testing import CliRunner
from conftest import ROOT

from grader.batch import jobs, resident
from grader.batch.console import counts
from grader.batch.gradebook import Gradebook
from grader.batch.records import FAILED, GRADED, INVALID_ID, NO_FILES, UNREADABLE, StudentRecord
from grader.batch.run import BatchOutcome, run_batch
from grader.checks import replay
from grader.cli import main
from grader.config import Settings
from grader.sandbox.bwrap import bwrap_path

SOLUTION = (ROOT / "solutions" / "lstm_numpy.py").read_text()
PARTIAL = (ROOT / "examples" / "partial" / "lstm_numpy.py").read_text()


@pytest.fixture
def fast(settings: Settings) -> Settings:
    """Grading settings with fewer cases: a batch test is about the batch, not the checks."""
    return dataclasses.replace(settings, examples_scale=0.2, call_timeout=1.0)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def klass(tmp_path: Path) -> Path:
    """Six student folders: right, partly right, broken, unusable, badly named, quiz answers only."""
    root = tmp_path / "submissions"
    write(root / "alice", {"lstm_numpy.py": SOLUTION})
    write(root / "bob", {"lstm_numpy.py": PARTIAL})
    write(root / "carol", {"lstm_numpy.py": "def learn_gate(:\n"})
    write(root / "dave", {"notes.txt": "I did not finish"})
    write(root / "bad id", {"lstm_numpy.py": SOLUTION})
    write(root / "erin", {"answers.toml": '[gates]\n"forget-output" = "A"\n'})
    return root


def grade(root: Path, out: Path, settings: Settings, **options: Any) -> BatchOutcome:
    return run_batch(root, out=out, settings=settings, workers=options.pop("workers", 2), **options)


def by_student(outcome: BatchOutcome) -> dict[str, StudentRecord]:
    return {r.student: r for r in outcome.records}


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


# ----------------------------------------------------------------------------- one whole batch


@pytest.mark.slow
def test_a_class_is_graded_and_exported(klass: Path, tmp_path: Path, fast: Settings, chromium: list[str]) -> None:
    out = tmp_path / "out"
    outcome = grade(klass, out, fast)
    found = by_student(outcome)
    assert sorted(found) == ["alice", "bad id", "bob", "carol", "dave", "erin"]
    assert found["alice"].status == GRADED and found["alice"].points == found["alice"].max_points > 0
    assert found["bob"].status == GRADED and 0 < found["bob"].points < found["bob"].max_points
    assert found["carol"].status == GRADED and found["carol"].points == 0  # a syntax error is graded: 0
    assert found["dave"].status == NO_FILES and "no recognised file" in found["dave"].problem
    assert found["bad id"].status == INVALID_ID and "'bad id' is not a valid student id" in found["bad id"].problem
    assert found["erin"].report is None and found["erin"].quiz_report is not None
    assert sorted(outcome.graded) == ["alice", "bob", "carol", "erin"]
    assert replay.size() == 0, "the batch leaves this process as it found it: replay off"

    table = rows(out)
    assert table["alice"]["status"] == "graded" and float(table["alice"]["total"]) == found["alice"].points
    assert table["bob"]["learn_gate"] != "" and table["dave"]["total"] == ""
    assert "no recognised file" in table["dave"]["note"]
    assert float(table["erin"]["quiz:gates"]) == found["erin"].points
    assignment = found["alice"].max_points + found["erin"].max_points  # the numpy track and the quiz
    assert {float(table[s]["max"]) for s in ("alice", "bob", "carol", "erin")} == {assignment}
    assert table["alice"]["note"] == "not submitted, counted as 0: quiz gates"
    assert table["carol"]["note"].startswith("lstm_numpy.py could not be imported: SyntaxError at line 1: ")
    numpy_exercises = len(found["alice"].parts())
    assert table["erin"]["note"] == f"not submitted, counted as 0: lstm_numpy.py ({numpy_exercises} exercises)"
    for student in ("alice", "bob", "carol", "erin"):
        folder = out / "students" / student
        report = json.loads((folder / "report.json").read_text())
        gradescope = json.loads((folder / "results.json").read_text())
        assert report["score"] == gradescope["score"] == found[student].points
        assert report["max_score"] == assignment and gradescope["output"].endswith(f"/ {assignment:g} points")
        assert "<!DOCTYPE html>" in (folder / "feedback.html").read_text()[:200]
    assert not (out / "students" / "dave").exists()
    bob = json.loads((out / "students" / "bob" / "report.json").read_text())
    commands = {c["reproduce"] for e in bob["exercises"] for c in e["checks"] if c["reproduce"]}
    assert "grade check lstm_numpy.py --seed 0 --exercise forget_gate" in commands  # bob has no folder named bob
    assert all(c.startswith("grade check lstm_numpy.py --seed 0 --exercise ") for c in commands)
    heading = (out / "students" / "bob" / "feedback.html").read_text()
    assert '<p class="meta">bob (seed 0, ' in heading and "<code>grade check bob</code>" not in heading
    (gates,) = [e for e in json.loads((out / "students" / "alice" / "report.json").read_text())["exercises"]
                if e["id"] == "gates"]
    assert (gates["score"], gates["max_score"]) == (0, found["erin"].max_points)
    assert gates["note"].startswith("No answers to quiz gates were graded, so it counts 0 of")
    page = (out / "report.html").read_text()
    assert page.count("<svg") >= 2 and "carol" in page
    dom = browse(chromium, tmp_path, "--dump-dom", (out / "report.html").as_uri())
    assert 'id="fig-scores"' in dom and "dave" in dom and "no recognised file" in dom


def test_hidden_checks_run_in_a_batch(klass: Path, tmp_path: Path, fast: Settings) -> None:
    learner = dataclasses.replace(fast, run_hidden=False)
    alice = by_student(grade(klass, tmp_path / "out", learner))["alice"]
    statuses = {c.status for c in alice.checks()}
    assert "skipped" not in statuses, "a batch grades at grading time: hidden checks run"


@pytest.mark.slow
def test_the_cli_prints_a_summary_and_exits_3_when_someone_was_not_graded(klass: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "-j", "2"])
    assert result.exit_code == 3, result.output
    assert "dave: no files:" in result.output and "students in" in result.output
    assert "\ngraded now: 4, unchanged since the last run: 0\n" in result.output, "one line, not wrapped in the table"
    assert "\ncarol: graded; note: lstm_numpy.py could not be imported: SyntaxError at line 1: " in result.output
    assert "4 graded students did not submit every part of the assignment" in " ".join(result.output.split())
    (klass / "dave").rename(tmp_path / "dave")
    (klass / "bad id").rename(tmp_path / "bad id")
    again = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "--quiet"])
    assert again.exit_code == 3, "the gradebook still holds dave and 'bad id', who have no grade"
    fresh = tmp_path / "fresh"
    ok = CliRunner().invoke(main, ["batch", str(klass), "--out", str(fresh), "--quiet"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == "", "--quiet prints nothing on stdout"
    assert ok.stderr.startswith("carol: graded; note: lstm_numpy.py could not be imported"), "notes go to stderr"


@pytest.mark.slow
def test_a_named_assignment_is_what_everyone_is_scored_out_of(klass: Path, tmp_path: Path, fast: Settings) -> None:
    out = tmp_path / "out"
    whole = by_student(grade(klass, out, fast))
    named = by_student(grade(klass, out, dataclasses.replace(fast, parts=("lstm_numpy.py",))))
    assert named == whole, "naming the parts grades nobody again: only the exports change"
    table = rows(out)
    numpy_max = whole["alice"].max_points
    assert (table["alice"]["total"], table["alice"]["max"]) == (f"{numpy_max:g}", f"{numpy_max:g}")
    assert table["alice"]["note"] == "" and "quiz:gates" not in table["alice"]
    assert (table["erin"]["total"], table["erin"]["max"]) == ("0", f"{numpy_max:g}")
    assert table["erin"]["note"] == ("not submitted, counted as 0: lstm_numpy.py (7 exercises); "
                                     "not part of the assignment, not counted: quiz gates")
    erin = json.loads((out / "students" / "erin" / "results.json").read_text())
    assert erin["score"] == 0 and erin["output"].endswith(f"/ {numpy_max:g} points")
    wrong = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "--part", "lstm_nump.py", "-q"])
    assert wrong.exit_code == 2 and wrong.output.count("\n") == 1
    assert wrong.output.startswith("Error: the assignment's part 'lstm_nump.py' (--part, or parts in [tool.grader]) "
                                   "is not a code file (lstm_numpy.py, lstm_torch.py)")


@pytest.mark.parametrize("problem", ["missing", "other course", "output folder impossible"])
def test_usage_errors_are_one_sentence_and_exit_2(problem: str, klass: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    target = klass
    if problem == "missing":
        target = tmp_path / "nowhere"
    elif problem == "other course":
        Gradebook(out, course="another-course").close()
    else:
        out = Path("/proc/grade-batch-test/out")  # no one may make a folder there, root included
    result = CliRunner().invoke(main, ["batch", str(target), "--out", str(out), "-q"])
    assert result.exit_code == 2
    line = result.output.strip()
    assert line.count("\n") == 0 and line.startswith("Error: ")
    assert {"missing": "no such folder", "other course": "another course ('another-course'",
            "output folder impossible": f"{out}: the output folder cannot be created ("}[problem] in line
    assert "Traceback" not in result.output


HOLD = """
import sys, time
from pathlib import Path
from grader.batch.lock import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_second_batch_on_the_same_output_folder_is_refused_until_the_first_ends(klass: Path, tmp_path: Path,
                                                                                  fast: Settings) -> None:
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and first.stdout.readline() == "held\n"
        second = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "-q"])
        assert second.exit_code == 2
        assert second.output == (f"Error: another grade batch (process {first.pid}) is writing to {out}; wait for it "
                                 "to finish, or choose another --out folder\n")
        assert not (out / "gradebook.sqlite").exists()
    finally:
        first.kill()  # kill -9: the kernel lets the lock go with the process
        first.wait()
        if first.stdout is not None:
            first.stdout.close()
    assert by_student(grade(klass, out, fast))["alice"].status == GRADED


def test_an_output_folder_on_a_file_system_without_locks_is_still_graded_into(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.batch import lock

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)  # the module lock.py calls
    ran = []
    with lock.exclusive(tmp_path):
        ran.append("graded")
    assert ran == ["graded"]


@pytest.mark.slow
def test_what_a_batch_forks_does_not_keep_its_output_folder_locked(tmp_path: Path) -> None:
    from grader.batch.lock import exclusive

    ready, started = os.pipe()
    with exclusive(tmp_path):
        pid = os.fork()
        if pid == 0:  # a worker that outlives the batch, for a moment
            os.write(started, b"x")
            time.sleep(3)
            os._exit(0)
        os.read(ready, 1)  # the worker runs (what runs at a fork has run)
    os.close(ready)
    os.close(started)
    try:
        with exclusive(tmp_path):  # the batch is over: the folder is free although its worker still runs
            assert os.waitpid(pid, os.WNOHANG) == (0, 0)
    finally:
        os.waitpid(pid, 0)


@pytest.mark.slow
def test_an_output_folder_inside_dir_is_no_student_and_a_broken_gradebook_is_named(klass: Path) -> None:
    out = klass / "graded"
    for _ in range(2):  # the second run finds the output folder in DIR
        again = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "-q"])
        assert again.exit_code == 3 and "graded: no files" not in again.output
    (out / "gradebook.sqlite").write_bytes(b"this is not a database" * 100)
    for name in ("gradebook.sqlite-wal", "gradebook.sqlite-shm"):
        (out / name).unlink(missing_ok=True)
    broken = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "-q"])
    assert broken.exit_code == 2
    assert broken.output.startswith(f"Error: {out / 'gradebook.sqlite'}: cannot be used as a gradebook")


def test_binary_files_are_graded_as_python_reads_them(tmp_path: Path, fast: Settings) -> None:
    """Bytes that are not UTF-8 are no reason to refuse a file (``grade check`` does not): Python decides,
    here that the file cannot be imported (tests/test_submission_files.py: a comment that is not UTF-8)."""
    root = tmp_path / "submissions"
    write(root / "frank", {"lstm_numpy.py": SOLUTION})
    (root / "gina").mkdir()
    (root / "gina" / "lstm_numpy.py").write_bytes(b"\xff\xfe not utf-8")
    found = by_student(grade(root, tmp_path / "out", fast))
    assert found["gina"].status == GRADED and found["gina"].points == 0 and found["gina"].report is not None
    assert all("lstm_numpy.py could not be imported" in c["message"]
               for e in found["gina"].report.to_dict()["exercises"] for c in e["checks"])
    assert found["frank"].status == GRADED


def test_a_symbolic_link_in_a_students_folder_is_never_followed(tmp_path: Path, fast: Settings) -> None:
    """A link to the reference would score full marks, and one to a secret would be quoted back in the
    student's feedback: neither is read."""
    root = tmp_path / "submissions"
    reference = ROOT / "solutions" / "lstm_numpy.py"
    (root / "mallory").mkdir(parents=True)
    (root / "mallory" / "lstm_numpy.py").symlink_to(reference)
    (root / "oscar").mkdir()
    (root / "oscar" / "hw").symlink_to(reference.parent, target_is_directory=True)  # the one assignment folder
    write(root / "peggy", {"lstm_numpy.py": PARTIAL})
    (root / "peggy" / "answers.toml").symlink_to(ROOT / "pyproject.toml")
    elsewhere = write(tmp_path / "clones" / "trent", {"lstm_numpy.py": SOLUTION})
    (root / "trent").symlink_to(elsewhere, target_is_directory=True)  # the instructor's own link: followed
    found = by_student(grade(root, tmp_path / "out", fast))
    link = "is a symbolic link, not graded (a submission's files must be its own, not links to files elsewhere)"
    assert found["mallory"].status == UNREADABLE
    assert found["mallory"].problem == f"{root / 'mallory' / 'lstm_numpy.py'}: {link}"
    assert found["oscar"].status == UNREADABLE and found["oscar"].problem == f"{root / 'oscar' / 'hw'}: {link}"
    assert found["peggy"].status == UNREADABLE
    assert found["peggy"].problem == f"{root / 'peggy' / 'answers.toml'}: {link}"
    assert found["trent"].status == GRADED and found["trent"].points == found["trent"].max_points


@pytest.mark.slow
def test_nbgrader_layout(tmp_path: Path, fast: Settings) -> None:
    course = tmp_path / "course"
    write(course / "submitted" / "alice" / "lstm", {"lstm_numpy.py": SOLUTION})
    write(course / "submitted" / "bob" / "lstm", {"lstm_numpy.py": PARTIAL})
    found = by_student(grade(course, tmp_path / "out", fast, assignment="lstm"))
    assert found["alice"].points == found["alice"].max_points and found["bob"].points < found["bob"].max_points


@pytest.mark.slow
def test_malformed_answers_are_a_note_and_the_code_is_still_graded(tmp_path: Path, fast: Settings) -> None:
    root = tmp_path / "submissions"
    write(root / "hal", {"lstm_numpy.py": SOLUTION, "answers.toml": "[gates\n"})
    hal = by_student(grade(root, tmp_path / "out", fast))["hal"]
    assert hal.status == GRADED and hal.points == hal.max_points > 0
    assert hal.problem.startswith("answers.toml") and "/tmp" not in hal.problem
    assert rows(tmp_path / "out")["hal"]["note"] == hal.problem
    write(root / "ivy", {"lstm_numpy.py": SOLUTION, "answers.toml": '[gates]\n"forget-output" = "A"\n'})
    grade(root, tmp_path / "out", fast)  # now the class has a quiz: hal's counts 0, and he did hand it in
    assert rows(tmp_path / "out")["hal"]["note"] == f"{hal.problem}; no readable answers, counted as 0: quiz gates"


# ------------------------------------------------------------------------------- the gradebook


@pytest.mark.slow
def test_unchanged_students_are_not_graded_again_unless_regrade(klass: Path, tmp_path: Path, fast: Settings) -> None:
    out = tmp_path / "out"
    first = grade(klass, out, fast)
    second = grade(klass, out, fast)
    assert second.graded == [] and sorted(second.unchanged) == sorted(r.student for r in first.records)
    (klass / "bob" / "lstm_numpy.py").write_text(SOLUTION)
    third = grade(klass, out, fast)
    assert third.graded == ["bob"] and by_student(third)["bob"].points == by_student(third)["bob"].max_points
    fourth = grade(klass, out, fast, regrade=True)
    assert sorted(fourth.graded) == ["alice", "bob", "carol", "erin"]
    with Gradebook(out, course="lstm-grader") as book:
        assert len(book.history("bob")) == 2  # the first grade, then the one --regrade replaced
        assert [r.points for r in book.records()] == [r.points for r in fourth.records]


@pytest.mark.slow
def test_a_student_whose_folder_is_gone_keeps_the_grade_until_forgotten(klass: Path, tmp_path: Path,
                                                                        fast: Settings) -> None:
    out = tmp_path / "out"
    grade(klass, out, fast)
    shutil.rmtree(klass / "erin")  # dropped the course, or renamed the folder
    assert counts(grade(klass, out, fast)) == ("graded now: 0, unchanged since the last run: 5; kept from an earlier "
                                               "run (no folder for them now; --forget ID takes one out): erin")
    assert rows(out)["erin"]["status"] == "graded"  # never lost
    limited = grade(klass, out, fast, students=["alice"])
    assert limited.departed == [] and "no folder" not in counts(limited)  # the others were not looked for

    for who, error in (("zed", f"Error: the gradebook in {out} has no grade for zed (given with --forget)\n"),
                       ("alice", f"Error: --forget alice: {klass / 'alice'} is still there, and the next run would "
                                 "grade it again; move that folder out first\n")):
        refused = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "--forget", who, "-q"])
        assert (refused.exit_code, refused.output) == (2, error)
    assert "alice" in rows(out) and (out / "students" / "alice").exists()
    gone = grade(klass, out, fast, forget=["erin"])
    assert gone.forgotten == ["erin"] and gone.departed == [] and "erin" not in by_student(gone)
    assert counts(gone).endswith("; forgotten (their grades moved to the gradebook's history): erin")
    assert "erin" not in rows(out) and not (out / "students" / "erin").exists()
    with Gradebook(out, course="lstm-grader") as book:
        assert [r.status for r in book.history("erin")] == ["graded"]


@pytest.mark.slow
def test_a_students_pages_go_when_their_grade_does(klass: Path, tmp_path: Path, fast: Settings) -> None:
    out = tmp_path / "out"
    grade(klass, out, fast)
    assert (out / "students" / "bob" / "feedback.html").exists()
    (klass / "bob" / "lstm_numpy.py").rename(klass / "bob" / "lstm_numpy.py.bak")  # now nothing to grade
    grade(klass, out, fast)
    assert rows(out)["bob"]["status"] == "no files" and not (out / "students" / "bob").exists()
    (out / "students" / "carol" / "mine.txt").write_text("the instructor's own notes")
    (klass / "carol" / "lstm_numpy.py").unlink()
    grade(klass, out, fast)
    assert sorted(p.name for p in (out / "students" / "carol").iterdir()) == ["mine.txt"]  # only the grader's go


@pytest.mark.slow
def test_student_limits_a_run_to_those_students_and_the_rest_keep_their_grades(klass: Path, tmp_path: Path,
                                                                             fast: Settings) -> None:
    out = tmp_path / "out"
    first = by_student(grade(klass, out, fast))
    (klass / "alice" / "lstm_numpy.py").write_text(PARTIAL)  # changed, but not asked for: not graded now
    only = grade(klass, out, fast, regrade=True, students=["bob", "carol"])
    assert sorted(only.graded) == ["bob", "carol"] and only.unchanged == [] and only.selected == ["bob", "carol"]
    again = by_student(only)
    assert sorted(again) == sorted(first), "the exports still hold the whole class"
    assert again["alice"] == first["alice"] and again["bob"].graded_at != first["bob"].graded_at
    assert rows(out)["alice"]["total"] == f"{first['alice'].points:g}"
    result = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "--student", "zed", "-q"])
    assert result.exit_code == 2 and result.output == (
        f"Error: {klass} has no folder for the student given with --student: zed\n")
    shown = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "--student", "alice"])
    assert "\ngraded now: 1, unchanged since the last run: 0 (only alice, as --student asked)\n" in shown.output
    assert shown.exit_code == 0, "dave and 'bad id' have no grade, but this run was about alice"
    assert "dave" not in shown.stdout.split("students in")[1] and "carol: graded; note" not in shown.output
    dave = CliRunner().invoke(main, ["batch", str(klass), "--out", str(out), "--student", "dave", "-q"])
    assert dave.exit_code == 3 and dave.stderr.startswith("dave: no files: ")


def test_a_failed_regrade_never_overwrites_a_good_grade(tmp_path: Path) -> None:
    with Gradebook(tmp_path, course="c") as book:
        good = StudentRecord("ana", GRADED, points=7, max_points=10, content_hash="h")
        assert book.save(good, "v1")
        assert not book.save(StudentRecord("ana", FAILED, problem="worker lost", content_hash="h"), "v1")
        assert book.records() == [good]
        assert book.attempts("ana") == [(FAILED, "worker lost")]
        assert book.is_current("ana", "h", "v1") and not book.is_current("ana", "h", "v2")
        assert book.save(StudentRecord("ben", FAILED, problem="worker lost"), "v1"), "no good grade to keep"
        assert not book.is_current("ben", "", "v1"), "a failure is graded again next time"


def test_a_dying_worker_costs_only_its_student(klass: Path, tmp_path: Path, fast: Settings,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = jobs.grade_student  # what resident workers call

    def fragile(student: str, *args: Any) -> Any:
        if student == "bob":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(student, *args)

    monkeypatch.setattr(resident, "grade_student", fragile)
    found = by_student(grade(klass, tmp_path / "out", fast))
    assert found["bob"].status == FAILED and "killed by signal 9" in found["bob"].problem
    assert found["alice"].status == GRADED and found["alice"].points == found["alice"].max_points
    assert rows(tmp_path / "out")["bob"]["status"] == FAILED


@pytest.mark.slow
def test_a_hanging_submission_costs_its_own_time_only(tmp_path: Path, fast: Settings) -> None:
    root = tmp_path / "submissions"
    hangs = SOLUTION.replace("def learn_gate(", "def learn_gate(*_a, **_k):\n    while True:\n        pass\n\n\n"
                             "def _unused_learn_gate(", 1)
    write(root / "hang", {"lstm_numpy.py": hangs})
    for k in range(3):
        write(root / f"ok{k}", {"lstm_numpy.py": SOLUTION})
    found = by_student(grade(root, tmp_path / "out", fast, workers=2))
    assert found["hang"].status == GRADED
    learn = json.dumps(next(e for e in found["hang"].report.to_dict()["exercises"] if e["id"] == "learn_gate"))  # type: ignore[union-attr]
    assert "took longer than the 1 s time limit" in learn
    assert found["hang"].seconds >= fast.call_timeout
    assert max(found[f"ok{k}"].seconds for k in range(3)) < found["hang"].seconds
    assert all(found[f"ok{k}"].points == found[f"ok{k}"].max_points for k in range(3))
    errored = sum(c.status == "error" for c in found["hang"].checks())
    line = hangs.splitlines().index("    while True:") + 1
    assert errored > 1 and rows(tmp_path / "out")["hang"]["note"] == (
        f"{errored} checks could not be graded and count 0: learn_gate took longer than the 1 s time limit "
        f"(an endless loop, or very slow code?); it was stopped at lstm_numpy.py line {line} (while True:), in "
        "learn_gate")
    assert all(rows(tmp_path / "out")[f"ok{k}"]["note"] == "" for k in range(3))


@pytest.mark.slow
def test_kill_9_and_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    root = tmp_path / "submissions"
    students = [f"s{k:02d}" for k in range(8)]
    for k, student in enumerate(students):
        write(root / student, {"lstm_numpy.py": SOLUTION if k % 2 else PARTIAL})
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "grader", "batch", str(root), "--out", str(out), "-j", "1", "-q"]
    first = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env)
    try:
        graded = _wait_for_grades(out, at_least=2, timeout=120)
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        first.wait()
    assert 2 <= graded < len(students), "killed mid-way"
    if bwrap_path() is not None:
        assert list(scratch.glob("grade-zygote-*")), "the killed batch left its zygotes' folders"
    before = _grades(out)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    after = _grades(out)
    assert sorted(after) == students
    assert {s: after[s] for s in before} == before, "grades from before the kill are kept as they were"
    history = sqlite3.connect(out / "gradebook.sqlite").execute("SELECT COUNT(*) FROM history").fetchone()[0]
    assert history == 0, "nobody was graded twice"
    assert len(rows(out)) == len(students)
    assert not list(scratch.glob("grade-*")), "the rerun swept what the killed run left, and cleaned up after itself"


def _grades(out: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return {s: (status, at) for s, status, at in db.execute("SELECT student, status, graded_at FROM grades")}


def _wait_for_grades(out: Path, *, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            count = len(_grades(out))
        except sqlite3.Error:
            count = 0
        if count >= at_least:
            return count
        time.sleep(0.05)
    raise AssertionError(f"no {at_least} grades within {timeout} s")


# ------------------------------------------------------------------------------- Dask


@pytest.mark.slow
def test_dask_gives_the_same_grades_as_a_local_run(klass: Path, tmp_path: Path, fast: Settings) -> None:
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (the batch extra)")
    local = by_student(grade(klass, tmp_path / "local", fast))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = by_student(grade(klass, tmp_path / "dask", fast, scheduler=cluster.scheduler_address))
    assert sorted(remote) == sorted(local)

    def same(record: StudentRecord) -> dict[str, Any]:
        return {**dataclasses.asdict(record), "seconds": 0, "graded_at": ""}

    for student in local:
        assert same(remote[student]) == same(local[student]), student
    assert (tmp_path / "dask" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_usage_error(klass: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed (the batch extra)")
    from grader.batch import scale

    monkeypatch.setattr(scale, "CONNECT_SECONDS", 2)
    result = CliRunner().invoke(main, ["batch", str(klass), "--out", str(tmp_path / "o"), "-q",
                                       "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output



# ------------------------------------------------------------------------------- a hostile student


def test_a_hostile_student_cannot_touch_the_gradebook_or_a_neighbour(tmp_path: Path, fast: Settings) -> None:

    if bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    root, out = tmp_path / "submissions", tmp_path / "out"
    write(root / "alice", {"lstm_numpy.py": SOLUTION})
    targets = [out / "gradebook.sqlite", out / "grades.csv", root / "alice" / "lstm_numpy.py",
               out / "students" / "mallory" / "report.json"]
    attack = "\n".join([
        "import os, glob",
        f"for path in {[str(t) for t in targets]!r} + glob.glob('/tmp/grade-batch-*/submission/*'):",
        "    try:",
        "        os.makedirs(os.path.dirname(path), exist_ok=True)",
        "        with open(path, 'w') as f:",
        "            f.write('full marks')",
        "    except OSError:",
        "        pass",
    ])
    write(root / "mallory", {"lstm_numpy.py": f"{attack}\n{PARTIAL}"})
    first = by_student(grade(root, out, dataclasses.replace(fast, sandbox="bwrap")))
    assert first["alice"].points == first["alice"].max_points
    assert first["mallory"].points < first["mallory"].max_points
    assert (root / "alice" / "lstm_numpy.py").read_text() == SOLUTION
    assert rows(out)["mallory"]["total"] == f"{first['mallory'].points:g}"
    with Gradebook(out, course="lstm-grader") as book:
        assert {r.student: r.points for r in book.records()} == {s: r.points for s, r in first.items()}


@pytest.mark.slow
def test_exports_shared_among_processes_are_the_ones_one_process_writes(klass: Path, tmp_path: Path,
                                                                          fast: Settings) -> None:
    from grader.batch.exports import write_all

    records = grade(klass, tmp_path / "out", fast).records
    alone = write_all(records, tmp_path / "alone", title="t", workers=1)
    shared = write_all(records, tmp_path / "shared", title="t", workers=3)
    relative = sorted(str(p.relative_to(tmp_path / "alone")) for p in alone)
    assert relative == sorted(str(p.relative_to(tmp_path / "shared")) for p in shared)
    assert len(relative) > 6, "the CSV, the class report and three files per graded student"
    for name in relative:
        assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "shared" / name).read_bytes(), name

    (tmp_path / "blocked").mkdir()
    (tmp_path / "blocked" / "students").write_text("a file where the students' folder goes")
    with pytest.raises(OSError) as error:  # met in a forked share, raised here as it would be in one process
        write_all(records, tmp_path / "blocked", title="t", workers=3)
    assert "students" in str(error.value.filename)


def test_workers_stay_for_student_after_student(klass: Path, tmp_path: Path, fast: Settings,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Two resident workers grade the whole class (forking the warm parent per student cost ~30 ms each)."""
    real, pids = jobs.grade_student, tmp_path / "pids"

    def noted(student: str, *args: Any) -> Any:
        with pids.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(student, *args)

    monkeypatch.setattr(resident, "grade_student", noted)
    outcome = grade(klass, tmp_path / "out", fast, workers=2)
    graded = pids.read_text().split()
    assert len(graded) == len(outcome.graded) >= 3
    assert len(set(graded)) <= 2 and os.getpid() not in map(int, graded)
