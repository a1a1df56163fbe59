"""Quiet hours: the hours of the line owner's day in which no call may start.

An owner who allows a crawl of their line during office hours says so in their own time zone
(``20:00-08:00`` in ``Europe/Paris``), so the window is read on that zone's wall clock, summer
time included (zoneinfo): the same window is a different stretch of UTC in July and January.
A call that started before the quiet hours may run into them; only starts are held back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_WINDOW = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
HOURS_IN_A_DAY = 24
MINUTES_IN_AN_HOUR = 60


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError naming it when there is none (a typo, a path)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"--timezone: unknown time zone {name!r} (an IANA name such as "
                         "Europe/Paris, America/New_York or UTC)") from None


def _clock_time(hours: str, minutes: str, spec: str) -> time:
    hour, minute = int(hours), int(minutes)
    if hour >= HOURS_IN_A_DAY or minute >= MINUTES_IN_AN_HOUR:
        raise ValueError(f"--quiet-hours: {spec!r} has a time that is not on a clock "
                         "(hours 00 to 23, minutes 00 to 59)")
    return time(hour, minute)


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` to ``end`` (local wall time in ``zone``) no call starts; the window may
    run past midnight (``20:00-08:00``)."""

    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone_name: str) -> QuietHours:
        """``HH:MM-HH:MM`` in the zone ``zone_name``; ValueError saying what is wrong."""
        match = _WINDOW.fullmatch(spec.strip())
        if not match:
            raise ValueError(f"--quiet-hours: {spec!r} is not HH:MM-HH:MM (e.g. 20:00-08:00)")
        start = _clock_time(match[1], match[2], spec)
        end = _clock_time(match[3], match[4], spec)
        if start == end:
            raise ValueError(f"--quiet-hours: {spec!r} starts and ends at the same time; "
                             "a window needs two different times")
        return cls(start, end, time_zone(zone_name))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def _inside(self, local: datetime) -> bool:
        now = local.time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def contains(self, moment: float) -> bool:
        """Is the POSIX time ``moment`` inside the quiet hours?"""
        return self._inside(datetime.fromtimestamp(moment, self.zone))

    def next_allowed(self, moment: float) -> float:
        """``moment`` if a call may start then, else the end of the quiet hours it is in (the
        local ``end`` time on that zone's calendar: a summer-time change in the night moves it
        by an hour of UTC, not of local time)."""
        local = datetime.fromtimestamp(moment, self.zone)
        if not self._inside(local):
            return moment
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)   # the window runs past midnight: it ends tomorrow
        end = datetime.combine(day, self.end, tzinfo=self.zone).timestamp()
        return max(end, moment)
