"""LSTM numpy track, including the stretch backward.

I did not trust myself with the matrix form of the backward pass, so lstm_cell_backward
goes element by element with plain Python loops, exactly like the chain rule on paper.
Slow, but the sizes in this exercise are tiny.
"""

import math

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(x @ W_n.T + b_n) * sigmoid(x @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    x = np.concatenate([stm_prev, event], axis=-1)
    return ltm_prev * sigmoid(x @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    x = np.concatenate([stm_prev, event], axis=-1)
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(x @ W_v.T + b_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    p = params
    kept = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learned = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    return remember_gate(kept, learned), use_gate(kept, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def _sig(a):
    # scalar, stable
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    z = math.exp(a)
    return z / (1.0 + z)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    B, H = stm_prev.shape
    I = event.shape[1]
    K = H + I
    x = [[float(stm_prev[b, k]) if k < H else float(event[b, k - H]) for k in range(K)] for b in range(B)]
    W = {g: params["W_" + g] for g in "nifuv"}
    bias = {g: params["b_" + g] for g in "nifuv"}

    grads = {name: np.zeros(np.shape(params[name])) for name in params}
    g_ltm = np.zeros((B, H))
    g_x = np.zeros((B, K))

    for b in range(B):
        # forward for this row
        pre = {g: [float(bias[g][h]) + sum(float(W[g][h, k]) * x[b][k] for k in range(K)) for h in range(H)]
               for g in "nifv"}
        N = [math.tanh(a) for a in pre["n"]]
        ig = [_sig(a) for a in pre["i"]]
        f = [_sig(a) for a in pre["f"]]
        V = [_sig(a) for a in pre["v"]]
        kept = [float(ltm_prev[b, h]) * f[h] for h in range(H)]
        pre_u = [float(bias["u"][h]) + sum(float(W["u"][h, k]) * kept[k] for k in range(H)) for h in range(H)]
        U = [math.tanh(a) for a in pre_u]

        # backward for this row
        da_u = [float(d_stm[b, h]) * V[h] * (1 - U[h] ** 2) for h in range(H)]
        da_v = [float(d_stm[b, h]) * U[h] * V[h] * (1 - V[h]) for h in range(H)]
        d_kept = [float(d_ltm[b, k]) + sum(da_u[h] * float(W["u"][h, k]) for h in range(H)) for k in range(H)]
        da = {
            "n": [float(d_ltm[b, h]) * ig[h] * (1 - N[h] ** 2) for h in range(H)],
            "i": [float(d_ltm[b, h]) * N[h] * ig[h] * (1 - ig[h]) for h in range(H)],
            "f": [d_kept[h] * float(ltm_prev[b, h]) * f[h] * (1 - f[h]) for h in range(H)],
            "v": da_v,
        }
        for h in range(H):
            g_ltm[b, h] = d_kept[h] * f[h]
            grads["b_u"][h] += da_u[h]
            for k in range(H):
                grads["W_u"][h, k] += da_u[h] * kept[k]
        for g in "nifv":
            for h in range(H):
                grads["b_" + g][h] += da[g][h]
                for k in range(K):
                    grads["W_" + g][h, k] += da[g][h] * x[b][k]
                    g_x[b, k] += da[g][h] * float(W[g][h, k])

    grads["ltm_prev"] = g_ltm
    grads["stm_prev"] = g_x[:, :H]
    grads["event"] = g_x[:, H:]
    return grads
