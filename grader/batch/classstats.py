"""How a class did, as plain numbers: the statistics the class report shows (pure functions, no drawing).

Every function takes the batch's ``StudentRecord``s and returns small frozen dataclasses, in
the order the report shows them. Scores count graded students only: a student whose files
could not be graded has no score, which is not the same as a score of zero. Every graded
student is scored out of the same assignment: each exercise and quiz any graded student has, or
the parts the instructor named (``named``: ``grader.batch.assignment``), each at its largest
maximum (``part_maxima``). A part a student did not submit counts 0 of it, so leaving out a quiz
never raises a percentage; a part beyond a named assignment counts nothing (``total``,
``maximum``); checks skipped for a student, e.g. without a GPU, stay out of that student's
maximum. Numbers that are not finite count as 0, so nothing here returns NaN.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from grader.batch.records import FAILED, GRADED, StudentRecord
from grader.results import Report, Status
from grader.sandbox.session import NOT_RUN_AGAIN

HISTOGRAM_BINS = 10  # of 10 percentage points each: [0, 10), ..., [90, 100]


@dataclass(frozen=True)
class Overview:
    students: int
    graded: int
    not_graded: int
    mean: float | None  # percent of the maximum, over graded students; None when there are none
    median: float | None


@dataclass(frozen=True)
class Bin:
    low: float  # percent, inclusive
    high: float  # percent, exclusive (inclusive for the last bin)
    count: int


@dataclass(frozen=True)
class CheckRate:
    """How often one code check went wrong among the graded students it ran for."""

    exercise: str
    check: str
    title: str
    failed: int
    errored: int  # could not be graded
    ran: int  # not skipped

    @property
    def rate(self) -> float:
        return (self.failed + self.errored) / self.ran if self.ran else 0.0


@dataclass(frozen=True)
class PartMean:
    """An exercise's (or a quiz's) mean score over the graded students whose report has it."""

    id: str
    title: str
    students: int
    mean_points: float
    max_points: float  # the largest maximum seen (skipped checks can lower one student's maximum)
    mean_percent: float | None  # mean of each student's percent, over students with a maximum above 0


@dataclass(frozen=True)
class MisconceptionCount:
    id: str
    students: int  # how many graded students' reports name it (each student once)
    message: str  # one example of the diagnosis's message


@dataclass(frozen=True)
class Ungradable:
    student: str
    status: str
    problem: str


@dataclass(frozen=True)
class ErroredCheck:
    """A check that could not be graded for a graded student, and the checks that were then not run
    again because they would have called the same function (``after``), which its message explains."""

    student: str
    check: str  # "exercise:check"
    message: str
    after: tuple[str, ...] = ()


def finite(value: float) -> float:
    """``value`` as a float, 0.0 when it is not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def graded(records: Iterable[StudentRecord]) -> list[StudentRecord]:
    return [r for r in records if r.status == GRADED]


def part_maxima(records: Iterable[StudentRecord], named: Mapping[str, float] | None = None) -> dict[str, float]:
    """The assignment: each exercise and quiz (``StudentRecord.parts``) of any graded student, with
    the largest maximum it had, in the order first seen. With ``named`` (the parts an instructor named,
    with their points: ``grader.batch.assignment``) exactly those parts, each at the largest maximum a
    graded student had for it, or at its named points where nobody has it."""
    found: dict[str, float] = {}
    for record in graded(records):
        for part, (_, most) in record.parts().items():
            found[part] = max(found.get(part, 0.0), finite(most))
    return found if named is None else {part: found.get(part, finite(most)) for part, most in named.items()}


def not_submitted(record: StudentRecord, maxima: dict[str, float]) -> list[str]:
    """The parts of the assignment ``maxima`` that ``record`` has no result for (none when it was not
    graded: it has no score at all)."""
    if record.status != GRADED:
        return []
    have = record.parts()
    return [part for part in maxima if part not in have]


def beyond(record: StudentRecord, maxima: dict[str, float]) -> list[str]:
    """The parts ``record`` has that the assignment ``maxima`` does not (they count nothing)."""
    return [part for part in record.parts() if part not in maxima] if record.status == GRADED else []


def total(record: StudentRecord, maxima: dict[str, float] | None = None) -> float:
    """The points ``record`` scored on the assignment ``maxima``: its total, less the parts beyond it
    (without an assignment: its total)."""
    if not maxima:
        return finite(record.points)
    have = record.parts()
    return finite(record.points) - sum(finite(have[part][0]) for part in beyond(record, maxima))


def maximum(record: StudentRecord, maxima: dict[str, float] | None = None) -> float:
    """The points ``record`` is scored out of: its own maximum (checks skipped for it stay out), less the
    parts beyond the assignment ``maxima``, plus the assignment's maximum of each part it did not submit."""
    if not maxima:
        return finite(record.max_points)
    have = record.parts()
    return (finite(record.max_points) - sum(finite(have[part][1]) for part in beyond(record, maxima))
            + sum(maxima[part] for part in not_submitted(record, maxima)))


def percent(record: StudentRecord, maxima: dict[str, float] | None = None) -> float | None:
    """The record's total as a percent of its ``maximum``; None when that is 0 or it was not graded."""
    if record.status != GRADED:
        return None
    points, most = total(record, maxima), maximum(record, maxima)
    return 100.0 * points / most if most > 0 else None


def percents(records: Iterable[StudentRecord], named: Mapping[str, float] | None = None) -> list[float]:
    """The graded students' totals, in percent of the assignment (students without a maximum left out)."""
    records = list(records)
    maxima = part_maxima(records, named)
    return [p for p in (percent(r, maxima) for r in graded(records)) if p is not None]


def overview(records: Sequence[StudentRecord], named: Mapping[str, float] | None = None) -> Overview:
    scores = percents(records, named)
    count = len(graded(records))
    return Overview(students=len(records), graded=count, not_graded=len(records) - count,
                    mean=statistics.fmean(scores) if scores else None,
                    median=statistics.median(scores) if scores else None)


def histogram(scores: Iterable[float], bins: int = HISTOGRAM_BINS) -> list[Bin]:
    """Counts of ``scores`` (percent) in ``bins`` equal bins over [0, 100]; out-of-range scores go to the end bins."""
    width = 100.0 / bins
    counts = [0] * bins
    for score in scores:
        counts[min(max(int(score // width), 0), bins - 1)] += 1
    return [Bin(i * width, (i + 1) * width, n) for i, n in enumerate(counts)]


def check_rates(records: Iterable[StudentRecord]) -> list[CheckRate]:
    """Every code check's failures among graded students, highest rate first (skipped runs not counted)."""
    titles: dict[tuple[str, str], str] = {}
    counts: dict[tuple[str, str], list[int]] = {}  # failed, errored, ran
    for record in graded(records):
        for check in record.checks():
            titles.setdefault((check.exercise, check.id), check.title)
            entry = counts.setdefault((check.exercise, check.id), [0, 0, 0])
            if check.status is Status.SKIPPED:
                continue
            entry[0] += int(check.status is Status.FAILED)
            entry[1] += int(check.status is Status.ERROR)
            entry[2] += 1
    rates = [CheckRate(exercise, check, titles[exercise, check], *entry) for (exercise, check), entry in counts.items()]
    return sorted(rates, key=lambda r: (-r.rate, -r.ran, r.exercise, r.check))


def exercise_means(records: Iterable[StudentRecord]) -> list[PartMean]:
    """Each code exercise's mean score, in the order the reports list them."""
    return _means(r.report for r in graded(records))


def quiz_means(records: Iterable[StudentRecord]) -> list[PartMean]:
    """Each quiz's mean score (empty when no student has a quiz report)."""
    return _means(r.quiz_report for r in graded(records))


def _means(reports: Iterable[Report | None]) -> list[PartMean]:
    titles: dict[str, str] = {}
    scores: dict[str, list[tuple[float, float]]] = {}
    for report in reports:
        for exercise in report.exercises if report else ():
            titles.setdefault(exercise.id, exercise.title)
            scores.setdefault(exercise.id, []).append((finite(exercise.points), finite(exercise.max_points)))
    means = []
    for id, pairs in scores.items():
        shares = [100.0 * points / maximum for points, maximum in pairs if maximum > 0]
        means.append(PartMean(id, titles[id], len(pairs), statistics.fmean(p for p, _ in pairs),
                              max(m for _, m in pairs), statistics.fmean(shares) if shares else None))
    return means


def misconceptions(records: Iterable[StudentRecord]) -> list[MisconceptionCount]:
    """How many graded students' code checks were diagnosed with each misconception, most common first.

    A combined diagnosis (``"a+b"``: the submission matches several known mistakes) counts for
    each of them; a student counts once per misconception however many checks name it. The
    example message is one from a diagnosis of that misconception alone where there is one.
    """
    students: dict[str, set[str]] = {}
    alone: dict[str, str] = {}
    combined: dict[str, str] = {}
    for record in graded(records):
        for diagnosis in (c.diagnosis for c in record.checks() if c.diagnosis is not None):
            ids = [part for part in diagnosis.id.split("+") if part]
            for id in ids:
                students.setdefault(id, set()).add(record.student)
                (alone if len(ids) == 1 else combined).setdefault(id, diagnosis.message)
    counts = [MisconceptionCount(id, len(who), alone.get(id) or combined.get(id, "")) for id, who in students.items()]
    return sorted(counts, key=lambda c: (-c.students, c.id))


def slowest(records: Iterable[StudentRecord], count: int = 10) -> list[StudentRecord]:
    """The ``count`` records that took longest to grade, slowest first: graded students and those the
    grader failed on (the others had nothing to grade)."""
    ran = [r for r in records if r.status in (GRADED, FAILED)]
    return sorted(ran, key=lambda r: (-finite(r.seconds), r.student))[:count]


def ungradable(records: Iterable[StudentRecord]) -> list[Ungradable]:
    """Every student who was not graded, and why, in the batch's order."""
    return [Ungradable(r.student, r.status, r.problem) for r in records if r.status != GRADED]


def errored_checks(records: Iterable[StudentRecord]) -> list[ErroredCheck]:
    """Every code check that could not be graded for a graded student, in the batch's order; the
    checks not run again after one that took too long are folded into that one (``after``)."""
    found: list[ErroredCheck] = []
    for record in graded(records):
        first = len(found)
        for check in (c for c in record.checks() if c.status is Status.ERROR):
            name, message = f"{check.exercise}:{check.id}", check.message
            again = re.search(NOT_RUN_AGAIN + r"(?:\w+ calls )?(\w+)", message)  # the function that timed out
            causes = [k for k in range(first, len(found)) if NOT_RUN_AGAIN not in found[k].message] if again else []
            if again and causes:
                named = [k for k in causes if re.search(rf"\b{again[1]}\b", found[k].message)]
                k = (named or causes)[0]
                found[k] = replace(found[k], after=(*found[k].after, name))
            else:
                found.append(ErroredCheck(record.student, name, message))
    return found
