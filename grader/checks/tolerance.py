"""Tolerances, in one table, and numeric comparisons that explain themselves.

numpy track: results are compared with a float64 reference computed from the same inputs.
The tolerance follows the precision the student's result carries: a float64 result from
float64 inputs gets ``atol 1e-6``; a float32 result (or float32 inputs) gets ``atol 1e-5``,
because float32 keeps about 7 significant digits and the gates sum up to 32 products.
Measured on the generated inputs, correct float32 arithmetic stays below a fifth of that
tolerance while float16 arithmetic exceeds it a hundred times over. Sequences of ``T`` steps
scale both by ``sqrt(T)``.
"""

from __future__ import annotations

import math

import numpy as np

from grader.results import Tolerance, Worst

# precision -> (rtol, atol)
NUMPY_TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-5, 1e-6),
    "float32": (1e-5, 1e-5),
}


def numpy_tolerance(result_dtype: np.dtype, input_dtype: str, steps: int = 1) -> Tolerance:
    """The tolerance for a numpy result of ``result_dtype`` computed from ``input_dtype``."""
    if result_dtype == np.float64 and input_dtype == "float64":
        precision, why = "float64", "float64 result"
    elif input_dtype == "float32":
        precision, why = "float32", "float32 inputs"
    else:
        precision, why = "float32", f"{result_dtype} result"
    rtol, atol = NUMPY_TOLERANCES[precision]
    if steps > 1:
        scale = math.sqrt(steps)
        rtol, atol, why = rtol * scale, atol * scale, f"{why}, {steps} steps (×√{steps})"
    return Tolerance(rtol=rtol, atol=atol, reason=why)


def worst_element(output: str, expected: np.ndarray, got: np.ndarray, tol: Tolerance) -> Worst | None:
    """``None`` if every element is within tolerance, else the worst one (NaN counts worst)."""
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    with np.errstate(all="ignore"):
        err = np.abs(g - e)
        allowed = tol.atol + tol.rtol * np.abs(e)
        bad = ~(err <= allowed)
        if not bad.any():
            return None
        score = np.where(np.isfinite(err), err / allowed, np.inf)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(score)), score.shape))
    exp_value, got_value, abs_error = float(e[index]), float(g[index]), float(err[index])
    rel_error = abs_error / abs(exp_value) if exp_value != 0 else math.inf
    return Worst(
        output=output,
        index=index,
        expected=exp_value,
        got=got_value,
        abs_error=abs_error,
        rel_error=rel_error,
        mismatched=int(bad.sum()),
        total=int(bad.size),
    )


def describe_worst(worst: Worst, tol: Tolerance) -> str:
    """One sentence: how many elements differ, where the worst is and by how much."""
    where = f"{worst.output}{list(worst.index)}" if worst.output else f"{list(worst.index)}"
    allowed = tol.atol + tol.rtol * abs(worst.expected)
    return (
        f"{worst.mismatched} of {worst.total} elements differ; worst at {where}: expected "
        f"{worst.expected:.6g}, got {worst.got:.6g} (abs error {worst.abs_error:.3g}, rel error "
        f"{worst.rel_error:.3g}; allowed {allowed:.2g})"
    )


# torch track: dtype -> (rtol, atol, why), against a float64 reference computed from the same
# inputs rounded to that dtype. float64 and float32 are torch.testing.assert_close's own
# defaults. assert_close's bfloat16 atol (1e-5) is meant for one operation; a gate sums up to
# 32 rounded products, so the atol here is 8 bfloat16 epsilons (measured: correct bfloat16
# arithmetic stays under 1.5e-2 on the generated cases, 4.5e-2 over 6 steps).
TORCH_TOLERANCES: dict[str, tuple[float, float, str]] = {
    "float64": (1e-7, 1e-7, "float64, torch.testing.assert_close's tolerance"),
    "float32": (1.3e-6, 1e-5, "float32, torch.testing.assert_close's tolerance"),
    "bfloat16": (1.6e-2, 3.1e-2, "bfloat16 keeps 8 significant bits (eps 3.9e-3): assert_close's rtol, atol 8 eps"),
    "float16": (1e-3, 7.8e-3, "float16 keeps 11 significant bits (eps 9.8e-4): assert_close's rtol, atol 8 eps"),
}


def torch_tolerance(dtype: str, steps: int = 1) -> Tolerance:
    rtol, atol, why = TORCH_TOLERANCES[dtype]
    if steps > 1:
        scale = math.sqrt(steps)
        rtol, atol, why = rtol * scale, atol * scale, f"{why}; {steps} steps (×√{steps})"
    return Tolerance(rtol=rtol, atol=atol, reason=why)
