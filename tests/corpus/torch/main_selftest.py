"""LSTM in PyTorch -- lesson cell, sequence, and the textbook cell.

Run `python lstm_torch.py` to compare my StandardLSTMCell with torch.nn.LSTMCell (I only
use torch's cell in the self-test at the bottom, never in the modules themselves).
"""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        both = hidden_size + input_size
        self.new_info = nn.Linear(both, hidden_size)
        self.ignore = nn.Linear(both, hidden_size)
        self.forget = nn.Linear(both, hidden_size)
        self.use_ltm = nn.Linear(hidden_size, hidden_size)
        self.use_stm = nn.Linear(both, hidden_size)

    def forward(self, event, state=None):
        if state is None:
            ltm_prev = torch.zeros(event.shape[0], self.hidden_size, dtype=event.dtype, device=event.device)
            stm_prev = torch.zeros_like(ltm_prev)
        else:
            ltm_prev, stm_prev = state
        x = torch.cat([stm_prev, event], dim=1)
        learn = torch.tanh(self.new_info(x)) * torch.sigmoid(self.ignore(x))
        forget = ltm_prev * torch.sigmoid(self.forget(x))
        ltm = forget + learn
        stm = torch.tanh(self.use_ltm(forget)) * torch.sigmoid(self.use_stm(x))
        return ltm, stm


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, events, state=None):
        outputs = []
        for t in range(events.size(1)):
            state = self.cell(events[:, t, :], state)
            outputs.append(state[1])
        return torch.stack(outputs, dim=1), state


class StandardLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        k = 1.0 / math.sqrt(hidden_size)
        for w in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh):
            nn.init.uniform_(w, -k, k)

    def forward(self, input, hx=None):
        if hx is None:
            h = input.new_zeros(input.size(0), self.hidden_size)
            c = input.new_zeros(input.size(0), self.hidden_size)
        else:
            h, c = hx
        gates = input @ self.weight_ih.t() + self.bias_ih + h @ self.weight_hh.t() + self.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        return h_new, c_new


if __name__ == "__main__":
    torch.manual_seed(1)
    mine = StandardLSTMCell(3, 5).double()
    theirs = nn.LSTMCell(3, 5).double()
    theirs.load_state_dict(mine.state_dict())
    x = torch.randn(4, 3, dtype=torch.float64)
    hx = (torch.randn(4, 5, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64))
    for a, b in zip(mine(x, hx), theirs(x, hx)):
        print("max difference:", (a - b).abs().max().item())
        assert torch.allclose(a, b)
    stms, (ltm, stm) = LSTM(3, 5)(torch.randn(2, 7, 3))
    print("LSTM output", tuple(stms.shape), tuple(ltm.shape), tuple(stm.shape))
