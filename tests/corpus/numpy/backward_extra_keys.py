"""LSTM in numpy + backward.

Sigmoid via logaddexp: σ(x) = exp(-log(1 + e^-x)) = exp(-logaddexp(0, -x)), which numpy
computes without overflow. My backward also returns the intermediate gradients (d_N, d_i,
...) -- handy for debugging, and the task says extra keys are ignored.
"""

import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(x @ W_n.T + b_n) * sigmoid(x @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    return ltm_prev * sigmoid(x @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(x @ W_v.T + b_v)


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

    grads = {"d_U": d_stm * V, "d_V": d_stm * U, "d_N": d_ltm * i, "d_i": d_ltm * N}
    grads["d_a_u"] = grads["d_U"] * (1 - U ** 2)
    grads["d_a_v"] = grads["d_V"] * V * (1 - V)
    grads["d_forget_out"] = d_ltm + grads["d_a_u"] @ p["W_u"]
    grads["d_a_n"] = grads["d_N"] * (1 - N ** 2)
    grads["d_a_i"] = grads["d_i"] * i * (1 - i)
    grads["d_a_f"] = grads["d_forget_out"] * ltm_prev * f * (1 - f)
    dx = sum(grads[f"d_a_{g}"] @ p[f"W_{g}"] for g in "nifv")
    grads["d_x"] = dx
    grads["ltm_prev"] = grads["d_forget_out"] * f
    grads["stm_prev"] = dx[:, :H]
    grads["event"] = dx[:, H:]
    for g in "nifuv":
        grads[f"W_{g}"] = grads[f"d_a_{g}"].T @ (fo if g == "u" else x)
        grads[f"b_{g}"] = grads[f"d_a_{g}"].sum(axis=0)
    return grads
