"""The small interface every line implements: dial, hear audio, press keys, hang up, a clock.

The crawler sees nothing else of a line, so a crawl over a replayed spec and one over SIP are
the same code. Time on a call is *line time*: seconds of audio the far end has sent, which is
wall time on a real call and virtual time on a replay.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from ivraudit.telephony.g711 import Pcm


class CallOutcome(str, Enum):
    """How a call attempt ended up; every outcome is recorded in the audit."""

    ANSWERED = "answered"
    BUSY = "busy"
    NOT_FOUND = "not-found"
    DECLINED = "declined"
    AUTH_FAILED = "auth-failed"
    NO_ANSWER = "no-answer"
    NO_MEDIA = "no-media"
    UNUSABLE_MEDIA = "unusable-media"
    """Answered, but with a session description (SDP) no audio can be set up from: the call
    was up (and is hung up with a BYE), unlike a call that was never answered."""
    FAILED = "failed"


class CallFailed(Exception):
    """A call attempt that was not answered (busy, not found, no answer, ...)."""

    def __init__(self, outcome: CallOutcome, detail: str = "", ring_seconds: float = 0.0) -> None:
        self.outcome = outcome
        self.detail = detail
        self.ring_seconds = ring_seconds
        super().__init__(f"{outcome.value}: {detail}" if detail else outcome.value)


class Call(Protocol):
    """One answered call."""

    ring_seconds: float
    """Line seconds from dialling to the answer."""

    @property
    def seconds(self) -> float:
        """Line seconds since the answer."""

    @property
    def ended(self) -> bool:
        """True once the far end has hung up (or the media stopped for good)."""

    def read(self, frames: int = 1) -> Pcm:
        """The next ``frames`` 20 ms frames of audio; fewer (maybe none) once the call ended."""

    def press(self, keys: str) -> None:
        """Send DTMF keys, one after another, 0.1 s each, while audio keeps arriving."""

    def hangup(self) -> None:
        """Hang up now. Safe to call twice."""


class Line(Protocol):
    """Something that can be dialled, repeatedly."""

    target: str

    virtual_clock: bool
    """True when calls run in line time and never sleep (the replay line): a crawl may run
    its calls one after another at full speed and type ahead freely. False on a real line,
    where line time is wall time and the far end does not wait for the crawler."""

    def dial(self) -> Call:
        """Place a call; returns once answered, raises :class:`CallFailed` otherwise."""

    def close(self) -> None:
        """Hang up every call still up and let go of what the line holds (sockets, a
        registration). Called once the crawl is over; safe to call twice."""
