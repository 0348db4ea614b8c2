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

Parts = dict[str, Callable[[SimpleNamespace], Callable[..., Any]]]


def sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    out: np.ndarray = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out


def _learn(g: SimpleNamespace) -> Callable[..., Any]:
    return lambda stm, e, W_n, b_n, W_i, b_i: (np.tanh(g.concat(stm, e) @ W_n.T + b_n)
                                               * g.sigmoid(g.concat(stm, e) @ W_i.T + b_i))


def _forget(g: SimpleNamespace) -> Callable[..., Any]:
    return lambda ltm, stm, e, W_f, b_f: ltm * g.sigmoid(g.concat(stm, e) @ W_f.T + b_f)


def _use(g: SimpleNamespace) -> Callable[..., Any]:
    return lambda forget_out, stm, e, W_u, b_u, W_v, b_v: (np.tanh(forget_out @ W_u.T + b_u)
                                                           * g.sigmoid(g.concat(stm, e) @ W_v.T + b_v))


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
             d_stm: np.ndarray, *, omit: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """The gradients of sum(d_ltm * ltm + d_stm * stm); ``omit`` leaves named terms out."""
    H = stm.shape[1]
    x = np.concatenate([stm, e], axis=-1)
    N, i, f = np.tanh(x @ p["W_n"].T + p["b_n"]), sigmoid(x @ p["W_i"].T + p["b_i"]), sigmoid(x @ p["W_f"].T + p["b_f"])
    forget_out = ltm * f
    U, V = np.tanh(forget_out @ p["W_u"].T + p["b_u"]), sigmoid(x @ p["W_v"].T + p["b_v"])

    def term(name: str, value: Any) -> Any:
        return 1.0 if name in omit else value

    da_u = d_stm * V * term("tanh_u", 1 - U**2)
    da_v = d_stm * U * term("sigmoid_v", V * (1 - V))
    d_forget_out = d_ltm + (0 if "use_path" in omit else da_u @ p["W_u"])
    da_n = d_ltm * i * term("tanh_n", 1 - N**2)
    da_i = d_ltm * N * term("sigmoid_i", i * (1 - i))
    da_f = d_forget_out * ltm * term("sigmoid_f", f * (1 - f))
    dx = da_n @ p["W_n"] + da_i @ p["W_i"] + da_f @ p["W_f"] + da_v @ p["W_v"]
    grads = {"ltm_prev": d_forget_out * f, "stm_prev": dx[:, :H], "event": dx[:, H:], "W_u": da_u.T @ forget_out,
             "b_u": da_u.sum(axis=0)}
    for gate, da in (("n", da_n), ("i", da_i), ("f", da_f), ("v", da_v)):
        grads[f"W_{gate}"], grads[f"b_{gate}"] = da.T @ x, da.sum(axis=0)
    return grads
