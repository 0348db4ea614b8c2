"""LSTM in numpy, in a functional style: functools.partial / functools.reduce and the
math module. No helper modules, everything is in this one file."""

import functools
import math
import operator

import numpy as np


def _scalar_sigmoid(a):
    # math.exp(-a) raises OverflowError for a < -709, so pick the safe branch
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    ea = math.exp(a)
    return ea / (1.0 + ea)


sigmoid = np.vectorize(_scalar_sigmoid, otypes=[np.float64])
tanh = np.vectorize(math.tanh, otypes=[np.float64])


def affine(W, b, *parts):
    """W [parts...] + b, with W shaped (out, in) like torch.nn.Linear."""
    x = functools.reduce(lambda left, right: np.concatenate([left, right], axis=-1), parts)
    return x @ W.T + b


def gated(activation, W, b, *parts):
    return activation(affine(W, b, *parts))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    N_t = gated(tanh, W_n, b_n, stm_prev, event)
    i_t = gated(sigmoid, W_i, b_i, stm_prev, event)
    return operator.mul(N_t, i_t)


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    return ltm_prev * gated(sigmoid, W_f, b_f, stm_prev, event)


def remember_gate(forget_out, learn_out):
    return functools.reduce(operator.add, (forget_out, learn_out))


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    U_t = gated(tanh, W_u, b_u, forget_out)
    V_t = gated(sigmoid, W_v, b_v, stm_prev, event)
    return U_t * V_t


def lstm_cell(ltm_prev, stm_prev, event, params):
    take = functools.partial(operator.getitem, params)
    forget_out = forget_gate(ltm_prev, stm_prev, event, take("W_f"), take("b_f"))
    learn_out = learn_gate(stm_prev, event, *map(take, ("W_n", "b_n", "W_i", "b_i")))
    stm = use_gate(forget_out, stm_prev, event, *map(take, ("W_u", "b_u", "W_v", "b_v")))
    return remember_gate(forget_out, learn_out), stm


def lstm_forward(ltm0, stm0, events, params):
    step = functools.partial(lstm_cell, params=params)

    def fold(acc, t):
        (ltm, stm), stms = acc
        ltm, stm = step(ltm, stm, events[:, t])
        return (ltm, stm), stms + [stm]

    final, stms = functools.reduce(fold, range(events.shape[1]), ((ltm0, stm0), []))
    return np.stack(stms, axis=1), final


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step."""
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
