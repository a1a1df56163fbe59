"""Lines that misbehave on purpose, wrapped around any line, as httpx wraps transports.

A crawl's behaviour on a bad line (a busy call, a line with delay) is only testable if the bad
moments come on cue. Each double here wraps another :class:`~ivraudit.lines.base.Line` and
changes one thing about it, so they stack::

    line = RecordingLine(DelayedLine(ReplayLine(load_spec("tree.yaml")), delay=0.3))
    audit = Explorer(line, recognizer).crawl()
    events = [session.events for session in line.sessions]

Everything a double does not change (the target, the clock, closing) is the wrapped line's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np

from ivraudit.lines.base import Call, CallFailed, CallOutcome, Line
from ivraudit.lines.replay import ReplayCall
from ivraudit.spec.behaviour import IvrSession
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm

__all__ = ["DelayedCall", "DelayedLine", "FlakyLine", "RecordingLine"]


class _LineWrapper:
    """A line that passes everything to ``inner``; the doubles override what they change."""

    def __init__(self, inner: Line) -> None:
        self.inner = inner
        self.target = inner.target
        self.virtual_clock = inner.virtual_clock

    def dial(self) -> Call:
        return self.inner.dial()

    def close(self) -> None:
        self.inner.close()


class FlakyLine(_LineWrapper):
    """A line whose chosen dial attempts fail (busy by default).

    Real lines have bad moments: a busy signal, a call that is not answered. The crawl must
    lose nothing to them and stop when they do not end; this line makes them happen on cue.
    ``fail`` holds the attempts (counted from 1, in the order :meth:`dial` is called) that
    raise :class:`~ivraudit.lines.base.CallFailed` instead of reaching the wrapped line.
    """

    def __init__(self, inner: Line, fail: Iterable[int], *,
                 outcome: CallOutcome = CallOutcome.BUSY, detail: str = "486 Busy Here") -> None:
        super().__init__(inner)
        self.fail = frozenset(fail)
        self.outcome = outcome
        self.detail = detail
        self.attempts = 0
        """Dial attempts so far, failed ones included."""
        self._lock = threading.Lock()  # calls at once dial from several threads

    def dial(self) -> Call:
        with self._lock:
            self.attempts += 1
            attempt = self.attempts
        if attempt in self.fail:
            raise CallFailed(self.outcome, self.detail, ring_seconds=0.0)
        return self.inner.dial()


class DelayedLine(_LineWrapper):
    """A line heard through a delay (the network and a jitter buffer): the caller hears each
    frame ``delay`` seconds after the IVR sent it, while its keys reach the IVR at once.

    On a real line a prompt stopped by a key is still heard for a moment; that tail must not
    pass for the next prompt, nor the prompt's stopping late for an IVR without barge-in.
    The delay is rounded to whole 20 ms frames.
    """

    def __init__(self, inner: Line, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay
        self.frames = round(delay / FRAME_SECONDS)
        """The delay in frames."""

    def dial(self) -> DelayedCall:
        return DelayedCall(self.inner.dial(), self.frames)


class DelayedCall:
    """One call of a :class:`DelayedLine`: ``frames`` frames of silence first, then the
    wrapped call's audio as late as that; the call ends once the delayed audio is out."""

    def __init__(self, inner: Call, frames: int) -> None:
        self.inner = inner
        self.ring_seconds = inner.ring_seconds
        self._queue: list[Pcm] = [np.zeros(FRAME_SAMPLES, dtype=np.int16)] * frames
        self._read = 0

    @property
    def seconds(self) -> float:
        """Line seconds heard so far (the caller's clock, ``frames`` behind the IVR's)."""
        return self._read * FRAME_SECONDS

    @property
    def ended(self) -> bool:
        return self.inner.ended and not self._queue

    def read(self, frames: int = 1) -> Pcm:
        out: list[Pcm] = []
        for _ in range(frames):
            fresh = self.inner.read(1)
            if len(fresh):
                self._queue.append(fresh)
            if not self._queue:
                break
            out.append(self._queue.pop(0))
            self._read += 1
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)

    def press(self, keys: str) -> None:
        self.inner.press(keys)

    def hangup(self) -> None:
        self.inner.hangup()


class RecordingLine(_LineWrapper):
    """A line that keeps every call it dialled, to read afterwards what the IVR did.

    A crawl's map says what the crawler concluded; some tests must check what happened on
    the far end instead (which prompts played, which keys the IVR took or dropped). Over a
    replayed spec each call has the IVR's own record, :attr:`sessions`.
    """

    def __init__(self, inner: Line) -> None:
        super().__init__(inner)
        self.dialled: list[Call] = []
        """Each call answered, in the order dialled (failed attempts are not calls)."""

    def dial(self) -> Call:
        call = self.inner.dial()
        self.dialled.append(call)
        return call

    @property
    def sessions(self) -> list[IvrSession]:
        """The IVR side of each call dialled, in order: its ``events`` list the prompts it
        played and the keys it took or ignored. Needs a replay line underneath (maybe
        wrapped by the other doubles here); raises TypeError otherwise."""
        return [_replayed(call).session for call in self.dialled]


def _replayed(call: Call) -> ReplayCall:
    """The replayed call under the doubles' wrappers."""
    while isinstance(call, DelayedCall):
        call = call.inner
    if not isinstance(call, ReplayCall):
        raise TypeError(f"{type(call).__name__} is not a replayed call: it has no IVR session")
    return call
