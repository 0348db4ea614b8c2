"""The lesson's math built from replaceable parts, so a misconception is a part swapped out.

``lesson(parts)`` gives the four gates, the cell and the sequence exactly as the lesson writes
them, each calling the others through the namespace, so replacing the forget gate also changes
the cell and the sequence built on it. ``standard(...)`` is the textbook cell with its gate
order and biases as parameters, and ``backward(...)`` the stretch exercise's gradients with
terms that can be left out. With nothing replaced they equal the course's references (a test
holds them to it).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from grader.diagnosis.misconception import Parts


def sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    out: np.ndarray = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out


def naive_sigmoid(x: np.ndarray) -> np.ndarray:
    """e^x / (1 + e^x): inf/inf = nan once x passes exp's overflow (the misconception, runnable)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out: np.ndarray = np.exp(x) / (1 + np.exp(x))
    return out


def naive_tanh(x: np.ndarray) -> np.ndarray:
    """(e^2x - 1) / (e^2x + 1): inf/inf = nan once 2x passes exp's overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(2 * x)
        out: np.ndarray = (e - 1) / (e + 1)
    return out


def _learn(g: SimpleNamespace) -> Callable[..., Any]:
    return lambda stm, e, W_n, b_n, W_i, b_i: (g.new_info_act(g.concat(stm, e) @ W_n.T + b_n)
                                               * g.ignore_act(g.concat(stm, e) @ W_i.T + b_i))


def _forget(g: SimpleNamespace) -> Callable[..., Any]:
    return lambda ltm, stm, e, W_f, b_f: ltm * g.sigmoid(g.concat(stm, e) @ W_f.T + b_f)


def _use(g: SimpleNamespace) -> Callable[..., Any]:
    return lambda forget_out, stm, e, W_u, b_u, W_v, b_v: (g.tanh(forget_out @ W_u.T + b_u)
                                                           * g.use_act(g.concat(stm, e) @ W_v.T + b_v))


def _cell(g: SimpleNamespace) -> Callable[..., Any]:
    def cell(ltm: Any, stm: Any, e: Any, p: dict[str, Any]) -> tuple[Any, Any]:
        learn_out = g.learn_gate(stm, e, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
        forget_out = g.forget_gate(ltm, stm, e, p["W_f"], p["b_f"])
        return (g.remember_gate(forget_out, learn_out),
                g.use_gate(forget_out, stm, e, p["W_u"], p["b_u"], p["W_v"], p["b_v"]))

    return cell


def _forward(g: SimpleNamespace) -> Callable[..., Any]:
    def forward(ltm0: Any, stm0: Any, events: Any, p: dict[str, Any]) -> Any:
        ltm, stm, stms = ltm0, stm0, []
        for t in range(events.shape[1]):
            ltm, stm = g.lstm_cell(ltm, stm, events[:, t], p)
            stms.append(stm)
        return np.stack(stms, axis=1), (ltm, stm)

    return forward


LESSON: Parts = {
    "sigmoid": lambda g: sigmoid,
    "tanh": lambda g: np.tanh,
    # each gate's own activation, so that one can be swapped alone: N_t's tanh, i_t's and V_t's sigmoids
    "new_info_act": lambda g: g.tanh,
    "ignore_act": lambda g: g.sigmoid,
    "use_act": lambda g: g.sigmoid,
    "concat": lambda g: lambda stm, e: np.concatenate([stm, e], axis=-1),
    "learn_gate": _learn,
    "forget_gate": _forget,
    "remember_gate": lambda g: lambda forget_out, learn_out: forget_out + learn_out,
    "use_gate": _use,
    "lstm_cell": _cell,
    "lstm_forward": _forward,
}


def lesson(replaced: Parts | None = None) -> SimpleNamespace:
    """The lesson's functions with ``replaced`` parts (each built from the namespace it lives in)."""
    g = SimpleNamespace()
    for name, build in {**LESSON, **(replaced or {})}.items():
        setattr(g, name, build(g))
    return g


def standard(state: dict[str, np.ndarray], x: np.ndarray, h: np.ndarray, c: np.ndarray, *,
             order: str = "ifgo", bias_ih: bool = True, bias_hh: bool = True, hx_swapped: bool = False,
             out_swapped: bool = False) -> dict[str, np.ndarray]:
    """torch.nn.LSTMCell's step, with the ways of getting it wrong as switches."""
    if hx_swapped:
        h, c = c, h
    gates = x @ state["weight_ih"].T + h @ state["weight_hh"].T
    gates = gates + (state["bias_ih"] if bias_ih else 0) + (state["bias_hh"] if bias_hh else 0)
    chunks = dict(zip(order, np.split(gates, 4, axis=-1), strict=True))
    c_next = sigmoid(chunks["f"]) * c + sigmoid(chunks["i"]) * np.tanh(chunks["g"])
    h_next = sigmoid(chunks["o"]) * np.tanh(c_next)
    return {"h": c_next, "c": h_next} if out_swapped else {"h": h_next, "c": c_next}


def backward(ltm: np.ndarray, stm: np.ndarray, e: np.ndarray, p: dict[str, np.ndarray], d_ltm: np.ndarray,
             d_stm: np.ndarray, *, omit: frozenset[str] = frozenset(), naive: bool = False) -> dict[str, np.ndarray]:
    """The gradients of sum(d_ltm * ltm + d_stm * stm); ``omit`` leaves named terms out ("bias_sum": the bias
    gradients averaged over the batch instead of summed); ``naive``: the gates recomputed with an overflowing
    sigmoid."""
    H = stm.shape[1]
    act, tanh = naive_sigmoid if naive else sigmoid, np.tanh
    x = np.concatenate([stm, e], axis=-1)
    N, i, f = tanh(x @ p["W_n"].T + p["b_n"]), act(x @ p["W_i"].T + p["b_i"]), act(x @ p["W_f"].T + p["b_f"])
    forget_out = ltm * f
    U, V = tanh(forget_out @ p["W_u"].T + p["b_u"]), act(x @ p["W_v"].T + p["b_v"])

    def term(name: str, value: Any) -> Any:
        return 1.0 if name in omit else value

    da_u = d_stm * V * term("tanh_u", 1 - U**2)
    da_v = d_stm * U * term("sigmoid_v", V * (1 - V))
    d_forget_out = d_ltm + (0 if "use_path" in omit else da_u @ p["W_u"])
    da_n = d_ltm * i * term("tanh_n", 1 - N**2)
    da_i = d_ltm * N * term("sigmoid_i", i * (1 - i))
    da_f = d_forget_out * ltm * term("sigmoid_f", f * (1 - f))
    dx = da_n @ p["W_n"] + da_i @ p["W_i"] + da_f @ p["W_f"] + da_v @ p["W_v"]
    def bias(da: np.ndarray) -> np.ndarray:
        summed: np.ndarray = da.mean(axis=0) if "bias_sum" in omit else da.sum(axis=0)
        return summed

    grads = {"ltm_prev": d_forget_out * f, "stm_prev": dx[:, :H], "event": dx[:, H:], "W_u": da_u.T @ forget_out,
             "b_u": bias(da_u)}
    for gate, da in (("n", da_n), ("i", da_i), ("f", da_f), ("v", da_v)):
        grads[f"W_{gate}"], grads[f"b_{gate}"] = da.T @ x, bias(da)
    return grads
