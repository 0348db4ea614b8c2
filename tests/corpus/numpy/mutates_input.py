"""LSTM in numpy. I save memory in the forget gate by scaling the long-term memory in
place instead of allocating a new array."""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(x @ W_n.T + b_n) * sigmoid(x @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    f_t = sigmoid(x @ W_f.T + b_f)
    ltm_prev *= f_t  # in place, no copy
    return ltm_prev


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(x @ W_v.T + b_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
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
    a_u = d_stm * V * (1 - U ** 2)
    a_v = d_stm * U * V * (1 - V)
    d_fo = d_ltm + a_u @ p["W_u"]
    a_n = d_ltm * i * (1 - N ** 2)
    a_i = d_ltm * N * i * (1 - i)
    a_f = d_fo * ltm_prev * f * (1 - f)
    dx = a_n @ p["W_n"] + a_i @ p["W_i"] + a_f @ p["W_f"] + a_v @ p["W_v"]
    return {"ltm_prev": d_fo * f, "stm_prev": dx[:, :H], "event": dx[:, H:],
            "W_n": a_n.T @ x, "b_n": a_n.sum(0), "W_i": a_i.T @ x, "b_i": a_i.sum(0),
            "W_f": a_f.T @ x, "b_f": a_f.sum(0), "W_u": a_u.T @ fo, "b_u": a_u.sum(0),
            "W_v": a_v.T @ x, "b_v": a_v.sum(0)}
