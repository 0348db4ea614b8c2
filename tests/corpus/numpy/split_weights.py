"""LSTM in numpy.

Instead of concatenating [STM, E] I split every weight matrix into the half that multiplies
STM and the half that multiplies E:  W [STM, E] = W[:, :H] STM + W[:, H:] E.
(Same maths, and it is how the lecture slide draws it, with two arrows into each gate.)
"""

import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def two_inputs(stm_prev, event, W, b):
    H = stm_prev.shape[1]
    W_stm, W_event = W[:, :H], W[:, H:]
    return stm_prev @ W_stm.T + event @ W_event.T + b


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    N_t = np.tanh(two_inputs(stm_prev, event, W_n, b_n))
    i_t = sigmoid(two_inputs(stm_prev, event, W_i, b_i))
    return N_t * i_t


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    f_t = sigmoid(two_inputs(stm_prev, event, W_f, b_f))
    return ltm_prev * f_t


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(two_inputs(stm_prev, event, W_v, b_v))
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
        stms.append(stm[:, None, :])
    return np.concatenate(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    H = stm_prev.shape[1]
    W = {g: params["W_" + g] for g in "nifuv"}
    b = {g: params["b_" + g] for g in "nifuv"}
    N = np.tanh(two_inputs(stm_prev, event, W["n"], b["n"]))
    i = sigmoid(two_inputs(stm_prev, event, W["i"], b["i"]))
    f = sigmoid(two_inputs(stm_prev, event, W["f"], b["f"]))
    fo = ltm_prev * f
    U = np.tanh(fo @ W["u"].T + b["u"])
    V = sigmoid(two_inputs(stm_prev, event, W["v"], b["v"]))

    d = {}
    d["u"] = d_stm * V * (1 - U ** 2)
    d["v"] = d_stm * U * V * (1 - V)
    d_fo = d_ltm + d["u"] @ W["u"]
    d["n"] = d_ltm * i * (1 - N ** 2)
    d["i"] = d_ltm * N * i * (1 - i)
    d["f"] = d_fo * ltm_prev * f * (1 - f)

    grads = {"ltm_prev": d_fo * f, "stm_prev": 0, "event": 0}
    for g in "nifv":
        grads["stm_prev"] = grads["stm_prev"] + d[g] @ W[g][:, :H]
        grads["event"] = grads["event"] + d[g] @ W[g][:, H:]
        grads["W_" + g] = np.hstack([d[g].T @ stm_prev, d[g].T @ event])
        grads["b_" + g] = d[g].sum(axis=0)
    grads["W_u"] = d["u"].T @ fo
    grads["b_u"] = d["u"].sum(axis=0)
    return grads
