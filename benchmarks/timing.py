"""Shared helpers for the benchmarks: time fresh processes and take medians."""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A fresh process grading PATH with ISOLATION ("process" or "none"), JOBS workers, and only the
# comma-separated EXERCISES if given.
GRADE = """
import json, sys
from pathlib import Path
from grader.api import check_submission
from grader.report import render
only = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[4] else None
report = check_submission(Path(sys.argv[1]), isolation=sys.argv[2], jobs=int(sys.argv[3]), exercise=only)
render(report, "text")
print(json.dumps({"cases": sum(c.cases for c in report.checks()), "score": report.points,
                  "max": report.max_points, "device": report.environment.get("device", "")}))
"""


def prepare() -> None:
    """Bytecode as a normal install has it after its first run (even under PYTHONDONTWRITEBYTECODE)."""
    compileall.compile_dir(str(ROOT / "grader"), quiet=1)


def timed(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"benchmark command failed ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    return elapsed, done.stdout


def median_run(argv: list[str], runs: int) -> tuple[float, str]:
    results = [timed(argv) for _ in range(runs)]
    return statistics.median(t for t, _ in results), results[-1][1]


def grade(path: str, isolation: str, jobs: int, runs: int, only: str = "") -> tuple[float, dict[str, object]]:
    import json

    seconds, out = median_run([sys.executable, "-c", GRADE, path, isolation, str(jobs), only], runs)
    return seconds, json.loads(out.strip().splitlines()[-1])
