"""The sandbox: student code runs in a child process; everything that scores runs here.

Public surface: ``Session`` (calls into one submission file), its reply types ``Returned``
and ``Raised``, ``Loaded`` (what importing the submission found) and ``Limits``.
"""

from grader.sandbox.session import Limits, Loaded, Raised, Returned, Session, SymbolInfo

__all__ = ["Limits", "Loaded", "Raised", "Returned", "Session", "SymbolInfo"]
