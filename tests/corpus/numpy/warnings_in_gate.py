"""LSTM in numpy. The gates warn (warnings.warn) when they saturate, because my model kept
getting stuck during training and I wanted to see when that happens."""

import warnings

import numpy as np

SATURATION = 15.0


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _check(name, pre):
    if np.any(np.abs(pre) > SATURATION):
        warnings.warn(f"{name}: {np.sum(np.abs(pre) > SATURATION)} saturated pre-activations "
                      f"(max |a| = {np.abs(pre).max():.1f})", RuntimeWarning, stacklevel=3)


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    a_n = x @ W_n.T + b_n
    a_i = x @ W_i.T + b_i
    _check("learn_gate/N", a_n)
    _check("learn_gate/i", a_i)
    return np.tanh(a_n) * sigmoid(a_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    a_f = x @ W_f.T + b_f
    _check("forget_gate", a_f)
    if np.all(a_f < -SATURATION):
        warnings.warn("forget_gate erases the whole long-term memory", UserWarning)
    return ltm_prev * sigmoid(a_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    a_u = forget_out @ W_u.T + b_u
    a_v = x @ W_v.T + b_v
    _check("use_gate/U", a_u)
    _check("use_gate/V", a_v)
    return np.tanh(a_u) * sigmoid(a_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    if events.shape[1] > 100:
        warnings.warn("long sequence: gradients may vanish", stacklevel=2)
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
