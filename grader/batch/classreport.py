"""The instructors' class report: one self-contained HTML page showing how a class did.

The numbers come from ``grader.batch.classstats``, the charts from ``grader.batch.plots`` (SVG,
inlined), the markup from ``templates/class_report.html.j2``, rendered with autoescaping: student
ids, problems and check messages are untrusted text and show as text. The page fetches nothing
and needs no script, so it can be mailed or opened offline. The charts need matplotlib (the
``batch`` extra); without it the page has everything else, and says how to get them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2

import grader.batch.classstats as classstats
import grader.batch.plots as plots
from grader.batch.records import StudentRecord
from grader.errors import UsageError

TOP_CHECKS = 15  # bars in the failure-rate chart (the table lists every check)
TOP_MISCONCEPTIONS = 10  # bars in the misconceptions chart
SLOWEST = 10
CHARTS = ("histogram_svg", "rates_svg", "misconceptions_svg")  # each '' without matplotlib


def class_report(records: Sequence[StudentRecord], *, title: str, named: Mapping[str, float] | None = None) -> str:
    """The class report for ``records`` (one per student), headed ``title``: one HTML5 document. ``named``:
    the parts of the assignment an instructor named, with their points (None: what the class submitted)."""
    if not isinstance(title, str):
        raise UsageError(f"title must be a string, got {title!r} ({type(title).__name__})")
    records = list(records)
    overview = classstats.overview(records, named)
    scores = classstats.percents(records, named)
    maxima = classstats.part_maxima(records, named)
    rates = classstats.check_rates(records)
    failing = [r for r in rates if r.rate > 0][:TOP_CHECKS]
    found = classstats.misconceptions(records)
    common = found[:TOP_MISCONCEPTIONS]
    charts = plots.available()
    return _template().render(
        title=title,
        overview=overview,
        charts=charts,
        scores=len(scores),
        **(_charts(scores, failing, common) if charts else dict.fromkeys(CHARTS, "")),
        exercise_means=classstats.exercise_means(records),
        quiz_means=classstats.quiz_means(records),
        rates=rates,
        top_checks=len(failing),
        misconceptions=found,
        top_misconceptions=len(common),
        slowest=classstats.slowest(records, SLOWEST),
        named=named is not None,
        total=functools.partial(classstats.total, maxima=maxima),
        maximum=functools.partial(classstats.maximum, maxima=maxima),
        ungradable=classstats.ungradable(records),
        errored=classstats.errored_checks(records),
    )


def _charts(scores: Sequence[float], failing: Sequence[classstats.CheckRate],
            common: Sequence[classstats.MisconceptionCount]) -> dict[str, str]:
    """The page's charts (``CHARTS``) as inline SVG, each '' where it would have nothing to show."""
    return {
        "histogram_svg": plots.histogram_svg(
            classstats.histogram(scores), id="fig-scores",
            title=f"Histogram of {len(scores)} graded students' total scores, in percent") if scores else "",
        "rates_svg": plots.rates_svg(
            [f"{r.exercise}:{r.check}" for r in failing], [100 * r.failed / r.ran for r in failing],
            [100 * r.errored / r.ran for r in failing], id="fig-checks",
            title=f"Failure rates of the {len(failing)} checks that failed most") if failing else "",
        "misconceptions_svg": plots.counts_svg(
            [m.id for m in common], [m.students for m in common], id="fig-misconceptions",
            title=f"Students per misconception, the {len(common)} most common", xlabel="students") if common else "",
    }


def write_class_report(records: Sequence[StudentRecord], path: Path, *, title: str,
                       named: Mapping[str, float] | None = None) -> None:
    """Write the class report for ``records`` to ``path`` (UTF-8)."""
    path.write_text(class_report(records, title=title, named=named), encoding="utf-8")


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.batch", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(num=_num, pct=_pct, seconds=_seconds, count=_count)
    return env.get_template("class_report.html.j2")


def _num(value: float) -> str:
    return f"{round(classstats.finite(value), 2):g}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _count(number: int, noun: str) -> str:
    """'1 check', '15 checks'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _seconds(value: float) -> str:
    return f"{classstats.finite(value):.1f} s"
