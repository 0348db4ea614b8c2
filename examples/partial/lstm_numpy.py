"""An example submission: some gates right, some wrong (for the README's first command)."""

import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=1)
    return np.tanh(x @ W_n.T + b_n) * sigmoid(x @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=1)
    f_t = sigmoid(x @ W_f.T + b_f)
    return stm_prev * f_t  # mistake: the forget factor should scale the long-term memory


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([event, stm_prev], axis=1)  # mistake: the lesson puts STM first
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(x @ W_v.T + b_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    raise NotImplementedError("lstm_forward: replace this line with your code")


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
