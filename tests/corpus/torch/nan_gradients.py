"""LSTM in PyTorch with a numerically stable sigmoid written by hand: for x >= 0 use
1 / (1 + e^-x), for x < 0 use e^x / (1 + e^x), so the exponent is never large and positive.
torch.where picks the right branch for every element."""

import math

import torch
from torch import nn


def stable_sigmoid(x):
    return torch.where(x >= 0, 1 / (1 + torch.exp(-x)), torch.exp(x) / (1 + torch.exp(x)))


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
        N = torch.tanh(self.new_info(x))
        i = stable_sigmoid(self.ignore(x))
        f = stable_sigmoid(self.forget(x))
        forget_out = ltm_prev * f
        U = torch.tanh(self.use_ltm(forget_out))
        V = stable_sigmoid(self.use_stm(x))
        return forget_out + N * i, U * V


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
        gates = input @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=-1)
        c = stable_sigmoid(f) * c + stable_sigmoid(i) * torch.tanh(g)
        h = stable_sigmoid(o) * torch.tanh(c)
        return h, c
