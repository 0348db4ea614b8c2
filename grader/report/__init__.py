"""Report renderers: one result model, several formats.

``render(report, fmt)`` returns the text of ``text`` (rich, for a terminal), ``json`` (the full
result model, versioned), ``gradescope`` (Gradescope's results.json) or ``html`` (one
self-contained feedback page).
"""

from __future__ import annotations

from grader.choices import Format
from grader.results import Report


def render(report: Report, fmt: str, *, color: bool = False, width: int = 100) -> str:
    if fmt == Format.JSON:
        from grader.report.json_report import to_json

        return to_json(report)
    if fmt == Format.GRADESCOPE:
        from grader.report.gradescope import to_gradescope

        return to_gradescope(report)
    if fmt == Format.HTML:
        from grader.report.html import to_html

        return to_html(report)
    from grader.report.text import to_text

    return to_text(report, color=color, width=width)
