"""LSTM in numpy.

(Gates are sigmoids, right? So the new information gets a sigmoid as well.)
"""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def linear(x, W, b):
    return x @ W.T + b


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    new_info = sigmoid(linear(x, W_n, b_n))
    ignore = sigmoid(linear(x, W_i, b_i))
    return new_info * ignore


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    return ltm_prev * sigmoid(linear(x, W_f, b_f))


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(linear(forget_out, W_u, b_u)) * sigmoid(linear(x, W_v, b_v))


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    return remember_gate(forget_out, learn_out), use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"],
                                                          p["W_v"], p["b_v"])


def lstm_forward(ltm0, stm0, events, params):
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
