"""Where the report's audio players get their sound.

Embedded as ``data:`` URIs when the recordings are small enough, so a report.html mailed on its
own still plays every prompt; otherwise (or without the folder at hand) linked as
``recordings/nX.wav`` beside the report, which works as long as the folder travels whole.
Only plain relative paths inside the audit folder are used: ``recording`` comes from a JSON file
that anyone could have edited. And only files that are there, not links: a link planted in
``recordings/`` would put any file the reader can open into the page (a key, a mailbox) for
whoever the report is mailed to, so a recording reached through a link, or resolving outside
the folder, stops the report with the file named (:class:`RecordingRefused`).
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

from ivraudit.audit.reader import AuditInputError

EMBED_LIMIT_BYTES = 12_000_000
"""Recordings up to this total are embedded (~16 MB of base64): an ordinary crawl of a few
minutes of 8 kHz audio fits, a crawl with long holds is linked instead."""

_SAFE = re.compile(r"^[A-Za-z0-9_./-]+\.wav$")


def safe_recording(path: object) -> str | None:
    """The recording path if it is a plain relative WAV path inside the folder, else None."""
    if not isinstance(path, str) or not _SAFE.match(path):
        return None
    if path.startswith("/") or ".." in path.split("/"):
        return None
    return path


class RecordingRefused(AuditInputError):
    """A recording the audit names is a link, or lies outside the audit folder.

    Exit status 1, as for every audit folder ``ivraudit report`` cannot read."""

    exit_code = 1


def checked_file(folder: Path, relative: str) -> Path:
    """``folder/relative``, refused if any step of it is a link or it resolves outside
    ``folder`` (a missing file is returned as it is: the caller leaves it out)."""
    path = folder
    for part in relative.split("/"):
        path = path / part
        if path.is_symlink():
            raise RecordingRefused(
                f"{folder / relative}: {path.relative_to(folder)} is a symbolic link (to "
                f"{os.readlink(path)}); a report embeds only files inside the audit folder, so "
                "put the recording itself there")
    if not path.resolve().is_relative_to(folder.resolve()):
        raise RecordingRefused(f"{folder / relative}: resolves outside the audit folder")
    return path


RECORDING_FIELDS = ("recording", "music_recording", "announcement_recording")
"""Node fields that name a WAV in the audit folder (the last two: hold queues)."""


def audio_sources(document: dict[str, Any], folder: Path | None,
                  embed_limit: int = EMBED_LIMIT_BYTES) -> tuple[dict[str, str], str]:
    """``({recording path: src}, mode)``; mode is ``"embedded"``, ``"linked"`` or ``"none"``."""
    paths = {p for n in document.get("nodes", []) for f in RECORDING_FIELDS
             if (p := safe_recording(n.get(f)))}
    if not paths:
        return {}, "none"
    if folder is None:
        return {p: p for p in paths}, "linked"
    files = {p: checked_file(folder, p) for p in sorted(paths)}
    present = {p: f for p, f in files.items() if f.is_file()}
    total = sum(f.stat().st_size for f in present.values())
    if not present:
        return {}, "none"
    if total > embed_limit:
        return {p: p for p in present}, "linked"
    return ({p: "data:audio/wav;base64," + base64.b64encode(f.read_bytes()).decode("ascii")
             for p, f in present.items()}, "embedded")
