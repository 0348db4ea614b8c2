"""The class report's charts: matplotlib figures drawn as SVG text, ready to inline in a page.

matplotlib is imported inside the functions, so importing the grader never costs (or needs) it;
``available`` says whether it can be (the class report leaves its charts out where it cannot).
Figures are built without pyplot (no global figure state) on the Agg canvas and saved as SVG
with text kept as text (searchable, read by screen readers), a fixed hash salt and no date, so
the same class gives the same SVG. Each SVG is made fit to sit in an HTML page: the XML prolog,
doctype and metadata removed, its ids prefixed with the figure's id (several charts share one
page), and an accessible ``<title>``.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from grader.batch.classstats import Bin

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

BLUE, RED, MAGENTA, AMBER = "#0969da", "#cf222e", "#a21caf", "#bf8700"  # score, failed, not graded, misconception
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "class-report",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def available() -> bool:
    """Whether matplotlib can be imported here (it is optional: ``pip install 'lstm-grader[batch]'``)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def histogram_svg(bins: Sequence[Bin], *, id: str, title: str) -> str:
    """Students per band of total score (percent of the maximum)."""

    def draw(axes: Any) -> None:
        from matplotlib.ticker import MaxNLocator

        bars = axes.bar([b.low for b in bins], [b.count for b in bins], width=[b.high - b.low for b in bins],
                        align="edge", color=BLUE, edgecolor="white")
        axes.bar_label(bars, labels=[str(b.count) if b.count else "" for b in bins], padding=2)
        axes.set_xlim(0, 100)
        axes.set_xticks([b.low for b in bins] + [bins[-1].high] if bins else [0, 100])
        axes.set_xlabel("total score (% of the maximum)")
        axes.set_ylabel("students")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.margins(y=0.15)

    return _render(draw, (7.0, 3.2), id=id, title=title)


def rates_svg(labels: Sequence[str], failed: Sequence[float], errored: Sequence[float], *, id: str,
              title: str) -> str:
    """Horizontal bars, one per check (first at the top): the percent of runs failed, then not graded."""

    def draw(axes: Any) -> None:
        rows = range(len(labels))
        axes.barh(rows, failed, color=RED, label="failed")
        axes.barh(rows, errored, left=failed, color=MAGENTA, label="could not be graded")
        _row_labels(axes, labels)
        axes.set_xlim(0, 100)
        axes.set_xlabel("% of graded students the check ran for")
        axes.legend(loc="best", frameon=False)

    return _render(draw, (8.0, 1.0 + 0.32 * len(labels)), id=id, title=title)


def counts_svg(labels: Sequence[str], counts: Sequence[int], *, id: str, title: str, xlabel: str) -> str:
    """Horizontal bars of counts, one per label (first at the top)."""

    def draw(axes: Any) -> None:
        from matplotlib.ticker import MaxNLocator

        bars = axes.barh(range(len(labels)), counts, color=AMBER)
        axes.bar_label(bars, padding=2)
        _row_labels(axes, labels)
        axes.set_xlabel(xlabel)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.margins(x=0.1)

    return _render(draw, (7.0, 1.0 + 0.32 * len(labels)), id=id, title=title)


def _row_labels(axes: Any, labels: Sequence[str]) -> None:
    axes.set_yticks(range(len(labels)), labels=[_literal(label) for label in labels])
    axes.invert_yaxis()
    axes.tick_params(axis="y", length=0)


def _literal(text: str) -> str:
    """``text`` as matplotlib should print it: a ``$`` is a dollar, not the start of mathtext."""
    return text.replace("$", r"\$")


def _render(draw: Callable[[Any], None], size: tuple[float, float], *, id: str, title: str) -> str:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)  # an odd label
        figure = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure.add_subplot())
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return inline_svg(buffer.getvalue(), id=id, title=title)


def inline_svg(svg: str, *, id: str, title: str) -> str:
    """A standalone SVG document made fit to inline in HTML under ``id`` with an accessible ``title``."""
    if not re.fullmatch(r"[A-Za-z][\w-]*", id):
        raise ValueError(f"id must be a letter then letters, digits, '_' or '-', got {id!r} ({type(id).__name__})")
    svg = svg[svg.index("<svg"):]
    svg = svg.replace('<style type="text/css">*{', f'<style type="text/css">#{id} *{{', 1)  # this figure only
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\bid="([^"]*)"', rf'id="{id}-\1"', svg)
    svg = re.sub(r'href="#([^"]*)"', rf'href="#{id}-\1"', svg)
    svg = re.sub(r"url\(#([^)]*)\)", rf"url(#{id}-\1)", svg)
    opening = svg.index(">") + 1
    svg = svg[:opening] + f'\n<title id="{id}-title">{html.escape(title)}</title>' + svg[opening:]
    return svg.replace("<svg ", f'<svg id="{id}" class="plot" role="img" aria-labelledby="{id}-title" ', 1).strip()
