"""Lines: what the crawler dials. One crawler, interchangeable lines (as httpx has transports).

- :class:`~ivraudit.lines.replay.ReplayLine` plays a tree spec in line time, no phone call;
- a SIP line dials real numbers (``sip:…`` targets).
"""

from ivraudit.lines.base import Call, CallFailed, CallOutcome, Line

__all__ = ["Call", "CallFailed", "CallOutcome", "Line", "open_line"]


def open_line(target: str) -> Line:
    """The line a target names: a ``sip:`` URI or the path of a tree spec."""
    from ivraudit.errors import LineError

    if target.startswith(("sip:", "sips:")):
        raise LineError(f"{target}: SIP lines are not available in this version yet; "
                        "crawl a tree spec (path/to/tree.yaml) instead")
    from ivraudit.lines.replay import ReplayLine
    from ivraudit.spec import load_spec

    return ReplayLine(load_spec(target))
