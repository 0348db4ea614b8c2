"""LSTM in PyTorch. For the default state I use torch.zeros_like on the input, so it is
automatically on the right device with the right dtype."""

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
            state = (torch.zeros_like(event), torch.zeros_like(event))
        ltm_prev, stm_prev = state
        x = torch.cat([stm_prev, event], dim=-1)
        forget_out = ltm_prev * torch.sigmoid(self.forget(x))
        ltm = forget_out + torch.tanh(self.new_info(x)) * torch.sigmoid(self.ignore(x))
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
            hx = (torch.zeros_like(input), torch.zeros_like(input))
        h, c = hx
        gates = input @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
