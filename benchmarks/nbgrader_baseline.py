"""The baseline the batch targets are set against: nbgrader autograding the numpy track, measured.

Issue 7 aims to grade 20 times faster than nbgrader, which autogrades one notebook at a time.
This builds a small nbgrader course in a scratch folder: one assignment, a notebook with the numpy
track's six exercises (the reference solutions in nbgrader's solution region) and one hidden
autograder test cell per exercise, each comparing the learner's function with the reference on
random cases with `np.allclose` (`--cases` in all, 102 by default). It releases the assignment
(`nbgrader generate_assignment`), writes `--students` submissions (3 in 5 correct, the others
with one bug, each with a comment naming its student), and times `nbgrader autograde` over all of
them in one fresh process, from outside, as an instructor would run it; then `nbgrader export`
checks that every correct submission got full marks and every buggy one lost some. Nothing runs
the grader of this project.

nbgrader and a Jupyter kernel are not among this project's dependencies (about 90 packages).
Run it from a Python that has them, e.g.:

    python -m venv /tmp/nbgrader-venv && /tmp/nbgrader-venv/bin/pip install nbgrader numpy
    /tmp/nbgrader-venv/bin/python benchmarks/nbgrader_baseline.py [--students 20] [--cases 102]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "lstm"
NOTEBOOK = "lstm_numpy.ipynb"
EXERCISES = ("learn_gate", "forget_gate", "remember_gate", "use_gate", "lstm_cell", "lstm_forward")

# How each hidden test draws one case's arguments: `r(*shape)` draws normal values (scale 2),
# `params()` the ten weights and biases; sizes B (batch), I (input), H (hidden), T (steps) are 1 to 5.
DRAW = {
    "learn_gate": "(r(B, H), r(B, I), r(H, H + I), r(H), r(H, H + I), r(H))",
    "forget_gate": "(r(B, H), r(B, H), r(B, I), r(H, H + I), r(H))",
    "remember_gate": "(r(B, H), r(B, H))",
    "use_gate": "(r(B, H), r(B, H), r(B, I), r(H, H), r(H), r(H, H + I), r(H))",
    "lstm_cell": "(r(B, H), r(B, H), r(B, I), params())",
    "lstm_forward": "(r(B, H), r(B, H), r(B, T, I), params())",
}
TEST = '''\
### BEGIN HIDDEN TESTS
_reference = {{}}
exec({source!r}, _reference)
_rng = np.random.default_rng({seed})


def r(*shape):
    return _rng.normal(scale=2.0, size=shape)


def params():
    return {{f"W_{{g}}": r(H, H if g == "u" else H + I) for g in "nifuv"}} | {{f"b_{{g}}": r(H) for g in "nifuv"}}


for _ in range({cases}):
    B, I, H, T = (int(n) for n in _rng.integers(1, 6, size=4))
    _args = {draw}
    _want = _reference["{name}"](*_args)
    _got = {name}(*_args)
    for _w, _g in zip(_flat(_want), _flat(_got), strict=True):
        assert np.shape(_g) == np.shape(_w), f"{name}: shape {{np.shape(_g)}}, expected {{np.shape(_w)}}"
        assert np.allclose(_g, _w, rtol=1e-6, atol=1e-9), f"{name}: wrong values"
### END HIDDEN TESTS
'''
FLAT = '''\
import numpy as np


def _flat(value):
    """The arrays of a result: an array, or (stms, (ltm, stm)) and the like, depth first."""
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _flat(v)]
    return [value]
'''
BUG = ("    return forget_out + learn_out", "    return forget_out * learn_out  # bug: the gates multiplied")


def notebook(solution: str, cases: int) -> object:
    """The assignment's source notebook, with nbgrader's cell metadata."""
    import nbformat

    def cell(source: str, grade_id: str, *, solution: bool = False, points: int = 0) -> object:
        new = nbformat.v4.new_code_cell(source)
        new.metadata["nbgrader"] = {"schema_version": 3, "grade_id": grade_id, "solution": solution,
                                    "grade": bool(points), "locked": not solution}
        if points:
            new.metadata["nbgrader"]["points"] = points
        return new

    per = [cases // len(EXERCISES) + (k < cases % len(EXERCISES)) for k in range(len(EXERCISES))]
    cells = [nbformat.v4.new_markdown_cell("# LSTM gates in numpy\nImplement each gate below."),
             cell(FLAT, "setup"),
             cell(f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION\n", "solution", solution=True)]
    cells += [cell(TEST.format(source=solution, seed=k, cases=n, draw=DRAW[name], name=name), f"test_{name}", points=1)
              for k, (name, n) in enumerate(zip(EXERCISES, per, strict=True))]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})


def nbgrader(course: Path, *args: str) -> float:
    """Run one nbgrader command in the course folder; its wall seconds."""
    started = time.perf_counter()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # it runs `alembic` from there
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env={**os.environ, "PATH": path},
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"nbgrader {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def build(course: Path, students: int, cases: int) -> dict[str, str]:
    """The course, the released assignment and the submissions; each student's kind."""
    import nbformat

    solution = (ROOT / "solutions" / "lstm_numpy.py").read_text()
    solution = solution[: solution.index("\n\ndef lstm_cell_backward")]  # the six exercises, not the stretch
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'lstm'\nc.CourseDirectory.root = "
        f"{str(course)!r}\nc.ExecutePreprocessor.timeout = 30\n")
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    nbformat.write(notebook(solution, cases), source / NOTEBOOK)
    nbgrader(course, "db", "assignment", "add", ASSIGNMENT)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    released = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    kinds = {}
    for k in range(students):
        student, buggy = f"s{k:04d}", k % 5 >= 3
        work = nbformat.from_dict(released)
        for each in work.cells:
            if each.metadata.get("nbgrader", {}).get("solution"):
                each.source = f"# student {student}\n" + (solution.replace(*BUG) if buggy else solution)
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(work, folder / NOTEBOOK)
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
        kinds[student] = "buggy" if buggy else "correct"
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--cases", type=int, default=102, help="random cases over the six hidden tests")
    args = parser.parse_args()
    try:
        import nbformat  # noqa: F401
        from nbgrader import __version__
    except ImportError:
        sys.exit("nbgrader is not installed in this Python; see this script's docstring for how to run it.")
    scratch = Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    try:
        course = scratch / "course"
        course.mkdir()
        kinds = build(course, args.students, args.cases)
        seconds = nbgrader(course, "autograde", ASSIGNMENT, "--create")
        nbgrader(course, "export")
        with open(course / "grades.csv", newline="") as handle:
            scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
        full = len(EXERCISES)
        wrong = [s for s, kind in kinds.items() if (scores.get(s) == full) != (kind == "correct")]
        per = seconds / args.students
        print(f"nbgrader {__version__}: autograde of {args.students} numpy-track notebooks "
              f"({sum(k == 'correct' for k in kinds.values())} correct, {sum(k == 'buggy' for k in kinds.values())} "
              f"buggy; {args.cases} random cases each), one process, {os.cpu_count()} cores")
        print(f"  {seconds:.1f} s wall, {per:.2f} s per submission; 20 times faster would be "
              f"{1000 * per / 20:.0f} ms per submission")
        if wrong:
            sys.exit(f"  the scores are not what the submissions deserve: {wrong}")
        print("  every correct notebook got full marks, every buggy one lost some")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
