"""Diagnosing the torch track's modules: the learner's module in the sandbox against variants
computed here (the lesson's parts with one swapped, or the textbook cell with a switch flipped)."""

from __future__ import annotations

import numpy as np

from grader.checks.cases import Case
from grader.checks.context import CheckContext, expect
from grader.checks.modules import ModuleSpec, tensors_of
from grader.checks.outcome import Failure
from grader.checks.tolerance import torch_tolerance
from grader.diagnosis import compose
from grader.diagnosis.library import Misconception
from grader.diagnosis.matcher import Diagnoser, Outputs, diagnoser


def module_diagnoser(spec: ModuleSpec) -> Diagnoser:
    def student(ctx: CheckContext, cases: list[Case]) -> list[Outputs | None]:
        answers: list[Outputs | None] = []
        for case, result in zip(cases, ctx.run([(spec.call(case), spec.named(case)) for case in cases]), strict=True):
            try:
                got = tensors_of(spec, expect(result).value, case, dtype="float64", device="cpu")
            except Failure:
                answers.append(None)
                continue
            answers.append({n: t.array for n, t in got.items() if t.array is not None})
        return answers

    def variant(ctx: CheckContext, misconception: Misconception, case: Case) -> Outputs:
        a = {k: v.astype(np.float64) for k, v in case.arrays.items()}
        params = {k: a[k] for k in case.params}
        if spec.symbol == "StandardLSTMCell":
            return compose.standard(spec.state(case), a["event"], a["stm_prev"], a["ltm_prev"],
                                    **misconception.standard)
        g = compose.lesson(misconception.lesson)
        if spec.symbol == "LSTM":
            stms, (ltm, stm) = g.lstm_forward(a["ltm_prev"], a["stm_prev"], a["events"], params)
            return {"stms": stms, "ltm_T": ltm, "stm_T": stm}
        ltm, stm = g.lstm_cell(a["ltm_prev"], a["stm_prev"], a["event"], params)
        return {"ltm": ltm, "stm": stm}

    return diagnoser(student, variant,
                     lambda case, got: torch_tolerance("float64", case.T if spec.layout.sequence else 1))
