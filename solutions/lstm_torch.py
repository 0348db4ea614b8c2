"""Reference solutions for the PyTorch track: the lesson's cell, the sequence, the textbook cell.

Imported only by the grader's own (trusted) process. Weights follow torch.nn.Linear: W is
(out, in) and W [STM, E] + b is a Linear layer applied to torch.cat([stm, event], -1).
"""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    """The lesson's cell: learn, forget, remember and use gates around LTM and STM."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.new_info = nn.Linear(hidden_size + input_size, hidden_size)  # W_n, b_n
        self.ignore = nn.Linear(hidden_size + input_size, hidden_size)  # W_i, b_i
        self.forget = nn.Linear(hidden_size + input_size, hidden_size)  # W_f, b_f
        self.use_ltm = nn.Linear(hidden_size, hidden_size)  # W_u, b_u
        self.use_stm = nn.Linear(hidden_size + input_size, hidden_size)  # W_v, b_v

    def forward(self, event, state=None):
        if state is None:
            zeros = event.new_zeros(event.shape[0], self.hidden_size)
            state = (zeros, zeros)
        ltm_prev, stm_prev = state
        x = torch.cat([stm_prev, event], dim=-1)  # [STM_{t-1}, E_t]
        learn_out = torch.tanh(self.new_info(x)) * torch.sigmoid(self.ignore(x))  # N_t * i_t
        forget_out = ltm_prev * torch.sigmoid(self.forget(x))  # LTM_{t-1} * f_t
        ltm = forget_out + learn_out  # remember gate
        stm = torch.tanh(self.use_ltm(forget_out)) * torch.sigmoid(self.use_stm(x))  # U_t * V_t
        return ltm, stm


class LSTM(nn.Module):
    """The lesson's cell over a batch-first sequence."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, events, state=None):
        stms = []
        for t in range(events.shape[1]):
            state = self.cell(events[:, t], state)
            stms.append(state[1])
        return torch.stack(stms, dim=1), state


class StandardLSTMCell(nn.Module):
    """The textbook cell, a drop-in for torch.nn.LSTMCell (gate order i, f, g, o)."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def forward(self, input, hx=None):
        if hx is None:
            zeros = input.new_zeros(input.shape[0], self.hidden_size)
            hx = (zeros, zeros)
        h, c = hx
        gates = input @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
