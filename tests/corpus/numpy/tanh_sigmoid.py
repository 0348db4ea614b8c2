"""LSTM in numpy.

Trick from a blog post: σ(x) = (1 + tanh(x/2)) / 2. np.tanh never overflows, so this
sigmoid is stable without any np.where.
"""

import numpy as np


def sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


def affine(stm_prev, event, W, b):
    """W [STM, E] + b with W shaped (out, in)."""
    return np.concatenate([stm_prev, event], axis=-1) @ W.T + b


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    return np.tanh(affine(stm_prev, event, W_n, b_n)) * sigmoid(affine(stm_prev, event, W_i, b_i))


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    return ltm_prev * sigmoid(affine(stm_prev, event, W_f, b_f))


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(affine(stm_prev, event, W_v, b_v))
    return U_t * V_t


def lstm_cell(ltm_prev, stm_prev, event, params):
    P = params
    kept = forget_gate(ltm_prev, stm_prev, event, P["W_f"], P["b_f"])
    learned = learn_gate(stm_prev, event, P["W_n"], P["b_n"], P["W_i"], P["b_i"])
    return remember_gate(kept, learned), use_gate(kept, stm_prev, event, P["W_u"], P["b_u"], P["W_v"], P["b_v"])


def lstm_forward(ltm0, stm0, events, params):
    T = events.shape[1]
    ltm, stm = ltm0, stm0
    stms = [None] * T
    for t in range(T):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms[t] = stm
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    P = params
    H = stm_prev.shape[-1]
    x = np.concatenate([stm_prev, event], axis=-1)
    n = np.tanh(x @ P["W_n"].T + P["b_n"])
    i = sigmoid(x @ P["W_i"].T + P["b_i"])
    f = sigmoid(x @ P["W_f"].T + P["b_f"])
    kept = ltm_prev * f
    u = np.tanh(kept @ P["W_u"].T + P["b_u"])
    v = sigmoid(x @ P["W_v"].T + P["b_v"])

    # d sigma = sigma (1 - sigma), d tanh = 1 - tanh^2
    gu = d_stm * v * (1 - u * u)
    gv = d_stm * u * v * (1 - v)
    gk = d_ltm + gu @ P["W_u"]
    gn = d_ltm * i * (1 - n * n)
    gi = d_ltm * n * i * (1 - i)
    gf = gk * ltm_prev * f * (1 - f)
    gx = gn @ P["W_n"] + gi @ P["W_i"] + gf @ P["W_f"] + gv @ P["W_v"]
    grads = dict(ltm_prev=gk * f, stm_prev=gx[:, :H], event=gx[:, H:])
    grads.update(W_n=gn.T @ x, W_i=gi.T @ x, W_f=gf.T @ x, W_u=gu.T @ kept, W_v=gv.T @ x)
    grads.update(b_n=gn.sum(0), b_i=gi.sum(0), b_f=gf.sum(0), b_u=gu.sum(0), b_v=gv.sum(0))
    return grads
