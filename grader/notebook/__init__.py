"""The exercises as Jupyter notebooks: graded like the ``.py`` files, checked from a cell, graded through nbgrader.

Kept import-free (the pipeline imports its reading modules): nothing here imports nbformat,
IPython or nbgrader until a function that needs them is called.

- ``cells``, ``extract``, ``loading``, ``lines``: a notebook's code cells as the track's file, and
  the report told in cells ("cell 5, line 3"); plain ``json`` and ``ast``, nothing run.
- ``build``: the lesson's notebooks from the stubs and ``exercises/notebook_text.toml``.
- ``kernel``, ``history``: ``%load_ext grader`` / ``%grade`` and ``check()`` inside Jupyter.
- ``nbgrader_course``, ``autograde``: an nbgrader course whose autograder cells grade in the sandbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def check(*exercises: str, seed: int | None = None) -> None:
    """Grade this notebook's code in the sandbox and show the feedback page below the cell
    (``%grade`` does the same); ``exercises``: only those (e.g. ``"forget_gate"``)."""
    from grader.notebook.kernel import check as run

    run(*exercises, seed=seed)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext grader.notebook`` (or ``%load_ext grader``): registers ``%grade``."""
    from grader.notebook.kernel import load_ipython_extension as load

    load(ipython)


def write_notebooks(course: Path, out_dir: Path) -> list[Path]:
    """Write the lesson's notebooks (``lstm_numpy.ipynb``, ``lstm_torch.ipynb``) of ``course`` to ``out_dir``."""
    from grader.notebook.build import write_notebooks as write

    return write(course, out_dir)


def write_nbgrader_course(course: Path, out: Path) -> Path:
    """Write an nbgrader course for ``course`` to ``out``; returns ``out``."""
    from grader.notebook.nbgrader_course import write_nbgrader_course as write

    return write(course, out)
