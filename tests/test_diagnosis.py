"""The misconception library: every entry is a real mistake, named from a fixture that makes it,
and correct work is never accused."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, ROOT, requires_torch

from grader.checks.cases import Case
from grader.diagnosis.matcher import verdict
from grader.diagnosis.source import course_library
from grader.results import Report

LIBRARY = course_library(Path(__file__).resolve().parent.parent)  # the course's, by path
compose = LIBRARY.compose
MISCONCEPTIONS = LIBRARY.misconceptions

# misconception -> the fixture that makes it (track, name), from tests/fixtures/diagnoses.toml
FIXTURE = {name: tuple(where.split("/")) for name, where in tomllib.loads(
    (FIXTURES / "diagnoses.toml").read_text())["diagnoses"].items()}


def reference() -> object:
    sys.path.insert(0, str(ROOT / "solutions"))
    import lstm_numpy  # type: ignore[import-not-found]

    return lstm_numpy


def test_the_library_is_big_and_every_entry_has_a_fixture() -> None:
    ids = [m.id for m in MISCONCEPTIONS]
    assert len(ids) == len(set(ids)) >= 25
    assert set(FIXTURE) == set(ids)
    assert sum(1 for m in MISCONCEPTIONS if not m.pattern) >= 25  # runnable variants of the reference


def test_with_nothing_replaced_the_parts_are_the_reference() -> None:
    ref = reference()
    g = compose.lesson()
    case = Case(B=3, I=2, H=4, T=3, dtype="float64", magnitude=5.0, seed=1)
    a, p = case.arrays, case.params
    for got, want in (
        (g.lstm_cell(a["ltm_prev"], a["stm_prev"], a["event"], p), ref.lstm_cell(a["ltm_prev"], a["stm_prev"],  # type: ignore[attr-defined]
                                                                                  a["event"], p)),
        (g.lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], p)[0],
         ref.lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], p)[0]),  # type: ignore[attr-defined]
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    d = np.ones((3, 4))
    grads = compose.backward(a["ltm_prev"], a["stm_prev"], a["event"], p, d, d)
    want = ref.lstm_cell_backward(a["ltm_prev"], a["stm_prev"], a["event"], p, d, d)  # type: ignore[attr-defined]
    for key, value in want.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-12)


@requires_torch
def test_the_standard_cell_with_no_switch_is_torchs_own() -> None:
    import torch

    cell = torch.nn.LSTMCell(3, 5).double()
    state = {k: v.detach().numpy() for k, v in cell.state_dict().items()}
    x, h, c = (np.random.default_rng(k).normal(size=(2, n)) for k, n in ((1, 3), (2, 5), (3, 5)))
    want = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
    got = compose.standard(state, x, h, c)
    np.testing.assert_allclose(got["h"], want[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["c"], want[1].detach().numpy(), rtol=1e-12, atol=1e-12)


OVERFLOWING = {"unstable_sigmoid", "unstable_tanh", "backward_unstable"}  # they differ only where exp overflows


def test_every_variant_is_a_real_mistake() -> None:
    ordinary = Case(B=2, I=3, H=4, T=3, dtype="float64", magnitude=5.0, seed=2)
    saturating = Case(B=2, I=3, H=4, T=3, dtype="float64", magnitude=1.0, seed=2, saturate="nifuv+")
    right = compose.lesson()
    for m in MISCONCEPTIONS:
        a, p = (saturating if m.id in OVERFLOWING else ordinary).arrays, ordinary.params
        if m.id in OVERFLOWING:
            p = saturating.params
        if m.lesson:
            g = compose.lesson(m.lesson)
            wrong = g.lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], p)
            want = right.lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], p)
            same = (wrong[0].shape == (2, 3, 4) and np.allclose(wrong[0], want[0], equal_nan=False)
                    and np.allclose(wrong[1][0], want[1][0]))
            assert not same, m.id
        elif m.omit or m.naive:
            d = np.ones((2, 4))
            wrong_grads = compose.backward(a["ltm_prev"], a["stm_prev"], a["event"], p, d, d, omit=m.omit,
                                           naive=m.naive)
            right_grads = compose.backward(a["ltm_prev"], a["stm_prev"], a["event"], p, d, d)
            assert any(not np.allclose(wrong_grads[k], right_grads[k]) for k in right_grads), m.id
        elif m.gradients:
            assert m.gradients == "detached_state" and m.exercises == ("LSTM",), m.id  # tested from its fixture
        elif m.sizes:
            assert m.sizes in ("batch_of_one", "fixed", "squeezed"), m.id  # tested from their fixtures
        elif m.standard:
            state = {"weight_ih": np.ones((16, 3)) * 0.3, "weight_hh": np.eye(16, 4), "bias_ih": np.arange(16.0) / 9,
                     "bias_hh": np.arange(16.0)[::-1] / 7}
            x, h, c = np.full((2, 3), 0.5), np.full((2, 4), 0.25), np.full((2, 4), -0.75)
            wrong_out, right_out = compose.standard(state, x, h, c, **m.standard), compose.standard(state, x, h, c)
            assert not all(np.allclose(wrong_out[k], right_out[k]) for k in ("h", "c")), m.id
        else:
            assert m.pattern, m.id


def test_two_agreeing_variants_are_both_named() -> None:
    first, second = MISCONCEPTIONS[0], MISCONCEPTIONS[1]
    both = verdict([first, second])
    assert both is not None and both.id == f"{first.id}+{second.id}"
    assert "one of 2 mistakes" in both.message and first.title in both.message and second.title in both.message
    assert verdict([]) is None


@pytest.mark.parametrize("misconception", [  # a torch fixture takes seconds to grade, a numpy one under one
    pytest.param(m, marks=pytest.mark.slow) if FIXTURE[m][0] == "torch" else m for m in sorted(FIXTURE)])
def test_each_misconception_is_named_from_its_fixture(
    misconception: str, buggy_report: Callable[[str, str], Report]
) -> None:
    track, name = FIXTURE[misconception]
    if track == "torch":
        pytest.importorskip("torch")
    report = buggy_report(track, name)
    named = [c for c in report.checks() if c.diagnosis is not None]
    assert any(c.diagnosis.id == misconception for c in named), [(c.id, c.diagnosis) for c in named]  # type: ignore[union-attr]
    data = report.to_dict()
    flagged = [c for e in data["exercises"] for c in e["checks"] if c["diagnosis"]]
    assert all(c["status"] == "failed" and set(c["diagnosis"]) == {"id", "message"} for c in flagged)
