"""LSTM in numpy.

Our lab's style guide says: never let numpy silently produce inf/nan. So I turn every
floating point problem into an exception at import time, and use the textbook sigmoid.
"""

import numpy as np

np.seterr(all="raise")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    stm_e = np.concatenate([stm_prev, event], axis=1)
    return np.tanh(stm_e @ W_n.T + b_n) * sigmoid(stm_e @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    stm_e = np.concatenate([stm_prev, event], axis=1)
    return ltm_prev * sigmoid(stm_e @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    stm_e = np.concatenate([stm_prev, event], axis=1)
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(stm_e @ W_v.T + b_v)


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
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
