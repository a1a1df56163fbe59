"""Reading a tree spec's ``line`` mapping: the law, gain and noise floor of the line.

Real lines differ in what they do to audio: A-law outside North America and Japan, prompts
recorded 20 dB too quiet or hot enough to clip, a hiss under everything. A generated tree
says so here, and :mod:`ivraudit.spec.effects` does it to every frame, so the replay line and
the simulator carry the same line.
"""

from __future__ import annotations

import zlib
from typing import Any

from ivraudit.errors import quote
from ivraudit.spec.checker import Checker
from ivraudit.spec.model import LineSpec
from ivraudit.telephony.g711 import LAWS, ULAW

LINE_FIELDS = ("codec", "gain_db", "noise_dbfs", "noise_seed")
GAIN_DB_RANGE = (-20.0, 20.0)
"""From a line that makes a prompt far too quiet to one that lifts a quiet recording to
the -30..-10 dBFS real lines carry (what is lifted too far clips, as on a real line)."""
NOISE_DBFS_RANGE = (-90.0, -20.0)
"""From a noise floor nobody hears to one that drowns quiet speech."""


def read_line(check: Checker, raw: Any, name: str) -> LineSpec:
    """The ``line`` mapping (absent: a plain μ-law line). Without ``noise_seed`` the noise is
    seeded from the tree's ``name``, so each tree has its own noise and every call the same."""
    if raw is None:
        return LineSpec()
    if not isinstance(raw, dict):
        raise check.fail("line", f"must be a mapping ({', '.join(LINE_FIELDS)}), not {quote(raw)}")
    for key in raw:
        if key not in LINE_FIELDS:
            raise check.fail(f"line.{key}", f"unknown field (known: {', '.join(LINE_FIELDS)})")
    codec = raw.get("codec", ULAW)
    if codec not in LAWS:
        raise check.fail("line.codec", f"must be one of {', '.join(LAWS)}, not {quote(codec)}")
    low, high = GAIN_DB_RANGE
    gain = check.number(raw, "gain_db", "line", 0.0, minimum=low, maximum=high,
                        unit="decibels")
    noise: float | None = None
    if raw.get("noise_dbfs") is not None:
        low, high = NOISE_DBFS_RANGE
        noise = check.number(raw, "noise_dbfs", "line", 0.0, minimum=low, maximum=high,
                             unit="dBFS")
    seed = check.integer(raw, "noise_seed", "line", zlib.crc32(name.encode("utf-8")))
    return LineSpec(codec=str(codec), gain_db=gain, noise_dbfs=noise, noise_seed=seed or 0)
