"""LSTM in PyTorch: the lesson's cell as a torch.nn.Module, the cell over a sequence, and the
textbook cell as a drop-in replacement for torch.nn.LSTMCell.

Same notation as lstm_numpy.py: event (B, I), stm and ltm (B, H), [STM, E] concatenated on
the last axis with STM first. A torch.nn.Linear(in, out) computes W x + b with W of shape
(out, in): the lesson's W [STM, E] + b is a Linear layer applied to torch.cat([stm, event], -1).

Build everything from torch.nn.Linear, torch.sigmoid and torch.tanh: torch.nn.LSTM,
torch.nn.LSTMCell, torch.nn.GRU and torch's internal LSTM kernels are not allowed here.
Your modules must work on any device and dtype they are moved to (.double(), .to("cuda"),
.to(torch.bfloat16)) and gradients must flow through them.

Check your work at any time with:   grade check
"""

import torch
from torch import nn


class LSTMCell(nn.Module):
    """The lesson's cell.

    Submodules (the grader loads weights into them by these names, so keep them):
        new_info : nn.Linear(H + I, H)   W_n, b_n     N_t = tanh(W_n [STM, E] + b_n)
        ignore   : nn.Linear(H + I, H)   W_i, b_i     i_t = σ(W_i [STM, E] + b_i)
        forget   : nn.Linear(H + I, H)   W_f, b_f     f_t = σ(W_f [STM, E] + b_f)
        use_ltm  : nn.Linear(H, H)       W_u, b_u     U_t = tanh(W_u (LTM_{t-1} f_t) + b_u)
        use_stm  : nn.Linear(H + I, H)   W_v, b_v     V_t = σ(W_v [STM, E] + b_v)
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        # ---- your code here: create the five nn.Linear submodules -----------------
        raise NotImplementedError("LSTMCell.__init__: create the submodules")
        # ---- end of your code ------------------------------------------------------

    def forward(self, event, state=None):
        """One step.

        Args:
            event: E_t, shape (B, I)
            state: (ltm, stm), each (B, H); None means zeros (on event's device, in event's dtype)
        Returns:
            (ltm, stm): LTM_t = LTM_{t-1} f_t + N_t i_t and STM_t = U_t V_t, each (B, H)
        """
        # ---- your code here ------------------------------------------------------
        raise NotImplementedError("LSTMCell.forward: replace this line with your code")
        # ---- end of your code ----------------------------------------------------


class LSTM(nn.Module):
    """The lesson's cell over a batch-first sequence. Holds one LSTMCell named `cell`."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        # ---- your code here: self.cell = ... ---------------------------------------
        raise NotImplementedError("LSTM.__init__: create self.cell")
        # ---- end of your code ------------------------------------------------------

    def forward(self, events, state=None):
        """Run self.cell over every step, carrying the state.

        Args:
            events: shape (B, T, I); step t is events[:, t]
            state: (ltm0, stm0), each (B, H); None means zeros
        Returns:
            (stms, (ltm_T, stm_T)): stms is the STM after every step, (B, T, H);
            ltm_T and stm_T are the state after the last step, (B, H) each
        """
        # ---- your code here ------------------------------------------------------
        raise NotImplementedError("LSTM.forward: replace this line with your code")
        # ---- end of your code ----------------------------------------------------


class StandardLSTMCell(nn.Module):
    """The textbook LSTM cell, a drop-in replacement for torch.nn.LSTMCell.

    Parameters (torch's names, shapes and gate order i, f, g, o stacked on the first axis):
        weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,)

        gates = input W_ih^T + b_ih + h W_hh^T + b_hh,  split into i, f, g, o
        c' = σ(f) * c + σ(i) * tanh(g)
        h' = σ(o) * tanh(c')
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        # ---- your code here: the four nn.Parameter tensors -------------------------
        raise NotImplementedError("StandardLSTMCell.__init__: create the parameters")
        # ---- end of your code ------------------------------------------------------

    def forward(self, input, hx=None):
        """One step, in torch's conventions.

        Args:
            input: shape (B, I)
            hx: (h, c), each (B, H) -- torch's order; None means zeros
        Returns:
            (h', c'), each (B, H)
        """
        # ---- your code here ------------------------------------------------------
        raise NotImplementedError("StandardLSTMCell.forward: replace this line with your code")
        # ---- end of your code ----------------------------------------------------
