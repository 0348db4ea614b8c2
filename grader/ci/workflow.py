"""The GitHub Classroom workflow of a student edition: ``.github/workflows/classroom.yml``.

Laid out as the workflows Classroom generates (name "Autograding Tests", ``push`` and
``repository_dispatch``, one job ``run-autograding-tests`` that skips ``github-classroom[bot]``,
then the grading reporter), with ``actions/setup-python`` for Python 3.11 (both actions at their
first node24 majors: GitHub retires the node20 of Classroom's checkout@v4 and setup-python@v5), the grader at the
release's exact version (``lstm-grader==VERSION``, or the wheel ``grade release`` put in the
edition, or any pip requirement), torch from the CPU index for the torch track, and one step per
track whose id is the track's name (alphanumeric, as the reporter's ``runners`` must be). Each step
runs ``grade ci FILE --min-score 0``: like Classroom's grader actions, it records the result and
does not fail, and the reporter fails the job when a test failed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import TORCH_PIN, TRACKS
from grader.errors import UsageError

TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# Classroom's generated workflows use checkout@v4 and setup-python@v5, whose node20 runtime GitHub retires
# (September 2026; actionlint flags it): these are the first majors on node24.
CHECKOUT, SETUP_PYTHON = "actions/checkout@v5", "actions/setup-python@v6"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
WORKFLOW = Path(".github/workflows/classroom.yml")
EXERCISES = "exercises"  # where the edition keeps the learner's files
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+!_-]*")


@dataclass(frozen=True)
class Step:
    id: str  # the track: the reporter reads <ID>_RESULTS
    name: str
    file: str  # the learner's file, relative to the repository


def classroom_workflow(version: str, tracks: Sequence[str] = tuple(TRACKS), *, install: str | None = None,
                       folder: str = EXERCISES) -> str:
    """The workflow's text: the grader ``version``, one grading step per track in ``tracks`` (its file in
    ``folder``), the grader installed by ``pip install INSTALL`` (default: ``lstm-grader==VERSION``; or a wheel's
    path in the repository, e.g. ``./wheels/lstm_grader-VERSION-py3-none-any.whl``, or a git URL)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    if not _VERSION.fullmatch(version):
        raise UsageError(f"{version!r} is not a version of the grader (e.g. 0.1.0)")
    install = install or f"lstm-grader=={version}"
    if not install.strip() or "\n" in install or "\r" in install:
        raise UsageError(f"{install!r} is no pip requirement: give one line, e.g. lstm-grader=={version}")
    if install.endswith(".whl") and f"-{version}-" not in Path(install).name:
        raise UsageError(f"{install} is not the wheel of grader {version}: the workflow installs the release's version")
    unknown = [t for t in tracks if t not in TRACKS]
    if unknown or not tracks or len(set(tracks)) != len(tracks):
        raise UsageError(f"the workflow grades tracks among {', '.join(TRACKS)}, each once; not "
                         f"{', '.join(tracks) or 'no track'}")
    steps = [Step(track, f"Grade {TRACKS[track].file}", f"{folder}/{TRACKS[track].file}") for track in tracks]
    environment = Environment(loader=PackageLoader("grader.ci"), keep_trailing_newline=True, autoescape=False,
                              undefined=StrictUndefined)
    return environment.get_template("classroom.yml.j2").render(
        version=version, install=shlex.quote(install), steps=steps, torch="torch" in tracks, torch_pin=TORCH_PIN,
        torch_index=TORCH_INDEX, checkout=CHECKOUT, setup_python=SETUP_PYTHON, reporter=REPORTER)


def write_workflow(edition_dir: Path, *, version: str, install: str, tracks: Sequence[str] | None = None) -> Path:
    """Write the workflow into ``edition_dir`` and return its path. ``tracks`` defaults to those whose file the
    edition has (in ``exercises/``), or every track where it has none."""
    if tracks is None:
        present = [t for t, info in TRACKS.items() if (edition_dir / EXERCISES / info.file).is_file()]
        tracks = present or list(TRACKS)
    path = edition_dir / WORKFLOW
    text = classroom_workflow(version, tracks, install=install)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write the Classroom workflow ({error.strerror})") from None
    return path
