"""LSTM in numpy: implement the lesson's four gates, the cell, and the cell over a sequence.

(my debugging prints are still in, sorry -- they helped me find a shape bug)
"""

import numpy as np

DEBUG = True


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def dbg(name, value):
    if DEBUG:
        print(f"[dbg] {name}: shape={np.shape(value)} dtype={getattr(value, 'dtype', type(value))}")
        print(f"[dbg]   {name} = {value}")


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    # ---- your code here ------------------------------------------------------
    dbg("stm_prev", stm_prev)
    dbg("event", event)
    combined = np.concatenate([stm_prev, event], axis=-1)
    dbg("combined", combined)
    N_t = np.tanh(combined @ W_n.T + b_n)
    i_t = sigmoid(combined @ W_i.T + b_i)
    dbg("N_t", N_t)
    dbg("i_t", i_t)
    print("learn gate min/max:", (N_t * i_t).min(), (N_t * i_t).max())
    return N_t * i_t
    # ---- end of your code ----------------------------------------------------


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    # ---- your code here ------------------------------------------------------
    combined = np.concatenate([stm_prev, event], axis=-1)
    f_t = sigmoid(combined @ W_f.T + b_f)
    dbg("f_t", f_t)
    out = ltm_prev * f_t
    print("forget gate out:", out.shape, out)
    return out
    # ---- end of your code ----------------------------------------------------


def remember_gate(forget_out, learn_out):
    # ---- your code here ------------------------------------------------------
    print("remember: forget_out", forget_out.shape, "learn_out", learn_out.shape)
    return forget_out + learn_out
    # ---- end of your code ----------------------------------------------------


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    # ---- your code here ------------------------------------------------------
    combined = np.concatenate([stm_prev, event], axis=-1)
    U_t = np.tanh(forget_out @ W_u.T + b_u)
    V_t = sigmoid(combined @ W_v.T + b_v)
    dbg("U_t", U_t)
    dbg("V_t", V_t)
    print("use gate: |stm| max =", np.abs(U_t * V_t).max())
    return U_t * V_t
    # ---- end of your code ----------------------------------------------------


def lstm_cell(ltm_prev, stm_prev, event, params):
    # ---- your code here ------------------------------------------------------
    print("=== lstm_cell === params:", sorted(params))
    f_out = forget_gate(ltm_prev, stm_prev, event, params["W_f"], params["b_f"])
    l_out = learn_gate(stm_prev, event, params["W_n"], params["b_n"], params["W_i"], params["b_i"])
    new_ltm = remember_gate(f_out, l_out)
    new_stm = use_gate(f_out, stm_prev, event, params["W_u"], params["b_u"], params["W_v"], params["b_v"])
    dbg("new_ltm", new_ltm)
    dbg("new_stm", new_stm)
    return new_ltm, new_stm
    # ---- end of your code ----------------------------------------------------


def lstm_forward(ltm0, stm0, events, params):
    # ---- your code here ------------------------------------------------------
    B, T, I = events.shape
    print(f"lstm_forward: B={B} T={T} I={I} H={stm0.shape[1]}")
    ltm, stm = ltm0, stm0
    all_stm = []
    for t in range(T):
        print(f"--- step {t} ---")
        ltm, stm = lstm_cell(ltm, stm, events[:, t], params)
        all_stm.append(stm)
    stms = np.stack(all_stm, axis=1)
    dbg("stms", stms)
    return stms, (ltm, stm)
    # ---- end of your code ----------------------------------------------------


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
