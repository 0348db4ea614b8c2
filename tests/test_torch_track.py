"""The PyTorch track end to end: references full, stubs zero, every torch misconception caught in
its exercise (and nowhere else), every correct-but-different module kept at full marks."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, fixture_names, numpy_fixture, requires_torch

from grader.api import check_submission
from grader.config import Settings
from grader.results import Report, Status

pytestmark = [requires_torch, pytest.mark.torch]

TORCH = ("LSTMCell", "LSTM", "StandardLSTMCell")
LESSON = {"LSTMCell", "LSTM"}  # LSTM builds the fixture's LSTMCell: it inherits the cell's bugs

# misconception -> (the exercises that must lose points, a check that must fail)
BUGGY = {
    "state_on_cpu": (LESSON, "LSTMCell:default_state"),
    "state_always_float32": (LESSON, "LSTMCell:default_state"),
    "hardcoded_cuda": (LESSON, "LSTMCell:default_state"),
    "detached_outputs": (LESSON, "LSTMCell:gradients"),
    "data_shortcut": (LESSON, "LSTMCell:gradients"),
    "inplace_breaks_autograd": (LESSON, "LSTMCell:gradcheck"),
    "numpy_round_trip": (LESSON, "LSTMCell:device"),
    "textbook_use_gate": (LESSON, "LSTMCell:matches_float64"),
    "state_not_carried": ({"LSTM"}, "LSTM:steps_cell"),
    "gate_order_ifog": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "bias_hh_ignored": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "state_order_swapped": ({"StandardLSTMCell"}, "StandardLSTMCell:gradients"),
    "uses_nn_lstmcell": ({"StandardLSTMCell"}, "StandardLSTMCell:from_scratch"),
    "gate_order_fi": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "bias_ih_ignored": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "returns_c_h": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "cell_concat_order": (LESSON, "LSTMCell:matches_float64"),
    "cell_forget_on_stm": (LESSON, "LSTMCell:matches_float64"),
    "cell_use_gate_new_ltm": (LESSON, "LSTMCell:matches_float64"),
    "cell_remember_multiplies": (LESSON, "LSTMCell:matches_float64"),
    "cell_unstable_sigmoid": (LESSON, "LSTMCell:matches_float64"),
    "where_sigmoid": (LESSON, "LSTMCell:gradients"),
    "state_detached": ({"LSTM"}, "LSTM:gradients"),
}
# the first wrong part, found through the module's own submodules (grader/tracks/torch_parts.py)
FIRST_WRONG_PART = {
    "cell_concat_order": {
        "LSTMCell:matches_float64": "On this input your learn gate's layer self.new_info is given [E_t, STM_{t-1}]",
        "LSTM:matches_float64": "At step 0 your LSTMCell departs: your learn gate's layer self.new_info is given "
                                "[E_t, STM_{t-1}]",
    },
    "cell_forget_on_stm": {
        "LSTMCell:matches_float64": "On this input your forget gate's output, which your use_ltm layer is given, "
                                    "should be LTM_{t-1} * f_t but differs by up to",
    },
    "cell_use_gate_new_ltm": {
        "LSTMCell:matches_float64": "your learn, forget and remember gates are right; your use gate's layer "
                                    "self.use_ltm is given the new LTM_t",
    },
    "cell_remember_multiplies": {
        "LSTMCell:matches_float64": "On this input your forget gate is right; your new LTM_t differs by up to",
    },
    "textbook_use_gate": {
        "LSTMCell:matches_float64": "your learn, forget and remember gates are right; your use gate's STM_t "
                                    "differs by up to",
    },
    "state_not_carried": {
        "LSTM:matches_float64": "Your LSTMCell is right at every step of this input, so the mistake is in LSTM's "
                                "loop",
    },
}


def torch_report(source: str, folder: Callable[..., Path], settings: Settings) -> Report:
    return check_submission(folder(source, "lstm_torch.py") / "lstm_torch.py", settings=settings)


def test_every_buggy_torch_fixture_is_listed() -> None:
    assert set(BUGGY) == set(fixture_names("buggy", "torch"))


def test_reference_scores_full_marks_and_gpu_checks_are_skipped_not_passed(settings: Settings) -> None:
    report = check_submission(ROOT / "solutions" / "lstm_torch.py", settings=settings)
    assert [e.id for e in report.exercises] == list(TORCH)
    assert report.points == report.max_points > 0
    gpu = [c for c in report.checks() if c.id == "gpu"]
    assert len(gpu) == 3
    import torch

    if not torch.cuda.is_available():
        assert all(c.status is Status.SKIPPED and c.max_points == 0 and "no CUDA" in c.message for c in gpu)
    assert all(c.status is Status.PASSED for c in report.checks() if c.id != "gpu")


def test_the_in_process_floor_grades_the_reference_full_gradcheck_included(settings: Settings) -> None:
    """The floor (and a batch's recording of the cases) runs module calls inside an autograd Function,
    where autograd is off: the module's own backward must still be built."""
    quick = dataclasses.replace(settings, examples_scale=0.2)
    report = check_submission(ROOT / "solutions" / "lstm_torch.py", settings=quick, isolation="none", jobs=1)
    gradchecks = [c for c in report.checks() if c.id == "gradcheck"]
    assert len(gradchecks) == 2 and all(c.status is Status.PASSED for c in gradchecks)
    assert report.points == report.max_points


@pytest.mark.slow
def test_a_warm_zygote_forks_children_that_compute_as_a_fresh_process_does() -> None:
    """``warm_up`` (run once in a batch's zygote) loads what torch loads lazily (the meta device's
    Python kernels import torch._dynamo on first use: 1 s), so a child forked after it imports no
    more of torch, and computes exactly what a fresh process computes."""
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
from grader.sandbox.runtime import protocol, torch_calls
import importlib.util
spec = importlib.util.spec_from_file_location("sol", {str(ROOT / "solutions" / "lstm_torch.py")!r})
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
def results():
    rng = np.random.default_rng(0)
    x, h, c = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 4)), rng.uniform(-1, 1, (2, 4))
    out = []
    for device, dtype in (("cpu", "float64"), ("cpu", "bfloat16"), ("meta", "float64")):
        call = {{"symbol": "LSTMCell", "init": [3, 4], "device": device, "dtype": dtype,
                 "grad": [np.ones((2, 4)), np.ones((2, 4))]}}
        reply = torch_calls.run(module, call, [x, (h, c)], protocol)
        out.append(repr(reply["value"]) + repr(reply.get("grads")))
    return "".join(out)
if sys.argv[1] == "fresh":
    print(results())
else:
    torch_calls.warm_up()
    assert "torch._dynamo" in sys.modules, "what the meta device's Python kernels import is loaded"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        before = set(sys.modules)
        text = results()
        late = sorted(name for name in set(sys.modules) - before if name.startswith("torch"))
        os.write(write, (text if not late else f"the child imported {{late}}").encode()); os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    assert os.waitpid(pid, 0)[1] == 0
    print(data.decode())
"""
    runs = [subprocess.run([sys.executable, "-c", script, kind], capture_output=True, text=True, timeout=120)
            for kind in ("fresh", "forked")]
    assert all(run.returncode == 0 for run in runs), [run.stderr[-2000:] for run in runs]
    assert runs[0].stdout == runs[1].stdout and "TensorValue" in runs[0].stdout


def test_untouched_torch_stub_scores_zero(settings: Settings) -> None:
    report = check_submission(ROOT / "exercises" / "lstm_torch.py", settings=settings)
    assert report.points == 0 and report.max_points > 0
    assert all(e.note == "not implemented yet" for e in report.exercises)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BUGGY))
def test_torch_misconception_loses_points_only_where_it_belongs(
    name: str, buggy_report: Callable[[str, str], Report]
) -> None:
    broken, must_fail = BUGGY[name]
    report = buggy_report("torch", name)
    for exercise in report.exercises:
        if exercise.id in broken:
            assert exercise.points < exercise.max_points, f"{name} should lose points in {exercise.id}"
        else:
            assert exercise.points == exercise.max_points, f"{name} should keep full marks in {exercise.id}"
    failing = {f"{c.exercise}:{c.id}": c.message for c in report.checks() if c.status is Status.FAILED}
    assert must_fail in failing
    for check, words in FIRST_WRONG_PART.get(name, {}).items():
        assert words in failing[check], failing[check]
    named = {part for c in report.checks() if c.diagnosis for part in c.diagnosis.id.split("+")}
    assert SHOWS.get(name, set()) <= named, named


def shows() -> dict[str, set[str]]:
    """Fixture name -> the misconceptions it stands for (tests/fixtures/diagnoses.toml, both tables)."""
    table = tomllib.loads((FIXTURES / "diagnoses.toml").read_text())
    pairs = [(where, m) for m, where in table["diagnoses"].items()] + list(table["also"].items())
    found: dict[str, set[str]] = {}
    for where, misconception in pairs:
        if where.startswith("torch/"):
            found.setdefault(where.removeprefix("torch/"), set()).add(misconception)
    return found


SHOWS = shows()



# correct fixtures whose forward reads a tensor's value (printing .item(), a Python `if` on a tensor): the meta
# device cannot, so their `device` check is inconclusive, skipped with the reason and not counted
READS_VALUES = {"debug_prints": set(TORCH), "import_time_settings": LESSON}


@pytest.mark.slow
@pytest.mark.parametrize("name", fixture_names("correct", "torch"))
def test_correct_but_different_module_keeps_full_marks(
    name: str, submission: Callable[..., Path], settings: Settings
) -> None:
    report = torch_report(numpy_fixture("correct", name, "torch"), submission, settings)
    failing = [f"{c.exercise}:{c.id}: {c.message}" for c in report.checks() if c.status not in (Status.PASSED,
                                                                                               Status.SKIPPED)]
    assert not failing
    assert report.points == report.max_points > 0
    skipped = [c for c in report.checks() if c.status is Status.SKIPPED]
    assert all(c.points == c.max_points == 0 for c in skipped), "a skipped check is not counted, either way"
    inconclusive = {c.exercise for c in skipped if c.id == "device"}
    assert inconclusive == READS_VALUES.get(name, set())
    for check in skipped:
        why = "no CUDA device here" if check.id == "gpu" else "reads a tensor's value ("
        assert why in check.message, f"{check.exercise}:{check.id} is skipped without saying why: {check.message}"
    assert all("so this device check is skipped and not counted" in c.message for c in skipped if c.id == "device")
    assert len(fixture_names("correct", "torch")) >= 8


def message(report: Report, check: str) -> str:
    return next(c.message for c in report.checks() if f"{c.exercise}:{c.id}" == check)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "check", "words"),
    [
        ("state_on_cpu", "LSTMCell:default_state", "A tensor is created on a fixed device"),
        ("state_always_float32", "LSTMCell:default_state", "A tensor is created with a fixed dtype"),
        ("hardcoded_cuda", "LSTMCell:default_state", "moves something to CUDA itself"),
        ("detached_outputs", "LSTMCell:gradients", "no gradient reaches event"),
        ("data_shortcut", "LSTMCell:gradients", "no gradient reaches forget.weight"),
        ("inplace_breaks_autograd", "LSTMCell:gradients", "An in-place operation"),
        ("numpy_round_trip", "LSTMCell:device", "returned ltm on cpu although the module and its inputs are on meta"),
        ("numpy_round_trip", "LSTMCell:matches_bfloat16", "leaves torch through numpy, which has no bfloat16"),
        ("uses_nn_lstmcell", "StandardLSTMCell:from_scratch", "uses nn.LSTMCell (line"),
        ("data_shortcut", "LSTMCell:gradcheck", "with respect to forget.weight"),
    ],
)
def test_torch_failures_explain_themselves(
    name: str, check: str, words: str, submission: Callable[..., Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", name, "torch"), "lstm_torch.py") / "lstm_torch.py",
                              exercise=check.split(":")[0], settings=settings)
    assert words in message(report, check)


@pytest.mark.slow
def test_a_cpu_long_term_memory_is_caught_by_a_pointwise_op_with_the_message_a_gpu_gives(
        submission: Callable[..., Path], settings: Settings) -> None:
    """Only the long-term memory on the CPU: ``cat`` sees two meta tensors, and the first op to meet
    the CPU tensor is ``mul`` (a C++ meta kernel in the child, ``native_meta``); it is still caught,
    explained and diagnosed."""
    source = numpy_fixture("buggy", "state_on_cpu", "torch").replace(
        "        zeros = torch.zeros(event.shape[0], self.hidden_size)\n        return zeros, zeros",
        "        ltm = torch.zeros(event.shape[0], self.hidden_size, dtype=event.dtype)\n"
        "        return ltm, event.new_zeros(event.shape[0], self.hidden_size)")
    assert "dtype=event.dtype" in source
    report = torch_report(source, submission, settings)
    said = message(report, "LSTMCell:default_state")
    assert "Expected all tensors to be on the same device, but found at least two devices, meta and cpu" in said
    assert "A tensor is created on a fixed device (torch.zeros(...) without device=): create it like the input" in said
    failed = next(c for c in report.checks() if f"{c.exercise}:{c.id}" == "LSTMCell:default_state")
    assert failed.diagnosis is not None and failed.diagnosis.id == "default_state_on_cpu"


@pytest.mark.slow
def test_forbidden_apis_are_stopped_at_run_time_too(submission: Callable[..., Path], settings: Settings) -> None:
    """Hidden from the static look (getattr with a computed name), the stand-in still refuses."""
    source = numpy_fixture("buggy", "uses_nn_lstmcell", "torch").replace(
        "nn.LSTMCell(input_size, hidden_size)", "getattr(nn, 'LSTM' + 'Cell')(input_size, hidden_size)")
    report = torch_report(source, submission, settings)
    assert "ForbiddenAPIError: torch.nn.LSTMCell is not allowed" in message(report, "StandardLSTMCell:from_scratch")


@pytest.mark.slow
def test_a_forbidden_api_in_a_helper_the_class_calls_is_flagged_by_the_static_look(
        submission: Callable[..., Path], settings: Settings) -> None:
    """A module-level function the graded class calls runs at grading: the static look reads it (its line)."""
    from conftest import replace_once

    source = replace_once(numpy_fixture("buggy", "uses_nn_lstmcell", "torch"), "self.inner = nn.LSTMCell(",
                          "self.inner = _torch_cell(")
    source += "\n\ndef _torch_cell(input_size, hidden_size):\n    return nn.LSTMCell(input_size, hidden_size)\n"
    line = source.splitlines().index("    return nn.LSTMCell(input_size, hidden_size)") + 1
    report = check_submission(submission(source, "lstm_torch.py") / "lstm_torch.py", exercise="StandardLSTMCell",
                              settings=settings)
    assert f"StandardLSTMCell uses nn.LSTMCell (line {line}): this exercise is to build it" in message(
        report, "StandardLSTMCell:from_scratch")


def _flagged(source: str) -> list[int]:
    return [n for n, text in enumerate(source.splitlines(), 1) if text.endswith("# flagged")]


RUNS_AT_GRADING = {
    "a __main__ self-test and the helpers only it calls": """
import torch
from torch import nn
from torch.nn import LSTMCell as TorchCell
class StandardLSTMCell(nn.Module):
    def forward(self, input, hx=None):
        return input
def _reference(cell):
    return nn.LSTMCell(3, 4), TorchCell(3, 4)
def _self_test():
    return _reference(StandardLSTMCell())
if __name__ == "__main__":
    _self_test()
    torch.nn.LSTM(3, 4)
""",
    "the guard written the other way round, and its else branch": """
import torch
class StandardLSTMCell(torch.nn.Module):
    pass
if "__main__" == __name__:
    torch.nn.LSTMCell(3, 4)
else:
    torch.nn.GRU(3, 4)  # flagged
if __name__ != "__main__":
    torch.nn.RNN(3, 4)  # flagged
""",
    "a helper the class calls, and the helper's helper": """
import torch.nn as tnn
def _inner(i, h):
    return tnn.LSTMCell(i, h)  # flagged
def _outer(i, h):
    return _inner(i, h)
class StandardLSTMCell(tnn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.inner = _outer(i, h)
""",
    "module-level statements, class bodies and defaults run at import": """
import torch
REFERENCE = torch.nn.LSTMCell(3, 4)  # flagged
class Unused:
    made = torch.nn.LSTM(1, 1)  # flagged
    def method(self):
        return torch.nn.GRU(1, 1)
def unused(cell=torch._VF.lstm_cell):  # flagged
    return torch.nn.RNN(1, 1)
class StandardLSTMCell(torch.nn.Module):
    pass
""",
    "a name imported from torch, used by the class": """
from torch.nn import LSTMCell as TorchCell
import torch
class StandardLSTMCell(torch.nn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.inner = TorchCell(i, h)  # flagged
        self.kernel = getattr(torch._VF, "lstm_cell")  # flagged
""",
    "type hints, the learner's own attributes and classes are not uses": """
import torch
class LSTM(torch.nn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.lstm, self.gru = LSTMCell(i, h), None
    def forward(self, events, state: torch.nn.LSTMCell | None = None) -> torch.nn.LSTM:
        cell: torch.nn.LSTMCell = self.lstm
        return cell(events), getattr(self, "lstm")
class LSTMCell(torch.nn.Module):
    pass
""",
}


@pytest.mark.parametrize("what", sorted(RUNS_AT_GRADING))
def test_the_static_look_reads_only_code_that_runs_at_grading(what: str) -> None:
    from grader.catalog import TRACKS
    from grader.checks.torch_checks import forbidden_uses

    source = RUNS_AT_GRADING[what]
    names = {name.rsplit(".", 1)[1] for name in TRACKS["torch"].forbid}
    graded = "LSTM" if "class LSTM(" in source else "StandardLSTMCell"
    assert [line for line, _ in forbidden_uses(source, graded, names)] == _flagged(source)


READ_FIRST = """

class LSTMCell(LSTMCell):  # noqa: F811
    def forward(self, event, state=None):
        print(READ)  # on meta the run stops here
        return super().forward(event, state)
"""
SUMMARY = 'f"LSTMCell: event mean {event.mean().item():.3f}"'
STATE_ON_CPU = ("        zeros = torch.zeros(event.shape[0], self.hidden_size)\n",
                "        zeros = torch.zeros(event.shape[0], self.hidden_size, dtype=event.dtype)\n")  # only the device


@pytest.mark.slow
@pytest.mark.parametrize(("bug", "words", "diagnosis"), [
    ("state_on_cpu", "A tensor is created on a fixed device (torch.zeros(...) without device=", "default_state_on_cpu"),
    ("hardcoded_cuda", "The code moves something to CUDA itself", "hardcoded_cuda"),
    ("", "", ""),
])
def test_a_device_bug_behind_a_value_read_is_still_caught(
        bug: str, words: str, diagnosis: str, submission: Callable[..., Path], settings: Settings) -> None:
    """forward reads a value before it makes its default state on the wrong device: on meta the read stops the
    run, so the child runs on with placeholder values and meets the device bug, which fails default_state.
    The same read in a correct module leaves default_state passing. Either way `device` (given a state) only
    meets the read: skipped, not counted."""
    from conftest import replace_once

    source = numpy_fixture("buggy", bug, "torch") if bug else numpy_fixture("correct", "addmm", "torch")
    source = (replace_once(source, *STATE_ON_CPU) if bug == "state_on_cpu" else source) + READ_FIRST.replace(
        "READ", SUMMARY)
    report = check_submission(submission(source, "lstm_torch.py") / "lstm_torch.py", exercise="LSTMCell",
                              settings=settings)
    checks = {c.id: c for c in report.checks()}
    device = checks["device"]
    assert device.status is Status.SKIPPED and device.max_points == 0
    assert "LSTMCell.forward reads a tensor's value (`.item()`, lstm_torch.py line" in device.message
    if not bug:
        assert checks["default_state"].status is Status.PASSED
        assert report.points == report.max_points
        return
    failed = checks["default_state"]
    assert failed.status is Status.FAILED and words in failed.message, failed.message
    assert failed.diagnosis is not None and diagnosis in failed.diagnosis.id.split("+")


@pytest.mark.slow
@pytest.mark.parametrize(("read", "fails"), [("event.detach().numpy()", True),
                                            ("event.detach().float().cpu().numpy()", False)])
def test_numpy_on_a_device_tensor_is_a_device_bug_but_through_the_cpu_it_is_a_read(
        read: str, fails: bool, submission: Callable[..., Path], settings: Settings) -> None:
    """x.numpy() raises on meta what it raises on a GPU (a real bug); x.float().cpu().numpy() works on every
    device and dtype, and on meta it is a read (.cpu()): skipped."""
    source = numpy_fixture("correct", "addmm", "torch") + READ_FIRST.replace("READ", read)
    report = check_submission(submission(source, "lstm_torch.py") / "lstm_torch.py", exercise="LSTMCell",
                              settings=settings)
    device = next(c for c in report.checks() if c.id == "device")
    if fails:
        assert device.status is Status.FAILED
        assert ".numpy() reads only a CPU tensor, so this line fails on a GPU as well" in device.message
    else:
        assert device.status is Status.SKIPPED
        assert "reads a tensor's value (`.cpu()`, lstm_torch.py line" in device.message
        assert report.points == report.max_points


WAITS_ON_A_VALUE = """
import torch


class Waits(torch.nn.Module):
    def forward(self, event):
        while event.abs().sum().item() == 0:  # on meta the second run reads zeros here, every time
            event = event + 1
        return event * 2
"""


@pytest.mark.slow
def test_placeholder_values_end_a_loop_and_leave_torch_as_it_was() -> None:
    """On meta the child's second run reads zeros where values are read: a loop waiting for another value
    ends after PLACEHOLDER_READS reads with the read itself (inconclusive), not at the call's time limit;
    on the CPU the module runs; and torch.Tensor has its own methods back afterwards."""
    import types

    import numpy as np
    import torch

    from grader.sandbox.runtime import protocol, torch_calls

    module = types.ModuleType("waits")
    exec(compile(WAITS_ON_A_VALUE, "waits.py", "exec"), module.__dict__)
    methods = dict(vars(torch.Tensor))
    call = {"symbol": "Waits", "init": [], "device": "meta"}
    with pytest.raises(RuntimeError, match="cannot be called on meta tensors"):
        torch_calls.run(module, call, [np.ones((2, 3))], protocol)
    assert dict(vars(torch.Tensor)) == methods
    with pytest.raises(RuntimeError, match="cannot be called on meta tensors"):
        torch.ones(1, device="meta").item()
    reply = torch_calls.run(module, {**call, "device": "cpu"}, [np.ones((2, 3))], protocol)
    assert np.array_equal(reply["value"].array, np.full((2, 3), 2.0))


@pytest.mark.gpu
def test_gpu_checks_pass_for_the_reference_on_cuda(settings: Settings) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    report = check_submission(ROOT / "solutions" / "lstm_torch.py", settings=settings)
    gpu = [c for c in report.checks() if c.id == "gpu"]
    assert gpu and all(c.status is Status.PASSED for c in gpu), [c.message for c in gpu]
    assert "cuda" in report.environment["device"] and report.environment["tf32"] == "off"


@pytest.mark.gpu
def test_gpu_checks_catch_a_state_pinned_to_the_cpu(submission: Callable[..., Path], settings: Settings) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    report = torch_report(numpy_fixture("buggy", "state_on_cpu", "torch"), submission, settings)
    assert any(c.id == "gpu" and c.status is Status.FAILED for c in report.checks() if c.exercise == "LSTMCell")


@pytest.mark.slow
def test_gpu_check_logic_on_a_simulated_device(monkeypatch: pytest.MonkeyPatch, settings: Settings,
                                               submission: Callable[..., Path]) -> None:
    """Without a GPU, the parent's side of the GPU check (oracle per dtype, CPU/GPU parity, the
    device of every output) is proven on a stand-in: the in-process floor runs 'cuda' calls on
    the CPU and labels their outputs cuda:0. The real device is covered by the gpu-marked tests."""
    import dataclasses

    from grader.checks import devices
    from grader.sandbox.inprocess import InProcessSession
    from grader.sandbox.runtime.protocol import TensorValue

    monkeypatch.setattr(devices, "gpu_device", lambda setting: "cuda")
    monkeypatch.setattr(devices, "describe_devices", lambda setting: {"device": "cpu + simulated cuda"})
    real = InProcessSession._module_call

    def on_fake_gpu(self: InProcessSession, call):  # type: ignore[no-untyped-def]
        if call.device != "cuda":
            return real(self, call)
        reply = real(self, dataclasses.replace(call, device="cpu"))

        def relabel(x: Any) -> Any:
            if isinstance(x, TensorValue):
                return dataclasses.replace(x, device="cuda:0")
            return type(x)(relabel(v) for v in x) if isinstance(x, (tuple, list)) else x

        return dataclasses.replace(reply, value=relabel(reply.value)) if hasattr(reply, "value") else reply

    monkeypatch.setattr(InProcessSession, "_module_call", on_fake_gpu)
    good = check_submission(ROOT / "solutions" / "lstm_torch.py", isolation="none", jobs=1, settings=settings)
    good_gpu = [c for c in good.checks() if c.id == "gpu"]
    assert len(good_gpu) == 3 and all(c.status is Status.PASSED and c.max_points == 1 for c in good_gpu)
    bad = check_submission(submission(numpy_fixture("buggy", "bias_hh_ignored", "torch"), "lstm_torch.py"),
                           isolation="none", jobs=1, settings=settings)
    gpu = {c.exercise: c for c in bad.checks() if c.id == "gpu"}
    assert gpu["StandardLSTMCell"].status is Status.FAILED
    assert "on the GPU in float32, StandardLSTMCell differs from the reference" in gpu["StandardLSTMCell"].message
    assert gpu["LSTMCell"].status is Status.PASSED


BASE_CELL_RETURN = "        return forget_out + learn_out, stm\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("        self.hidden_size = hidden_size\n        both",
          "        self.hidden_size = hidden_size[0]\n        both"),
         "LSTMCell raised TypeError: 'int' object is not subscriptable (in LSTMCell.__init__"),
        ((BASE_CELL_RETURN, "        return forget_out + learn_out\n"),
         "LSTMCell.forward should return (ltm, stm), two (B, H) tensors; it returned"),
        (("        self.use_stm = nn.Linear(both, hidden_size)\n",
          "        self.use_stm = nn.Linear(both, hidden_size)\n        self.extra = nn.Linear(1, 1)\n"),
         "LSTMCell's state dict has unexpected extra.bias, extra.weight"),
        (("        self.use_ltm = nn.Linear(hidden_size, hidden_size)\n", ""),
         "LSTMCell's state dict is missing use_ltm.bias, use_ltm.weight"),
        ((BASE_CELL_RETURN, "        raise ValueError('shapes do not fit')\n"),
         "LSTMCell raised ValueError: shapes do not fit (in LSTMCell.forward, line"),
    ],
)
def test_a_broken_module_gets_one_sentence_and_the_others_are_still_graded(
    edit: tuple[str, str], words: str, submission: Callable[..., Path], settings: Settings
) -> None:
    from conftest import replace_once

    source = replace_once(numpy_fixture("correct", "addmm", "torch"), *edit)
    report = torch_report(source, submission, settings)
    by_id = {e.id: e for e in report.exercises}
    cell_messages = " | ".join(c.message for c in by_id["LSTMCell"].checks)
    assert words in cell_messages
    assert by_id["LSTMCell"].points < by_id["LSTMCell"].max_points
    assert by_id["StandardLSTMCell"].points == by_id["StandardLSTMCell"].max_points
    assert "Traceback" not in cell_messages


def test_the_standard_cells_weights_are_drawn_once_per_case_and_handed_out_as_copies() -> None:
    import numpy as np

    from grader.checks.cases import Case
    from grader.tracks.torch_track import _standard_state, standard_state

    case = Case(B=2, I=3, H=4, T=0, dtype="float64", magnitude=1.0, seed=7)
    first = standard_state(case)
    first["weight_ih"][...] = 0.0  # a caller that scribbles on its copy
    second = standard_state(case)
    assert second["weight_ih"].shape == (16, 3) and second["weight_ih"].any()
    assert _standard_state.cache_info().hits >= 1
    other = standard_state(Case(B=2, I=3, H=4, T=0, dtype="float64", magnitude=1.0, seed=8))
    assert not np.array_equal(other["weight_ih"], second["weight_ih"])


MIXED_DEVICES = """
import sys, torch
if sys.argv[1] == "native":
    sys.path.insert(0, {root!r})
    from grader.sandbox.runtime import torch_calls
    assert not torch_calls.native_meta(), "a second call changes nothing"
M = lambda *s: torch.empty(*s, device="meta", dtype=torch.float64)
C = lambda *s: torch.zeros(*s, dtype=torch.float64)
F = torch.nn.functional
probes = {{
    "mul": lambda: M(4, 8) * C(4, 8), "mul cpu first": lambda: C(4, 8) * M(4, 8), "add": lambda: M(4, 8) + C(4, 8),
    "sub": lambda: C(4, 8) - M(4, 8), "div": lambda: M(4, 8) / C(4, 8), "scalar tensor": lambda: M(4, 8) * C(()),
    "sigmoid": lambda: torch.sigmoid(M(4, 8)), "tanh": lambda: torch.tanh(M(4, 8)),
    "cat": lambda: torch.cat([C(4, 8), M(4, 8)], -1), "stack": lambda: torch.stack([M(4, 8), C(4, 8)]),
    "linear, cpu input": lambda: F.linear(C(4, 8), M(3, 8), M(3)),
    "linear, cpu weight": lambda: F.linear(M(4, 8), C(3, 8), C(3)),
    "linear, cpu bias": lambda: F.linear(M(4, 8), M(3, 8), C(3)),
    "addmm": lambda: torch.addmm(C(3), M(4, 8), M(8, 3)), "matmul": lambda: M(4, 8) @ C(8, 3),
    "where": lambda: torch.where(M(4, 8) > 0, M(4, 8), C(4, 8)), "relu": lambda: torch.relu(M(4, 8)),
    "in place": lambda: M(4, 8).mul_(C(4, 8)), "item": lambda: M(2).sum().item(),
}}
for name, probe in probes.items():
    try:
        out = probe()
        print(name, "->", out.device, tuple(out.shape), out.dtype)
    except Exception as error:
        print(name, "-> raises |", str(error).splitlines()[0])
"""


@pytest.mark.slow
def test_the_meta_device_rejects_a_cpu_tensor_wherever_torchs_python_kernels_do() -> None:
    """The child swaps a few of torch's Python meta kernels for C++ ones (``native_meta``: a module
    call on the meta device 2x faster); every mix of a CPU tensor and a meta one that torch's own
    kernels reject is still rejected, with the message a GPU gives; everything else is unchanged."""
    script = MIXED_DEVICES.format(root=str(ROOT))
    runs = {kind: subprocess.run([sys.executable, "-c", script, kind], capture_output=True, text=True, timeout=120)
            for kind in ("python", "native")}
    assert all(run.returncode == 0 for run in runs.values()), [run.stderr[-2000:] for run in runs.values()]
    python, native = (runs[kind].stdout.splitlines() for kind in ("python", "native"))
    assert len(python) == len(native) == 19
    gpu_like = "raises | Expected all tensors to be on the same device, but found at least two devices, meta and cpu!"
    for before, after in zip(python, native, strict=True):
        assert ("raises" in before) == ("raises" in after), (before, after)
        assert after == before or ("on the expected device" in before and after.endswith(gpu_like)), (before, after)
    assert "mul -> raises | Expected all tensors to be on the same device" in native[0]
    assert "mul -> raises | Tensor on device cpu is not on the expected device meta" in python[0]


def test_native_meta_leaves_torch_alone_when_its_internals_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another torch (an op missing from its Python meta kernels) keeps torch's kernels as they are."""
    from grader.sandbox.runtime import torch_calls

    monkeypatch.setattr(torch_calls, "NATIVE_META", ("aten::sigmoid", "aten::no_such_op"))
    kept = list(torch_calls._kept)
    assert torch_calls.native_meta() is False
    assert torch_calls._kept == kept


def _gradcheck_round_trips(monkeypatch: pytest.MonkeyPatch, file: Path, settings: Settings,
                           ahead: bool) -> tuple[dict[str, Any], list[int]]:
    """The LSTMCell exercise's report, and the calls of each round trip its gradcheck made."""
    from grader.checks import torch_gradients
    from grader.checks.context import CheckContext

    if not ahead:
        monkeypatch.setattr(torch_gradients._Remote, "fetch_ahead", lambda self: None)
    trips: list[int] = []
    real = CheckContext.run

    def spy(self: CheckContext, calls: Any) -> Any:
        frame = sys._getframe(1)
        if isinstance(frame.f_locals.get("self"), torch_gradients._Remote):
            trips.append(len(calls))
        return real(self, calls)

    monkeypatch.setattr(CheckContext, "run", spy)
    report = check_submission(file, exercise=["LSTMCell"], settings=settings, isolation="none", jobs=1)
    monkeypatch.undo()
    return report.to_dict(), trips


@pytest.mark.parametrize("fixture", ["reference", "inplace_breaks_autograd", "detached_outputs"])
def test_gradcheck_fetches_its_points_ahead_and_judges_as_it_would_one_by_one(
        fixture: str, monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path) -> None:
    """gradcheck's evaluations go to the sandbox in two round trips a case instead of one each: the
    same calls, the same report (a passing module, and two that gradcheck or its first call fails)."""
    file = ROOT / "solutions" / "lstm_torch.py"
    if fixture != "reference":
        file = tmp_path / "lstm_torch.py"
        file.write_text((FIXTURES / "torch" / "_base.py").read_text() + "\n\n"
                        + (FIXTURES / "torch" / "buggy" / f"{fixture}.py").read_text())
    quick = dataclasses.replace(settings, examples_scale=0.2)
    ahead, ahead_trips = _gradcheck_round_trips(monkeypatch, file, quick, ahead=True)
    one_by_one, single_trips = _gradcheck_round_trips(monkeypatch, file, quick, ahead=False)
    assert ahead == one_by_one
    assert len(single_trips) == sum(single_trips), "one by one: one call a round trip"
    print(fixture, len(ahead_trips), sum(ahead_trips), len(single_trips))
    if fixture == "reference":
        assert sum(ahead_trips) == sum(single_trips) > 60, "every point gradcheck asks for is run, once each time"
        assert ahead_trips == [1, 31] * (len(ahead_trips) // 2), "a case: its first point, then all the others"
    else:  # a failing case may run points the one-by-one run stopped before
        assert len(ahead_trips) < len(single_trips) <= sum(ahead_trips)
