"""How long `grade check` takes on the numpy track, against the in-process floor.

Each measurement is a fresh Python process (imports included), timed from outside, median of
--runs. "floor" runs the very same checks with the submission imported into the grader's own
processes (no sandbox); "sandbox" is what `grade check` does. Prints the figures and ratios.

    python benchmarks/check_numpy.py [--runs 7] [--submission solutions]
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys
from pathlib import Path
from grader.api import check_submission
from grader.report import render
report = check_submission(Path(sys.argv[1]), isolation=sys.argv[2], jobs=int(sys.argv[3]))
render(report, "text")
print(json.dumps({"cases": sum(c.cases for c in report.checks()), "score": report.points}))
"""


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--submission", default="solutions")
    args = parser.parse_args()
    # Bytecode as a normal install has it after the first run (even under PYTHONDONTWRITEBYTECODE).
    compileall.compile_dir(str(ROOT / "grader"), quiet=1)
    timed([sys.executable, "-c", "import grader.api, hypothesis, numpy"])  # warm the disk cache

    rows = []
    for jobs in (2, 1):
        figures = {}
        for isolation in ("process", "none"):
            seconds, out = median_run([sys.executable, "-c", SCRIPT, args.submission, isolation, str(jobs)], args.runs)
            figures[isolation] = (seconds, json.loads(out.strip().splitlines()[-1]))
        rows.append((jobs, figures))
    cli, _ = median_run([sys.executable, "-m", "grader", "check", args.submission], args.runs)

    cases = rows[0][1]["process"][1]["cases"]
    print(f"numpy track, {args.submission}: {cases} generated cases; median of {args.runs} fresh processes")
    for jobs, figures in rows:
        sandbox, floor = figures["process"][0], figures["none"][0]
        print(f"  {jobs} worker{'s' if jobs > 1 else ' '}: sandbox {sandbox:.2f} s, in-process floor {floor:.2f} s, "
              f"ratio {sandbox / floor:.2f}x")
    print(f"  `grade check {args.submission}` (CLI, default workers, text report): {cli:.2f} s")
    print(f"  for scale: nbgrader autogrades one such submission (100 cases) in about 3 s: {3.0 / cli:.1f}x")


if __name__ == "__main__":
    main()
