"""How fast `grade batch` grades a class: 200 generated numpy-track submissions, and torch ones.

The class is generated, never downloaded: each student gets the reference solution, one of the
buggy fixtures of tests/fixtures/ (each a misconception the diagnosis knows), or a submission
that hangs in one gate, with a comment naming the student so that no two files are the same.
Each batch is a fresh `grade batch` process (imports, warm-up and exports included), timed
from outside. Prints the wall time, the amortized time per submission, and the ratio to the
targets (50 ms per numpy submission, 0.5 s per torch submission, on 2 cores) and to nbgrader,
which autogrades one notebook at a time (`--nbgrader`: its seconds per numpy-track notebook,
measured by benchmarks/nbgrader_baseline.py). It also says whether the grades are right: every
correct submission at full marks, every buggy one short of them (naming any fixture that
slipped through), so that a faster setting is never taken for a free one.

`--setting KEY=VALUE` (repeatable) grades with a course setting changed, e.g.
`--setting examples_scale=0.5` (fewer cases per check) or `--setting call_timeout=2.0` (a shorter
time limit per call): a copy of the course with those lines added to its `[tool.grader]`.

    python benchmarks/batch.py [--students 200] [--torch-students 200] [--hanging 2] [--workers 2]
                               [--setting KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
HANG = "\n\ndef learn_gate(*args, **kwargs):  # hangs\n    while True:\n        pass\n"


def fixture(track: str, kind: str, name: str) -> str:
    base = (FIXTURES / track / "_base.py").read_text()
    return f"{base}\n\n{(FIXTURES / track / kind / f'{name}.py').read_text()}"


def generate(root: Path, track: str, students: int, hanging: int) -> dict[str, tuple[str, str]]:
    """Write ``students`` folders: 3 in 5 correct, the rest buggy (cycling through the fixtures),
    ``hanging`` of them hanging; each student's kind (and fixture) is returned."""
    file = {"numpy": "lstm_numpy.py", "torch": "lstm_torch.py"}[track]
    correct = (ROOT / "solutions" / file).read_text()
    buggy = sorted(p.stem for p in (FIXTURES / track / "buggy").glob("*.py"))
    kinds: dict[str, tuple[str, str]] = {}
    for k in range(students):
        if k < hanging:
            kind, name, text = "hanging", "", correct + HANG
        elif k % 5 < 3:
            kind, name, text = "correct", "", correct
        else:
            name = buggy[k % len(buggy)]
            kind, text = "buggy", fixture(track, "buggy", name)
        folder = root / f"s{k:04d}"
        folder.mkdir(parents=True)
        (folder / file).write_text(f"# student s{k:04d}\n{text}")
        kinds[folder.name] = (kind, name)
    return kinds


def course_with(settings: list[str], scratch: Path) -> Path | None:
    """A copy of the course whose ``[tool.grader]`` also holds ``settings`` (``KEY=VALUE``, the value
    in TOML), or None for the course itself."""
    if not settings:
        return None
    course = scratch / "course"
    for folder in ("solutions", "quizzes"):
        shutil.copytree(ROOT / folder, course / folder)
    if any("=" not in item for item in settings):
        sys.exit(f"--setting takes KEY=VALUE, not {next(item for item in settings if '=' not in item)!r}")
    lines = [f"{key.strip()} = {value.strip()}" for key, _, value in (item.partition("=") for item in settings)]
    table, text = "\n[tool.grader]\n", (ROOT / "pyproject.toml").read_text()
    if table not in text:
        sys.exit(f"{ROOT / 'pyproject.toml'} has no [tool.grader] table to add the settings to")
    (course / "pyproject.toml").write_text(text.replace(table, table + "\n".join(lines) + "\n", 1))
    return course


def run(root: Path, out: Path, workers: int, course: Path | None) -> tuple[float, float]:
    """Wall seconds of one `grade batch`, and how busy the machine's cores were meanwhile (0..1)."""
    command = [sys.executable, "-m", "grader", *(["--course", str(course)] if course else []), "batch", str(root),
               "--out", str(out), "-j", str(workers), "-q"]
    busy, total = cpu_ticks()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    busy_after, total_after = cpu_ticks()
    if done.returncode not in (0, 3):
        sys.exit(f"grade batch failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, (busy_after - busy) / max(total_after - total, 1)


def cpu_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine so far, from /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq = (int(n) for n in Path("/proc/stat").read_text().split()[1:8])
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait


def report(track: str, students: int, kinds: dict[str, tuple[str, str]], seconds: float, busy: float, again: float,
           workers: int, target: float, out: Path, hanging: int, nbgrader: float) -> None:
    per = seconds / students
    mix = Counter(kind for kind, _ in kinds.values())
    print(f"\n{track} track: {students} submissions ({', '.join(f'{n} {k}' for k, n in sorted(mix.items()))}), "
          f"{workers} workers, {os.cpu_count()} cores")
    versus = f"; nbgrader at {nbgrader:.1f} s each: {nbgrader / per:.1f}x faster" if nbgrader else ""
    print(f"  grade batch, first run:     {seconds:7.1f} s wall, {1000 * per:7.0f} ms per submission "
          f"(target {1000 * target:.0f} ms: {per / target:.1f}x the target{versus}); the cores {100 * busy:.0f}% busy")
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        rows = {student: float(seconds) for student, seconds in
                db.execute("SELECT student, json_extract(record, '$.seconds') FROM grades")}
    with open(out / "grades.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    statuses = Counter(row["status"] for row in table)
    print("  " + right_grades(kinds, table))
    hung = {f"s{k:04d}" for k in range(hanging)}
    others = [v for k, v in rows.items() if k not in hung]
    print(f"  statuses: {dict(statuses)}; one student's grading, median {statistics.median(others):.2f} s, "
          f"slowest {max(others):.2f} s (in a worker, sharing the cores)")
    if hanging:
        own = sum(rows[s] for s in hung)
        rest = (seconds - own / workers) / (students - hanging)
        print(f"  the {hanging} hanging submissions took {own:.1f} s of worker time (their own time limits); "
              f"without them: {1000 * rest:.0f} ms per submission ({rest / target:.1f}x the target)")
    print(f"  grade batch again, nothing changed: {again:5.1f} s wall (the gradebook skips every student)")


def right_grades(kinds: dict[str, tuple[str, str]], table: list[dict[str, str]]) -> str:
    """Whether each correct submission got full marks and each buggy one lost some, in a sentence."""
    full = {row["student"]: float(row["total"]) >= float(row["max"]) for row in table if row["status"] == "graded"}
    correct = [s for s, (kind, _) in kinds.items() if kind == "correct"]
    buggy = [s for s, (kind, _) in kinds.items() if kind == "buggy"]
    slipped = sorted({kinds[s][1] for s in buggy if full.get(s, False)})
    return (f"grades: {sum(full.get(s, False) for s in correct)} of {len(correct)} correct submissions at full "
            f"marks, {sum(not full.get(s, False) for s in buggy)} of {len(buggy)} buggy ones short of them"
            + (f"; buggy fixtures that got full marks: {', '.join(slipped)}" if slipped else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--torch-students", type=int, default=200)
    parser.add_argument("--hanging", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                        help="grade with this [tool.grader] setting (TOML value), e.g. examples_scale=0.5")
    parser.add_argument("--nbgrader", type=float, default=1.67,
                        help="nbgrader's seconds per numpy-track notebook (1.67 s over 200 on the 2-core machine, "
                             "2026-11-22: benchmarks/nbgrader_baseline.py --students 200)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        course = course_with(args.setting, scratch)
        if course:
            print(f"course settings changed: {', '.join(args.setting)}")
        for track, students, target in (("numpy", args.students, 0.05), ("torch", args.torch_students, 0.5)):
            if not students:
                continue
            root, out = scratch / track / "class", scratch / track / "out"
            hanging = args.hanging if track == "numpy" else 0
            kinds = generate(root, track, students, hanging)
            seconds, busy = run(root, out, args.workers, course)
            again, _ = run(root, out, args.workers, course)
            report(track, students, kinds, seconds, busy, again, args.workers, target, out, hanging,
                   args.nbgrader if track == "numpy" else 0.0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
