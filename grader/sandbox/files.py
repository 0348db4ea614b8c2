"""Read a submission folder's files, the one way ``grade check`` and ``grade batch`` both read them.

Only regular files directly inside the folder, each at most ``MAX_FILE_BYTES`` (a notebook, whose
outputs may hold images, ``MAX_NOTEBOOK_BYTES``), at most ``MAX_FILES`` of them; a folder inside is
not a file and is passed over. The type is checked before a file is opened, and it is opened
non-blocking: a FIFO, socket or device is never read (a FIFO would block whoever opened it). A
symbolic link is refused unless ``follow_links`` (a learner's own machine); a link loop is just a
link. The bytes are kept as they are, UTF-8 or not: the sandboxed child imports them, and Python
decides, as it would on the learner's machine.
Whatever the grader reads is what it copies into the sandbox: the folder is read once.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from grader.errors import InputError

MAX_FILE_BYTES = 1 << 20
MAX_NOTEBOOK_BYTES = 16 << 20
MAX_FILES = 64
CODE = (".py",)

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"))


class UnreadableFile(InputError):
    """A submission's file the grader will not read; the message names it and the problem in one sentence."""


class SymlinkError(UnreadableFile):
    """A symbolic link where a submission's own file should be."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: is a symbolic link, not graded (a submission's files must be its own, "
                         "not links to files elsewhere)")


def read_submission(folder: Path, *, follow_links: bool, suffixes: tuple[str, ...] = CODE) -> dict[str, bytes]:
    """The files directly inside ``folder`` whose names end in ``suffixes``, name -> bytes, by name.

    Raises ``UnreadableFile`` for the first that cannot be graded as the submission's own.
    """
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if Path(e.name).suffix in suffixes and not e.name.startswith(".")
                           and not e.is_dir(follow_symlinks=False))
    except OSError as error:
        raise UnreadableFile(f"{folder}: cannot be read ({error.strerror})") from None
    if len(names) > MAX_FILES:
        kinds = " and ".join(suffixes)
        raise UnreadableFile(f"{folder}: holds {len(names)} {kinds} files, more than the {MAX_FILES} a submission may "
                             "have, not graded")
    files = {}
    for name in names:
        data = _read(folder / name, follow_links)
        if data is not None:
            files[name] = data
    return files


def _read(path: Path, follow_links: bool) -> bytes | None:
    """``path``'s bytes; None for a folder (a link to one, where links are followed)."""
    try:
        info = os.stat(path, follow_symlinks=follow_links)
    except OSError as error:
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise SymlinkError(path)
    if stat.S_ISDIR(info.st_mode):
        return None
    limit = MAX_NOTEBOOK_BYTES if path.suffix == ".ipynb" else MAX_FILE_BYTES
    _check(path, info, limit)
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | (0 if follow_links else _NOFOLLOW))
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_links:  # it became a link since
            raise SymlinkError(path) from None
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror})") from None
    with open(fd, "rb") as handle:
        _check(path, os.fstat(fd), limit)  # what was opened, should it have been swapped since
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _too_large(path, limit)
    return data


def _check(path: Path, info: os.stat_result, limit: int) -> None:
    """Refuse anything but a regular file within the size limit."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        raise UnreadableFile(f"{path}: is not a regular file ({kind}), not graded")
    if info.st_size > limit:
        raise _too_large(path, limit)


def _too_large(path: Path, limit: int) -> UnreadableFile:
    return UnreadableFile(f"{path}: larger than {limit >> 20} MiB, not graded")
