"""LSTM (numpy). I am used to PyTorch's default seq-first layout, so inside lstm_forward I
turn the batch-first events into time-major (T, B, I), loop over the first axis, and turn
the outputs back into batch-first (B, T, H) at the end."""

import numpy as np


def sigmoid(x):
    """Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    se = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(se @ W_n.T + b_n) * sigmoid(se @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    se = np.concatenate([stm_prev, event], axis=-1)
    return ltm_prev * sigmoid(se @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    se = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(se @ W_v.T + b_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    forget_out = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    learn_out = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    seq = events.transpose(1, 0, 2)  # (T, B, I)
    ltm, stm = ltm0, stm0
    outs = []
    for x_t in seq:  # iterate over time
        ltm, stm = lstm_cell(ltm, stm, x_t, params)
        outs.append(stm)
    out = np.array(outs)  # (T, B, H)
    return out.transpose(1, 0, 2), (ltm, stm)  # back to (B, T, H)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
