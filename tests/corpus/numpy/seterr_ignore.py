# LSTM homework -- numpy track
# textbook sigmoid; numpy complained about "overflow encountered in exp" for big negative
# inputs so I switched the warning off once for the whole file (the result is still right:
# 1/(1+inf) = 0).
import numpy as np

np.seterr(over="ignore")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    inp = np.hstack([stm_prev, event])
    return np.tanh(inp @ W_n.T + b_n) * sigmoid(inp @ W_i.T + b_i)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    inp = np.hstack([stm_prev, event])
    return ltm_prev * sigmoid(inp @ W_f.T + b_f)


def remember_gate(forget_out, learn_out):
    return forget_out + learn_out


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    inp = np.hstack([stm_prev, event])
    return np.tanh(forget_out @ W_u.T + b_u) * sigmoid(inp @ W_v.T + b_v)


def lstm_cell(ltm_prev, stm_prev, event, params):
    forget_out = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    learn_out = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    return (remember_gate(forget_out, learn_out),
            use_gate(forget_out, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"]))


def lstm_forward(ltm0, stm0, events, params):
    ltm, stm = ltm0, stm0
    seq = []
    for e in np.swapaxes(events, 0, 1):  # e is (B, I), one time step
        ltm, stm = lstm_cell(ltm, stm, e, params)
        seq.append(stm)
    return np.stack(seq, 1), (ltm, stm)


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    W, b = {}, {}
    for g in "nifuv":
        W[g], b[g] = params["W_" + g], params["b_" + g]
    H = stm_prev.shape[1]
    inp = np.hstack([stm_prev, event])

    N = np.tanh(inp @ W["n"].T + b["n"])
    I = sigmoid(inp @ W["i"].T + b["i"])
    F = sigmoid(inp @ W["f"].T + b["f"])
    kept = ltm_prev * F
    U = np.tanh(kept @ W["u"].T + b["u"])
    V = sigmoid(inp @ W["v"].T + b["v"])

    dU_pre = d_stm * V * (1 - U * U)
    dV_pre = d_stm * U * V * (1 - V)
    dkept = d_ltm + dU_pre @ W["u"]
    dN_pre = d_ltm * I * (1 - N * N)
    dI_pre = d_ltm * N * I * (1 - I)
    dF_pre = dkept * ltm_prev * F * (1 - F)
    dinp = dN_pre @ W["n"] + dI_pre @ W["i"] + dF_pre @ W["f"] + dV_pre @ W["v"]

    return {
        "ltm_prev": dkept * F, "stm_prev": dinp[:, :H], "event": dinp[:, H:],
        "W_n": dN_pre.T @ inp, "b_n": dN_pre.sum(axis=0),
        "W_i": dI_pre.T @ inp, "b_i": dI_pre.sum(axis=0),
        "W_f": dF_pre.T @ inp, "b_f": dF_pre.sum(axis=0),
        "W_u": dU_pre.T @ kept, "b_u": dU_pre.sum(axis=0),
        "W_v": dV_pre.T @ inp, "b_v": dV_pre.sum(axis=0),
    }
