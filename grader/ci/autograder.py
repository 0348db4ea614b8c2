"""Gradescope's autograder zip: ``setup.sh``, ``run_autograder``, the grader's wheel and the course.

The zip is the instructor's: it holds the course as grading needs it (``pyproject.toml`` with its
``[tool.grader]`` settings, ``solutions/``, the misconception library, the stubs), never the quiz
keys or the course secret. Gradescope unpacks it into ``/autograder/source`` and runs ``setup.sh``
once (a Python >= 3.11 venv with torch from the CPU index and the grader's wheel); then, for each
submission, ``run_autograder`` grades ``/autograder/submission`` with ``grade --course ... ci
--gradescope /autograder/results/results.json`` and exits 0 whatever the score (Gradescope reads
results.json; each check's visibility comes from ``[tool.grader.visibility]``). ``AUTOGRADER_ROOT``
moves ``/autograder`` elsewhere, for a trial run.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path

from grader import __version__
from grader.catalog import TORCH_PIN, TRACKS
from grader.ci.wheel import build_wheel
from grader.ci.workflow import EXERCISES, TORCH_INDEX
from grader.errors import UsageError

ROOT_VARIABLE = "AUTOGRADER_ROOT"
COURSE = "course"  # the course's folder in the zip
COURSE_PARTS = ("pyproject.toml", "solutions", "misconceptions", EXERCISES)  # what grading reads of a course
_SKIP = ("__pycache__", ".pyc", ".pyo")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # every entry's time: the same course gives the same zip


def build_autograder_zip(course: Path, out: Path, *, wheel: Path | None = None) -> Path:
    """Write the autograder zip of ``course`` (the instructor's, with ``solutions/``) to ``out`` and return it.
    ``wheel``: the grader's wheel, if one is built already (default: built now from the grader's checkout)."""
    course = course.resolve()
    if not (course / "solutions").is_dir() or not (course / "pyproject.toml").is_file():
        raise UsageError(f"{course}: not an instructor's course (it needs solutions/ and pyproject.toml); the "
                         "autograder grades with the course's solutions")
    if wheel is not None and not wheel.is_file():
        raise UsageError(f"{wheel}: no such wheel")
    with tempfile.TemporaryDirectory() as scratch:
        wheel = wheel or build_wheel(Path(scratch))
        scripts = _scripts(wheel.name)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, text in scripts.items():
                    _add(archive, name, text.encode("utf-8"), executable=True)
                _add(archive, f"wheels/{wheel.name}", wheel.read_bytes())
                for path in _course_files(course):
                    _add(archive, f"{COURSE}/{path.relative_to(course).as_posix()}", path.read_bytes())
        except OSError as error:
            raise UsageError(f"{out}: cannot write the autograder zip ({error.strerror})") from None
    return out


def _scripts(wheel: str) -> dict[str, str]:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(loader=PackageLoader("grader.ci"), keep_trailing_newline=True, autoescape=False,
                              undefined=StrictUndefined)
    values = {"version": __version__, "torch_pin": TORCH_PIN, "torch_index": TORCH_INDEX, "wheel": wheel,
              "root_variable": ROOT_VARIABLE, "course": COURSE, "exercises": EXERCISES,
              "files": [info.file for info in TRACKS.values()]}
    return {name: environment.get_template(f"{name}.j2").render(**values) for name in ("setup.sh", "run_autograder")}


def _course_files(course: Path) -> list[Path]:
    """The course's files grading reads, sorted; no caches, and no symbolic link (its target is not the course's)."""
    found = []
    for part in COURSE_PARTS:
        top = course / part
        if top.is_symlink() or not top.exists():
            continue
        if top.is_file():
            found.append(top)
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP and not (Path(folder) / d).is_symlink())
            found += [Path(folder) / f for f in files
                      if not f.endswith(_SKIP) and (Path(folder) / f).is_file() and not (Path(folder) / f).is_symlink()]
    return sorted(found)


def _add(archive: zipfile.ZipFile, name: str, data: bytes, *, executable: bool = False) -> None:
    entry = zipfile.ZipInfo(name, date_time=_EPOCH)
    entry.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    entry.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(entry, data)
