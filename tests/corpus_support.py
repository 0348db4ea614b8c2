"""The corpus of realistic learner submissions (tests/corpus): loading it, reading verdicts, the table.

Each ``tests/corpus/<track>/<name>.py`` is a whole learner file (their ``lstm_numpy.py`` or
``lstm_torch.py``) and ``<name>.toml`` beside it says what the grader must conclude, judged from the
lesson's contract (``LESSON.md``), not from what the grader happens to say::

    # one line: what the file does, and whether that is right
    kind = "correct"            # or "buggy"
    misconception = ""          # buggy only: the library id of the mistake it shows ("" if none fits)
    [verdicts]                  # every exercise of the track: "full" (full marks) or "short" (less)
    learn_gate = "full"

Used by tests/test_corpus.py (``grade --profile ci check``) and tests/test_corpus_batch.py
(``grade batch``); benchmarks/diagnosis.py reads the same TOMLs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "corpus"
EXERCISES: dict[str, tuple[str, ...]] = {
    "numpy": ("learn_gate", "forget_gate", "remember_gate", "use_gate", "lstm_cell", "lstm_forward",
              "lstm_cell_backward"),
    "torch": ("LSTMCell", "LSTM", "StandardLSTMCell"),
}
FILES = {"numpy": "lstm_numpy.py", "torch": "lstm_torch.py"}
KINDS = ("correct", "buggy")
VERDICTS = ("full", "short")


@dataclass(frozen=True)
class Entry:
    track: str
    name: str
    path: Path  # the learner's file
    spec: dict[str, Any]  # the TOML beside it, as read ({} if it is missing or unreadable)
    problem: str = ""  # why the TOML could not be read ('' if it could)

    @property
    def id(self) -> str:
        return f"{self.track}/{self.name}"

    @property
    def kind(self) -> str:
        return str(self.spec.get("kind", ""))

    @property
    def misconception(self) -> str:
        return str(self.spec.get("misconception", ""))

    @property
    def verdicts(self) -> dict[str, str]:
        return dict(self.spec.get("verdicts", {}))

    @property
    def student(self) -> str:
        """The student id this submission gets in a batch (letters, digits and . _ @ + -)."""
        return f"{self.track}.{self.name}"


def entries() -> list[Entry]:
    """Every submission of the corpus, sorted by track and name."""
    found = []
    for path in sorted(CORPUS.glob("*/*.py")):
        toml = path.with_suffix(".toml")
        try:
            spec, problem = tomllib.loads(toml.read_text()), ""
        except (OSError, tomllib.TOMLDecodeError) as error:
            spec, problem = {}, f"{toml.name}: {error}"
        found.append(Entry(path.parent.name, path.stem, path, spec, problem))
    return found


def problems(entry: Entry) -> list[str]:
    """What is wrong with an entry's TOML (empty if it is well-formed)."""
    if entry.problem:
        return [entry.problem]
    if entry.track not in EXERCISES:
        return [f"{entry.path.parent.name}: not a track (one of {', '.join(EXERCISES)})"]
    found = []
    known = {"kind", "misconception", "verdicts"}
    if set(entry.spec) - known:
        found.append(f"unknown keys {sorted(set(entry.spec) - known)}")
    if entry.kind not in KINDS:
        found.append(f"kind is {entry.spec.get('kind')!r}, not one of {KINDS}")
    misconception = entry.spec.get("misconception", "")
    if not isinstance(misconception, str):
        found.append(f"misconception is {misconception!r}, not a string")
    elif entry.kind == "buggy" and "misconception" not in entry.spec:
        found.append('a buggy entry names its misconception (misconception = "" if none fits)')
    elif entry.kind == "correct" and misconception:
        found.append(f"a correct entry shows no misconception, but names {misconception!r}")
    verdicts = entry.spec.get("verdicts")
    if not isinstance(verdicts, dict):
        return [*found, "no [verdicts] table"]
    expected = EXERCISES[entry.track]
    if set(verdicts) != set(expected):
        found.append(f"verdicts for {sorted(verdicts)}; the {entry.track} track's exercises are {sorted(expected)}")
    bad = {k: v for k, v in verdicts.items() if v not in VERDICTS}
    if bad:
        found.append(f"verdicts other than {VERDICTS}: {bad}")
    if entry.kind == "buggy" and set(verdicts.values()) == {"full"}:
        found.append("a buggy entry loses marks somewhere: every verdict is 'full'")
    return found


def exercise_verdicts(exercises: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """'full' or 'short' per exercise, from a report's exercises in their JSON form (``Report.to_dict()``)."""
    return {e["id"]: "full" if e["max_score"] > 0 and e["score"] >= e["max_score"] else "short" for e in exercises}


def why_short(exercise: Mapping[str, Any]) -> str:
    """The grader's own words for an exercise's missing marks (its note and its lost checks' messages)."""
    parts = [exercise["note"]] if exercise.get("note") else []
    for check in exercise["checks"]:
        if check["status"] in ("failed", "error") and check["score"] < check["max_score"]:
            message = " ".join(str(check["message"]).split())
            parts.append(f"{check['id']}: {message[:400]}{'…' if len(message) > 400 else ''}")
    return "; ".join(parts) or "no failed check (score below the maximum)"


def diagnoses(exercises: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every misconception id the report names (a combined id ``a+b`` counts as both)."""
    found = []
    for exercise in exercises:
        for check in exercise["checks"]:
            if check.get("diagnosis"):
                found.extend(check["diagnosis"]["id"].split("+"))
    return sorted(set(found))


@dataclass(frozen=True)
class Row:
    """One submission's grading, compared with its TOML."""

    entry: Entry
    got: dict[str, str]  # exercise -> full/short, as graded
    named: list[str]  # misconception ids the report names
    disagreements: list[str]  # one line each, with the grader's message

    @property
    def agreed(self) -> int:
        return sum(self.got.get(e) == v for e, v in self.entry.verdicts.items())


def compare(entry: Entry, exercises: list[Mapping[str, Any]]) -> Row:
    got = exercise_verdicts(exercises)
    by_id = {e["id"]: e for e in exercises}
    lines = []
    for exercise, expected in entry.verdicts.items():
        if exercise not in got:
            lines.append(f"{exercise}: expected {expected}, but the report has no such exercise")
        elif got[exercise] != expected:
            graded = by_id[exercise]
            score = f"{graded['score']:g}/{graded['max_score']:g}"
            why = why_short(graded) if got[exercise] == "short" else "full marks"
            lines.append(f"{exercise}: expected {expected}, graded {got[exercise]} ({score}): {why}")
    return Row(entry, got, diagnoses(exercises), lines)


def table(rows: list[Row], title: str) -> str:
    """The agreement table: one line per submission, then every disagreement with the grader's message."""
    width = max((len(r.entry.id) for r in rows), default=10)
    named_width = max((len(", ".join(r.named)) for r in rows), default=0)
    named_width = max(named_width, len("misconception named"))
    lines = [title, f"{'submission':{width}}  {'kind':7}  agreed  {'misconception named':{named_width}}  expected"]
    for r in rows:
        total = len(r.entry.verdicts)
        named = ", ".join(r.named) or "-"
        expected = r.entry.misconception or "-"
        mark = "" if r.agreed == total else "   <-- disagrees"
        lines.append(f"{r.entry.id:{width}}  {r.entry.kind:7}  {r.agreed:2}/{total:<2}   {named:{named_width}}  "
                     f"{expected}{mark}")
    agreed = sum(r.agreed for r in rows)
    total = sum(len(r.entry.verdicts) for r in rows)
    whole = sum(r.agreed == len(r.entry.verdicts) for r in rows)
    lines.append(f"agreement: {agreed}/{total} exercises ({agreed / max(total, 1):.0%}); "
                 f"{whole}/{len(rows)} submissions agree on every exercise")
    accused = [r.entry.id for r in rows if r.entry.kind == "correct" and r.named]
    lines.append(f"correct submissions given a diagnosis: {len(accused)}{': ' + ', '.join(accused) if accused else ''}")
    buggy = [r for r in rows if r.entry.kind == "buggy"]
    with_id = [r for r in buggy if r.entry.misconception]
    right = sum(r.entry.misconception in r.named for r in with_id)
    lines.append(f"buggy submissions: {len(buggy)}; given a diagnosis: {sum(bool(r.named) for r in buggy)}; named "
                 f"with the misconception their TOML gives: {right}/{len(with_id)}")
    disagreeing = [r for r in rows if r.disagreements]
    if disagreeing:
        lines.append("disagreements:")
        for r in disagreeing:
            lines.extend(f"  {r.entry.id}: {line}" for line in r.disagreements)
    return "\n".join(lines)
