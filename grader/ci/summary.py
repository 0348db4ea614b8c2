"""The job summary: Markdown appended to ``$GITHUB_STEP_SUMMARY``.

A table of the exercises (points, status), then each failing check's feedback as the text report
gives it, in a fenced block (a fence longer than any run of backticks in it, so nothing the
submission printed can end it). Names outside the blocks are escaped for Markdown. An exercise
that is not implemented yet, or whose file does not import, says so once rather than per check.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.ci.feedback import clip, feedback, is_problem
from grader.errors import GraderError
from grader.report.text import total_line
from grader.results import NOT_IMPLEMENTED, ExerciseResult, Report, Status

BLOCK_BYTES = 16 * 1024  # one check's feedback, at most (GitHub takes 1 MiB of summary per step)
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_LOOK = {Status.PASSED: "✅ passed", Status.FAILED: "❌ failed", Status.ERROR: "⚠️ could not be graded",
         Status.SKIPPED: "➖ skipped"}


def escape(text: str) -> str:
    """``text`` shown as it is in Markdown (inline: its punctuation escaped, on one line)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def fence(text: str, language: str = "text") -> str:
    """``text`` in a fenced code block that nothing in it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{language}\n{text}\n{marks}"


def summary(report: Report, *, title: str) -> str:
    """The Markdown summary of ``report`` (``title``: what was graded, e.g. the learner's file)."""
    lines = [f"## {escape(title)}", "", f"**{escape(total_line(report))}**", "",
             "| Exercise | Points | Status |", "| --- | ---: | --- |"]
    for exercise in report.exercises:
        lines.append(f"| {escape(exercise.id)} | {exercise.points:g}/{exercise.max_points:g} | {_status(exercise)} |")
    lines.append(f"| **Total** | **{report.points:g}/{report.max_points:g}** | |")
    for exercise in report.exercises:
        lines += _details(exercise)
    if report.notes:
        lines += ["", *(f"<sub>{escape(note)}</sub>" for note in report.notes)]
    return "\n".join(lines) + "\n"


def _status(exercise: ExerciseResult) -> str:
    look = _LOOK[exercise.status]
    return f"{look}: {escape(exercise.note)}" if exercise.note else look


def _details(exercise: ExerciseResult) -> list[str]:
    problems = [c for c in exercise.checks if is_problem(c)]
    if not problems:
        return []
    if exercise.note and all(c.message == problems[0].message for c in problems):
        why = "until it is implemented" if exercise.note == NOT_IMPLEMENTED else "until this is fixed"
        return ["", f"### {_LOOK[exercise.status][0]} {escape(exercise.id)}", "", fence(exercise.note), "",
                f"Its {len(problems)} checks score 0 {why}."]
    lines: list[str] = []
    previous = ""
    for check in problems:
        head = f"{_LOOK[check.status][0]} {escape(check.exercise)}: {escape(check.title)} " \
               f"({check.points:g}/{check.max_points:g})"
        if check.message == previous:  # as the text report says it
            same = "not graded, same reason" if check.status is Status.ERROR else "the same message as above"
            lines += ["", f"- {head}: {same}"]
            continue
        previous = check.message
        lines += ["", f"### {head}", "", fence(clip(feedback(check), BLOCK_BYTES))]
    return lines


def append_summary(path: Path, text: str) -> None:
    """Append ``text`` to ``$GITHUB_STEP_SUMMARY`` (``path``)."""
    try:
        with path.open("a", encoding="utf-8") as output:
            output.write(text)
    except OSError as error:
        raise GraderError(f"{path} ($GITHUB_STEP_SUMMARY): cannot write the job summary ({error.strerror})") from None
