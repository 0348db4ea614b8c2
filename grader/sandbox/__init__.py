"""The sandbox: student code runs in a child process; everything that scores runs here.

Public surface: ``Session`` (calls into one submission file, in batches of ``Call``), its reply types ``Returned``
and ``Raised``, ``Loaded`` (what importing the submission found) and ``Limits``.
"""

from grader.sandbox.calls import Call, ModuleCall
from grader.sandbox.limits import Limits
from grader.sandbox.replies import Loaded, Raised, Returned, SymbolInfo
from grader.sandbox.session import Session

__all__ = ["Call", "Limits", "Loaded", "ModuleCall", "Raised", "Returned", "Session", "SymbolInfo"]
