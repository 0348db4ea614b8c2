"""How long `grade check` takes on the numpy track, against the in-process floor.

Each measurement is a fresh Python process (imports included), timed from outside, median of
--runs. "floor" runs the very same checks with the submission imported into the grader's own
processes (no sandbox); "sandbox" is what `grade check` does. Prints the figures and ratios:
first for the track's six exercises (the gates, the cell, the sequence), then for the whole
file with the backward stretch exercise, whose autograd oracle imports torch in the grader.

    python benchmarks/check_numpy.py [--runs 7] [--submission solutions/lstm_numpy.py]
"""

from __future__ import annotations

import argparse
import sys

from timing import grade, median_run, prepare, timed

CORE = "learn_gate,forget_gate,remember_gate,use_gate,lstm_cell,lstm_forward"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--submission", default="solutions/lstm_numpy.py")
    parser.add_argument("--nbgrader", type=float, default=5.5,
                        help="seconds nbgrader takes to autograde one such notebook in a fresh process (5.3-5.8 s "
                             "on the 2-core machine, 2026-11-22: benchmarks/nbgrader_baseline.py --students 1)")
    args = parser.parse_args()
    prepare()
    timed([sys.executable, "-c", "import grader.api, hypothesis, numpy"])  # warm the disk cache

    rows = []
    for jobs in (2, 1):
        sandbox, figures = grade(args.submission, "process", jobs, args.runs, CORE)
        floor, _ = grade(args.submission, "none", jobs, args.runs, CORE)
        rows.append((jobs, sandbox, floor))
    flags = [f"-e{e}" for e in CORE.split(",")]
    cli, _ = median_run([sys.executable, "-m", "grader", "check", args.submission, *flags], args.runs)
    whole, with_stretch = grade(args.submission, "process", 0, args.runs)

    print(f"numpy track, {args.submission}, its six exercises: {figures['cases']} generated cases; "
          f"median of {args.runs} fresh processes")
    for jobs, sandbox, floor in rows:
        print(f"  {jobs} worker{'s' if jobs > 1 else ' '}: sandbox {sandbox:.2f} s, in-process floor {floor:.2f} s, "
              f"ratio {sandbox / floor:.2f}x")
    print(f"  `grade check` from the shell (default workers, text report): {cli:.2f} s")
    print(f"  for scale: nbgrader autogrades one such notebook (102 cases) in a fresh process in {args.nbgrader:.1f} s "
          f"(--nbgrader; benchmarks/nbgrader_baseline.py --students 1 measures it): {args.nbgrader / cli:.1f}x")
    print(f"  the whole file, with the backward stretch ({with_stretch['cases']} cases; imports torch): {whole:.2f} s")


if __name__ == "__main__":
    main()
