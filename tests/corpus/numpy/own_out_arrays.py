"""LSTM in numpy, trying to avoid temporary arrays: numpy ufuncs with out= and in-place
updates -- but only ever on arrays I created myself, never on the arguments."""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)  # new array
    n = x @ W_n.T  # new array
    n += b_n
    np.tanh(n, out=n)
    i = x @ W_i.T
    i += b_i
    i = sigmoid(i)
    n *= i
    return n


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    f = x @ W_f.T
    f += b_f
    f = sigmoid(f)
    f *= ltm_prev
    return f


def remember_gate(forget_out, learn_out):
    out = forget_out.copy()
    out += learn_out
    return out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    u = forget_out @ W_u.T
    u += b_u
    np.tanh(u, out=u)
    v = x @ W_v.T
    v += b_v
    u *= sigmoid(v)
    return u


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    p = params
    H = stm_prev.shape[1]
    x = np.concatenate([stm_prev, event], axis=-1)
    N = np.tanh(x @ p["W_n"].T + p["b_n"])
    i = sigmoid(x @ p["W_i"].T + p["b_i"])
    f = sigmoid(x @ p["W_f"].T + p["b_f"])
    fo = ltm_prev * f
    U = np.tanh(fo @ p["W_u"].T + p["b_u"])
    V = sigmoid(x @ p["W_v"].T + p["b_v"])

    da_u = 1 - U * U
    da_u *= V
    da_u *= d_stm
    da_v = 1 - V
    da_v *= V * U
    da_v *= d_stm
    d_fo = da_u @ p["W_u"]
    d_fo += d_ltm
    da_n = 1 - N * N
    da_n *= i * d_ltm
    da_i = 1 - i
    da_i *= i * N * d_ltm
    da_f = 1 - f
    da_f *= f * ltm_prev * d_fo
    dx = da_n @ p["W_n"]
    dx += da_i @ p["W_i"]
    dx += da_f @ p["W_f"]
    dx += da_v @ p["W_v"]
    d_ltm_prev = d_fo * f
    return {
        "ltm_prev": d_ltm_prev, "stm_prev": dx[:, :H], "event": dx[:, H:],
        "W_n": da_n.T @ x, "b_n": da_n.sum(axis=0),
        "W_i": da_i.T @ x, "b_i": da_i.sum(axis=0),
        "W_f": da_f.T @ x, "b_f": da_f.sum(axis=0),
        "W_u": da_u.T @ fo, "b_u": da_u.sum(axis=0),
        "W_v": da_v.T @ x, "b_v": da_v.sum(axis=0),
    }
