"""LSTM modules in PyTorch. My StandardLSTMCell is a real drop-in for torch.nn.LSTMCell:
it takes bias/device/dtype like torch's, and unbatched (I,) input as well as (B, I)."""

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
            ltm_prev = event.new_zeros(event.shape[0], self.hidden_size)
            stm_prev = event.new_zeros(event.shape[0], self.hidden_size)
        else:
            ltm_prev, stm_prev = state
        x = torch.cat([stm_prev, event], dim=-1)
        forget_out = ltm_prev * self.forget(x).sigmoid()
        learn_out = self.new_info(x).tanh() * self.ignore(x).sigmoid()
        return forget_out + learn_out, self.use_ltm(forget_out).tanh() * self.use_stm(x).sigmoid()


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, events, state=None):
        outs = []
        for t in range(events.shape[1]):
            state = self.cell(events[:, t], state)
            outs.append(state[1])
        return torch.stack(outs, dim=1), state


class StandardLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -stdv, stdv)

    def forward(self, input, hx=None):
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = torch.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = hx
        gates = input @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias:
            gates = gates + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if not batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c
