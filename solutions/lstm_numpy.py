"""Reference solutions for the numpy track: the lesson's equations, line by line.

The grader imports this file in its own (trusted) process only; it is never copied next to
a submission. Shapes: event (B, I); stm, ltm (B, H); W (out, in) like torch.nn.Linear.
"""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    """N_t * i_t."""
    x = np.concatenate([stm_prev, event], axis=-1)  # [STM_{t-1}, E_t]
    N_t = np.tanh(x @ W_n.T + b_n)
    i_t = sigmoid(x @ W_i.T + b_i)
    return N_t * i_t


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    """LTM_{t-1} * f_t."""
    x = np.concatenate([stm_prev, event], axis=-1)
    f_t = sigmoid(x @ W_f.T + b_f)
    return ltm_prev * f_t


def remember_gate(forget_out, learn_out):
    """LTM_t = LTM_{t-1} f_t + N_t i_t."""
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    """STM_t = U_t * V_t."""
    x = np.concatenate([stm_prev, event], axis=-1)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(x @ W_v.T + b_v)
    return U_t * V_t


def lstm_cell(ltm_prev, stm_prev, event, params):
    """One step: (LTM_t, STM_t)."""
    p = params
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    """The cell over a batch-first sequence: (stms, (ltm_T, stm_T))."""
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Gradients of sum(d_ltm * ltm + d_stm * stm) for one lstm_cell step (backpropagation)."""
    p = params
    H = stm_prev.shape[1]
    x = np.concatenate([stm_prev, event], axis=-1)
    N = np.tanh(x @ p["W_n"].T + p["b_n"])
    i = sigmoid(x @ p["W_i"].T + p["b_i"])
    f = sigmoid(x @ p["W_f"].T + p["b_f"])
    forget_out = ltm_prev * f
    U = np.tanh(forget_out @ p["W_u"].T + p["b_u"])
    V = sigmoid(x @ p["W_v"].T + p["b_v"])

    da_u = d_stm * V * (1 - U**2)  # through STM_t = U_t V_t, U_t = tanh(a_u)
    da_v = d_stm * U * V * (1 - V)
    d_forget_out = d_ltm + da_u @ p["W_u"]  # LTM_t and the use gate both read forget_out
    da_n = d_ltm * i * (1 - N**2)  # through LTM_t = forget_out + N_t i_t
    da_i = d_ltm * N * i * (1 - i)
    da_f = d_forget_out * ltm_prev * f * (1 - f)
    dx = da_n @ p["W_n"] + da_i @ p["W_i"] + da_f @ p["W_f"] + da_v @ p["W_v"]
    return {
        "ltm_prev": d_forget_out * f,
        "stm_prev": dx[:, :H],
        "event": dx[:, H:],
        "W_n": da_n.T @ x, "b_n": da_n.sum(axis=0),
        "W_i": da_i.T @ x, "b_i": da_i.sum(axis=0),
        "W_f": da_f.T @ x, "b_f": da_f.sum(axis=0),
        "W_u": da_u.T @ forget_out, "b_u": da_u.sum(axis=0),
        "W_v": da_v.T @ x, "b_v": da_v.sum(axis=0),
    }
