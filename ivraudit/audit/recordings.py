"""Which recordings an audit folder may name: plain relative WAV paths, files inside it.

``recording`` and its kin come from a JSON file anyone could have edited, and every reader of
an audit follows them: the report embeds the file in a page made to be mailed, ``freeze`` copies
it into a tree spec, ``diff`` decodes it. So a path that is absolute, climbs out with ``..``,
or reaches the file through a symbolic link (one planted in ``recordings/`` would hand over any
file the reader can open) is refused, naming it, by the one check all of them use.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ivraudit.errors import AuditInputError

_SAFE = re.compile(r"^[A-Za-z0-9_./-]+\.wav$")


def safe_recording(path: object) -> str | None:
    """The recording path if it is a plain relative WAV path inside the folder, else None."""
    if not isinstance(path, str) or not _SAFE.match(path):
        return None
    if path.startswith("/") or ".." in path.split("/"):
        return None
    return path


class RecordingRefused(AuditInputError):
    """A recording the audit names is a link, or lies outside the audit folder."""


def checked_file(folder: Path, relative: str) -> Path:
    """``folder/relative``, refused if any step of it is a link or it resolves outside
    ``folder`` (a missing file is returned as it is: the caller leaves it out)."""
    path = folder
    for part in relative.split("/"):
        path = path / part
        if path.is_symlink():
            raise RecordingRefused(
                f"{folder / relative}: {path.relative_to(folder)} is a symbolic link (to "
                f"{os.readlink(path)}); an audit's readers take only files inside its folder, so "
                "put the recording itself there")
    if not path.resolve().is_relative_to(folder.resolve()):
        raise RecordingRefused(f"{folder / relative}: resolves outside the audit folder")
    return path
