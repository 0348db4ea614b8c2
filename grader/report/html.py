"""The HTML report: one self-contained feedback page (inline CSS and SVG; nothing is fetched).

The page carries what the terminal report does (``grader.report.text``) and a drawing of the
lesson's LSTM cell with each gate coloured by its exercise's status. The markup lives in
``templates/feedback.html.j2``, rendered with autoescaping, so whatever a submission printed or
a message quotes shows as text. A check that is not ``visible`` is redacted here, before the
template sees it: the page shows its title, its status and its hint, nothing else.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import jinja2

from grader.report.text import format_array, total_line
from grader.results import NOT_IMPLEMENTED, CheckResult, Counterexample, ExerciseResult, Report, Status

GATES = ("learn_gate", "forget_gate", "remember_gate", "use_gate")  # as the drawing places them
BUILT_ON_GATES = ("lstm_cell", "lstm_forward")  # always badged next to the cell
OTHER_BADGES = ("lstm_cell_backward", "LSTMCell", "LSTM", "StandardLSTMCell")  # badged when present


@dataclass(frozen=True)
class Look:
    """How a status is drawn: a mark, a word that says it without colour, and a colour."""

    key: str
    mark: str
    word: str
    colour: str


LOOKS = {
    "passed": Look("passed", "✔", "passed", "#1a7f37"),
    "failed": Look("failed", "✘", "failed", "#cf222e"),
    "error": Look("error", "!", "not graded", "#a21caf"),
    "stub": Look("stub", "✘", "not implemented", "#6e7781"),
    "skipped": Look("skipped", "-", "skipped", "#6e7781"),
    "absent": Look("absent", "-", "absent", "#6e7781"),
}
LEGEND = (("passed", "passed"), ("failed", "failed"), ("error", "could not be graded"),
          ("stub", "not implemented or absent"))


@dataclass(frozen=True)
class Part:
    """A gate or an exercise badge in the drawing."""

    exercise: str
    look: Look
    points: str  # "4/10", "" when absent


@dataclass(frozen=True)
class CheckView:
    check: CheckResult  # redacted (title, status, hint only) when not visible
    look: Look
    visible: bool
    same_as_above: str = ""  # "the same message as above" for a repeated message


@dataclass(frozen=True)
class ExerciseView:
    exercise: ExerciseResult
    look: Look
    shown: tuple[CheckView, ...]  # failing and ungradable visible checks, and every non-visible check
    skipped: tuple[CheckView, ...]
    passed: str  # "6 other checks passed (120 generated cases)"


def to_html(report: Report, *, command: bool = True) -> str:
    """The feedback page for ``report``: one HTML5 document, viewable offline. Its heading names the
    ``grade check`` command that graded it, or with ``command`` False (a batch's student, who ran
    none) just the submission."""
    gates = _gates(report)
    return _template().render(
        report=report,
        command=command,
        summary=total_line(report),
        cases=sum(c.cases for c in report.checks()),
        exercises=[_exercise_view(e) for e in report.exercises],
        gates=gates,
        badges=_badges(report) if gates else [],
        legend=[(LOOKS[key], words) for key, words in LEGEND],
    )


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(num=_num, sentence=_sentence)
    env.globals.update(array=format_array, inputs=_inputs)
    return env.get_template("feedback.html.j2")


def _num(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}g}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", ")", "?")) else text + "."


def _look(exercise: ExerciseResult) -> Look:
    if exercise.note == NOT_IMPLEMENTED:
        return LOOKS["stub"]
    return LOOKS[exercise.status.value]


def _check_look(check: CheckResult) -> Look:
    return LOOKS[check.status.value]


def _redacted(check: CheckResult) -> CheckResult:
    """What a learner may see of a check that is not visible: its title, status and hint."""
    return dataclasses.replace(check, message="", tolerance=None, counterexample=None, diagnosis=None, output="",
                               reproduce="", cases=0)


def _exercise_view(exercise: ExerciseResult) -> ExerciseView:
    if exercise.note:  # not implemented, or could not be imported: the note says it all
        return ExerciseView(exercise, _look(exercise), (), (), "")
    shown: list[CheckView] = []
    skipped: list[CheckView] = []
    previous = ""
    for check in exercise.checks:
        visible = check.visibility == "visible"
        view = CheckView(check if visible else _redacted(check), _check_look(check), visible)
        if check.status is Status.SKIPPED:
            skipped.append(view)
        elif not visible:
            shown.append(view)
        elif check.status is not Status.PASSED:
            if check.message and check.message == previous:
                same = "not graded, same reason" if check.status is Status.ERROR else "the same message as above"
                view = dataclasses.replace(view, same_as_above=same)
            previous = check.message
            shown.append(view)
    passed = [c for c in exercise.checks if c.status is Status.PASSED and c.visibility == "visible"]
    line = _passed_line(passed, bool(shown or skipped))
    return ExerciseView(exercise, _look(exercise), tuple(shown), tuple(skipped), line)


def _passed_line(passed: list[CheckResult], others: bool) -> str:
    if not passed:
        return ""
    cases = sum(c.cases for c in passed)
    line = f"{len(passed)}{' other' if others else ''} check{'s' if len(passed) > 1 else ''} passed"
    return line + (f" ({cases} generated cases)" if cases else "")


def _inputs(example: Counterexample) -> list[tuple[str, str]]:
    """The counterexample's inputs as (name, array text), a dict of arrays (params, state) one per key."""
    rows: list[tuple[str, str]] = []
    for name, value in example.inputs.items():
        if isinstance(value, dict):
            rows += [(f"{name}[{key!r}]", format_array(item)) for key, item in value.items()]
        else:
            rows.append((name, format_array(value)))
    return rows


def _gates(report: Report) -> dict[str, Part]:
    """The four gates as drawn; empty (no drawing) when no gate is in the report (e.g. torch only)."""
    found = {e.id: e for e in report.exercises}
    if not any(gate in found for gate in GATES):
        return {}
    return {gate: _part(gate, found.get(gate)) for gate in GATES}


def _badges(report: Report) -> list[Part]:
    """The exercises built on the gates, drawn as badges under the cell."""
    found = {e.id: e for e in report.exercises}
    return [_part(name, found.get(name)) for name in (*BUILT_ON_GATES, *(n for n in OTHER_BADGES if n in found))]


def _part(name: str, exercise: ExerciseResult | None) -> Part:
    if exercise is None:
        return Part(name, LOOKS["absent"], "")
    return Part(name, _look(exercise), f"{exercise.points:g}/{exercise.max_points:g}")
