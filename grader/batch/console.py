"""What ``grade batch`` shows while it works and when it is done: a rich progress bar with the
rate and the time left, then a summary table and one line per student who was not graded."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

import grader.batch.classstats as classstats
from grader.batch.records import GRADED, STATUSES, StudentRecord
from grader.batch.review import review
from grader.batch.run import BatchOutcome


class Watch:
    """The progress bar: ``start(n)`` once the work is known, ``advance(record)`` per student."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task("grading", total=total, student="")

    def advance(self, record: StudentRecord) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, student=record.student)
            self._progress.refresh()  # no refresh thread: the pool forks, and forks want one thread


@contextmanager
def watching(console: Console, *, quiet: bool) -> Iterator[Watch]:
    if quiet:
        yield Watch(None)
        return
    with Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn(),
                  TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left  [dim]{task.fields[student]}"),
                  console=console, auto_refresh=False, transient=False) as progress:
        yield Watch(progress)


class _Rate(TextColumn):
    """Students per second so far (or seconds per student when slower than one a second)."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: Any) -> Any:
        from rich.text import Text

        elapsed = task.finished_time if task.finished else task.elapsed
        speed = task.completed / elapsed if elapsed and task.completed else 0.0
        if not speed:
            return Text("…/s")
        return Text(f"{speed:.1f}/s" if speed >= 1 else f"{1 / speed:.1f} s each")


def results_table(outcome: BatchOutcome) -> Table:
    records = outcome.records
    table = Table(title=f"{len(records)} students in {outcome.out}", title_justify="left")
    table.add_column("status")
    table.add_column("students", justify="right")
    table.add_column("mean score", justify="right")
    table.add_column("median", justify="right")
    maxima = outcome.maxima()
    for status in STATUSES:
        group = [r for r in records if r.status == status]
        if not group:
            continue
        percents = [p for p in (classstats.percent(r, maxima) for r in group) if p is not None]
        table.add_row(status, str(len(group)), f"{statistics.fmean(percents):.1f}%" if percents else "—",
                      f"{statistics.median(percents):.1f}%" if percents else "—")
    return table


def counts(outcome: BatchOutcome) -> str:
    """What this run did: how many students it graded, and how many it found unchanged or kept (and whom it
    was limited to); and the students whose grades stay from an earlier run although their folder is gone."""
    kept = f", failed re-grades that kept the earlier grade: {len(outcome.kept)}" if outcome.kept else ""
    limited = f" (only {', '.join(outcome.selected)}, as --student asked)" if outcome.selected else ""
    gone = (f"; kept from an earlier run (no folder for them now; --forget ID takes one out): "
            f"{', '.join(outcome.departed)}" if outcome.departed else "")
    forgotten = (f"; forgotten (their grades moved to the gradebook's history): {', '.join(outcome.forgotten)}"
                 if outcome.forgotten else "")
    return (f"graded now: {len(outcome.graded)}, unchanged since the last run: {len(outcome.unchanged)}{kept}"
            f"{limited}{gone}{forgotten}")


def incomplete(outcome: BatchOutcome) -> str:
    """Lines counting the graded students who did not submit every part of the assignment, and those who
    submitted more than it ('' if none)."""
    maxima = outcome.maxima()
    missing = sum(1 for r in outcome.records if classstats.not_submitted(r, maxima))
    beyond = sum(1 for r in outcome.records if classstats.beyond(r, maxima))
    lines = []
    if missing:
        what = "the parts named with --part or [tool.grader] parts" if outcome.named else \
            "each exercise and quiz any graded student submitted"
        lines.append(f"{missing} graded student{'s' if missing > 1 else ''} did not submit every part of the "
                     f"assignment ({what}): the missing parts count 0, and the note column of grades.csv says which")
    if beyond:
        who = "the students still see" if beyond > 1 else "the student still sees"
        lines.append(f"{beyond} graded student{'s' if beyond > 1 else ''} submitted parts beyond the assignment: they "
                     f"count nothing ({who} their feedback), and the note column of grades.csv says which")
    return "\n".join(lines)


def problems(outcome: BatchOutcome) -> list[str]:
    """One line per student who has no grade, or whose grade carries a note (a file that could not be read
    or imported, the untouched stub, checks that could not be graded: ``review``); of the students the
    run was limited to, where it was."""
    lines = [f"{r.student}: {r.status}: {r.problem}" for r in outcome.not_graded]
    parts = outcome.maxima() if outcome.named else None  # notes about the named parts only
    for record in outcome.concerned:
        notes = [*([record.problem] if record.problem else []), *review(record, parts)] \
            if record.status == GRADED else []
        if notes:
            lines.append(f"{record.student}: graded; note: {'; '.join(notes)}")
    lines += [f"{s}: the re-grade failed, the earlier grade was kept" for s in outcome.kept]
    return lines
