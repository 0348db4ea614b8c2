"""LSTM with np.einsum for every contraction -- I find the index notation clearer than
remembering where the .T goes.

    'bk,hk->bh'  : batch b, hidden h, input feature k  (x @ W.T)
"""

import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _lin(x, W, b):
    return np.einsum("bk,hk->bh", x, W) + b


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.einsum("bh,bh->bh", np.tanh(_lin(x, W_n, b_n)), sigmoid(_lin(x, W_i, b_i)))


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.einsum("bh,bh->bh", ltm_prev, sigmoid(_lin(x, W_f, b_f)))


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    U = np.tanh(_lin(forget_out, W_u, b_u))
    V = sigmoid(_lin(x, W_v, b_v))
    return np.einsum("bh,bh->bh", U, V)


def lstm_cell(ltm_prev, stm_prev, event, params):
    fo = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    lo = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    return remember_gate(fo, lo), use_gate(fo, stm_prev, event, params["W_u"], params["b_u"],
                                           params["W_v"], params["b_v"])


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    out = []
    for t in range(events.shape[1]):
        e_t = np.einsum("bti->bi", events[:, t:t + 1, :])  # the step t slice, (B, I)
        ltm, stm = lstm_cell(ltm, stm, e_t, params)
        out.append(stm)
    return np.einsum("tbh->bth", np.array(out)), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    H = stm_prev.shape[1]
    x = np.concatenate([stm_prev, event], axis=-1)
    N = np.tanh(_lin(x, params["W_n"], params["b_n"]))
    i = sigmoid(_lin(x, params["W_i"], params["b_i"]))
    f = sigmoid(_lin(x, params["W_f"], params["b_f"]))
    fo = ltm_prev * f
    U = np.tanh(_lin(fo, params["W_u"], params["b_u"]))
    V = sigmoid(_lin(x, params["W_v"], params["b_v"]))

    dau = d_stm * V * (1 - U ** 2)
    dav = d_stm * U * V * (1 - V)
    dfo = d_ltm + np.einsum("bh,hk->bk", dau, params["W_u"])
    dan = d_ltm * i * (1 - N ** 2)
    dai = d_ltm * N * i * (1 - i)
    daf = dfo * ltm_prev * f * (1 - f)
    dx = sum(np.einsum("bh,hk->bk", da, params[w])
             for da, w in ((dan, "W_n"), (dai, "W_i"), (daf, "W_f"), (dav, "W_v")))
    return {
        "ltm_prev": dfo * f,
        "stm_prev": dx[:, :H],
        "event": dx[:, H:],
        "W_n": np.einsum("bh,bk->hk", dan, x), "b_n": np.einsum("bh->h", dan),
        "W_i": np.einsum("bh,bk->hk", dai, x), "b_i": np.einsum("bh->h", dai),
        "W_f": np.einsum("bh,bk->hk", daf, x), "b_f": np.einsum("bh->h", daf),
        "W_u": np.einsum("bh,bk->hk", dau, fo), "b_u": np.einsum("bh->h", dau),
        "W_v": np.einsum("bh,bk->hk", dav, x), "b_v": np.einsum("bh->h", dav),
    }
