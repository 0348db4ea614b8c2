"""LSTM (PyTorch). Reproducibility first: fixed seed and short printouts at import time."""

import math

import torch
from torch import nn

torch.manual_seed(0)
torch.set_printoptions(precision=3)


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
            ltm_prev = stm_prev = event.new_zeros(event.shape[0], self.hidden_size)
        else:
            ltm_prev, stm_prev = state
        stm_event = torch.cat([stm_prev, event], dim=-1)
        N = torch.tanh(self.new_info(stm_event))
        i = torch.sigmoid(self.ignore(stm_event))
        f = torch.sigmoid(self.forget(stm_event))
        forget_out = ltm_prev * f
        U = torch.tanh(self.use_ltm(forget_out))
        V = torch.sigmoid(self.use_stm(stm_event))
        return forget_out + N * i, U * V


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, events, state=None):
        stms = []
        for event in events.unbind(dim=1):
            state = self.cell(event, state)
            stms.append(state[1])
        return torch.stack(stms, dim=1), state


class StandardLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) / math.sqrt(hidden_size))
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) / math.sqrt(hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, input, hx=None):
        if hx is None:
            hx = (input.new_zeros(input.shape[0], self.hidden_size),) * 2
        h, c = hx
        gates = input @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = torch.split(gates, self.hidden_size, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
