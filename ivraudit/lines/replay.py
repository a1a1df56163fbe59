"""The replay line: a tree spec played as a phone line would, in line time.

Nothing sleeps: reading a frame advances the call's clock by 20 ms, so a crawl covers line
time as fast as the listener can hear it. The audio goes through a round trip of the spec
line's G.711 law (μ-law unless its ``line.codec`` says A-law), as on a real line, so the
crawler hears what it would hear over SIP; the line's gain and noise come from the session.
"""

from __future__ import annotations

import numpy as np

from ivraudit.spec.behaviour import IvrSession
from ivraudit.spec.model import TreeSpec
from ivraudit.telephony.constants import FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm, round_trip


class ReplayCall:
    """One call into the spec; implements :class:`~ivraudit.lines.base.Call`."""

    def __init__(self, spec: TreeSpec) -> None:
        self.ring_seconds = spec.answer_after
        self.session = IvrSession(spec)
        self._law = spec.line.codec
        self._hung_up = False
        self.said: list[tuple[float, int]] = []
        """Audio said to the IVR (``play``): (line seconds, samples). A spec's IVR hears
        only keys, so it goes nowhere; the line time it takes passes as the caller reads."""

    @property
    def seconds(self) -> float:
        return self.session.seconds

    @property
    def ended(self) -> bool:
        return self.session.ended or self._hung_up

    def read(self, frames: int = 1) -> Pcm:
        out: list[Pcm] = []
        for _ in range(frames):
            if self._hung_up:
                break
            frame = self.session.next_frame()
            if frame is None:
                break
            out.append(frame)
        if not out:
            return np.zeros(0, dtype=np.int16)
        return round_trip(np.concatenate(out), self._law)

    def press(self, keys: str) -> None:
        if not self.ended:
            for key in keys:
                self.session.press(key)

    def play(self, audio: Pcm) -> None:
        self.said.append((round(self.seconds, 3), len(audio)))

    def hangup(self) -> None:
        self._hung_up = True


class ReplayLine:
    """Dials a tree spec; every call starts fresh at the spec's start node after its ringing."""

    frame_seconds = FRAME_SECONDS
    virtual_clock = True
    """Line time is the audio's own clock, not the wall's (ivraudit.crawl.lanes)."""

    def __init__(self, spec: TreeSpec, target: str | None = None) -> None:
        self.spec = spec
        self.target = target or str(spec.path)
        self.calls = 0

    def dial(self) -> ReplayCall:
        self.calls += 1
        return ReplayCall(self.spec)

    def close(self) -> None:
        """Nothing to let go of: a replayed call holds no socket and no registration, and
        each call's state goes with the call. There for the :class:`~ivraudit.lines.base.Line`
        interface, so code that closes a line need not ask which line it has."""
