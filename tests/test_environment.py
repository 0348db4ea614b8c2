"""The course's grading environment: what a submission may import, declared once in
``[tool.grader.environment]`` and held identically in ``grade check``, CI and ``grade batch``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT, replace_once, requires_torch, solution_source

from grader.api import check_submission
from grader.batch.jobs import fingerprint
from grader.batch.run import run_batch
from grader.catalog import TRACKS
from grader.checks.context import not_provided
from grader.cli import main
from grader.config import ENVIRONMENT, Settings, load_settings
from grader.errors import InputError
from grader.results import Report, Status
from grader.sandbox.bwrap import bwrap_path
from grader.sandbox.replies import Raised
from grader.sandbox.runtime.environment import NOT_PROVIDED
from grader.sandbox.session import Session
from grader.sandbox.zygote import Forked, Zygote

IMPORTS = "import numpy as np\n"  # the solution's one import, on line 7
SIGMOID = '''def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
'''
REMEMBER = "    return forget_out + learn_out\n"
LIST = "lstm_numpy.py may import numpy, scipy, Python's standard library and your own .py files beside it."


def refused(module: str, where: str = "lstm_numpy.py line 8") -> str:
    return f"{where} imports {module}, which the course's grading environment does not provide: {LIST}"


def expit_source() -> str:
    """The solution with scipy's sigmoid in place of its own."""
    source = replace_once(solution_source(), IMPORTS, IMPORTS + "from scipy.special import expit as sigmoid\n")
    return replace_once(source, SIGMOID, "")


def messages(report: Report | dict[str, Any], exercise: str) -> list[str]:
    data = report.to_dict() if isinstance(report, Report) else report
    (found,) = [e for e in data["exercises"] if e["id"] == exercise]
    return [c["message"] for c in found["checks"]]


def graded(folder: Path, settings: Settings, exercise: str = "remember_gate") -> Report:
    return check_submission(folder, exercise=exercise, settings=settings)


# ----------------------------------------------------------------------------- allowed imports


def test_scipys_expit_as_the_sigmoid_earns_full_marks(settings: Settings, submission: Callable[[str], Path]) -> None:
    report = graded(submission(expit_source()), settings, "learn_gate")
    assert report.max_points > 0 and report.points == report.max_points, report


@pytest.mark.parametrize(
    "edit",
    [
        (IMPORTS, IMPORTS + "import math\nimport functools\nfrom collections import OrderedDict\n"),
        (REMEMBER, "    import math, functools\n    return functools.reduce(np.add, [forget_out, learn_out])\n"),
        (IMPORTS, IMPORTS + "try:\n    import rich\nexcept ImportError:\n    rich = None\n"),  # optional: fine
        (IMPORTS, IMPORTS + "import numpy.linalg\nfrom numpy import concatenate\n"),
    ],
    ids=["stdlib", "stdlib-in-a-gate", "optional-import", "numpy-submodules"],
)
def test_the_standard_library_and_declared_modules_are_fine(
    settings: Settings, submission: Callable[[str], Path], edit: tuple[str, str]
) -> None:
    report = graded(submission(replace_once(solution_source(), *edit)), settings)
    assert report.points == report.max_points > 0, messages(report, "remember_gate")


HELPERS = '''"""The learner's own helpers, beside lstm_numpy.py."""
import functools
import math

import numpy as np


@functools.lru_cache(maxsize=None)
def one():
    return math.cos(0.0)


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, one() / (one() + e), e / (one() + e))
'''


def test_a_helper_module_beside_the_file_may_be_imported(
    settings: Settings, submission: Callable[[str], Path]
) -> None:
    folder = submission(replace_once(solution_source(), SIGMOID, "from helpers import sigmoid\n"))
    (folder / "helpers.py").write_text(HELPERS)
    report = graded(folder, settings, "learn_gate")
    assert report.points == report.max_points > 0, messages(report, "learn_gate")


def test_a_helper_module_is_held_to_the_same_environment(
    settings: Settings, submission: Callable[[str], Path]
) -> None:
    folder = submission(replace_once(solution_source(), SIGMOID, "from helpers import sigmoid\n"))
    (folder / "helpers.py").write_text(HELPERS.replace("import math\n", "import math\nimport rich\n"))
    report = graded(folder, settings, "learn_gate")
    assert report.points == 0
    assert set(messages(report, "learn_gate")) == {refused("rich", "helpers.py line 4")}


# ----------------------------------------------------------------------------- refused imports


@pytest.mark.parametrize(
    ("edit", "module", "line"),
    [
        ((IMPORTS, IMPORTS + "import rich\n"), "rich", 8),
        ((IMPORTS, IMPORTS + "from jinja2 import Template\n"), "jinja2", 8),
        ((IMPORTS, IMPORTS + "import click.testing as ct\n"), "click", 8),
        ((IMPORTS, IMPORTS + "rich = __import__('rich')\n"), "rich", 8),
        ((IMPORTS, IMPORTS + "import torch\n"), "torch", 8),  # the numpy track does not provide torch
        ((IMPORTS, IMPORTS + "import hypothesis\n"), "hypothesis", 8),  # the grader's parent has it: not the child
    ],
    ids=["import", "from-import", "submodule", "dunder-import", "torch", "hypothesis"],
)
def test_an_undeclared_module_at_import_time_fails_the_file_with_one_sentence(
    settings: Settings, submission: Callable[[str], Path], edit: tuple[str, str], module: str, line: int
) -> None:
    report = graded(submission(replace_once(solution_source(), *edit)), settings)
    (exercise,) = report.exercises
    assert report.points == 0 and exercise.note == refused(module, f"lstm_numpy.py line {line}")
    assert {c.status for c in exercise.checks} == {Status.FAILED}, "a learner's mistake, not 'could not be graded'"


@pytest.mark.parametrize(
    ("edit", "module"),
    [
        ((REMEMBER, "    import importlib\n    importlib.import_module('jinja2')\n" + REMEMBER), "jinja2"),
        ((REMEMBER, "    from rich import print as show\n" + REMEMBER), "rich"),
        ((REMEMBER, "    import_module('click')\n" + REMEMBER), "click"),  # a reference taken at import time
    ],
    ids=["import_module", "from-import", "import_module-taken-early"],
)
def test_an_undeclared_module_imported_inside_a_gate_fails_its_calls_with_one_sentence(
    settings: Settings, submission: Callable[[str], Path], edit: tuple[str, str], module: str
) -> None:
    source = replace_once(solution_source(), *edit)
    source = replace_once(source, IMPORTS, IMPORTS + "from importlib import import_module\n")
    importing = next(text for text in edit[1].splitlines() if module in text)
    line = source.splitlines().index(importing) + 1
    report = graded(submission(source), settings)
    assert report.points == 0
    assert set(messages(report, "remember_gate")) == {refused(module, f"lstm_numpy.py line {line}")}
    assert {c.status for c in report.checks()} == {Status.FAILED}


def test_a_cached_module_is_refused_too(submission: Callable[[str], Path]) -> None:
    """The child itself has imported its protocol module; the submission may not reach it by importing."""
    folder = submission("def probe(x):\n    import sys\n    assert '_grader_protocol' in sys.modules\n"
                        "    import _grader_protocol\n    return x\n")
    with Session(folder, "lstm_numpy.py", environment=["numpy"]) as session:
        reply = session.call("probe", [np.ones(2)])
    assert isinstance(reply, Raised) and reply.type == "ModuleNotFoundError"
    assert reply.message == f"{NOT_PROVIDED}_grader_protocol (at lstm_numpy.py line 4)"
    with Session(folder, "lstm_numpy.py", environment=["numpy", "_grader_protocol"]) as session:
        assert not isinstance(session.call("probe", [np.ones(2)]), Raised), "declared, it is importable"


def test_any_other_import_error_keeps_its_own_sentence(settings: Settings, submission: Callable[[str], Path]) -> None:
    source = replace_once(solution_source(), IMPORTS, IMPORTS + "import numpy.no_such_module\n")
    (exercise,) = graded(submission(source), settings).exercises
    assert exercise.note.startswith("lstm_numpy.py could not be imported: ModuleNotFoundError at line 8: No module "
                                    "named 'numpy.no_such_module'")
    assert not_provided("ModuleNotFoundError", "No module named 'rich'", "lstm_numpy.py", ("numpy",)) == ""
    assert not_provided("ValueError", f"{NOT_PROVIDED}rich (at lstm_numpy.py line 3)", "lstm_numpy.py", ()) == ""


def test_the_sentence_lists_the_environment_only_where_it_is_known() -> None:
    message = f"{NOT_PROVIDED}rich (at helpers.py line 3)"
    assert not_provided("ModuleNotFoundError", message, "lstm_numpy.py", ("numpy", "scipy")) == refused(
        "rich", "helpers.py line 3")
    assert not_provided("ModuleNotFoundError", message, "lstm_numpy.py", None) == (
        "helpers.py line 3 imports rich, which the course's grading environment does not provide.")


# ----------------------------------------------------------------------------- one sentence everywhere


@pytest.mark.slow
def test_check_ci_and_batch_give_the_same_sentence(
    settings: Settings, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``grade batch`` forks each student's child from a warm zygote (under bwrap), which has numpy imported."""
    forks = tmp_path / "forks.txt"
    real_fork = Zygote.fork

    def counted(self: Zygote, *args: Any) -> Forked | None:
        forked = real_fork(self, *args)
        with forks.open("a") as log:  # the batch's workers are forked from this process: a file counts for all
            log.write(f"{forked is not None}\n")
        return forked

    monkeypatch.setattr(Zygote, "fork", counted)
    students = {
        "ada": expit_source(),
        "ben": replace_once(solution_source(), IMPORTS, IMPORTS + "import rich\n"),
        "cy": replace_once(solution_source(), REMEMBER,
                           "    import importlib\n    importlib.import_module('jinja2')\n" + REMEMBER),
    }
    for student, source in students.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "lstm_numpy.py").write_text(source)
    fast = dataclasses.replace(settings, examples_scale=0.2, call_timeout=1.0)
    outcome = run_batch(tmp_path / "class", out=tmp_path / "out", settings=fast, workers=1)
    found = {r.student: r for r in outcome.records}
    if bwrap_path() is not None:
        made = forks.read_text().split()
        assert len(made) >= 3 and set(made) == {"True"}, "every student's children came from the zygote"
    assert found["ada"].points == found["ada"].max_points > 0
    assert found["ben"].points == 0 and found["cy"].points < found["cy"].max_points  # cy: remember_gate and its users
    lazy = students["cy"].splitlines().index("    importlib.import_module('jinja2')") + 1
    for student, sentence in (("ben", refused("rich")), ("cy", refused("jinja2", f"lstm_numpy.py line {lazy}"))):
        batch = json.loads((tmp_path / "out" / "students" / student / "report.json").read_text())
        result = runner.invoke(main, ["--profile", "ci", "check", str(tmp_path / "class" / student), "--exercise",
                                      "remember_gate", "--format", "json"], catch_exceptions=False)
        assert result.exit_code == 1
        ci = json.loads(result.output)
        assert set(messages(ci, "remember_gate")) == set(messages(batch, "remember_gate")) == {sentence}


# ----------------------------------------------------------------------------- the declaration


def course_with(tmp_path: Path, table: str) -> Path:
    """This course in ``tmp_path`` with its environment table replaced by ``table``."""
    text = (ROOT / "pyproject.toml").read_text()
    declared = 'numpy = ["numpy", "scipy"]\ntorch = ["numpy", "scipy", "torch"]\n'
    tmp_path.mkdir()
    (tmp_path / "pyproject.toml").write_text(replace_once(text, declared, table))
    (tmp_path / "solutions").symlink_to(ROOT / "solutions")
    (tmp_path / "quizzes").symlink_to(ROOT / "quizzes")
    return tmp_path


def test_the_defaults_are_this_courses_table_and_cover_every_track() -> None:
    assert set(ENVIRONMENT) == set(TRACKS)
    assert ENVIRONMENT == {"numpy": ("numpy", "scipy"), "torch": ("numpy", "scipy", "torch")}
    assert load_settings(ROOT).environment == ENVIRONMENT == Settings().environment


def test_a_course_that_declares_a_module_makes_it_importable(
    runner: CliRunner, submission: Callable[[str], Path], tmp_path: Path
) -> None:
    course = course_with(tmp_path / "course", 'numpy = ["numpy", "scipy", "rich"]\n')
    assert load_settings(course).environment == {"numpy": ("numpy", "scipy", "rich"), "torch": ENVIRONMENT["torch"]}
    folder = submission(replace_once(solution_source(), IMPORTS, IMPORTS + "import rich\n"))
    result = runner.invoke(main, ["--course", str(course), "check", str(folder), "--exercise", "remember_gate"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["check", str(folder), "--exercise", "remember_gate"], catch_exceptions=False)
    assert result.exit_code == 1 and refused("rich") in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('numpy = "numpy"\n', 'numpy must be a list of top-level module names, e.g. ["numpy", "scipy"], not \'numpy\''),
        ('numpy = ["scipy.special"]\n', "numpy must be a list of top-level module names"),
        ('jax = ["jax"]\n', "unknown track 'jax' (tracks: numpy, torch)"),
    ],
)
def test_a_malformed_table_is_one_error_line(runner: CliRunner, tmp_path: Path, table: str, words: str) -> None:
    course = course_with(tmp_path / "course", table)
    with pytest.raises(InputError, match=r"pyproject\.toml"):
        load_settings(course)
    result = runner.invoke(main, ["--course", str(course), "check", str(ROOT / "solutions")], catch_exceptions=False)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("Error: ")
    assert "[tool.grader.environment]" in result.output and words in result.output


def test_a_batch_regrades_when_the_environment_changes(settings: Settings) -> None:
    wider = {**settings.environment, "numpy": ("numpy", "scipy", "rich")}
    assert fingerprint(dataclasses.replace(settings, environment=wider)) != fingerprint(settings)
    assert fingerprint(dataclasses.replace(settings, environment=dict(settings.environment))) == fingerprint(settings)


def test_a_profile_cannot_change_the_environment(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.grader.profiles.ci.environment]\nnumpy = ["numpy"]\n')
    assert load_settings(tmp_path).environment == ENVIRONMENT  # the local profile does not read it
    with pytest.raises(InputError, match=r"the same in every profile: declare it once, in \[tool.grader.environment\]"):
        load_settings(tmp_path, "ci")


def test_grade_config_shows_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["config"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "environment numpy    numpy, scipy" in result.output
    assert "environment torch    numpy, scipy, torch" in result.output
    assert "pyproject.toml [tool.grader.environment]" in result.output
    course = course_with(tmp_path / "course", 'numpy = ["numpy"]\n')
    result = runner.invoke(main, ["--course", str(course), "config"], catch_exceptions=False)
    lines = {line.split("  ")[0]: line for line in result.output.splitlines()}
    assert lines["environment numpy"].split()[2:] == ["numpy", "pyproject.toml", "[tool.grader.environment]"]
    assert lines["environment torch"].split()[2:] == ["numpy,", "scipy,", "torch", "default"]


# ----------------------------------------------------------------------------- the torch track


@requires_torch
@pytest.mark.slow
def test_the_torch_track_lets_torch_import_what_it_needs_but_not_the_submission(
    settings: Settings, submission: Callable[..., Path]
) -> None:
    """torch imports sympy and typing_extensions itself (allowed); the submission may not."""
    source = (ROOT / "solutions" / "lstm_torch.py").read_text()
    good = check_submission(submission(source, "lstm_torch.py"), exercise="StandardLSTMCell", settings=settings)
    assert good.points == good.max_points > 0, messages(good, "StandardLSTMCell")
    sympy = check_submission(submission(replace_once(source, "import torch\n", "import torch\nimport sympy\n"),
                                        "lstm_torch.py"), exercise="StandardLSTMCell", settings=settings)
    (exercise,) = sympy.exercises
    assert exercise.note == ("lstm_torch.py line 10 imports sympy, which the course's grading environment does not "
                             "provide: lstm_torch.py may import numpy, scipy, torch, Python's standard library and "
                             "your own .py files beside it.")
