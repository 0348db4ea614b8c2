"""numpy LSTM -- I preallocate every output array and fill it (coming from C, appending to
lists in a loop feels wrong)."""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _concat(stm_prev, event):
    B, H = stm_prev.shape
    I = event.shape[1]
    x = np.empty((B, H + I))
    x[:, :H] = stm_prev
    x[:, H:] = event
    return x


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = _concat(stm_prev, event)
    out = np.empty((x.shape[0], W_n.shape[0]))
    out[...] = np.tanh(x @ W_n.T + b_n) * sigmoid(x @ W_i.T + b_i)
    return out


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = _concat(stm_prev, event)
    out = np.empty(ltm_prev.shape)
    out[...] = ltm_prev * sigmoid(x @ W_f.T + b_f)
    return out


def remember_gate(forget_out, learn_out):
    out = np.empty(forget_out.shape)
    np.add(forget_out, learn_out, out=out)
    return out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = _concat(stm_prev, event)
    out = np.empty(forget_out.shape)
    out[...] = np.tanh(forget_out @ W_u.T + b_u) * sigmoid(x @ W_v.T + b_v)
    return out


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    B, T, _ = events.shape
    H = stm0.shape[1]
    stms = np.empty((B, T, H))
    ltm, stm = ltm0, stm0
    for t in range(T):
        ltm, stm = lstm_cell(ltm, stm, events[:, t, :], params)
        stms[:, t, :] = stm
    return stms, (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    p = params
    B, H = stm_prev.shape
    x = _concat(stm_prev, event)
    pre = {}
    for g in "nifv":
        pre[g] = x @ p["W_" + g].T + p["b_" + g]
    N, i, f, V = np.tanh(pre["n"]), sigmoid(pre["i"]), sigmoid(pre["f"]), sigmoid(pre["v"])
    forget_out = ltm_prev * f
    U = np.tanh(forget_out @ p["W_u"].T + p["b_u"])

    da = {g: np.empty((B, H)) for g in "nifuv"}
    da["u"][...] = d_stm * V * (1 - U ** 2)
    da["v"][...] = d_stm * U * V * (1 - V)
    d_forget_out = d_ltm + da["u"] @ p["W_u"]
    da["n"][...] = d_ltm * i * (1 - N ** 2)
    da["i"][...] = d_ltm * N * i * (1 - i)
    da["f"][...] = d_forget_out * ltm_prev * f * (1 - f)

    dx = np.zeros(x.shape)
    for g in "nifv":
        dx += da[g] @ p["W_" + g]

    grads = {"ltm_prev": d_forget_out * f, "stm_prev": dx[:, :H].copy(), "event": dx[:, H:].copy()}
    for g in "nifuv":
        source = forget_out if g == "u" else x
        grads["W_" + g] = da[g].T @ source
        grads["b_" + g] = da[g].sum(axis=0)
    return grads
