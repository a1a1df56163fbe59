"""The gate every dial passes: politeness limits kept on the line's own clock, and each call's
start time stamped.

The explorer asks :meth:`DialGate.turn` before it dials. With a :class:`~.pacing.Pacer`, the
call waits its turn: a real line (SIP) waits on the wall clock, letting the other lanes run
and waking early if the crawl stops; a replay line never sleeps, so the call's line time moves
on instead (the conductor starts it later, ivraudit.crawl.lanes), and the audit's start times
obey the limits while the crawl takes no longer. Either way the wait is said on the progress
line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ivraudit.crawl.lanes import Conductor
from ivraudit.crawl.pacing import Pacer, format_wait

SHOWN_WAIT_SECONDS = 0.1
"""Waits shorter than this are not worth a progress line."""


class StoppedWaiting(Exception):
    """The crawl stopped while a lane waited for its turn to dial: that call is not made."""


class DialGate:
    """Turns to dial and start stamps for one crawl's calls (every lane's)."""

    def __init__(self, pacer: Pacer | None, conductor: Conductor,
                 progress: Callable[[str], None], stopping: Callable[[], bool],
                 elapsed: Callable[[float], float] | None = None) -> None:
        self.pacer = pacer
        self.elapsed = elapsed or (lambda since: time.monotonic() - since)
        """A real line's crawl seconds since the monotonic time given: the wall clock, or a
        resumed crawl's, which counts its first part too (ivraudit.lines.journal)."""
        self._conductor = conductor
        self._progress = progress
        self._stopping = stopping
        self._origin: float | None = None    # POSIX seconds of line time 0
        self._started = time.monotonic()     # a real line's line time 0

    def set_origin(self, origin: float) -> None:
        """Line time 0 stands for ``origin`` (POSIX seconds): a crawl resumed from its journal
        (ivraudit.lines.journal) keeps its first part's, so on a replay line its calls' start
        stamps are those the uninterrupted crawl would have had."""
        self._origin = origin

    def _wall_origin(self) -> float:
        if self._origin is None:
            self._origin = self.pacer.clock() if self.pacer else time.time()
            self._started = time.monotonic()
        return self._origin

    def _line_time(self, not_before: float) -> float:
        """Line seconds from the crawl's start to where a call asked for now can start."""
        if self._conductor.virtual:
            return self._conductor.earliest(not_before)
        return time.monotonic() - self._started

    def turn(self, not_before: float) -> float:
        """Wait for the calling lane's next call's turn under the limits (the explorer's lock
        held); returns the ``not_before`` to begin it at (ivraudit.crawl.lanes.Conductor.begin).
        Raises :class:`StoppedWaiting` if the crawl stops while a real line waits."""
        origin = self._wall_origin()
        if self.pacer is None:
            return not_before
        line_time = self._line_time(not_before)
        slot = self.pacer.reserve(origin + line_time)
        if slot.waited >= SHOWN_WAIT_SECONDS:
            clock = " of line time" if self._conductor.virtual else ""
            self._progress(f"waiting {format_wait(slot.waited)}{clock} ({slot.reason})")
        if self._conductor.virtual:
            return slot.start - origin
        self._wait_until(self._started + (slot.start - origin))
        return not_before

    def _wait_until(self, deadline: float) -> None:
        """Sleep on a real line until the monotonic ``deadline``, lock released so the other
        lanes go on; woken early (and raising) when the crawl stops."""
        lock = self._conductor.lock
        while not self._stopping():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            lock.wait(left)
        raise StoppedWaiting("the crawl stopped while waiting to dial")

    def stamp(self, clock: float) -> tuple[float, str]:
        """A call's start: line seconds from the crawl's start and the wall time they stand
        for (UTC, ISO 8601; on a replay line, the line clock's). ``clock`` is the starting
        lane's conductor clock (a replay line's line time)."""
        line_time = clock if self._conductor.virtual else self.elapsed(self._started)
        moment = datetime.fromtimestamp(self._wall_origin() + line_time, timezone.utc)
        return round(line_time, 3), moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def limits_json(self) -> dict[str, Any] | None:
        """The audit's ``limits``: None when none applied."""
        if self.pacer is None or not self.pacer.limits.active:
            return None
        line_clock = "virtual" if self._conductor.virtual else "wall"
        return {**self.pacer.to_json(), "line_clock": line_clock}
