"""Generators of per-student questions: draw a student's numbers, then solve them.

``draw`` needs nothing but the seed (so a learner can print their variant from a student copy);
``solve`` runs the course's reference solutions (solutions/lstm_numpy.py, imported by path in
the grader's own process) and returns ``answer`` plus the intermediate values an explanation may
name (``working``). Shapes follow the lesson: rows are batches, weights are (out, in) and
``[STM, E]`` puts STM first. The parameter counts of torch's layers are closed forms (torch is
optional here); tests check them against torch where it is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from grader.quiz.variants import Draws

Values = dict[str, Any]


@dataclass(frozen=True)
class Generator:
    draw: Callable[[Draws], Values]
    solve: Callable[[Values, ModuleType], Values]  # returns "answer" and the names in ``working``
    working: tuple[str, ...]
    what: str  # one line for docs/quizzes.md and error messages


def _arrays(values: Values) -> dict[str, Any]:
    return {k: np.asarray(v, dtype=np.float64) if isinstance(v, list) else v for k, v in values.items()}


def _concat(a: dict[str, Any]) -> Any:
    return np.concatenate([a["stm"], a["event"]], axis=-1)  # [STM_{t-1}, E_t], STM first


# ------------------------------------------------------------------------------ one gate, by hand


def _draw_sigmoid(d: Draws) -> Values:
    return {"x": d.decimal(-4.0, 4.0)}


def _solve_sigmoid(v: Values, ref: ModuleType) -> Values:
    return {"answer": float(ref.sigmoid(np.float64(v["x"])))}


def _draw_forget(d: Draws) -> Values:
    return {"ltm": d.matrix(1, 2, -2.0, 2.0), "stm": d.matrix(1, 2, -1.0, 1.0), "event": d.matrix(1, 1, -2.0, 2.0),
            "W_f": d.matrix(2, 3), "b_f": d.vector(2), "unit": d.integer(0, 1)}


def _solve_forget(v: Values, ref: ModuleType) -> Values:
    a, unit = _arrays(v), v["unit"]
    pre = (_concat(a) @ a["W_f"].T + a["b_f"])[0, unit]
    out = ref.forget_gate(a["ltm"], a["stm"], a["event"], a["W_f"], a["b_f"])[0, unit]
    return {"answer": float(out), "x": _concat(a)[0].tolist(), "pre": float(pre), "f": float(ref.sigmoid(pre)),
            "ltm_unit": float(a["ltm"][0, unit])}


def _draw_learn(d: Draws) -> Values:
    return {"stm": d.matrix(1, 1, -1.0, 1.0), "event": d.matrix(1, 2, -2.0, 2.0),
            "W_n": d.matrix(1, 3), "b_n": d.vector(1), "W_i": d.matrix(1, 3), "b_i": d.vector(1)}


def _solve_learn(v: Values, ref: ModuleType) -> Values:
    a = _arrays(v)
    x = _concat(a)
    pre_n, pre_i = (x @ a["W_n"].T + a["b_n"])[0, 0], (x @ a["W_i"].T + a["b_i"])[0, 0]
    out = ref.learn_gate(a["stm"], a["event"], a["W_n"], a["b_n"], a["W_i"], a["b_i"])[0, 0]
    return {"answer": float(out), "x": x[0].tolist(), "pre_n": float(pre_n), "N": float(np.tanh(pre_n)),
            "pre_i": float(pre_i), "i": float(ref.sigmoid(pre_i))}


def _draw_use(d: Draws) -> Values:
    return {"forget_out": d.matrix(1, 1, -2.0, 2.0), "stm": d.matrix(1, 1, -1.0, 1.0),
            "event": d.matrix(1, 1, -2.0, 2.0), "W_u": d.matrix(1, 1), "b_u": d.vector(1),
            "W_v": d.matrix(1, 2), "b_v": d.vector(1)}


def _solve_use(v: Values, ref: ModuleType) -> Values:
    a = _arrays(v)
    pre_u = (a["forget_out"] @ a["W_u"].T + a["b_u"])[0, 0]
    pre_v = (_concat(a) @ a["W_v"].T + a["b_v"])[0, 0]
    out = ref.use_gate(a["forget_out"], a["stm"], a["event"], a["W_u"], a["b_u"], a["W_v"], a["b_v"])[0, 0]
    return {"answer": float(out), "pre_u": float(pre_u), "U": float(np.tanh(pre_u)), "pre_v": float(pre_v),
            "V": float(ref.sigmoid(pre_v))}


def _draw_cell(d: Draws) -> Values:
    values: Values = {"ltm": d.matrix(1, 1, -2.0, 2.0), "stm": d.matrix(1, 1, -1.0, 1.0),
                      "event": d.matrix(1, 1, -2.0, 2.0)}
    for gate in "nif":
        values[f"W_{gate}"], values[f"b_{gate}"] = d.matrix(1, 2), d.vector(1)
    return values


def _solve_cell(v: Values, ref: ModuleType) -> Values:
    a = _arrays(v)
    zeros = {"W_u": np.zeros((1, 1)), "b_u": np.zeros(1), "W_v": np.zeros((1, 2)), "b_v": np.zeros(1)}
    params = {k: a[k] for k in ("W_n", "b_n", "W_i", "b_i", "W_f", "b_f")} | zeros  # LTM_t does not read them
    ltm, _ = ref.lstm_cell(a["ltm"], a["stm"], a["event"], params)
    x = _concat(a)
    gate = {g: float((x @ a[f"W_{g}"].T + a[f"b_{g}"])[0, 0]) for g in "nif"}
    return {"answer": float(ltm[0, 0]), "N": float(np.tanh(gate["n"])), "i": float(ref.sigmoid(gate["i"])),
            "f": float(ref.sigmoid(gate["f"]))}


# ------------------------------------------------------------------------------ parameter counts


def _draw_sizes(d: Draws) -> Values:
    return {"I": d.integer(2, 40), "H": d.integer(2, 64)}


def _solve_lesson_params(v: Values, ref: ModuleType) -> Values:
    size_i, size_h = v["I"], v["H"]
    shapes: dict[str, tuple[int, ...]] = {f"W_{g}": (size_h, size_h + size_i) for g in "nifv"}
    shapes |= {"W_u": (size_h, size_h)} | {f"b_{g}": (size_h,) for g in "nifuv"}
    params = {k: np.zeros(s) for k, s in shapes.items()}
    ref.lstm_cell(np.zeros((1, size_h)), np.zeros((1, size_h)), np.zeros((1, size_i)), params)  # the shapes fit
    return {"answer": sum(p.size for p in params.values()), "gates": 4 * size_h * (size_h + size_i + 1),
            "use": size_h * (size_h + 1)}


def _solve_torch_lstm(v: Values, ref: ModuleType) -> Values:
    size_i, size_h = v["I"], v["H"]
    return {"answer": 4 * size_h * (size_i + size_h) + 8 * size_h, "weights": 4 * size_h * (size_i + size_h),
            "biases": 8 * size_h}


def _solve_gru(v: Values, ref: ModuleType) -> Values:
    size_i, size_h = v["I"], v["H"]
    return {"answer": 3 * size_h * (size_i + size_h) + 6 * size_h, "weights": 3 * size_h * (size_i + size_h),
            "biases": 6 * size_h}


GENERATORS: dict[str, Generator] = {
    "sigmoid": Generator(_draw_sigmoid, _solve_sigmoid, (), "σ(x) for one number x"),
    "forget_gate": Generator(_draw_forget, _solve_forget, ("x", "pre", "f", "ltm_unit"),
                             "LTM_{t-1}·f_t for one unit (H = 2, I = 1)"),
    "learn_gate": Generator(_draw_learn, _solve_learn, ("x", "pre_n", "N", "pre_i", "i"),
                            "N_t·i_t (H = 1, I = 2)"),
    "use_gate": Generator(_draw_use, _solve_use, ("pre_u", "U", "pre_v", "V"), "STM_t = U_t·V_t (H = 1, I = 1)"),
    "cell_ltm": Generator(_draw_cell, _solve_cell, ("N", "i", "f"), "LTM_t of one lstm_cell step (H = 1, I = 1)"),
    "lesson_params": Generator(_draw_sizes, _solve_lesson_params, ("gates", "use"),
                               "parameters of the lesson's LSTMCell for random I, H"),
    "torch_lstm_params": Generator(_draw_sizes, _solve_torch_lstm, ("weights", "biases"),
                                   "parameters of a one-layer torch.nn.LSTM for random I, H"),
    "gru_params": Generator(_draw_sizes, _solve_gru, ("weights", "biases"),
                            "parameters of a one-layer torch.nn.GRU for random I, H"),
}
