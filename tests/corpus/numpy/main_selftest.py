"""LSTM, numpy track. Run `python lstm_numpy.py` for my self-test (shapes, a gradient check
by finite differences). The grader imports this file, so the test only runs as a script."""

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
    fo = forget_gate(ltm_prev, stm_prev, event, p["W_f"], p["b_f"])
    lo = learn_gate(stm_prev, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    return remember_gate(fo, lo), use_gate(fo, stm_prev, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm, stms = ltm0, stm0, []
    for t in range(events.shape[1]):
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        stms.append(stm)
    return np.stack(stms, axis=1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    p = params
    H = stm_prev.shape[1]
    x = np.concatenate([stm_prev, event], axis=-1)
    N = np.tanh(x @ p["W_n"].T + p["b_n"])
    i = sigmoid(x @ p["W_i"].T + p["b_i"])
    f = sigmoid(x @ p["W_f"].T + p["b_f"])
    fo = ltm_prev * f
    U = np.tanh(fo @ p["W_u"].T + p["b_u"])
    V = sigmoid(x @ p["W_v"].T + p["b_v"])
    a_u = d_stm * V * (1 - U * U)
    a_v = d_stm * U * V * (1 - V)
    d_fo = d_ltm + a_u @ p["W_u"]
    a_n = d_ltm * i * (1 - N * N)
    a_i = d_ltm * N * i * (1 - i)
    a_f = d_fo * ltm_prev * f * (1 - f)
    dx = a_n @ p["W_n"] + a_i @ p["W_i"] + a_f @ p["W_f"] + a_v @ p["W_v"]
    return {"ltm_prev": d_fo * f, "stm_prev": dx[:, :H], "event": dx[:, H:],
            "W_n": a_n.T @ x, "b_n": a_n.sum(0), "W_i": a_i.T @ x, "b_i": a_i.sum(0),
            "W_f": a_f.T @ x, "b_f": a_f.sum(0), "W_u": a_u.T @ fo, "b_u": a_u.sum(0),
            "W_v": a_v.T @ x, "b_v": a_v.sum(0)}


# ------------------------------------------------------------------ my tests


def _random_params(rng, I, H):
    p = {}
    for g in "nifv":
        p["W_" + g] = rng.normal(size=(H, H + I))
        p["b_" + g] = rng.normal(size=H)
    p["W_u"] = rng.normal(size=(H, H))
    p["b_u"] = rng.normal(size=H)
    return p


def _self_test():
    rng = np.random.default_rng(42)
    B, I, H, T = 3, 4, 5, 6
    p = _random_params(rng, I, H)
    ltm, stm = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    stms, (ltm_T, stm_T) = lstm_forward(ltm, stm, rng.normal(size=(B, T, I)), p)
    assert stms.shape == (B, T, H) and ltm_T.shape == (B, H) and np.allclose(stms[:, -1], stm_T)
    assert np.abs(stms).max() <= 1

    event = rng.normal(size=(B, I))
    d_ltm, d_stm = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    grads = lstm_cell_backward(ltm, stm, event, p, d_ltm, d_stm)

    def loss():
        new_ltm, new_stm = lstm_cell(ltm, stm, event, p)
        return np.sum(d_ltm * new_ltm) + np.sum(d_stm * new_stm)

    for name in ["W_n", "b_f", "W_u"]:
        arr = p[name]
        idx = (0,) * arr.ndim
        old = arr[idx]
        arr[idx] = old + 1e-6
        up = loss()
        arr[idx] = old - 1e-6
        down = loss()
        arr[idx] = old
        numeric = (up - down) / 2e-6
        print(f"{name}: analytic {grads[name][idx]:.8f}  numeric {numeric:.8f}")
        assert abs(numeric - grads[name][idx]) < 1e-5
    print("all good!")


if __name__ == "__main__":
    _self_test()
