"""Where the report's audio players get their sound.

Embedded as ``data:`` URIs when the recordings are small enough, so a report.html mailed on its
own still plays every prompt; otherwise (or without the folder at hand) linked as
``recordings/nX.wav`` beside the report, which works as long as the folder travels whole.
Only plain relative paths inside the audit folder are used: ``recording`` comes from a JSON file
that anyone could have edited. And only files that are there, not links: a link planted in
``recordings/`` would put any file the reader can open into the page (a key, a mailbox) for
whoever the report is mailed to, so a recording reached through a link, or resolving outside
the folder, stops the report with the file named
(:class:`~ivraudit.audit.recordings.RecordingRefused`).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from ivraudit.audit.recordings import checked_file, safe_recording

EMBED_LIMIT_BYTES = 12_000_000
"""Recordings up to this total are embedded (~16 MB of base64): an ordinary crawl of a few
minutes of 8 kHz audio fits, a crawl with long holds is linked instead."""

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
