"""How often the feedback names the right misconception, and how often it accuses correct work.

Grades every fixture in tests/fixtures (numpy and torch; buggy and correct-but-different) and
prints: the share of buggy fixtures that get a diagnosis at all, the share whose diagnosis is
the misconception they were written to show (tests/fixtures/diagnoses.toml), and the number
of diagnoses given to correct fixtures (which must be 0).

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
    buggy = named = right = correct = accused = 0
    for track in tracks:
        for kind in ("buggy", "correct"):
            for path in sorted((FIXTURES / track / kind).glob("*.py")):
                folder = Path(tempfile.mkdtemp())
                file = folder / f"lstm_{track}.py"
                file.write_text(source(track, kind, path.stem))
                report = check_submission(file)
                found = {part for c in report.checks() if c.diagnosis for part in c.diagnosis.id.split("+")}
                if kind == "correct":
                    correct += 1
                    accused += bool(found)
                    continue
                buggy += 1
                named += bool(found)
                hit = bool(found & expected.get(f"{track}/{path.stem}", set()))
                right += hit
                print(f"  {track}/{path.stem:40} {'named: ' + ', '.join(sorted(found)) if found else 'no claim'}"
                      f"{'' if hit or f'{track}/{path.stem}' not in expected else '  (expected it to be named)'}",
                      flush=True)
    print(f"buggy fixtures: {buggy}; given a diagnosis: {named} ({named / buggy:.0%}); "
          f"the misconception they show: {right} ({right / buggy:.0%})")
    print(f"correct fixtures: {correct}; accused of a misconception: {accused}")
    sys.exit(0 if accused == 0 else 1)


if __name__ == "__main__":
    main()
