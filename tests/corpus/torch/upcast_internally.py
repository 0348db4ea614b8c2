"""LSTM in PyTorch. bfloat16 made my gates noisy, so every module does its arithmetic in at
least float32 (float64 stays float64) and casts the results back to the input's dtype."""

import math

import torch
import torch.nn.functional as F
from torch import nn


def _compute_dtype(dtype):
    return torch.promote_types(dtype, torch.float32)


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
        dtype = event.dtype
        up = _compute_dtype(dtype)
        ltm_prev, stm_prev = (s.to(up) for s in state)
        x = torch.cat([stm_prev, event.to(up)], dim=-1)

        def layer(module, inputs):
            return F.linear(inputs, module.weight.to(up), module.bias.to(up))

        forget_out = ltm_prev * torch.sigmoid(layer(self.forget, x))
        learn_out = torch.tanh(layer(self.new_info, x)) * torch.sigmoid(layer(self.ignore, x))
        ltm = forget_out + learn_out
        stm = torch.tanh(layer(self.use_ltm, forget_out)) * torch.sigmoid(layer(self.use_stm, x))
        return ltm.to(dtype), stm.to(dtype)


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
        dtype = input.dtype
        up = _compute_dtype(dtype)
        if hx is None:
            zeros = input.new_zeros(input.shape[0], self.hidden_size)
            hx = (zeros, zeros)
        h, c = (s.to(up) for s in hx)
        x = input.to(up)
        gates = (x @ self.weight_ih.to(up).T + self.bias_ih.to(up)
                 + h @ self.weight_hh.to(up).T + self.bias_hh.to(up))
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h.to(dtype), c.to(dtype)
