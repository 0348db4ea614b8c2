"""The numpy track's exercises as specs: each function's contract inputs and outputs (shared with the torch
track's layouts and the diagnosis)."""

from __future__ import annotations

from grader.catalog import TRACKS
from grader.checks.arrays import Spec

FILE = TRACKS["numpy"].file

LEARN = Spec("learn_gate", ("stm_prev", "event", "W_n", "b_n", "W_i", "b_i"), ("learn_out",),
             "N_t * i_t, an array of shape (B, H)")
FORGET = Spec("forget_gate", ("ltm_prev", "stm_prev", "event", "W_f", "b_f"), ("forget_out",),
              "LTM_{t-1} * f_t, an array of shape (B, H)")
REMEMBER = Spec("remember_gate", ("forget_out", "learn_out"), ("ltm",),
                "LTM_t, an array of shape (B, H)")
USE = Spec("use_gate", ("forget_out", "stm_prev", "event", "W_u", "b_u", "W_v", "b_v"), ("stm",),
           "STM_t = U_t * V_t, an array of shape (B, H)")
CELL = Spec("lstm_cell", ("ltm_prev", "stm_prev", "event", "params"), ("ltm", "stm"),
            "a tuple (ltm, stm) of two (B, H) arrays")
FORWARD = Spec("lstm_forward", ("ltm0", "stm0", "events", "params"), ("stms", "ltm_T", "stm_T"),
               "(stms, (ltm_T, stm_T)) with stms of shape (B, T, H)", sequence=True)
GATES = (LEARN, FORGET, REMEMBER, USE)
MAX_STEPS = 6
