"""Lines: what the crawler dials. One crawler, interchangeable lines (as httpx has transports).

- :class:`~ivraudit.lines.replay.ReplayLine` plays a tree spec in line time, no phone call;
- a SIP line dials real numbers (``sip:…`` targets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivraudit.lines.base import Call, CallFailed, CallOutcome, Line

if TYPE_CHECKING:
    from ivraudit.lines.sip import SipAccount

__all__ = ["Call", "CallFailed", "CallOutcome", "Line", "open_line"]


def open_line(target: str, *, account: SipAccount | None = None) -> Line:
    """The line a target names: a ``sip:`` URI (dialled as ``account``) or a tree spec path."""
    if target.startswith(("sip:", "sips:")):
        from ivraudit.lines.sip import SipLine

        line = SipLine(target, account)
        line.start()  # registration problems stop here, before any call
        return line
    from ivraudit.lines.replay import ReplayLine
    from ivraudit.spec import load_spec

    return ReplayLine(load_spec(target))
