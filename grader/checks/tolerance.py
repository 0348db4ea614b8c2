"""Tolerances, in one table, and numeric comparisons that explain themselves.

numpy track: results are compared with a float64 reference computed from the same inputs.
The tolerance follows the precision the student's result carries: a float64 result from
float64 inputs gets ``atol 1e-6``; a float32 result (or float32 inputs) gets ``atol 1e-5``,
because float32 keeps about 7 significant digits and the gates sum up to 32 products.
Measured on the generated inputs, correct float32 arithmetic stays below a fifth of that
tolerance while float16 arithmetic exceeds it a hundred times over. Sequences of ``T`` steps
scale both by ``sqrt(T)``.

Where the numbers a gate adds up are large (loud events: pre-activations in the thousands), the
rounding error of a correct computation grows with them. A gate's pre-activation sums terms
``W_jk x_k`` of total size ``S = sum_k |W_jk x_k|``; float32 arithmetic rounds that sum with an
error of a few ``u S`` (``u = 2^-24``, float32's unit roundoff; worst case ``K u S`` for ``K``
terms, about ``sqrt(K) u S`` in practice), and tanh and the sigmoid (slopes at most 1 and 1/4)
pass it on no larger. Measured over 3,000 random gates of up to 32 terms with inputs up to 3,000,
correct float32 arithmetic stayed within 1.05 ``u S``. The table's ``atol`` was measured on the
generated cases, whose gates add up terms of size ``S`` up to about 130; above ``ORDINARY_SIZE``
(150: the loud saturating cases, events in the hundreds) ``atol`` is at least ``4 u S``, with ``S``
the largest such sum of the case (``Case.size``).
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


UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24, "bfloat16": 2.0**-8, "float16": 2.0**-11}
ROUNDING_MARGIN = 4.0  # atol >= 4 u S: correct float32 gates stayed within 1.05 u S (measured)
ORDINARY_SIZE = 150.0  # the generated cases' S stays below it (131 at most, measured): the table's atol holds there


def numpy_tolerance(result_dtype: np.dtype, input_dtype: str, steps: int = 1, size: float = 0.0) -> Tolerance:
    """The tolerance for a numpy result of ``result_dtype`` computed from ``input_dtype``, on a case whose
    gates add up terms of total size ``size`` (``Case.size``; float32 arithmetic is accepted everywhere)."""
    if result_dtype == np.float64 and input_dtype == "float64":
        precision, why = "float64", "float64 result"
    elif input_dtype == "float32":
        precision, why = "float32", "float32 inputs"
    else:
        precision, why = "float32", f"{result_dtype} result"
    rtol, atol = NUMPY_TOLERANCES[precision]
    atol, why = _sized(atol, why, size, "float32")
    if steps > 1:
        scale = math.sqrt(steps)
        rtol, atol, why = rtol * scale, atol * scale, f"{why}, {steps} steps (×√{steps})"
    return Tolerance(rtol=rtol, atol=atol, reason=why)


def _sized(atol: float, why: str, size: float, precision: str) -> tuple[float, str]:
    """``atol`` raised to ``4 u size`` where the gates add up large numbers (see the module's docstring)."""
    floor = ROUNDING_MARGIN * UNIT_ROUNDOFF[precision] * size
    if size <= ORDINARY_SIZE or floor <= atol:
        return atol, why
    u = UNIT_ROUNDOFF[precision]
    return floor, f"{why}; atol raised to 4·u·S with u = {u:.2g}, as the gates add up terms of size S = {size:.3g}"


def worst_element(output: str, expected: np.ndarray, got: np.ndarray, tol: Tolerance) -> Worst | None:
    """``None`` if every element is within tolerance, else the worst one (NaN counts worst)."""
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    with np.errstate(all="ignore"):
        err = np.abs(g - e)
        allowed = tol.atol + tol.rtol * np.abs(e)
        same = (g == e) | (np.isnan(g) & np.isnan(e))  # the same inf or nan: only a self-comparison meets them
        bad = ~(err <= allowed) & ~same
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


def overflow_note(worst: Worst, peak: float, library: str = "numpy") -> str:
    """Why a result is inf or NaN where the reference is finite, on an input that saturates ('' otherwise)."""
    if math.isfinite(worst.got) or not math.isfinite(worst.expected) or peak < OVERFLOWS_AT:
        return ""
    return f". {overflow_sentence(peak, library)}"


OVERFLOWS_AT = 44.0  # exp(2x) in float32: a hand-written tanh's overflow; exp(x) overflows past 88 (709 in float64)


def overflow_sentence(peak: float, library: str = "numpy") -> str:
    """What overflows on an input whose pre-activations reach ``peak``, and what stays finite."""
    stable = ("torch.sigmoid and torch.tanh never overflow" if library == "torch" else
              "a stable sigmoid never exponentiates a positive number (np.exp(-np.abs(x))), and np.tanh never "
              "overflows")
    return (f"On this input the pre-activations reach {peak:,.0f}, and exp overflows to inf past 709 in float64 "
            f"and 88 in float32 (exp(2x) past half that): an activation written with exp overflows there, and "
            f"inf/inf or inf·0 is nan. Correct code stays finite: {stable}")


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


def torch_tolerance(dtype: str, steps: int = 1, size: float = 0.0) -> Tolerance:
    rtol, atol, why = TORCH_TOLERANCES[dtype]
    # a half-precision module's matrix products add up in float32 (rounded to its dtype once, at the end)
    atol, why = _sized(atol, why, size, "float32" if dtype in ("bfloat16", "float16") else dtype)
    if steps > 1:
        scale = math.sqrt(steps)
        rtol, atol, why = rtol * scale, atol * scale, f"{why}; {steps} steps (×√{steps})"
    return Tolerance(rtol=rtol, atol=atol, reason=why)


# the notes every report prints, generated from the tables above (pipeline.check)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
ASSERT_CLOSE = "torch.testing.assert_close's tolerance"  # how TORCH_TOLERANCES marks torch's own defaults


def _number(x: float) -> str:
    """``x`` as the notes write it: 1e-5, 1.6e-2."""
    mantissa, exponent = f"{x:e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _power_of_two(x: float) -> str:
    """``x`` as a power of two, e.g. 2⁻²⁴ (or as a number where it is none)."""
    exponent = round(math.log2(x))
    return f"2{str(exponent).translate(_SUPERSCRIPT)}" if 2.0**exponent == x else _number(x)


def _listed(items: list[str]) -> str:
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])} and {items[-1]}"


def sized_note(margin: float = ROUNDING_MARGIN, precision: str = "float32") -> str:
    """The sentence on loud cases: ``_sized``'s floor of ``margin`` unit roundoffs of the gates' size."""
    return (f"Where the gates add up large numbers (inputs in the hundreds), atol grows to at least {margin:g}·u·S: "
            "S is the largest sum of |weight · input| terms in a gate, u the unit roundoff of the arithmetic "
            f"({_power_of_two(UNIT_ROUNDOFF[precision])} for {precision}), the rounding error correct code can make "
            "there.")


def numpy_note(table: dict[str, tuple[float, float]] = NUMPY_TOLERANCES, margin: float = ROUNDING_MARGIN) -> str:
    """The numpy track's tolerances in a sentence, from ``table`` (``NUMPY_TOLERANCES``)."""
    rtol64, atol64 = table["float64"]
    rtol32, atol32 = table["float32"]
    float32 = f"atol {_number(atol32)}" if rtol32 == rtol64 else f"rtol {_number(rtol32)} and atol {_number(atol32)}"
    return ("numpy results are compared with a float64 reference: |got - expected| <= atol + rtol·|expected| with "
            f"rtol {_number(rtol64)} and atol {_number(atol64)} for float64 results, {float32} for float32 results "
            f"or inputs, both times √T for a sequence of T steps. {sized_note(margin)}")


def torch_note(table: dict[str, tuple[float, float, str]] = TORCH_TOLERANCES, margin: float = ROUNDING_MARGIN,
               dtypes: tuple[str, ...] = ("float64", "float32", "bfloat16")) -> str:
    """The torch track's tolerances for ``dtypes`` (those its checks use) in a sentence, from ``table``
    (``TORCH_TOLERANCES``): torch's own defaults by name, the others by their numbers."""
    defaults = [d for d in dtypes if table[d][2].endswith(ASSERT_CLOSE)]
    parts = [f"{ASSERT_CLOSE}s for {_listed(defaults)}"] if defaults else []
    for dtype in (d for d in dtypes if d not in defaults):
        rtol, atol, _ = table[dtype]
        epsilons = round(atol / UNIT_ROUNDOFF[dtype])
        parts.append(f"for {dtype}, rtol {_number(rtol)} and atol {_number(atol)} ({epsilons} {dtype} epsilons)")
    return ("torch results are compared with a float64 oracle run on the same inputs rounded to the module's dtype, "
            f"with {' and, '.join(parts)}; TF32 is off on GPUs. {sized_note(margin)}")
