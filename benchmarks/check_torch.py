"""How long `grade check` takes on the PyTorch track, and where the time goes.

Fresh processes, median of --runs: the whole check in the sandbox (what `grade check` does),
the in-process floor (the same checks, the submission imported into the grader, no sandbox),
and, to split the total, Python with the grader's imports alone and `import torch` alone. On a
machine with CUDA the GPU checks run too, and the device line says so.

    python benchmarks/check_torch.py [--runs 3] [--submission solutions/lstm_torch.py]
"""

from __future__ import annotations

import argparse
import sys

from timing import grade, median_run, prepare, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--submission", default="solutions/lstm_torch.py")
    args = parser.parse_args()
    prepare()
    timed([sys.executable, "-c", "import torch, grader.api, hypothesis"])  # warm the disk cache

    startup, _ = median_run([sys.executable, "-c", "import grader.api, grader.checks.property, numpy"], args.runs)
    torch_import, _ = median_run([sys.executable, "-c", "import torch"], args.runs)
    sandbox, figures = grade(args.submission, "process", 0, args.runs)
    floor, _ = grade(args.submission, "none", 0, args.runs)

    print(f"torch track, {args.submission}: {figures['cases']} generated cases, {figures['score']:g}/"
          f"{figures['max']:g} points, device {figures['device']}; median of {args.runs} fresh processes")
    print(f"  grade check in the sandbox: {sandbox:.2f} s   (target: under 10 s on 2 cores)")
    print(f"  in-process floor:           {floor:.2f} s   ratio {sandbox / floor:.2f}x")
    print("  where the time goes (sandbox run):")
    print(f"    start-up (python, grader, numpy, hypothesis): {startup:.2f} s")
    print(f"    torch import (in the grader; the child's own overlaps it): {torch_import:.2f} s")
    print(f"    checks, the child's start and the rest: {max(sandbox - startup - torch_import, 0):.2f} s")


if __name__ == "__main__":
    main()
