"""How long `grade check` takes on the numpy track, against the in-process floor.

Each measurement is a fresh Python process (imports included), timed from outside, median of
--runs. "floor" runs the very same checks with the submission imported into the grader's own
processes (no sandbox); "sandbox" is what `grade check` does. Prints the figures and ratios.

    python benchmarks/check_numpy.py [--runs 7] [--submission solutions/lstm_numpy.py]
"""

from __future__ import annotations

import argparse
import sys

from timing import grade, median_run, prepare, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--submission", default="solutions/lstm_numpy.py")
    args = parser.parse_args()
    prepare()
    timed([sys.executable, "-c", "import grader.api, hypothesis, numpy"])  # warm the disk cache

    rows = []
    for jobs in (2, 1):
        sandbox, figures = grade(args.submission, "process", jobs, args.runs)
        floor, _ = grade(args.submission, "none", jobs, args.runs)
        rows.append((jobs, sandbox, floor))
    cli, _ = median_run([sys.executable, "-m", "grader", "check", args.submission], args.runs)

    print(f"numpy track, {args.submission}: {figures['cases']} generated cases; median of {args.runs} fresh processes")
    for jobs, sandbox, floor in rows:
        print(f"  {jobs} worker{'s' if jobs > 1 else ' '}: sandbox {sandbox:.2f} s, in-process floor {floor:.2f} s, "
              f"ratio {sandbox / floor:.2f}x")
    print(f"  `grade check {args.submission}` (CLI, default workers, text report): {cli:.2f} s")
    print(f"  for scale: nbgrader autogrades one such submission (100 cases) in about 3 s: {3.0 / cli:.1f}x")


if __name__ == "__main__":
    main()
