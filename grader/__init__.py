"""LSTM exercise grader. Kept import-free: the CLI starts fast and children import nothing."""

__version__ = "0.1.0"  # the package's one version: pyproject.toml reads it from here
