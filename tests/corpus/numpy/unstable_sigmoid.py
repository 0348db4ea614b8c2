"""LSTM in numpy.

I replaced the given sigmoid by the formula from my statistics course,
e^x / (1 + e^x) -- the same function, and I understand this one.
"""

import numpy as np


def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    combined = np.concatenate([stm_prev, event], axis=-1)
    N_t = np.tanh(combined @ W_n.T + b_n)
    i_t = sigmoid(combined @ W_i.T + b_i)
    return N_t * i_t


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    combined = np.concatenate([stm_prev, event], axis=-1)
    f_t = sigmoid(combined @ W_f.T + b_f)
    return ltm_prev * f_t


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    combined = np.concatenate([stm_prev, event], axis=-1)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(combined @ W_v.T + b_v)
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
    H = stm_prev.shape[1]
    combined = np.concatenate([stm_prev, event], axis=-1)
    N = np.tanh(combined @ params["W_n"].T + params["b_n"])
    i = sigmoid(combined @ params["W_i"].T + params["b_i"])
    f = sigmoid(combined @ params["W_f"].T + params["b_f"])
    forget_out = ltm_prev * f
    U = np.tanh(forget_out @ params["W_u"].T + params["b_u"])
    V = sigmoid(combined @ params["W_v"].T + params["b_v"])

    dU = d_stm * V * (1 - U ** 2)
    dV = d_stm * U * V * (1 - V)
    d_forget_out = d_ltm + dU @ params["W_u"]
    dN = d_ltm * i * (1 - N ** 2)
    dI = d_ltm * N * i * (1 - i)
    dF = d_forget_out * ltm_prev * f * (1 - f)
    d_combined = dN @ params["W_n"] + dI @ params["W_i"] + dF @ params["W_f"] + dV @ params["W_v"]
    return {
        "ltm_prev": d_forget_out * f,
        "stm_prev": d_combined[:, :H],
        "event": d_combined[:, H:],
        "W_n": dN.T @ combined, "b_n": dN.sum(axis=0),
        "W_i": dI.T @ combined, "b_i": dI.sum(axis=0),
        "W_f": dF.T @ combined, "b_f": dF.sum(axis=0),
        "W_u": dU.T @ forget_out, "b_u": dU.sum(axis=0),
        "W_v": dV.T @ combined, "b_v": dV.sum(axis=0),
    }
