"""Where an audit is written: checked before the first call, and failures said plainly.

An ``--out`` that is a file, a read-only folder or ``/proc`` was found only when the crawl,
perhaps an hour of calls, was over: a traceback, and everything learned lost. So the folder is
tried before anything is dialled (:func:`check_destination`), by writing a file there and
removing it, the one test that answers for permissions, read-only mounts, pseudo-filesystems
and root alike. A write that fails later (a disk that fills during the crawl) is an
:class:`AuditWriteError` naming the file, with no ``.part`` file left behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ivraudit.errors import IvrauditError


class DestinationError(IvrauditError):
    """The audit folder cannot be written: bad input, refused before any call (exit 2)."""

    exit_code = 2


class AuditWriteError(IvrauditError):
    """Writing the audit failed part-way (a full disk); exit 1, as for a crawl cut short."""

    exit_code = 1


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _nearest_existing(folder: Path) -> Path:
    """``folder`` or the closest of its parents that exists (what a crawl would create in)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(".")


def check_destination(folder: Path) -> None:
    """Raise DestinationError unless an audit can be written in ``folder`` (created later, by
    the writer, if missing). Nothing is left behind: the probe file is removed."""
    where = f"the audit folder {folder}"
    recordings = folder / "recordings"
    if recordings.is_symlink():
        raise DestinationError(f"{where}: {recordings} is a symbolic link; the recordings must "
                               "be written in the audit folder itself")
    for part in (folder, recordings):
        if part.exists() and not part.is_dir():
            raise DestinationError(f"{where}: {part} is a file, not a folder; "
                                   "give --out a folder to write the audit in")
    base = _nearest_existing(folder)
    if not base.is_dir():
        raise DestinationError(f"{where}: {base} is not a folder, so the audit cannot go "
                               "below it")
    try:
        handle, probe = tempfile.mkstemp(prefix=".ivraudit-probe-", dir=base)
    except OSError as exc:
        raise DestinationError(f"{where}: cannot write in {base} ({_reason(exc)}); "
                               "nothing was dialled") from None
    os.close(handle)
    os.unlink(probe)


def remove_quietly(path: Path) -> None:
    """Remove a temporary file if it is there (the disk may be full: this must not fail)."""
    try:
        path.unlink()
    except OSError:
        pass
