"""Submissions that hang, exit, crash, flood the terminal or eat memory are graded, not fatal:
the exercise that misbehaves loses its points with the reason, every other one is graded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import replace_once, solution_source

from grader.api import check_submission
from grader.config import Settings
from grader.results import Status

RETURN = "    return forget_out + learn_out\n"

UNRULY = {
    "hangs": ("    while True:\n        pass\n", Status.ERROR, "took longer than the 2 s time limit"),
    "exits": ("    import os\n    os._exit(0)\n", Status.ERROR, "exited (status 0) while running remember_gate"),
    "segfaults": ("    import ctypes\n    ctypes.string_at(0)\n", Status.ERROR, "segmentation fault"),
    "eats_memory": ("    return [bytearray(1 << 30) for _ in range(64)]\n", Status.ERROR, "ran out of memory"),
    "floods": ("    print('x' * (1 << 20))\n" + RETURN, Status.PASSED, ""),
}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if name == "hangs" else name
                                  for name in sorted(UNRULY)])
def test_an_unruly_gate_costs_only_its_own_points(
    name: str, submission: Callable[[str], Path], settings: Settings
) -> None:
    body, status, words = UNRULY[name]
    folder = submission(replace_once(solution_source(), RETURN, body))
    report = check_submission(folder, settings=settings)
    by_id = {e.id: e for e in report.exercises}
    remember = by_id["remember_gate"]
    assert remember.status is status
    if words:
        assert words in remember.checks[0].message
        assert remember.checks[0].message.startswith("could not be graded: ")
        assert remember.points == 0
    else:
        assert remember.points == remember.max_points
        assert "[output truncated]" in remember.checks[0].output
    for gate in ("learn_gate", "forget_gate", "use_gate"):
        assert by_id[gate].points == by_id[gate].max_points, f"{gate} should be graded normally"


@pytest.mark.slow
def test_a_gate_that_hangs_costs_one_time_limit_in_one_worker(submission: Callable[[str], Path],
                                                              settings: Settings) -> None:
    """One worker grades in the catalog's order: the gate hangs once, and the cell and the sequence,
    which call it, are told so at once (a batch grades this way) instead of hanging again."""
    import time

    folder = submission(replace_once(solution_source(), RETURN, UNRULY["hangs"][0]))
    started = time.monotonic()
    report = check_submission(folder, settings=settings, jobs=1)
    seconds = time.monotonic() - started
    by_id = {e.id: e for e in report.exercises}
    assert "remember_gate took longer than the 2 s time limit" in by_id["remember_gate"].checks[0].message
    for composite in ("lstm_cell", "lstm_forward"):
        message = by_id[composite].checks[0].message
        assert f"not run again: {composite} calls remember_gate, which already took longer" in message, message
        assert by_id[composite].points == 0
    assert by_id["learn_gate"].points == by_id["learn_gate"].max_points
    assert seconds < 2 * 2.0 + 8, f"{seconds:.1f} s: the time limit was spent more than once"


def test_two_workers_start_the_costly_import_then_meet_each_gate_before_what_calls_it() -> None:
    """Several workers: the torch task first (one worker starts paying for its import at once), then
    the catalog's order, so a gate that hangs is met before the cell and the sequence that call it:
    the worker it hung in then tells them so at once. (Ordered by weight, the cell and the sequence
    came before the gates, and a hanging gate cost three time limits in two workers, not two.)"""
    from grader.pipeline.submission import locate
    from grader.pipeline.workers import plan

    root = Path(__file__).resolve().parent.parent / "solutions"
    tasks = [task.items for task in plan(locate(root), None)]
    assert tasks[0] == (("numpy", "lstm_cell_backward"), ("torch", "LSTMCell"), ("torch", "LSTM"),
                        ("torch", "StandardLSTMCell"))
    assert tasks[1:] == [(("numpy", gate),) for gate in
                         ("learn_gate", "forget_gate", "remember_gate", "use_gate", "lstm_cell", "lstm_forward")]
    one_worker = [task.items for task in plan(locate(root), None, heavy_first=False)]
    assert one_worker == [*tasks[1:], tasks[0]], "one worker: the catalog's order throughout"
