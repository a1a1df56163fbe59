"""Voicemail boxes told apart by their beep.

Dialplans give every box one greeting ("Nobody is available to take your call...") and the
boxes differ in the beep after it: its pitch and its length are the mail system's (a 1 kHz
half second here, 950 Hz for a second there). A known greeting reached by a way not seen
before is listened to for its beep; another beep makes it another box, a twin of the first
(ivraudit.crawl.twins), as another ring behind a known queue prompt makes another queue.
The beep is only looked at (given back): the crawl hears nothing more than it did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ivraudit.audit.model import Audit
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.twins import Twins, Way
from ivraudit.interpret import interpret
from ivraudit.listen.listener import Ending, Heard
from ivraudit.telephony.constants import (
    FRAME_SAMPLES, FRAME_SECONDS, RING_CYCLE_SECONDS, SAMPLE_RATE)
from ivraudit.telephony.g711 import Pcm

BEEP_LISTEN_SECONDS = 1.5
"""What is looked at of a beep: the longest boxes beep for a second, and the greeting was
heard to the beep's start give or take the 0.2 s a tone takes to be told."""
SAME_PITCH = 0.03
"""Two beeps within 3% of each other's pitch are one pitch: mail systems use round
frequencies (440, 950, 1000, 1400 Hz), and a tone measured over 0.2 s is good to a few hertz."""
SAME_LENGTH_SECONDS = 0.2
"""Two beeps that last within this of each other last alike (where the greeting was taken to
end, and so how much of the beep is left, varies by a frame or two)."""
BEEP_LEVEL_DB = 20.0
"""A frame of the beep is one within this of the beep's loudest frame."""


@dataclass(frozen=True)
class Beep:
    hz: float
    seconds: float

    def same(self, other: Beep) -> bool:
        return (abs(self.hz - other.hz) <= SAME_PITCH * max(self.hz, other.hz)
                and abs(self.seconds - other.seconds) <= SAME_LENGTH_SECONDS)


def beep_of(audio: Pcm) -> Beep | None:
    """The beep ``audio`` begins with: its pitch (the strongest frequency of its first 0.2 s)
    and how long its loud frames last; None for nothing that loud."""
    count = len(audio) // FRAME_SAMPLES
    if count == 0:
        return None
    frames = audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES).astype(np.float64)
    level = 10 * np.log10((frames ** 2).mean(axis=1) + 1.0)
    loud = level >= level.max() - BEEP_LEVEL_DB
    if not loud[0] or level.max() < 30.0:  # (30 dB over one LSB: about -60 dBFS)
        return None
    run = int(np.argmin(loud)) if not loud.all() else count
    head = frames[: max(1, min(run, round(0.2 / FRAME_SECONDS)))].ravel()
    spectrum = np.abs(np.fft.rfft(head * np.hanning(len(head)), n=8 * SAMPLE_RATE))
    hz = float(np.argmax(spectrum)) * SAMPLE_RATE / (8 * SAMPLE_RATE)
    return Beep(round(hz, 1), round(run * FRAME_SECONDS, 2))


class Voicemails:
    """The beep each voicemail box played, and the box a greeting heard again is."""

    def __init__(self, audit: Audit, twins: Twins) -> None:
        self.audit = audit
        self.twins = twins
        self._beeps: dict[str, Beep | None] = {}
        self._ways: dict[str, set[Way]] = {}

    def box(self, session: CallSession, way: Way, node_id: str, heard: Heard, new: bool,
            path: list[str], via: list[str]) -> tuple[str, bool, Heard]:
        """The box the greeting ``heard`` (of voicemail ``node_id``, reached by ``way``) is:
        itself, a twin with the same beep, or a new twin; whether that one is new; and the
        greeting as heard (to its beep, for a known one reached by a new way)."""
        if new:
            if heard.ending is Ending.TONE:
                self._beeps[node_id] = beep_of(session.listener.peek(BEEP_LISTEN_SECONDS))
            self._ways[node_id] = {way}
            return node_id, True, heard
        edge_key = self.twins.edge_into(way[0], way[1], node_id)
        if edge_key is None or way in self._ways.get(node_id, set()) or heard.ending is Ending.HANGUP:
            return node_id, False, heard
        if heard.ending is not Ending.TONE:
            heard = session.resume(heard)  # known by its first words: heard on to the beep
        beep = beep_of(session.listener.peek(BEEP_LISTEN_SECONDS)) \
            if heard.ending is Ending.TONE else None
        for box in self.twins.of(node_id):
            known = self._beeps.get(box)
            if beep is None or known is None or known.same(beep):
                self._ways.setdefault(box, set()).add(way)
                if box != node_id:
                    self.twins.redirect(edge_key, way, box)
                return box, False, heard
        twin = self.twins.twin(node_id, path, via)
        self._beeps[twin], self._ways[twin] = beep, {way}
        self.twins.redirect(edge_key, way, twin)
        return twin, True, heard

    def rings_again(self, session: CallSession, node_id: str, heard: Heard, mapper: Mapper
                    ) -> None:
        """A prompt that ended in a tone is a voicemail greeting and its beep, unless the
        tone comes back: a ring (Europe's rings for a second, as long as a long beep); words
        that say voicemail decide without waiting."""
        if interpret(mapper.transcribe(heard.audio), mapper.language).kind == "voicemail":
            return
        if session.listener.hold_resumes(within=RING_CYCLE_SECONDS, after_a_pause=True):
            self.audit.nodes[node_id].kind = "hold"
