"""LSTM in numpy.

lstm_forward calls the four gates itself (I wrote it before lstm_cell and never went back).
There is a quick sanity check at the bottom that runs when the file is imported.
"""

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
    forget_out = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    learn_out = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    ltm = remember_gate(forget_out, learn_out)
    stm = use_gate(forget_out, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    return ltm, stm


def lstm_forward(ltm0, stm0, events, params):
    W_n, b_n, W_i, b_i = params["W_n"], params["b_n"], params["W_i"], params["b_i"]
    W_f, b_f = params["W_f"], params["b_f"]
    W_u, b_u, W_v, b_v = params["W_u"], params["b_u"], params["W_v"], params["b_v"]
    B, T, _ = events.shape
    ltm, stm = ltm0, stm0
    stms = []
    for t in range(T):
        e = events[:, t, :]
        kept = forget_gate(ltm, stm, e, W_f, b_f)
        learned = learn_gate(stm, e, W_n, b_n, W_i, b_i)
        stm = use_gate(kept, stm, e, W_u, b_u, W_v, b_v)  # uses the OLD stm inside, as it should
        ltm = remember_gate(kept, learned)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


# quick sanity check (runs on import)
print("sigmoid check:", sigmoid(np.array([-1000.0, 0.0, 1000.0])))
_rng = np.random.default_rng(0)
_p = {f"W_{g}": _rng.normal(size=(2, 5)) for g in "nifv"}
_p.update({f"b_{g}": np.zeros(2) for g in "nifuv"}, W_u=_rng.normal(size=(2, 2)))
_out, (_ltm, _stm) = lstm_forward(np.zeros((1, 2)), np.zeros((1, 2)), _rng.normal(size=(1, 4, 3)), _p)
assert _out.shape == (1, 4, 2) and np.allclose(_out[:, -1], _stm)
print("lstm_forward sanity check passed")
