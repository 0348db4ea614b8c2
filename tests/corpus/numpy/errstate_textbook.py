"""LSTM gates in numpy.

I wrote the sigmoid the way it is in the lecture: 1 / (1 + e^-x). For very negative x,
e^-x overflows to inf, but 1 / (1 + inf) is exactly 0, which is the right answer, so I
just silence the overflow warning with np.errstate.
"""

import numpy as np


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    z = np.concatenate([stm_prev, event], axis=1)
    new_information = np.tanh(np.dot(z, W_n.T) + b_n)
    ignore_factor = sigmoid(np.dot(z, W_i.T) + b_i)
    return new_information * ignore_factor


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    z = np.concatenate([stm_prev, event], axis=1)
    forget_factor = sigmoid(np.dot(z, W_f.T) + b_f)
    return ltm_prev * forget_factor


def remember_gate(forget_out, learn_out):
    return np.add(forget_out, learn_out)


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    z = np.concatenate([stm_prev, event], axis=1)
    u = np.tanh(np.dot(forget_out, W_u.T) + b_u)
    v = sigmoid(np.dot(z, W_v.T) + b_v)
    return u * v


def lstm_cell(ltm_prev, stm_prev, event, params):
    fo = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    lo = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    return (
        remember_gate(fo, lo),
        use_gate(fo, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"]),
    )


def lstm_forward(ltm0, stm0, events, params):
    state = (ltm0, stm0)
    history = []
    for step in range(events.shape[1]):
        state = lstm_cell(state[0], state[1], events[:, step, :], params)
        history.append(state[1])
    return np.stack(history, axis=1), state


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    H = stm_prev.shape[1]
    z = np.concatenate([stm_prev, event], axis=1)
    a = {g: np.dot(z, params["W_" + g].T) + params["b_" + g] for g in "nifv"}
    n, i, f, v = np.tanh(a["n"]), sigmoid(a["i"]), sigmoid(a["f"]), sigmoid(a["v"])
    fo = ltm_prev * f
    u = np.tanh(np.dot(fo, params["W_u"].T) + params["b_u"])

    # backwards through stm = u * v and ltm = fo + n * i
    delta = {
        "u": d_stm * v * (1 - u ** 2),
        "v": d_stm * u * v * (1 - v),
        "n": d_ltm * i * (1 - n ** 2),
        "i": d_ltm * n * i * (1 - i),
    }
    d_fo = d_ltm + np.dot(delta["u"], params["W_u"])
    delta["f"] = d_fo * ltm_prev * f * (1 - f)

    dz = sum(np.dot(delta[g], params["W_" + g]) for g in "nifv")
    out = {"ltm_prev": d_fo * f, "stm_prev": dz[:, :H], "event": dz[:, H:]}
    for g in "nifv":
        out["W_" + g] = np.dot(delta[g].T, z)
        out["b_" + g] = delta[g].sum(axis=0)
    out["W_u"] = np.dot(delta["u"].T, fo)
    out["b_u"] = delta["u"].sum(axis=0)
    return out
