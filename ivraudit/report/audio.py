"""Where the report's audio players get their sound.

Embedded as ``data:`` URIs when the recordings are small enough, so a report.html mailed on its
own still plays every prompt; otherwise (or without the folder at hand) linked as
``recordings/nX.wav`` beside the report, which works as long as the folder travels whole.
Only plain relative paths inside the audit folder are used: ``recording`` comes from a JSON file
that anyone could have edited.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

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
    present = {p: folder / p for p in sorted(paths) if (folder / p).is_file()}
    total = sum(f.stat().st_size for f in present.values())
    if not present:
        return {}, "none"
    if total > embed_limit:
        return {p: p for p in present}, "linked"
    return ({p: "data:audio/wav;base64," + base64.b64encode(f.read_bytes()).decode("ascii")
             for p, f in present.items()}, "embedded")
