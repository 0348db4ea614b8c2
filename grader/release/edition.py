"""Write the student edition of a course: everything students get, nothing of the answers.

In it: the stubs (``exercises/``), the quizzes' student copy (hashed keys), the case bank
(``bank.npz``: the published cases, the reference's outputs and each misconception's), the course
settings (``pyproject.toml``'s ``[tool.grader]`` and an ``edition`` table naming the course and the
grader version), a student README, and the grader as a wheel (``wheels/``). Never ``solutions/``,
the misconception library, quiz keys or the course secret: a test holds it to that.
"""

from __future__ import annotations

import secrets
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import __version__
from grader.bank.edition import BANK
from grader.catalog import TORCH_PIN, TRACKS
from grader.ci.wheel import build_wheel
from grader.ci.workflow import write_workflow
from grader.errors import InputError, UsageError

EXERCISES = "exercises"
QUIZZES = "quizzes"
WHEELS = "wheels"


@dataclass(frozen=True)
class Edition:
    folder: Path
    files: tuple[Path, ...]  # every file written, relative to ``folder``
    bank_bytes: int
    total_bytes: int
    cases: int
    answers: int
    notes: tuple[str, ...]  # what the instructor should know (a secret made, ...)


def release(course: Path, folder: Path, *, wheel: bool = True, notebooks: bool = False) -> Edition:
    """Write the student edition of ``course`` to ``folder`` (new, or empty): with ``notebooks``, the exercises as
    Jupyter notebooks too; always the GitHub Classroom workflow that runs `grade ci` on every push."""
    from grader.bank.build import build_bank
    from grader.quiz.commands import student_copy

    course = course.resolve()
    if not (course / "solutions").is_dir():
        raise UsageError(f"{course}: not an instructor's course (it has no solutions/); `grade release` makes the "
                         "student edition from the instructor's course")
    if folder.resolve() == course or course in folder.resolve().parents:
        raise UsageError(f"{folder}: write the edition outside the course folder")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: already exists and is not empty; give a new folder, so nothing is overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    notes = []
    for info in TRACKS.values():
        _copy(course / EXERCISES / info.file, folder / EXERCISES / info.file)
    if (course / QUIZZES).is_dir():
        notes += _ensure_secret(course)
        student_copy(folder=course / QUIZZES, directory=folder / QUIZZES, course=course)
    recorded = build_bank(course, folder / BANK)
    (folder / "pyproject.toml").write_text(settings_text(course), encoding="utf-8")
    if notebooks:
        from grader.notebook import write_notebooks

        write_notebooks(course, folder / EXERCISES)
    wheel_name = build_wheel(folder / WHEELS).name if wheel else None
    install = f"./{WHEELS}/{wheel_name}" if wheel_name else f"lstm-grader=={__version__}"
    write_workflow(folder, version=__version__, install=install)
    (folder / "README.md").write_text(readme_text(course, install=install, workflow=True), encoding="utf-8")
    files = tuple(sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file()))
    return Edition(folder, files, recorded.path.stat().st_size, sum((folder / f).stat().st_size for f in files),
                   recorded.cases, recorded.answers, tuple(notes))


def _copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise InputError(f"{source}: the course's stub is missing")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _ensure_secret(course: Path) -> list[str]:
    """The quizzes' student copy hashes its keys with the course secret: make one where there is none."""
    from grader.quiz.keys import SECRET_ENV, SECRET_FILE, course_secret

    try:
        course_secret(course=course)
        return []
    except UsageError:
        if (course / SECRET_FILE).exists():
            raise  # one that is there but too short: the instructor's to fix
    (course / SECRET_FILE).write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
    (course / SECRET_FILE).chmod(0o600)
    return [f"made a course secret in {course / SECRET_FILE} (or set {SECRET_ENV}): keep it, and keep it out of "
            "version control; the quizzes' hashed keys depend on it"]


def settings_text(course: Path) -> str:
    """The edition's pyproject.toml: the course's [tool.grader] settings, and which course and grader made it."""
    from grader.bank.store import course_name

    try:
        table = tomllib.loads((course / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{course / 'pyproject.toml'}: cannot read the course's settings ({error})") from None
    grader: dict[str, Any] = dict(table.get("tool", {}).get("grader", {}))
    grader.pop("edition", None)
    lines = ["# The course's grading settings (`grade config` shows them). Made by `grade release`.", ""]
    lines += _toml_table("tool.grader", {k: v for k, v in grader.items() if not isinstance(v, dict)})
    for name, sub in grader.items():
        if isinstance(sub, dict) and name != "profiles":
            lines += ["", *_toml_table(f"tool.grader.{name}", sub)]
    for profile, values in grader.get("profiles", {}).items():
        lines += ["", *_toml_table(f"tool.grader.profiles.{profile}", values)]
    lines += ["", *_toml_table("tool.grader.edition", {"course": course_name(course), "grader": __version__})]
    return "\n".join(lines) + "\n"


def _toml_table(name: str, values: dict[str, Any]) -> list[str]:
    return [f"[{name}]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items())]


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else '"' + key.replace('"', '\\"') + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise InputError(f"the course's settings hold a value the edition cannot write: {value!r}")


def readme_text(course: Path, *, install: str, workflow: bool) -> str:
    from jinja2 import Environment, PackageLoader

    from grader.bank.store import course_name

    template = Environment(loader=PackageLoader("grader.release"), keep_trailing_newline=True,
                           autoescape=False).get_template("README.md.j2")
    return template.render(course=course_name(course), wheel=install, torch_pin=TORCH_PIN, version=__version__,
                           workflow=workflow)
