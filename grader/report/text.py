"""The terminal report: a line per exercise, and for each failing check what, where and why.

Passing checks are summarized; a failing check shows its message, the smallest failing
input, expected against got at the worst element, the tolerance applied, a hint and a
command that reproduces it. ``check_lines`` is plain text (also used by Gradescope output).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from rich.console import Console
from rich.markup import escape

from grader.results import NOT_IMPLEMENTED, CheckResult, ExerciseResult, Report, Status

_MARKS = {
    Status.PASSED: ("✔", "green"),
    Status.FAILED: ("✘", "red"),
    Status.ERROR: ("!", "magenta"),
    Status.SKIPPED: ("-", "dim"),
}


def format_array(value: Any) -> str:
    """A nested list (from a counterexample) as a compact numpy-style array."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: ..." for k in value) + "}"
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        return str(value)
    return np.array2string(array, precision=4, separator=", ", max_line_width=88, threshold=48,
                           suppress_small=False, floatmode="maxprec")


def check_lines(check: CheckResult) -> list[str]:
    """Plain-text lines explaining one check's outcome (empty details for a pass)."""
    lines = []
    if check.status is Status.PASSED:
        return [f"passed ({check.cases} generated cases)" if check.cases else "passed"]
    if check.message:
        lines.append(check.message if check.message.endswith((".", ")", "?")) else check.message + ".")
    if check.diagnosis is not None:
        lines.append(f"diagnosis: {check.diagnosis.message}")
    example = check.counterexample
    if example is not None:
        sizes = ", ".join(f"{k}={v}" for k, v in example.sizes.items())
        lines.append(f"smallest failing input ({sizes}, {example.dtype}):")
        for name, value in example.inputs.items():
            if isinstance(value, dict):
                for key, item in value.items():
                    lines.append(_indent(f"{name}[{key!r}] = ", format_array(item)))
            else:
                lines.append(_indent(f"{name} = ", format_array(value)))
        if example.expected is not None and example.got is not None:
            for name in example.expected:
                lines.append(_indent(f"expected {name} = ", format_array(example.expected[name])))
                lines.append(_indent(f"     got {name} = ", format_array(example.got.get(name))))
    if check.tolerance is not None:
        lines.append(f"tolerance: {check.tolerance.describe()}")
    if check.output:
        lines.append("your code printed: " + check.output.strip().replace("\n", "\n  ")[:800])
    if check.hint and check.status is Status.FAILED:
        lines.append(f"hint: {check.hint}")
    if check.reproduce:
        lines.append(f"reproduce: {check.reproduce}")
    return lines


def _indent(label: str, text: str) -> str:
    pad = " " * (len(label) + 2)
    return "  " + label + text.replace("\n", "\n" + pad)


def _exercise_lines(exercise: ExerciseResult) -> list[str]:
    mark, color = _MARKS[exercise.status]
    score = f"{exercise.points:g}/{exercise.max_points:g}"
    head = f"[{color}]{mark}[/] [bold]{exercise.id:<14}[/] {score:>6}  {escape(exercise.title)}"
    if exercise.note:
        why = "could not be graded" if exercise.status is Status.ERROR else ""
        note = exercise.note if exercise.note.startswith("could not") or not why else f"{why}: {exercise.note}"
        return [head, f"      [{color}]{escape(note)}[/]"]
    lines = [head]
    passed = [c for c in exercise.checks if c.status is Status.PASSED]
    previous = ""
    for check in exercise.checks:
        if check.status is Status.PASSED:
            continue
        cmark, ccolor = _MARKS[check.status]
        score = f"({check.points:g}/{check.max_points:g})"
        if check.message == previous and check.status is not Status.SKIPPED:
            same = "not graded, same reason" if check.status is Status.ERROR else "the same message as above"
            lines.append(f"    [{ccolor}]{cmark}[/] {escape(check.title)} {score}: {same}")
            continue
        previous = check.message
        lines.append(f"    [{ccolor}]{cmark}[/] {escape(check.title)} {score}")
        lines += ["        " + escape(line).replace("\n", "\n        ") for line in check_lines(check)]
    if passed and len(passed) < len(exercise.checks):
        cases = sum(c.cases for c in passed)
        lines.append(f"    [green]✔[/] {len(passed)} other check{'s' if len(passed) > 1 else ''} passed"
                     + (f" ({cases} generated cases)" if cases else ""))
    return lines


def total_line(report: Report) -> str:
    counts = {s: sum(1 for e in report.exercises if e.status is s) for s in Status}
    total = len(report.exercises)
    parts = [f"{report.points:g}/{report.max_points:g} points"]
    later = sum(1 for c in report.checks() if c.status is Status.SKIPPED and c.visibility != "visible")
    skipped = sum(1 for c in report.checks() if c.status is Status.SKIPPED) - later
    if counts[Status.PASSED] == total and later:
        parts.append(f"all visible checks passed; {later} more run at grading time")
        later = 0
    elif counts[Status.PASSED] == total:
        every = "every check that ran" if skipped else "every check"
        parts.append(f"every exercise passes {every}" if total > 1 else f"the exercise passes {every}")
    else:
        stubs = sum(1 for e in report.exercises if e.note == NOT_IMPLEMENTED)
        wrong = counts[Status.FAILED] - stubs
        if wrong:
            parts.append(f"{wrong} exercise{'s' if wrong > 1 else ''} need{'s' if wrong == 1 else ''} work")
        if stubs:
            parts.append(f"{stubs} {NOT_IMPLEMENTED}")
        if counts[Status.ERROR]:
            parts.append(f"{counts[Status.ERROR]} could not be graded")
    if later:
        parts.append(f"{later} more check{'s' if later > 1 else ''} run at grading time")
    if skipped:
        parts.append(f"{skipped} check{'s' if skipped > 1 else ''} skipped, not counted")
    return "; ".join(parts) + course_clause(report)


def course_clause(report: Report) -> str:
    """Where the report's maximum is not the course's: the course's, once, and what is not counted here and why
    ('' where everything was)."""
    from grader.catalog import course_files, course_points

    points, files = course_points(), course_files()
    course = round(sum(points.values()), 6)
    if report.max_points >= course:
        return ""
    why: dict[str, list[float]] = {}
    for check in report.checks():
        if check.status is Status.SKIPPED:
            reason = "hidden until hand-in" if check.visibility != "visible" else _first_clause(check.message)
            why.setdefault(reason, []).append(points.get((check.exercise, check.id), 0.0))
    graded = {e.id for e in report.exercises}
    elsewhere: dict[str, float] = {}
    for (exercise, _), p in points.items():
        if exercise not in graded:
            elsewhere[files[exercise]] = elsewhere.get(files[exercise], 0.0) + p
    parts = [f"{_points(sum(p))} on {len(p)} check{'s' if len(p) > 1 else ''} {reason}"
             for reason, p in why.items() if sum(p)]
    parts += [f"{_points(p)} in {file} (not checked here)" for file, p in elsewhere.items()]
    return f". The course's maximum is {course:g} points; not counted here: {', '.join(parts)}" if parts else ""


def _points(points: float) -> str:
    return f"{points:g} point{'' if points == 1 else 's'}"


def _first_clause(message: str) -> str:
    """A skip's reason in a few words: "no CUDA device here", "torch is not installed here"."""
    text = message.removeprefix("skipped: ")
    for stop in ("; ", ": ", ", so ", " ("):
        text = text.split(stop)[0]
    return f"({text.rstrip('.')})"


def to_text(report: Report, *, color: bool = False, width: int = 100) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                      soft_wrap=True, force_jupyter=False)  # in a Jupyter kernel too: text into the buffer
    cases = sum(c.cases for c in report.checks())
    console.print(f"[bold]grade check[/] {escape(report.submission)}  (seed {report.seed}, {cases} generated cases)")
    console.print()
    previous: ExerciseResult | None = None
    for exercise in report.exercises:
        if previous is not None and exercise.note and exercise.note == previous.note != NOT_IMPLEMENTED:
            console.print(_exercise_lines(exercise)[0])  # one cause, said once: with the first exercise it ended
            console.print(f"      [dim]the same cause as {escape(previous.id)}[/]")
            continue
        previous = exercise
        for line in _exercise_lines(exercise):
            console.print(line)
    console.print()
    console.print(f"[bold]Total:[/] {escape(total_line(report))}.")
    for note in report.notes:
        console.print(f"[dim]{escape(note)}[/]")
    return buffer.getvalue()
