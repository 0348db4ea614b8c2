"""My LSTM modules. The forward passes print a one-line summary (I read it in my training
loop to spot exploding values)."""

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
            zero = event.new_zeros((event.shape[0], self.hidden_size))
            state = (zero, zero)
        ltm_prev, stm_prev = state
        x = torch.cat((stm_prev, event), dim=-1)
        forget_out = ltm_prev * torch.sigmoid(self.forget(x))
        learn_out = torch.tanh(self.new_info(x)) * torch.sigmoid(self.ignore(x))
        ltm = forget_out + learn_out
        stm = torch.tanh(self.use_ltm(forget_out)) * torch.sigmoid(self.use_stm(x))
        print(f"[LSTMCell] B={event.shape[0]} |ltm|max={ltm.abs().max().item():.4f} "
              f"stm mean={stm.mean().item():+.4f}")
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
        out = torch.stack(stms, dim=1)
        print(f"[LSTM] T={events.shape[1]} final ltm norm={state[0].norm().item():.3f}")
        return out, state


class StandardLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        bound = hidden_size ** -0.5
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))

    def forward(self, input, hx=None):
        if hx is None:
            zero = input.new_zeros((input.shape[0], self.hidden_size))
            hx = (zero, zero)
        h, c = hx
        gates = input @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        print("[StandardLSTMCell] saturated output gates:", int((torch.sigmoid(o) > 0.99).sum().item()))
        return h, c
