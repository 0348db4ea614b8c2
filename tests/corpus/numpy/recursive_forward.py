"""LSTM in numpy, with lstm_forward written recursively (functional style: the state after
T steps is the cell applied to the state after T - 1 steps)."""

import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def cat(stm, event):
    return np.concatenate([stm, event], axis=-1)


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = cat(stm_prev, event)
    return np.tanh(x @ W_n.T + b_n) * sigmoid(x @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    return ltm_prev * sigmoid(cat(stm_prev, event) @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(cat(stm_prev, event) @ W_v.T + b_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    g = lambda k: params[k]  # noqa: E731  (I like short names)
    forget_out = forget_gate(ltm_prev, stm_prev, event, g("W_f"), g("b_f"))
    learn_out = learn_gate(stm_prev, event, g("W_n"), g("b_n"), g("W_i"), g("b_i"))
    return (remember_gate(forget_out, learn_out),
            use_gate(forget_out, stm_prev, event, g("W_u"), g("b_u"), g("W_v"), g("b_v")))


def _run(ltm, stm, events, params, t):
    """The STMs of steps t, t+1, ... and the final state, starting from (ltm, stm) before step t."""
    if t == events.shape[1]:
        return [], (ltm, stm)
    ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
    rest, final = _run(ltm, stm, events, params, t + 1)
    return [stm] + rest, final


def lstm_forward(ltm0, stm0, events, params):
    stms, final = _run(ltm0, stm0, events, params, 0)
    return np.stack(stms, axis=1), final


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
