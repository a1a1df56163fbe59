"""Politeness limits: how often a crawl may dial one line, and when not at all.

A line's owner may allow a few calls an hour, not a burst. The :class:`Pacer` is asked before
every dial (by every lane: one pacer per target, shared by ``--concurrency`` lanes, so the
limits hold for the crawl, not per lane) and answers when the call may start. It works on
absolute POSIX seconds, so the start times of calls an earlier crawl made (a resumed crawl's,
:func:`earlier_starts`) count against the same limits as this crawl's own.

The pacer only answers; waiting is the line's business (ivraudit.crawl.gate): a SIP line
really waits, a replay line moves its line clock, so a replay crawl with limits runs fast and
its audit's call start times still obey them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ivraudit.crawl.quiet import QuietHours

HOUR_SECONDS = 3600.0
"""The window ``--calls-per-hour`` counts call starts in (any 3600 s, not clock hours)."""
MAX_MIN_GAP_SECONDS = 24 * HOUR_SECONDS
"""A gap between calls longer than a day is no crawl (a tree takes tens of calls)."""


def check_calls_per_hour(value: int) -> int:
    """``value`` if it is a usable ``--calls-per-hour``, else ValueError saying why."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"--calls-per-hour: must be a whole number of calls, 1 or more, "
                         f"not {value!r}")
    return value


def check_min_gap(value: float) -> float:
    """``value`` if it is a usable ``--min-gap`` (seconds), else ValueError saying why."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"--min-gap: must be a number of seconds above 0, not {value!r}")
    if value > MAX_MIN_GAP_SECONDS:
        raise ValueError(f"--min-gap: {value:g} s is more than a day "
                         f"({MAX_MIN_GAP_SECONDS:g} s); a crawl of tens of calls would take "
                         "months")
    return value


@dataclass(frozen=True)
class Limits:
    """What the line's owner allows: calls starting per hour, seconds between call starts,
    and quiet hours in which none starts. ``None`` is no limit."""

    calls_per_hour: int | None = None
    min_gap: float | None = None
    quiet: QuietHours | None = None

    def __post_init__(self) -> None:
        if self.calls_per_hour is not None:
            check_calls_per_hour(self.calls_per_hour)
        if self.min_gap is not None:
            check_min_gap(self.min_gap)

    @property
    def active(self) -> bool:
        return (self.calls_per_hour, self.min_gap, self.quiet) != (None, None, None)

    def to_json(self) -> dict[str, Any]:
        """The limits as the audit records them (``limits``: docs/audit-format.md)."""
        return {"calls_per_hour": self.calls_per_hour, "min_gap_seconds": self.min_gap,
                "quiet_hours": str(self.quiet) if self.quiet else None,
                "timezone": self.quiet.zone.key if self.quiet else None}


@dataclass(frozen=True)
class Slot:
    """When a call may start (POSIX seconds), how long after it was asked for, and which
    limit held it back ("" when none did)."""

    start: float
    waited: float
    reason: str


class Pacer:
    """When each call to one target may start. Thread-safe: lanes ask it concurrently, and
    each answer is a reservation the next answer takes into account."""

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.time) -> None:
        """``clock()`` is the wall time (POSIX seconds) a crawl's line time 0 stands for;
        read once, when its first call is asked for (tests fix it to a chosen day)."""
        self.limits = limits
        self.clock = clock
        # the latest call starts, in order: as many as an hour's window may hold
        self._starts: deque[float] = deque(maxlen=limits.calls_per_hour or 1)
        self._lock = threading.Lock()
        self.earlier_calls = 0
        self.waits = 0
        self.waited_seconds = 0.0

    def seed(self, starts: Iterable[float]) -> None:
        """Count the calls an earlier crawl started at ``starts`` (POSIX seconds; see
        :func:`earlier_starts`) against the limits, as if this crawl had made them."""
        with self._lock:
            given = sorted([*self._starts, *starts])
            self.earlier_calls += len(given) - len(self._starts)
            self._starts.clear()
            self._starts.extend(given)

    def reserve(self, earliest: float) -> Slot:
        """The first moment at or after ``earliest`` (POSIX seconds) the limits allow a call
        to start, taken by the call that asks: the next answer counts it."""
        limits = self.limits
        with self._lock:
            start, reason = self._rate_limited(earliest)
            if limits.quiet and limits.quiet.next_allowed(start) > start:
                start = limits.quiet.next_allowed(start)
                reason = f"quiet hours {limits.quiet} {limits.quiet.zone.key}"
            self._starts.append(start)
            if start > earliest:
                self.waits += 1
                self.waited_seconds += start - earliest
            return Slot(start, start - earliest, reason)

    def _rate_limited(self, earliest: float) -> tuple[float, str]:
        """The first start from ``earliest`` that the gap and the hourly count allow, and
        the limit that held it back ("" none). Starts are kept in order (a call never starts
        before the last one granted), so the latest N starts decide every hour's window."""
        limits, starts = self.limits, self._starts
        if not starts or not (limits.min_gap or limits.calls_per_hour):
            return earliest, ""
        start, reason = max(earliest, starts[-1]), ""
        if limits.min_gap and starts[-1] + limits.min_gap > start:
            start, reason = starts[-1] + limits.min_gap, f"min gap: {limits.min_gap:g} s"
        count = limits.calls_per_hour
        if count and len(starts) >= count and starts[-count] + HOUR_SECONDS > start:
            start, reason = starts[-count] + HOUR_SECONDS, f"calls per hour: {count}"
        return start, reason

    def to_json(self) -> dict[str, Any]:
        """The limits and what keeping them cost, for the audit."""
        with self._lock:
            return {**self.limits.to_json(), "earlier_calls": self.earlier_calls,
                    "waits": self.waits, "waited_seconds": round(self.waited_seconds, 3)}


def earlier_starts(document: dict[str, Any]) -> list[float]:
    """The start times (POSIX seconds) of the calls in an ``audit.json`` document (its
    ``calls[].started_at``), for :meth:`Pacer.seed` when a crawl goes on from an earlier one;
    calls of audits older than ``started_at`` are not there to count."""
    starts = []
    for call in document.get("calls") or []:
        stamp = call.get("started_at") if isinstance(call, dict) else None
        if isinstance(stamp, str):
            starts.append(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    return starts


def format_wait(seconds: float) -> str:
    """``14 m 30 s``, ``2 h 5 m``, ``2.0 s``: a wait as a person reads it on a progress line."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, int(HOUR_SECONDS))
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes} m" if hours else f"{minutes} m {secs} s"
