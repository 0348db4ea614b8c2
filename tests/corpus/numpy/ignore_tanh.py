"""LSTM in numpy.

Learn gate: the new information N and the ignore factor i -- both squashed with tanh so
they live in the same range (my reasoning: the ignore factor should be able to flip
information too).
"""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    N_t = np.tanh(x @ W_n.T + b_n)
    i_t = np.tanh(x @ W_i.T + b_i)
    return N_t * i_t


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    f_t = sigmoid(x @ W_f.T + b_f)
    return ltm_prev * f_t


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(x @ W_v.T + b_v)
    return U_t * V_t


def lstm_cell(ltm_prev, stm_prev, event, params):
    forget_out = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    learn_out = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    # consistent with my forward: i = tanh(a_i), so di/da_i = 1 - i^2
    H = stm_prev.shape[1]
    x = np.concatenate([stm_prev, event], axis=-1)
    N = np.tanh(x @ params["W_n"].T + params["b_n"])
    i = np.tanh(x @ params["W_i"].T + params["b_i"])
    f = sigmoid(x @ params["W_f"].T + params["b_f"])
    fo = ltm_prev * f
    U = np.tanh(fo @ params["W_u"].T + params["b_u"])
    V = sigmoid(x @ params["W_v"].T + params["b_v"])
    g_u = d_stm * V * (1 - U ** 2)
    g_v = d_stm * U * V * (1 - V)
    g_fo = d_ltm + g_u @ params["W_u"]
    g_n = d_ltm * i * (1 - N ** 2)
    g_i = d_ltm * N * (1 - i ** 2)
    g_f = g_fo * ltm_prev * f * (1 - f)
    g_x = g_n @ params["W_n"] + g_i @ params["W_i"] + g_f @ params["W_f"] + g_v @ params["W_v"]
    return {"ltm_prev": g_fo * f, "stm_prev": g_x[:, :H], "event": g_x[:, H:],
            "W_n": g_n.T @ x, "b_n": g_n.sum(0), "W_i": g_i.T @ x, "b_i": g_i.sum(0),
            "W_f": g_f.T @ x, "b_f": g_f.sum(0), "W_u": g_u.T @ fo, "b_u": g_u.sum(0),
            "W_v": g_v.T @ x, "b_v": g_v.sum(0)}
