"""Opening the files a user names as input (a tree spec, its WAVs, an audit's recordings).

Only regular files are read, and never more than a cap: ``/dev/zero`` as a prompt would be
read until memory ran out, and a FIFO would block the crawl for ever before the first call.
A file is opened without blocking (a FIFO with no writer opens at once), checked on the open
descriptor (no window in which the path could be swapped for something else) and read up to
its cap plus one byte, so a file that grows while it is read is still caught.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from ivraudit.errors import InputFileError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path, max_bytes: int) -> BinaryIO:
    """``path`` opened for reading, once it is known to be a regular file of at most
    ``max_bytes``; raises FileNotFoundError, OSError, or InputFileError saying what it is."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise InputFileError(f"{path}: is {kind}, not a regular file; only files are read")
        if info.st_size > max_bytes:
            raise InputFileError(f"{path}: {info.st_size} bytes is more than the "
                                 f"{max_bytes} bytes ivraudit reads of such a file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, max_bytes: int) -> bytes:
    """All of a regular file of at most ``max_bytes`` (see :func:`open_regular`)."""
    with open_regular(path, max_bytes) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: grew past {max_bytes} bytes while it was read")
    return data
