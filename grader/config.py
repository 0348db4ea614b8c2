"""One settings table: ``[tool.grader]`` in the course's pyproject.toml, plus CLI overrides.

Every default is written once, in ``Settings``. Precedence, lowest first: the defaults
below, ``[tool.grader]``, ``[tool.grader.profiles.<profile>]``, then explicit overrides
(command-line flags). ``grade config`` prints the resolved values and where each came from.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from grader.choices import Device, Profile, Sandbox, Visibility, names
from grader.errors import InputError, UsageError

CHOICES = {"device": names(Device), "sandbox": names(Sandbox)}  # the settings that take one of a few names
# a profile's own defaults, over Settings': where the grade of record is made, a submission's files are its own
PROFILE_DEFAULTS: dict[str, dict[str, Any]] = {Profile.CI.value: {"follow_links": False},
                                               Profile.EXAM.value: {"follow_links": False}}
# per track, the top-level modules a submission may import besides the standard library and its own files
ENVIRONMENT = {"numpy": ("numpy", "scipy"), "torch": ("numpy", "scipy", "torch")}


@dataclass(frozen=True)
class Settings:
    seed: int = 0  # seeds every property check (same seed, same grade, same report)
    call_timeout: float = 5.0  # seconds one call into the submission may take
    startup_timeout: float = 60.0  # seconds importing the submission may take
    submission_timeout: float = 120.0  # seconds all checks of one submission may take
    memory_mb: int = 1024  # memory limit of the sandboxed process
    output_kb: int = 64  # captured stdout/stderr kept per check
    examples_scale: float = 1.0  # multiplies every check's number of generated cases
    jobs: int = 0  # worker processes per submission (0: one per CPU, at most 2)
    device: str = Device.AUTO.value  # torch checks: auto (GPU checks too where CUDA is present), cpu, or cuda
    sandbox: str = Sandbox.AUTO.value  # isolation: auto (bwrap where bubblewrap works, else process), bwrap, process
    reply_spin: float = 0.002  # seconds the grader polls for a reply before sleeping (a batch: 0, cores are busy)
    run_hidden: bool = False  # run checks that are not visible (grading time); a learner's check does not
    # follow a symbolic link in the submission's folder to the file it names (off in the ci and exam profiles:
    # a link is refused, as `grade batch` always refuses it); a FIFO or device is never read
    follow_links: bool = True
    # what `grade batch` scores every student out of: code files, exercises, "quiz:<id>" (empty: what the class has)
    parts: tuple[str, ...] = ()
    # "exercise:check" -> visible | hidden | after_due_date | after_published ([tool.grader.visibility])
    visibility: dict[str, str] = field(default_factory=dict)
    # track -> the top-level modules its submission may import ([tool.grader.environment]; the same in every profile)
    environment: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(ENVIRONMENT))
    profile: str = Profile.LOCAL.value
    course: Path = field(default_factory=lambda: default_course())
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Apply explicit overrides (``None`` means "not given")."""
        given = {k: v for k, v in overrides.items() if v is not None}
        merged = _validated(given, "the command line")
        sources = {**self.sources, **dict.fromkeys(merged, "command line")}
        return dataclasses.replace(self, **merged, sources=sources)


_TABLES = ("profiles", "visibility", "environment", "edition")  # sub-tables of [tool.grader], each loaded on its own
_TUNABLE = {f.name: f for f in fields(Settings) if f.name not in ("course", "sources", "profile", *_TABLES)}


def default_course(start: Path | None = None) -> Path:
    """The course: the nearest folder, from ``start`` (a path being graded) or else the working folder upwards,
    whose pyproject.toml has a ``[tool.grader]`` table (the instructor's course, or a student edition); else the
    checkout this grader runs from, where it is one. Never site-packages: an installed grader holds no course.
    Where none is found, the working folder (and grading says that the course is missing)."""
    for base in ([start] if start is not None else []) + [Path.cwd()]:
        found = find_course(base)
        if found is not None:
            return found
    checkout = Path(__file__).resolve().parent.parent
    return checkout if _is_course(checkout) else Path.cwd().resolve()


def find_course(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that is a course (None: none is)."""
    here = start.resolve()
    for folder in (here, *here.parents) if here.is_dir() else here.parents:
        if _is_course(folder):
            return folder
    return None


def _is_course(folder: Path) -> bool:
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "[tool.grader" in text


def _validated(table: dict[str, Any], where: str) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in table.items():
        if key in _TABLES:
            continue
        if key not in _TUNABLE:
            known = ", ".join(sorted(_TUNABLE))
            raise InputError(f"{where}: unknown setting {key!r} (known settings: {known})")
        kind = _TUNABLE[key].type
        if kind == "str" and value not in CHOICES.get(key, ()):
            raise InputError(f"{where}: {key} must be one of {', '.join(CHOICES[key])}, not {value!r}")
        if kind == "bool" and type(value) is not bool:
            raise InputError(f"{where}: {key} must be true or false, not {value!r}")
        if kind == "int" and (type(value) is not int or value < 0):
            raise InputError(f"{where}: {key} must be a whole number >= 0, not {value!r}")
        if kind == "tuple[str, ...]":
            if not isinstance(value, (list, tuple)) or not all(type(v) is str and v for v in value):
                raise InputError(f"{where}: {key} must be a list of names, e.g. [\"lstm_numpy.py\", \"quiz:gates\"], "
                                 f"not {value!r}")
            value = tuple(value)
        if kind == "float":
            if type(value) not in (int, float) or value <= 0:
                raise InputError(f"{where}: {key} must be a positive number, not {value!r}")
            value = float(value)
        clean[key] = value
    return clean


def load_settings(course: Path | None = None, profile: str = Profile.LOCAL.value, *,
                  start: Path | None = None) -> Settings:
    """Resolve the settings of ``course`` (default: the one found from ``start`` or the working folder,
    ``default_course``) under ``profile``."""
    if profile not in names(Profile):
        raise UsageError(f"unknown profile {profile!r}; choose one of {', '.join(names(Profile))}")
    root = (course or default_course(start)).resolve()
    pyproject = root / "pyproject.toml"
    values: dict[str, Any] = dict(PROFILE_DEFAULTS.get(profile, {}))
    sources = dict.fromkeys(values, f"default of the {profile} profile")
    if pyproject.is_file():
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("grader", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InputError(f"{pyproject}: not valid TOML ({error})") from None
        top = _validated(table, f"{pyproject} [tool.grader]")
        values.update(top)
        sources.update(dict.fromkeys(top, "pyproject.toml [tool.grader]"))
        overlay = table.get("profiles", {}).get(profile, {})
        if isinstance(overlay, dict) and "environment" in overlay:
            raise InputError(f"{pyproject} [tool.grader.profiles.{profile}]: the grading environment is the same in "
                             "every profile: declare it once, in [tool.grader.environment]")
        profile_values = _validated(overlay, f"{pyproject} [tool.grader.profiles.{profile}]")
        values.update(profile_values)
        sources.update(dict.fromkeys(profile_values, f"pyproject.toml [tool.grader.profiles.{profile}]"))
        values["visibility"] = _visibility(table.get("visibility", {}), f"{pyproject} [tool.grader.visibility]")
        declared = _environment(table.get("environment", {}), f"{pyproject} [tool.grader.environment]")
        values["environment"] = {**ENVIRONMENT, **declared}
        sources.update({f"environment {track}": "pyproject.toml [tool.grader.environment]" for track in declared})
    return Settings(**values, profile=profile, course=root, sources=sources)


def _visibility(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise InputError(f"{where}: must be a table of \"exercise:check\" = visibility")
    for key, value in table.items():
        if key.count(":") != 1:
            raise InputError(f"{where}: {key!r} must name a check as \"exercise:check\", e.g. \"forget_gate:extremes\"")
        if value not in names(Visibility):
            raise InputError(f"{where}: {key} must be one of {', '.join(names(Visibility))}, not {value!r}")
    return dict(table)


def _environment(table: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise InputError(f"{where}: must be a table of track = [module names], e.g. numpy = [\"numpy\", \"scipy\"]")
    for track, modules in table.items():
        if track not in ENVIRONMENT:
            raise InputError(f"{where}: unknown track {track!r} (tracks: {', '.join(ENVIRONMENT)})")
        if not isinstance(modules, list) or not all(isinstance(m, str) and m.isidentifier() for m in modules):
            raise InputError(f"{where}: {track} must be a list of top-level module names, e.g. [\"numpy\", "
                             f"\"scipy\"], not {modules!r}")
    return {track: tuple(modules) for track, modules in table.items()}


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(name, value, source) rows for ``grade config``."""
    rows = [("course", str(settings.course), "default" if "course" not in settings.sources else "")]
    rows.append(("profile", settings.profile, "command line" if settings.profile != Profile.LOCAL else "default"))
    for name in _TUNABLE:
        rows.append((name, repr(getattr(settings, name)), settings.sources.get(name, "default")))
    for check, level in sorted(settings.visibility.items()):
        rows.append((f"visibility {check}", level, "pyproject.toml [tool.grader.visibility]"))
    for track, modules in settings.environment.items():
        name = f"environment {track}"
        rows.append((name, ", ".join(modules) or "(standard library only)", settings.sources.get(name, "default")))
    return rows
