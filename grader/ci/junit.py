"""JUnit XML: one ``testsuite`` per exercise, one ``testcase`` per check.

A failed check has a ``failure`` element, one that could not be graded an ``error`` element, one
that did not apply here a ``skipped`` element; each holds the message (its first line in the
``message`` attribute, the whole feedback as text). Each suite's ``properties`` give its points
and maximum, each case's ``classname`` is the exercise and its ``file`` and ``line`` the learner's
``def``. The report holds no timings, so ``time`` is 0. Characters XML cannot hold (control characters a
submission printed) become U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.ci.feedback import feedback
from grader.ci.locations import Locator
from grader.errors import UsageError
from grader.results import Report, Status

_ELEMENT = {Status.FAILED: "failure", Status.ERROR: "error", Status.SKIPPED: "skipped"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # what XML 1.0 cannot hold


def to_junit(report: Report, locator: Locator) -> str:
    checks = report.checks()
    root = ET.Element("testsuites", name="grade ci", tests=str(len(checks)), time="0",
                      failures=str(sum(c.status is Status.FAILED for c in checks)),
                      errors=str(sum(c.status is Status.ERROR for c in checks)),
                      skipped=str(sum(c.status is Status.SKIPPED for c in checks)))
    for exercise in report.exercises:
        suite = ET.SubElement(root, "testsuite", name=exercise.id, tests=str(len(exercise.checks)), time="0",
                              failures=str(sum(c.status is Status.FAILED for c in exercise.checks)),
                              errors=str(sum(c.status is Status.ERROR for c in exercise.checks)),
                              skipped=str(sum(c.status is Status.SKIPPED for c in exercise.checks)))
        properties = ET.SubElement(suite, "properties")
        for name, value in (("points", f"{exercise.points:g}"), ("max_points", f"{exercise.max_points:g}"),
                            ("title", exercise.title), ("note", exercise.note)):
            ET.SubElement(properties, "property", name=name, value=_xml(value))
        place = locator.place(exercise.file, exercise.id)
        for check in exercise.checks:
            case = ET.SubElement(suite, "testcase", name=_xml(check.title), classname=exercise.id, time="0",
                                 file=place.file, line=str(place.line))
            if check.status in _ELEMENT:
                text = _xml(feedback(check) if check.status is not Status.SKIPPED else check.message)
                outcome = ET.SubElement(case, _ELEMENT[check.status], message=_first_line(text))
                outcome.text = text
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, report: Report, locator: Locator) -> None:
    try:
        path.write_text(to_junit(report, locator), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write the JUnit XML ({error.strerror})") from None


def _xml(text: str) -> str:
    """``text`` with the characters XML cannot hold (control characters a submission printed) as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]
