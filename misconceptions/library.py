"""The misconception library: known ways to get the lesson's LSTM wrong, each runnable.

Every entry is a variant of the reference (a part of the lesson's math swapped out, a switch of
the textbook cell, a term left out of the backward) with an explanation in the lesson's terms,
or, for mistakes torch itself reports (a state on the wrong device, a cut autograd graph), the
pattern of that report. ``applies_to`` says which exercises and checks may show it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from grader.diagnosis.misconception import (
    ANY_CHECK,
    GATES,
    VALUE_CHECKS,
    Misconception,
    lesson_entry,
)

from .compose import naive_sigmoid, naive_tanh, sigmoid
from .hints import HINTS


def _float16_learn(g: Any) -> Any:
    def learn(stm: Any, e: Any, W_n: Any, b_n: Any, W_i: Any, b_i: Any) -> Any:
        h = np.float16
        x = np.concatenate([stm, e], axis=-1).astype(h)
        return np.tanh(x @ W_n.T.astype(h) + b_n.astype(h)) * sigmoid(x @ W_i.T.astype(h) + b_i.astype(h))

    return learn


def _forward_with(step: str) -> Any:
    def build(g: Any) -> Any:
        def forward(ltm0: Any, stm0: Any, events: Any, p: Any) -> Any:
            ltm, stm, stms = ltm0, stm0, []
            T = events.shape[1]
            if step == "drop_last":
                stms.append(stm0)
            steps = range(T - 1, -1, -1) if step == "reversed" else range(T - 1) if step == "drop_last" else range(T)
            for t in steps:
                before = stm
                new_ltm, new_stm = g.lstm_cell(ltm0 if step == "not_carried" else ltm,
                                               stm0 if step == "not_carried" else stm, events[:, t], p)
                stms.append(before if step == "before" else new_stm)
                ltm, stm = new_ltm, new_stm
            if step == "state_swapped":
                return np.stack(stms, axis=1), (stm, ltm)
            return np.stack(stms, axis=1), (ltm, stm)

        return forward

    return build


def _cell_with(use_input: str = "forget_out", swapped: bool = False, textbook: bool = False) -> Any:
    def build(g: Any) -> Any:
        def cell(ltm: Any, stm: Any, e: Any, p: dict[str, Any]) -> Any:
            learn_out = g.learn_gate(stm, e, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
            forget_out = g.forget_gate(ltm, stm, e, p["W_f"], p["b_f"])
            new_ltm = g.remember_gate(forget_out, learn_out)
            fed = {"forget_out": forget_out, "new_ltm": new_ltm, "ltm_prev": ltm}[use_input]
            new_stm = g.use_gate(fed, stm, e, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
            if textbook:  # h_t = o_t * tanh(c_t), with V_t as the output gate
                new_stm = g.sigmoid(g.concat(stm, e) @ p["W_v"].T + p["b_v"]) * np.tanh(new_ltm)
            return (new_stm, new_ltm) if swapped else (new_ltm, new_stm)

        return cell

    return build


LESSON_ENTRIES = (
    lesson_entry("concat_order", "[E, STM] instead of [STM, E]",
            "The lesson concatenates short-term memory first: W [STM_{t-1}, E_t] is concat([stm, event]) @ W.T. "
            "With the event first, every weight meets the wrong input.", "concat",
            lambda g: lambda stm, e: np.concatenate([e, stm], axis=-1)),
    lesson_entry("activations_swapped", "sigmoid and tanh swapped in the learn gate",
            "N_t = tanh(...) is the new information, in [-1, 1]; i_t = σ(...) is the ignore factor, in [0, 1]. "
            "Swapping them squashes the information to [0, 1] and lets the factor go negative.", "learn_gate",
            lambda g: lambda stm, e, W_n, b_n, W_i, b_i: (g.sigmoid(g.concat(stm, e) @ W_n.T + b_n)
                                                         * np.tanh(g.concat(stm, e) @ W_i.T + b_i))),
    lesson_entry("learn_without_ignore", "the learn gate forgets its ignore factor",
            "The learn gate returns N_t * i_t: the new information scaled by the ignore factor i_t, not N_t alone.",
            "learn_gate", lambda g: lambda stm, e, W_n, b_n, W_i, b_i: np.tanh(g.concat(stm, e) @ W_n.T + b_n)),
    lesson_entry("learn_bias_after_activation", "the bias added after the activation",
            "The bias is part of the linear step: tanh(W_n [STM, E] + b_n), not tanh(W_n [STM, E]) + b_n.",
            "learn_gate", lambda g: lambda stm, e, W_n, b_n, W_i, b_i: ((np.tanh(g.concat(stm, e) @ W_n.T) + b_n)
                                                                       * g.sigmoid(g.concat(stm, e) @ W_i.T + b_i))),
    lesson_entry("forget_bias_missing", "the forget gate's bias left out",
            "f_t = σ(W_f [STM_{t-1}, E_t] + b_f): the bias b_f is what lets the gate default to keeping or "
            "erasing long-term memory.", "forget_gate",
            lambda g: lambda ltm, stm, e, W_f, b_f: ltm * g.sigmoid(g.concat(stm, e) @ W_f.T)),
    lesson_entry("forget_on_stm", "the forget factor applied to short-term memory",
            "The forget gate decides what to keep of the LONG-term memory: it returns LTM_{t-1} * f_t; f_t is "
            "computed from STM and E, but it scales LTM.", "forget_gate",
            lambda g: lambda ltm, stm, e, W_f, b_f: stm * g.sigmoid(g.concat(stm, e) @ W_f.T + b_f)),
    lesson_entry("forget_returns_factor", "the forget gate returns f_t itself",
            "f_t is only the forget factor; the gate's output is LTM_{t-1} * f_t, what is kept of the memory.",
            "forget_gate", lambda g: lambda ltm, stm, e, W_f, b_f: g.sigmoid(g.concat(stm, e) @ W_f.T + b_f)),
    lesson_entry("forget_tanh", "tanh for the forget factor",
            "f_t comes out of a sigmoid so that it lies in [0, 1], a fraction of LTM to keep; tanh would flip its "
            "sign.", "forget_gate",
            lambda g: lambda ltm, stm, e, W_f, b_f: ltm * np.tanh(g.concat(stm, e) @ W_f.T + b_f)),
    lesson_entry("remember_multiplies", "the remember gate multiplies",
            "The remember gate ADDS what the forget gate kept and what the learn gate learned: "
            "LTM_t = LTM_{t-1} f_t + N_t i_t. The sum is what lets memory survive many steps.", "remember_gate",
            lambda g: lambda forget_out, learn_out: forget_out * learn_out),
    lesson_entry("textbook_use_gate", "the textbook output gate instead of the lesson's use gate",
            "This is o_t * tanh(c_t) from the textbook LSTM. The lesson's use gate runs the forget gate's output "
            "through its own layer: U_t = tanh(W_u (LTM_{t-1} f_t) + b_u), then STM_t = U_t * V_t.", "use_gate",
            lambda g: lambda forget_out, stm, e, W_u, b_u, W_v, b_v: (g.sigmoid(g.concat(stm, e) @ W_v.T + b_v)
                                                                      * np.tanh(forget_out))),
    lesson_entry("use_without_tanh", "U_t without its tanh",
            "U_t = tanh(W_u (LTM_{t-1} f_t) + b_u): without the tanh, STM_t is no longer bounded by 1.", "use_gate",
            lambda g: lambda forget_out, stm, e, W_u, b_u, W_v, b_v: ((forget_out @ W_u.T + b_u)
                                                                      * g.sigmoid(g.concat(stm, e) @ W_v.T + b_v))),
    lesson_entry("use_sigmoid_for_u", "a sigmoid for U_t",
            "U_t uses tanh so that STM can be negative: tanh(W_u (LTM_{t-1} f_t) + b_u) lies in [-1, 1].", "use_gate",
            lambda g: lambda forget_out, stm, e, W_u, b_u, W_v, b_v: (g.sigmoid(forget_out @ W_u.T + b_u)
                                                                      * g.sigmoid(g.concat(stm, e) @ W_v.T + b_v))),
    lesson_entry("use_gate_new_ltm", "the use gate fed the new LTM",
            "The use gate takes the FORGET gate's output, LTM_{t-1} * f_t, not the new LTM_t from the remember "
            "gate.", "lstm_cell", _cell_with("new_ltm")),
    lesson_entry("use_gate_ltm_prev", "the use gate fed the old LTM",
            "The use gate takes LTM_{t-1} * f_t, the long-term memory after the forget gate, not LTM_{t-1} itself.",
            "lstm_cell", _cell_with("ltm_prev")),
    lesson_entry("textbook_output", "the textbook h_t = o_t * tanh(c_t) as the cell's output",
            "That is the textbook LSTM's output. The lesson's cell computes STM_t with its use gate: "
            "U_t = tanh(W_u (LTM_{t-1} f_t) + b_u) times V_t = σ(W_v [STM_{t-1}, E_t] + b_v).", "lstm_cell",
            _cell_with(textbook=True)),
    lesson_entry("cell_state_order", "(stm, ltm) returned instead of (ltm, stm)",
            "The cell returns the new long-term memory first: (LTM_t, STM_t).", "lstm_cell", _cell_with(swapped=True)),
    lesson_entry("state_not_carried", "the state is not carried from step to step",
            "Each step starts from the previous step's (LTM, STM); starting every step from (ltm0, stm0) leaves the "
            "network without memory.", "lstm_forward", _forward_with("not_carried")),
    lesson_entry("stms_before_step", "the STM collected before each step",
            "stms[:, t] is the STM AFTER step t (the cell's output at t), so stms ends with STM_T, not starts with "
            "stm0.", "lstm_forward", _forward_with("before")),
    lesson_entry("last_step_dropped", "the loop stops one step early",
            "An off-by-one: range(T - 1) leaves the last event unread, and stms starts with stm0 to make up the count. "
            "The loop runs over all T steps, and stms[:, t] is the STM after step t.", "lstm_forward",
            _forward_with("drop_last")),
    lesson_entry("time_reversed", "the sequence read backwards",
            "events[:, 0] is the first step: the cell runs t = 0, 1, ..., T-1.", "lstm_forward",
            _forward_with("reversed")),
    lesson_entry("final_state_swapped", "(stm_T, ltm_T) returned instead of (ltm_T, stm_T)",
            "lstm_forward returns (stms, (ltm_T, stm_T)): the final long-term memory first.", "lstm_forward",
            _forward_with("state_swapped")),
    lesson_entry("unstable_sigmoid", "a sigmoid that overflows",
            "e^x / (1 + e^x) overflows to inf/inf = NaN once x passes about 88 in float32 or 709 in float64. The "
            "stub's sigmoid never exponentiates a positive number.", "sigmoid", lambda g: naive_sigmoid,
            checks=ANY_CHECK),
    lesson_entry("unstable_tanh", "a tanh that overflows",
            "(e^2x - 1) / (e^2x + 1) overflows to inf/inf = NaN once x passes about 44 in float32 or 355 in "
            "float64, where tanh is simply ±1. np.tanh (torch.tanh) never overflows.", "tanh", lambda g: naive_tanh,
            checks=ANY_CHECK),
    lesson_entry("ignore_tanh", "tanh for the ignore factor i_t",
            "i_t = σ(W_i [STM_{t-1}, E_t] + b_i) is a factor in [0, 1]: how much of the new information to let "
            "in. With tanh it can turn negative and flip the information's sign.", "ignore_act",
            lambda g: np.tanh),
    lesson_entry("new_info_sigmoid", "a sigmoid for the new information N_t",
            "N_t = tanh(W_n [STM_{t-1}, E_t] + b_n) lies in [-1, 1], so new information can push the memory up or "
            "down; a sigmoid only ever adds.", "new_info_act", lambda g: g.sigmoid),
    lesson_entry("use_v_tanh", "tanh for the use factor V_t",
            "V_t = σ(W_v [STM_{t-1}, E_t] + b_v) is a factor in [0, 1]: how much of U_t to use. With tanh it can "
            "turn negative.", "use_act", lambda g: np.tanh),
    lesson_entry("float16_arithmetic", "float16 arithmetic",
            "float16 keeps about 3 significant digits: gates computed in it are off by 1e-3. Compute in the inputs' "
            "dtype.", "learn_gate", _float16_learn, checks=("dtype_and_shape", *VALUE_CHECKS)),
    lesson_entry("batch_first_row", "only the batch's first row is used",
            "Every row of a batch is its own example: ltm_prev * f_t multiplies row by row; ltm_prev[0] broadcasts "
            "the first example's memory to all.", "forget_gate",
            lambda g: lambda ltm, stm, e, W_f, b_f: ltm[0] * g.sigmoid(g.concat(stm, e) @ W_f.T + b_f)),
)



def _standard(id: str, title: str, explanation: str, **switches: Any) -> Misconception:
    return Misconception(id, title, explanation, ("StandardLSTMCell",), standard=switches)


def _backward(id: str, title: str, explanation: str, *terms: str) -> Misconception:
    return Misconception(id, title, explanation, ("lstm_cell_backward",), checks=("finite_differences", "autograd"),
                         omit=frozenset(terms))


def _signature(id: str, title: str, explanation: str, exercises: tuple[str, ...], checks: tuple[str, ...],
               pattern: str) -> Misconception:
    return Misconception(id, title, explanation, exercises, checks=checks, pattern=pattern)


MODULES = ("LSTMCell", "LSTM", "StandardLSTMCell")
NUMPY = (*GATES, "lstm_cell", "lstm_forward")

OTHER_ENTRIES = (
    _standard("gate_order_ifog", "gate order i, f, o, g",
              "torch.nn.LSTMCell stacks its gates as i, f, g, o in weight_ih and weight_hh; reading the third "
              "block as the output gate swaps g and o.", order="ifog"),
    _standard("gate_order_fi", "input and forget gates swapped",
              "torch.nn.LSTMCell's first block is the input gate i and the second the forget gate f.", order="figo"),
    _standard("bias_hh_ignored", "bias_hh left out",
              "torch.nn.LSTMCell adds two biases: gates = x W_ih^T + b_ih + h W_hh^T + b_hh.", bias_hh=False),
    _standard("bias_ih_ignored", "bias_ih left out",
              "torch.nn.LSTMCell adds two biases: gates = x W_ih^T + b_ih + h W_hh^T + b_hh.", bias_ih=False),
    _standard("hx_order_swapped", "hx read as (c, h)",
              "torch's state is hx = (h, c): hidden state first, cell state second (the lesson's (ltm, stm) order "
              "is the other way round).", hx_swapped=True),
    _standard("returns_c_h", "(c, h) returned instead of (h, c)",
              "A drop-in for torch.nn.LSTMCell returns (h, c), the hidden state first.", out_swapped=True),
    _backward("backward_missing_tanh_derivative", "the learn gate's tanh derivative left out",
              "N_t = tanh(a_n), so dN_t/da_n = 1 - N_t^2; without it the gradients of W_n, b_n, STM and E are off.",
              "tanh_n"),
    _backward("backward_missing_sigmoid_derivative", "the ignore factor's sigmoid derivative left out",
              "i_t = σ(a_i), so di_t/da_i = i_t (1 - i_t).", "sigmoid_i"),
    _backward("backward_forget_one_path", "the forget output's gradient through LTM only",
              "LTM_{t-1} f_t feeds both LTM_t and the use gate, so its gradient is d_ltm + (dU_t) W_u: two paths.",
              "use_path"),
    _backward("backward_missing_use_tanh_derivative", "U_t's tanh derivative left out",
              "U_t = tanh(a_u), so dU_t/da_u = 1 - U_t^2.", "tanh_u"),
    _signature("backward_bias_not_summed", "a bias gradient kept per row",
               "A bias is shared by every row of the batch, so its gradient sums over the batch: "
               "db = da.sum(axis=0), of shape (H,).", ("lstm_cell_backward",), ("gradient_shapes",),
               r"gradient for b_[a-z] has shape \(\d+, \d+\)"),
    _signature("weights_not_transposed", "x @ W instead of x @ W.T",
               "Weights are shaped like torch.nn.Linear.weight, (out, in): W [STM, E] + b is "
               "concat([stm, event]) @ W.T + b.", NUMPY, (*VALUE_CHECKS, "dtype_and_shape"),
               r"matmul: Input operand 1 has a mismatch"),
    _signature("time_major_events", "the sequence read as (T, B, I)",
               "events is batch-first, (B, T, I): step t is events[:, t]. Iterating over events walks the batch.",
               ("lstm_forward",), VALUE_CHECKS, r"except for the concatenation axis must match exactly"),
    _signature("mutated_input", "an argument changed in place",
               "A gate computes new arrays: x *= f or x[...] = ... changes the caller's array too.",
               (*NUMPY, "lstm_cell_backward"), ("inputs_unchanged",), r"changed its input"),
    _signature("default_state_on_cpu", "the default state created on the CPU",
               "With state=None the zeros must live where the input lives: event.new_zeros(B, H).", MODULES,
               ("default_state", "device"), r"not on the expected device|same device"),
    _signature("default_state_float32", "the default state created in float32",
               "With state=None the zeros must have the input's dtype: event.new_zeros(B, H) keeps it.", MODULES,
               ("default_state",), r"same dtype|expected scalar type|as torch\.float32 although"),
    _signature("hardcoded_cuda", "a hard-coded .cuda()",
               "A module follows its inputs' device; .cuda() or device='cuda' inside it breaks on the CPU.", MODULES,
               ("default_state", "device", "matches_float64"), r"not compiled with CUDA|No CUDA GPUs"),
    _signature("outputs_detached", "the outputs cut from the autograd graph",
               ".detach() (or torch.no_grad, or a numpy round trip) on the outputs: the values are right, but no "
               "gradient reaches the inputs or the weights, so the model cannot learn.", MODULES,
               ("gradients",), r"no gradient reaches (event|events|input|ltm_prev|stm_prev|h|c|ltm0|stm0)\b"),
    _signature("parameter_data", "a weight used through .data",
               "weight.data bypasses autograd: the forward is right, but that weight never gets a gradient.", MODULES,
               ("gradients",), r"no gradient reaches [\w.]*(weight|bias)"),
    _signature("inplace_breaks_autograd", "an in-place operation on a tensor autograd needs",
               "x *= y or x.mul_(y) overwrites a value backward needs (here a sigmoid's output): write x = x * y.",
               MODULES, ("gradients", "gradcheck"), r"modified by an inplace operation"),
    _signature("numpy_round_trip", "a detour through numpy inside forward",
               "Leaving torch through numpy (.numpy(), then torch.from_numpy) cuts the autograd graph and breaks "
               "other devices and dtypes (numpy has no bfloat16).",
               MODULES, ("default_state", "matches_bfloat16"), r"unsupported ScalarType"),
    _signature("forbidden_api", "torch's own LSTM used",
               "The exercise is to build the cell from torch.nn.Linear and the gate equations, not to call "
               "torch.nn.LSTMCell, torch.nn.LSTM or torch's kernels.", MODULES, ("from_scratch",),
               r"is not allowed in this exercise|this exercise is to build it"),
    Misconception("backward_unstable", "the backward's gates recomputed with a sigmoid that overflows",
                  "The backward recomputes i_t, f_t and V_t; with e^x / (1 + e^x) they turn NaN once a "
                  "pre-activation passes exp's overflow, and so does every gradient that goes through them.",
                  ("lstm_cell_backward",), checks=("finite_differences", "autograd"), naive=True),
    _backward("backward_bias_mean", "bias gradients averaged over the batch",
              "The loss sums over the rows of the batch, and every row uses the same bias, so a bias's gradient "
              "is the sum over the batch, da.sum(axis=0), not the mean.", "bias_sum"),
    _signature("floating_point_error", "floating-point warnings turned into errors",
               "np.seterr(all=\"raise\") (or np.errstate(all=\"raise\")) turns every overflow and underflow into "
               "an exception. On saturating inputs exp overflows or underflows even in correct code paths (the "
               "textbook 1 / (1 + np.exp(-x)) overflows at x = -800), so the function raises instead of returning "
               "0 or 1.", (*NUMPY, "lstm_cell_backward"), ANY_CHECK, r"raised FloatingPointError"),
    Misconception("squeezed_output", "an output squeezed to fewer dimensions",
                  ".squeeze() (or ravel, or indexing [0]) drops the axes of size 1: with one row (B = 1) or one unit "
                  "(H = 1) a (B, H) result becomes 1-D. Keep every axis: the batch axis always stays.",
                  (*NUMPY, *MODULES), ANY_CHECK, sizes="squeezed"),
    _signature("nan_gradients", "gradients that turn NaN where the gates saturate",
               "Where a sigmoid or tanh saturates its gradient is 0; code that computes inf on the way (e^x of a "
               "large x, or the branch a torch.where does not take) turns inf · 0 into NaN in backward.",
               MODULES, ("gradients", "gradcheck"), r"a gradient turns nan"),
    Misconception("batch_of_one_only", "code that works only for a batch of one",
                  "Right with one row, wrong with several: something treats the batch as a single example "
                  "(reshape(1, -1), x[0], .item(), a sum over axis 0). Every row is its own example: keep the "
                  "batch axis and work on all rows at once.", NUMPY, ANY_CHECK, sizes="batch_of_one"),
    Misconception("fixed_sizes", "a size written into the code",
                  "Right only at the size the code was written for: a number such as 4 in np.zeros((B, T, 4)) "
                  "or reshape(..., 4) where the size should be read from the arrays (H = stm_prev.shape[1]).",
                  NUMPY, ANY_CHECK, sizes="fixed"),
    Misconception("state_detached", "the state detached between steps",
                  ".detach() on (ltm, stm) between steps cuts backpropagation through time: the forward is right, "
                  "but no gradient flows from a step to the steps before it, so the weights learn only from each "
                  "step alone.", ("LSTM",), checks=("gradients",), gradients="detached_state"),
)

MISCONCEPTIONS: tuple[Misconception, ...] = (*LESSON_ENTRIES, *OTHER_ENTRIES)

MISCONCEPTIONS = tuple(dataclasses.replace(m, hint=HINTS[m.id]) for m in MISCONCEPTIONS)

