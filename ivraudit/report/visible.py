"""Making what strangers' phone lines said safe to show: control and bidi characters made
visible before any text reaches a page.

Autoescaping stops markup, not these. A transcript, an option label or a target can hold NUL
and ESC (which some viewers act on and some strip, so two readers of one report see different
text), line and paragraph separators, and the bidirectional overrides (U+202E) that make text
read in another order than it is stored: "press 1 to cancel" shown as something else. Each
becomes a visible escape (``\\x1b``, ``\\u202e``), so the page shows exactly what was heard.
Tabs and newlines stay; so do the zero-width joiners that Persian, Indic scripts and emoji need.
"""

from __future__ import annotations

import re
from typing import Any

_HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"   # C0 and C1 controls (not tab, newline)
    "\u061c\u200b\u200e\u200f"        # Arabic letter mark, zero-width space, LRM, RLM
    "\u2028\u2029\u202a-\u202e"       # line/paragraph separators, embeddings and overrides
    "\u2060-\u2064\u2066-\u2069"      # word joiner, invisible operators, isolates
    "\ufeff\ufff9-\ufffb"             # byte order mark, interlinear annotations
    "\ud800-\udfff]"                  # lone surrogates (a JSON file can hold them)
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_text(text: str) -> str:
    """``text`` with every control, bidi and invisible formatting character escaped."""
    return _HIDDEN.sub(_escape, text)


def visible(value: Any) -> Any:
    """``value`` (an audit document, or any part of one) with every string in it, keys too,
    passed through :func:`visible_text`; other values as they are."""
    if isinstance(value, str):
        return visible_text(value)
    if isinstance(value, dict):
        return {visible(key): visible(item) for key, item in value.items()}
    if isinstance(value, list):
        return [visible(item) for item in value]
    return value
