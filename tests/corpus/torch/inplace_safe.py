"""LSTM in PyTorch with some in-place arithmetic (+=, add_) to save memory -- only where
autograd does not need the overwritten value (sums of fresh matmul results), never on the
output of a sigmoid or tanh."""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.new_info = nn.Linear(hidden_size + input_size, hidden_size)
        self.ignore = nn.Linear(hidden_size + input_size, hidden_size)
        self.forget = nn.Linear(hidden_size + input_size, hidden_size)
        self.use_ltm = nn.Linear(hidden_size, hidden_size)
        self.use_stm = nn.Linear(hidden_size + input_size, hidden_size)

    def forward(self, event, state=None):
        if state is None:
            zeros = event.new_zeros(event.shape[0], self.hidden_size)
            state = (zeros, zeros)
        ltm_prev, stm_prev = state
        x = torch.cat([stm_prev, event], dim=-1)
        forget_out = ltm_prev * torch.sigmoid(self.forget(x))
        ltm = torch.tanh(self.new_info(x)) * torch.sigmoid(self.ignore(x))
        ltm += forget_out  # LTM_t = N_t i_t + LTM_{t-1} f_t
        stm = torch.tanh(self.use_ltm(forget_out)) * torch.sigmoid(self.use_stm(x))
        return ltm, stm


class LSTM(nn.Module):
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
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input, hx=None):
        if hx is None:
            zeros = input.new_zeros(input.shape[0], self.hidden_size)
            hx = (zeros, zeros)
        h, c = hx
        gates = input @ self.weight_ih.T
        gates += h @ self.weight_hh.T
        gates.add_(self.bias_ih).add_(self.bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c
        c_new.add_(torch.sigmoid(i) * torch.tanh(g))
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        return h_new, c_new
