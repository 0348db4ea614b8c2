"""LSTM in numpy -- my solution for the LSTM lesson.

I use scipy's expit for the sigmoid (the TA said it is the same thing as the given
sigmoid and it is already vectorised and stable).
"""

import numpy as np
from scipy.special import expit


def sigmoid(x):
    # kept so that the name still exists, but everything below calls expit directly
    return expit(x)


def _stm_event(stm_prev, event):
    # [STM, E], STM first!!
    return np.concatenate((stm_prev, event), axis=1)


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = _stm_event(stm_prev, event)
    N_t = np.tanh(x @ W_n.T + b_n)
    i_t = expit(x @ W_i.T + b_i)
    return N_t * i_t


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = _stm_event(stm_prev, event)
    f_t = expit(x @ W_f.T + b_f)
    return ltm_prev * f_t


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = _stm_event(stm_prev, event)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = expit(x @ W_v.T + b_v)
    return U_t * V_t


def lstm_cell(ltm_prev, stm_prev, event, params):
    forget_out = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    learn_out = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    outputs = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t, :], params)
        outputs.append(stm)
    return np.stack(outputs, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    H = stm_prev.shape[1]
    x = _stm_event(stm_prev, event)

    # forward again, keeping everything
    N = np.tanh(x @ params["W_n"].T + params["b_n"])
    i = expit(x @ params["W_i"].T + params["b_i"])
    f = expit(x @ params["W_f"].T + params["b_f"])
    kept = ltm_prev * f
    U = np.tanh(kept @ params["W_u"].T + params["b_u"])
    V = expit(x @ params["W_v"].T + params["b_v"])

    # stm = U * V
    dU = d_stm * V
    dV = d_stm * U
    da_u = dU * (1.0 - U * U)
    da_v = dV * V * (1.0 - V)

    # kept goes into ltm directly and into the use gate
    d_kept = d_ltm + da_u @ params["W_u"]

    # ltm = kept + N * i
    da_n = d_ltm * i * (1.0 - N * N)
    da_i = d_ltm * N * i * (1.0 - i)
    da_f = d_kept * ltm_prev * f * (1.0 - f)

    dx = da_n @ params["W_n"] + da_i @ params["W_i"] + da_f @ params["W_f"] + da_v @ params["W_v"]

    grads = {
        "ltm_prev": d_kept * f,
        "stm_prev": dx[:, :H],
        "event": dx[:, H:],
    }
    for name, da, inp in (("n", da_n, x), ("i", da_i, x), ("f", da_f, x), ("u", da_u, kept), ("v", da_v, x)):
        grads["W_" + name] = da.T @ inp
        grads["b_" + name] = np.sum(da, axis=0)
    return grads
