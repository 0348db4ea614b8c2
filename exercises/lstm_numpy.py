"""LSTM in numpy: implement the lesson's four gates, the cell, and the cell over a sequence.

Notation (the lesson's own):
    E_t    the event (input) at step t            event   (B, I)
    STM    short-term memory (the hidden state)   stm     (B, H)
    LTM    long-term memory (the cell state)      ltm     (B, H)
    [STM, E]  concatenation along the last axis, STM first: (B, H + I)
    W [STM, E] + b   is computed as   concat @ W.T + b
    Weights are shaped like torch.nn.Linear.weight, (out, in); biases (out,).

Each function below says what to compute and the shape of every argument. Write your code
between the "your code" lines and delete the `raise NotImplementedError`. Keep the names
and the arguments as they are: the grader calls them exactly like this.

Check your work at any time with:   grade check
"""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|. Given, not graded.

    A naive np.exp(x) overflows for x > 709 (float64) or x > 88 (float32) and gives NaN;
    this version never exponentiates a positive number.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def learn_gate(stm_prev, event, W_n, b_n, W_i, b_i):
    """The learn gate: what to learn from the short-term memory and the event.

        N_t = tanh(W_n [STM_{t-1}, E_t] + b_n)      new information, in [-1, 1]
        i_t = σ(W_i [STM_{t-1}, E_t] + b_i)         ignore factor, in [0, 1]
        returns N_t * i_t                           (element-wise)

    Args:
        stm_prev: STM_{t-1}, shape (B, H)
        event:    E_t, shape (B, I)
        W_n, W_i: shape (H, H + I)
        b_n, b_i: shape (H,)
    Returns:
        N_t * i_t, shape (B, H)
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("learn_gate: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


def forget_gate(ltm_prev, stm_prev, event, W_f, b_f):
    """The forget gate: what to keep of the long-term memory.

        f_t = σ(W_f [STM_{t-1}, E_t] + b_f)         forget factor, in [0, 1]
        returns LTM_{t-1} * f_t

    Args:
        ltm_prev: LTM_{t-1}, shape (B, H)
        stm_prev: STM_{t-1}, shape (B, H)
        event:    E_t, shape (B, I)
        W_f:      shape (H, H + I)
        b_f:      shape (H,)
    Returns:
        LTM_{t-1} * f_t, shape (B, H)
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("forget_gate: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


def remember_gate(forget_out, learn_out):
    """The remember gate: the new long-term memory.

        LTM_t = LTM_{t-1} f_t + N_t i_t             (forget output + learn output)

    Args:
        forget_out: LTM_{t-1} * f_t, shape (B, H)
        learn_out:  N_t * i_t, shape (B, H)
    Returns:
        LTM_t, shape (B, H)
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("remember_gate: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


def use_gate(forget_out, stm_prev, event, W_u, b_u, W_v, b_v):
    """The use gate: the new short-term memory, which is also the prediction.

        U_t = tanh(W_u (LTM_{t-1} f_t) + b_u)       from the forget gate's output, in [-1, 1]
        V_t = σ(W_v [STM_{t-1}, E_t] + b_v)         in [0, 1]
        returns STM_t = U_t * V_t

    Note: this is the lesson's use gate. It feeds the *forget gate's output* through its own
    linear layer; the textbook LSTM's o_t * tanh(c_t) is a different cell.

    Args:
        forget_out: LTM_{t-1} * f_t, shape (B, H)
        stm_prev:   STM_{t-1}, shape (B, H)
        event:      E_t, shape (B, I)
        W_u:        shape (H, H)
        b_u:        shape (H,)
        W_v:        shape (H, H + I)
        b_v:        shape (H,)
    Returns:
        STM_t, shape (B, H)
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("use_gate: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


def lstm_cell(ltm_prev, stm_prev, event, params):
    """One LSTM step, built from your four gates.

        forget_out = forget_gate(...)   learn_out = learn_gate(...)
        LTM_t = remember_gate(forget_out, learn_out)
        STM_t = use_gate(forget_out, ...)

    Args:
        ltm_prev: LTM_{t-1}, shape (B, H)
        stm_prev: STM_{t-1}, shape (B, H)
        event:    E_t, shape (B, I)
        params:   dict with keys W_n b_n W_i b_i W_f b_f W_u b_u W_v b_v (shapes as above)
    Returns:
        (ltm, stm): LTM_t and STM_t, each shape (B, H), in that order
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


def lstm_forward(ltm0, stm0, events, params):
    """Run lstm_cell over a sequence, carrying (ltm, stm) from each step to the next.

    Args:
        ltm0:   the initial LTM, shape (B, H)
        stm0:   the initial STM, shape (B, H)
        events: the sequence, batch-first: shape (B, T, I); step t is events[:, t]
        params: as for lstm_cell
    Returns:
        (stms, (ltm_T, stm_T)):
            stms   the STM after every step, shape (B, T, H)
            ltm_T  the LTM after the last step, shape (B, H)
            stm_T  the STM after the last step, shape (B, H)
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_forward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------


def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):
    """Stretch exercise: backpropagation through one lstm_cell step.

    Given the upstream gradients d_ltm = dL/dLTM_t and d_stm = dL/dSTM_t (both (B, H)), return
    the gradients of L = sum(d_ltm * ltm + d_stm * stm) with respect to every input:

        {"ltm_prev": (B, H), "stm_prev": (B, H), "event": (B, I),
         "W_n": (H, H + I), "b_n": (H,), "W_i": ..., "b_i": ..., "W_f": ..., "b_f": ...,
         "W_u": (H, H), "b_u": (H,), "W_v": (H, H + I), "b_v": (H,)}

    Recompute the forward pass first (N_t, i_t, f_t, U_t, V_t), then apply the chain rule
    gate by gate. Useful facts: σ'(a) = σ(a)(1 - σ(a)); tanh'(a) = 1 - tanh(a)^2; the forget
    gate's output feeds both LTM_t and the use gate; a bias gradient sums over the batch.
    Any method that gets the numbers right earns the marks.
    """
    # ---- your code here ------------------------------------------------------
    raise NotImplementedError("lstm_cell_backward: replace this line with your code")
    # ---- end of your code ----------------------------------------------------
