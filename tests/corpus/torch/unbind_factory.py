"""LSTM in PyTorch.

Style notes for myself: the default state is created with the input's device and dtype
(torch.zeros(..., device=, dtype=)), the sequence is split with torch.unbind, and the
textbook cell uses torch.nn.functional.linear twice (like torch's own LSTMCell does).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class LSTMCell(nn.Module):
    """The lesson's cell. new_info/ignore/forget/use_stm read [STM, E]; use_ltm reads LTM*f."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        stm_event = hidden_size + input_size
        for name in ("new_info", "ignore", "forget", "use_stm"):
            setattr(self, name, nn.Linear(stm_event, hidden_size))
        self.use_ltm = nn.Linear(hidden_size, hidden_size)

    def zero_state(self, like):
        z = torch.zeros(like.shape[0], self.hidden_size, device=like.device, dtype=like.dtype)
        return z, z.clone()

    def forward(self, event, state=None):
        ltm_prev, stm_prev = self.zero_state(event) if state is None else state
        x = torch.cat([stm_prev, event], -1)
        f = torch.sigmoid(self.forget(x))
        kept = ltm_prev * f
        learned = torch.tanh(self.new_info(x)) * torch.sigmoid(self.ignore(x))
        out = torch.tanh(self.use_ltm(kept)) * torch.sigmoid(self.use_stm(x))
        return kept + learned, out


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, events, state=None):
        stms = []
        for event in torch.unbind(events, dim=1):
            state = self.cell(event, state)
            stms += [state[1]]
        ltm_T, stm_T = state
        return torch.stack(stms, dim=1), (ltm_T, stm_T)


class StandardLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.Tensor(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.Tensor(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.Tensor(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.Tensor(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)

    def forward(self, input, hx=None):
        if hx is None:
            zeros = torch.zeros(input.shape[0], self.hidden_size, device=input.device, dtype=input.dtype)
            hx = (zeros, zeros)
        h, c = hx
        gates = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        in_gate, forget_gate, cell_gate, out_gate = gates.chunk(4, 1)
        c_new = torch.sigmoid(forget_gate) * c + torch.sigmoid(in_gate) * torch.tanh(cell_gate)
        h_new = torch.sigmoid(out_gate) * torch.tanh(c_new)
        return h_new, c_new
