"""How often the feedback names the right misconception, and how often it accuses correct work.

Grades every fixture in tests/fixtures (numpy and torch; buggy and correct-but-different) and
every submission of the corpus in tests/corpus (whole learner files, each with a TOML beside it)
and prints: the share of buggy ones that get a diagnosis at all, the share whose diagnosis is
the misconception they were written to show (tests/fixtures/diagnoses.toml for the fixtures, the
TOML's ``misconception`` for the corpus), and the number of diagnoses given to correct ones
(which must be 0).

    python benchmarks/diagnosis.py
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "tests" / "corpus"


def source(track: str, kind: str, name: str) -> str:
    base = (FIXTURES / track / "_base.py").read_text()
    return f"{base}\n\n{(FIXTURES / track / kind / f'{name}.py').read_text()}"


def main() -> None:
    from grader.api import check_submission

    expected: dict[str, set[str]] = {}
    table = tomllib.loads((FIXTURES / "diagnoses.toml").read_text())
    for misconception, where in table["diagnoses"].items():
        expected.setdefault(where, set()).add(misconception)
    for where, misconception in table.get("also", {}).items():
        expected.setdefault(where, set()).add(misconception)
    tracks = ["numpy"] + (["torch"] if importlib.util.find_spec("torch") else [])
    submissions = [(track, kind, f"{track}/{path.stem}", source(track, kind, path.stem))
                   for track in tracks for kind in ("buggy", "correct")
                   for path in sorted((FIXTURES / track / kind).glob("*.py"))]
    for path in sorted(CORPUS.glob("*/*.py")):  # the corpus: whole files, the verdicts in a TOML beside each
        track, spec = path.parent.name, tomllib.loads(path.with_suffix(".toml").read_text())
        if track in tracks:
            where = f"corpus/{track}/{path.stem}"
            if spec.get("misconception"):
                expected.setdefault(where, set()).add(spec["misconception"])
            submissions.append((track, spec["kind"], where, path.read_text()))
    buggy = named = right = correct = accused = 0
    for track, kind, where, text in submissions:
        folder = Path(tempfile.mkdtemp())
        file = folder / f"lstm_{track}.py"
        file.write_text(text)
        report = check_submission(file)
        found = {part for c in report.checks() if c.diagnosis for part in c.diagnosis.id.split("+")}
        if kind == "correct":
            correct += 1
            accused += bool(found)
            if found:
                print(f"  {where:47} correct, yet named: {', '.join(sorted(found))}", flush=True)
            continue
        buggy += 1
        named += bool(found)
        hit = bool(found & expected.get(where, set()))
        right += hit
        print(f"  {where:47} {'named: ' + ', '.join(sorted(found)) if found else 'no claim'}"
              f"{'' if hit or where not in expected else '  (expected it to be named)'}",
              flush=True)
    print(f"buggy fixtures and corpus submissions: {buggy}; given a diagnosis: {named} ({named / buggy:.0%}); "
          f"the misconception they show: {right} ({right / buggy:.0%})")
    print(f"correct fixtures and corpus submissions: {correct}; accused of a misconception: {accused}")
    sys.exit(0 if accused == 0 else 1)


if __name__ == "__main__":
    main()
