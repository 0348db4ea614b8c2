"""LSTM exercise grader. Kept import-free: the CLI starts fast and children import nothing."""

__version__ = "0.1.0"  # the package's one version: pyproject.toml reads it from here


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext grader`` in Jupyter: registers the ``%grade`` magic (``grader.notebook.kernel``)."""
    from grader.notebook.kernel import load_ipython_extension as load

    load(ipython)
