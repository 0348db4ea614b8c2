"""What the sandboxed child runs: exactly the files of this folder, copied into its private folder.

This is the untrusted side of the trust boundary. Every file here imports nothing of the grader's
parent side (a test holds them to it); the child loads them under the private names in ``FILES``,
never as ``grader.sandbox.runtime``. The parent imports ``protocol`` (the wire format both sides
speak) and a few constants from here; nothing else here runs in the parent, but for benchmarks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FOLDER = Path(__file__).parent
# file here -> the name the child imports it by
FILES = {"child.py": "child.py", "protocol.py": "_grader_protocol.py", "torch_calls.py": "_grader_torch.py",
         "environment.py": "_grader_environment.py", "forkserver.py": "_grader_forkserver.py"}


def copy_into(folder: Path) -> None:
    """Copy the runtime into ``folder`` under its private names."""
    for source, name in FILES.items():
        shutil.copyfile(FOLDER / source, folder / name)
