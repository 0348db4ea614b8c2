"""LSTM in PyTorch using torch.addmm (bias + x @ W^T in a single BLAS call, like
nn.Linear does internally)."""

import math

import torch
from torch import nn


def dense(layer, x):
    return torch.addmm(layer.bias, x, layer.weight.t())


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
            z = torch.zeros(event.shape[0], self.hidden_size, dtype=event.dtype, device=event.device)
            state = (z, z)
        ltm_prev, stm_prev = state
        x = torch.cat([stm_prev, event], dim=1)
        forget_out = ltm_prev * torch.sigmoid(dense(self.forget, x))
        learn_out = torch.tanh(dense(self.new_info, x)) * torch.sigmoid(dense(self.ignore, x))
        ltm = forget_out + learn_out
        stm = torch.tanh(dense(self.use_ltm, forget_out)) * torch.sigmoid(dense(self.use_stm, x))
        return ltm, stm


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, events, state=None):
        stms = []
        for t in range(events.shape[1]):
            state = self.cell(events[:, t], state)
            stms.append(state[1].unsqueeze(1))
        return torch.cat(stms, dim=1), state


class StandardLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        std = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-std, std))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-std, std))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-std, std))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-std, std))

    def forward(self, input, hx=None):
        if hx is None:
            z = torch.zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (z, z)
        h, c = hx
        gates = torch.addmm(self.bias_ih, input, self.weight_ih.t())
        gates = torch.addmm(gates + self.bias_hh, h, self.weight_hh.t())
        H = self.hidden_size
        i = torch.sigmoid(gates[:, 0:H])
        f = torch.sigmoid(gates[:, H:2 * H])
        g = torch.tanh(gates[:, 2 * H:3 * H])
        o = torch.sigmoid(gates[:, 3 * H:4 * H])
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        return h_new, c_new
