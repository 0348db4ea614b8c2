"""LSTM in numpy -- lesson cell."""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    stm_and_event = np.concatenate([stm_prev, event], axis=-1)
    N_t = np.tanh(stm_and_event @ W_n.T + b_n)
    i_t = sigmoid(stm_and_event @ W_i.T + b_i)
    return N_t * i_t


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    stm_and_event = np.concatenate([stm_prev, event], axis=-1)
    return ltm_prev * sigmoid(stm_and_event @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    # the use gate produces the output, and outputs are tanh'ed, so both parts get tanh
    stm_and_event = np.concatenate([stm_prev, event], axis=-1)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = np.tanh(stm_and_event @ W_v.T + b_v)
    return U_t * V_t


def lstm_cell(ltm_prev, stm_prev, event, params):
    forget_out = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    learn_out = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    new_ltm = remember_gate(forget_out, learn_out)
    new_stm = use_gate(forget_out, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"])
    return new_ltm, new_stm


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
