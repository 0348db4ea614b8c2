"""Every default and every choice is written once: the core owns it, the CLI, the sandbox, the
reports' notes and the packaging read it from there."""

from __future__ import annotations

import dataclasses
import inspect
import tomllib
from pathlib import Path

import click
import pytest
from conftest import ROOT

import grader
from grader.catalog import TORCH_PIN, TRACKS, load_track
from grader.checks import tolerance
from grader.choices import Device, Format, Profile, Sandbox, Visibility, names
from grader.cli import main
from grader.config import CHOICES, Settings, load_settings
from grader.errors import InputError, UsageError
from grader.pipeline import workers
from grader.sandbox import Limits
from grader.sandbox.isolation import resolve

FROM_SETTINGS = {"call_timeout": "call_timeout", "startup_timeout": "startup_timeout",
                 "submission_timeout": "submission_timeout", "memory_mb": "memory_mb", "output_kb": "output_kb",
                 "spin": "reply_spin"}  # Limits field -> the setting it comes from


# ---------------------------------------------------------------------------- limits
def test_limits_carry_the_settings_they_are_built_from() -> None:
    settings = Settings(call_timeout=0.5, startup_timeout=7.0, submission_timeout=33.0, memory_mb=512, output_kb=3,
                        reply_spin=0.0)
    limits = Limits.from_settings(settings)
    assert {field: getattr(limits, field) for field in FROM_SETTINGS} == {
        field: getattr(settings, name) for field, name in FROM_SETTINGS.items()}


def test_limits_write_none_of_the_settings_defaults() -> None:
    given = {f.name for f in dataclasses.fields(Limits) if f.default is not dataclasses.MISSING}
    assert not given & set(FROM_SETTINGS), "a limit the settings give has a default of its own"
    default = Limits.from_settings(Settings())
    assert all(getattr(default, field) == getattr(Settings(), name) for field, name in FROM_SETTINGS.items())


@pytest.mark.parametrize("track", sorted(TRACKS))
def test_a_tracks_limits_are_the_settings_and_its_memory_kind(track: str) -> None:
    limits = workers.limits_for(Settings(call_timeout=2.5), track)
    assert limits.call_timeout == 2.5 and limits.memory_kind == TRACKS[track].memory_kind


# ---------------------------------------------------------------------------- choices
def _choices(command: click.Command, option: str) -> tuple[str, ...]:
    (param,) = [p for p in command.params if p.name == option]
    assert isinstance(param.type, click.Choice)
    return tuple(param.type.choices)


def test_the_clis_choices_are_the_enums_values() -> None:
    commands = main.commands
    assert _choices(main, "profile") == names(Profile)
    assert _choices(commands["check"], "fmt") == _choices(commands["quiz"], "fmt") == names(Format)
    assert _choices(commands["check"], "device") == names(Device)
    assert _choices(commands["check"], "sandbox") == _choices(commands["batch"], "sandbox") == names(Sandbox)


def test_the_settings_validate_with_the_same_enums(tmp_path: Path) -> None:
    assert {"device": names(Device), "sandbox": names(Sandbox)} == CHOICES
    with pytest.raises(UsageError, match="choose one of local, ci, exam"):
        load_settings(tmp_path, "nightly")
    (tmp_path / "pyproject.toml").write_text('[tool.grader.visibility]\n"forget_gate:extremes" = "secret"\n')
    with pytest.raises(InputError, match=", ".join(names(Visibility))):
        load_settings(tmp_path)
    with pytest.raises(UsageError, match=", ".join(names(Sandbox))):
        resolve("docker")
    check = load_track("numpy").exercises[0].checks[0]
    with pytest.raises(ValueError, match="after_published"):
        dataclasses.replace(check, visibility="secret")


def test_the_settings_defaults_are_plain_strings_among_the_choices() -> None:
    settings = Settings()
    for name, choice in (("device", Device), ("sandbox", Sandbox), ("profile", Profile)):
        value = getattr(settings, name)
        assert type(value) is str and value in names(choice)  # `grade config` prints repr(value)


# ---------------------------------------------------------------------------- tolerance notes
def test_the_notes_are_generated_from_the_tolerance_tables() -> None:
    numpy_table = {**tolerance.NUMPY_TOLERANCES, "float32": (2e-5, 3e-5)}
    note = tolerance.numpy_note(numpy_table)
    assert "rtol 1e-5 and atol 1e-6 for float64 results, rtol 2e-5 and atol 3e-5 for float32 results" in note
    torch_table = {**tolerance.TORCH_TOLERANCES, "bfloat16": (3.2e-2, 6.2e-2, "wider")}
    assert "for bfloat16, rtol 3.2e-2 and atol 6.2e-2 (16 bfloat16 epsilons)" in tolerance.torch_note(torch_table)
    torch_table["float32"] = (1e-4, 1e-4, "looser")
    assert "tolerances for float64 and, for float32, rtol 1e-4 and atol 1e-4" in tolerance.torch_note(torch_table)
    assert "at least 8·u·S" in tolerance.numpy_note(margin=8.0) and "at least 4·u·S" in tolerance.numpy_note()
    assert "(2⁻²⁴ for float32)" in tolerance.sized_note()


# ---------------------------------------------------------------------------- torch pin, version
def test_the_torch_pin_is_the_one_the_grader_asks_for(monkeypatch: pytest.MonkeyPatch) -> None:
    assert TRACKS["torch"].pin == TORCH_PIN
    monkeypatch.setattr(workers, "missing", lambda module: True)
    assert f"`pip install torch=={TORCH_PIN}`" in workers.unavailable("torch")


def test_the_package_version_is_written_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "grader.__version__"}
    assert grader.__version__.count(".") == 2


# ---------------------------------------------------------------------------- batch defaults, track files
def test_grade_batch_leaves_its_defaults_to_the_core() -> None:
    from grader.batch.run import default_out, run_batch

    parameters = inspect.signature(run_batch).parameters
    assert parameters["out"].default is None and parameters["workers"].default is None
    batch = main.commands["batch"]
    assert all(p.default is None for p in batch.params if p.name in ("out", "workers"))
    assert default_out(Path("term/class")) == Path("term/class-graded")


@pytest.mark.parametrize("name", sorted(TRACKS))
def test_a_tracks_file_is_named_once_in_the_catalog(name: str) -> None:
    track = load_track(name)
    assert track.file == TRACKS[name].file and track.solution == f"solutions/{track.file}"
    assert {e.file for e in track.exercises} == {track.file}
