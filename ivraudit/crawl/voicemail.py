"""Voicemail boxes told apart by their beep.

Dialplans give every box one greeting ("Nobody is available to take your call...") and the
boxes differ in the beep after it: its pitch and its length are the mail system's (a 1 kHz
half second here, 950 Hz for a second there). A known greeting reached by a way not seen
before is listened to for its beep; another beep makes it another box, a twin of the first
(ivraudit.crawl.twins), as another ring behind a known queue prompt makes another queue.
The beep is only looked at (given back): the crawl hears nothing more than it did.

A box first heard with the message the line played before its greeting ("We are closed.",
then the box, 0.7 s later) is one node until a greeting is heard alone that its prompt ends
with (ivraudit.crawl.unmerge): its beginning is then the message, and its end that greeting.
The beep heard after it is still the box's own: where the greeting heard alone beeps
otherwise, the message goes on to a twin of that box with the first beep, not to that box
(zoo seed 27049: one greeting, two boxes, 1 kHz for 0.8 s after the closed notice, 440 Hz
for 0.3 s on the other key).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ivraudit.audit.model import Audit
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.twins import Twins, Way
from ivraudit.interpret import interpret
from ivraudit.listen.activity import quiet_frames, tonal
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
SAME_LENGTH_SECONDS = 0.08
"""Two beeps that last within this of each other last alike: a beep is measured from its
first frame to its last (:func:`_beep_after`), each end good to a frame (20 ms) that the
tone fills in part, so one box's beep measures alike to 0.04 s on every call. Mail systems'
beeps last 0.2 s to 1 s, and a tenth of a second more is a longer beep to a caller's ear.
(Measured from where the tone was told, as it once was, the length was what was left of
the beep, and a 0.2 s margin hid beeps 0.2 s apart.)"""
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
        self._split: dict[str, list[str]] = {}  # a greeting heard alone -> boxes split at it
        twins.mapper.on_rename.append(self.renamed)

    def renamed(self, old_id: str, new_id: str) -> None:
        """The prompt of ``old_id`` turned out to end with the new node ``new_id``'s
        (ivraudit.crawl.unmerge.split_earlier): if ``old_id`` was a box, its greeting is
        ``new_id``'s, and which box it goes to is known once ``new_id``'s beep is
        (:meth:`_tail_of`)."""
        if old_id in self._beeps:
            self._split.setdefault(new_id, []).append(old_id)

    def boxes(self, session: CallSession, way: Way, parts: list[tuple[str | None, bool, Heard]],
              path: list[str], via: list[str]) -> list[tuple[str | None, bool, Heard]]:
        """The nodes a prompt as heard is (``parts``, ivraudit.crawl.mapper), with a voicemail
        greeting it ends with taken for the box its beep says (:meth:`box`).

        Decided as soon as the greeting is heard, before anything is recorded of the way in:
        the edge of the action, or of the message the line played before the greeting (a
        closed-hours notice, then the box), then goes to the right box from the start, and a
        known message that went on to one box before and to another now is another message
        (ivraudit.crawl.twins), as the truth's bisimulation has it. Only a greeting that ends
        what was heard is looked at: the beep is what follows it."""
        node_id, new, heard = parts[-1] if parts else (None, False, None)
        if node_id is None or heard is None or self.audit.nodes[node_id].kind != "voicemail":
            return parts
        return [*parts[:-1], self.box(session, way, node_id, heard, new, path, via)]

    def box(self, session: CallSession, way: Way, node_id: str, heard: Heard, new: bool,
            path: list[str], via: list[str]) -> tuple[str, bool, Heard]:
        """The box the greeting ``heard`` (of voicemail ``node_id``, reached by ``way``) is:
        itself, a twin with the same beep, or a new twin; whether that one is new; and the
        greeting as heard (to its beep, for a known one reached by a new way)."""
        if new:
            self._beeps[node_id] = _beep_after(session, heard)
            self._ways[node_id] = {way}
            for old_id in self._split.pop(node_id, []):
                if self._tail_of(old_id, node_id) != node_id:
                    self.audit.nodes[node_id].path, self.audit.nodes[node_id].via = \
                        list(path), list(via)  # (not the way to the split box's message)
            return node_id, True, heard
        boxes = self.twins.of(node_id)
        known = next((box for box in boxes if way in self._ways.get(box, set())), None)
        if known is not None or heard.ending is Ending.HANGUP:
            return known or node_id, False, heard
        heard = session.resume(heard)  # known by its first words: heard on to the beep
        beep = _beep_after(session, heard)
        for box in boxes:
            if _alike(self._beeps.get(box), beep):
                self._ways.setdefault(box, set()).add(way)
                return box, False, heard
        twin = self.twins.twin(node_id, path, via)
        self._beeps[twin], self._ways[twin] = beep, {way}
        return twin, True, heard

    def _tail_of(self, old_id: str, node_id: str) -> str:
        """The box the greeting at the end of the split box ``old_id`` (now a message that
        goes on to ``node_id``) is, by the beep heard after it then: ``node_id`` or a twin
        with the same beep, else a new twin; the message's edge goes there, and the ways
        that reached the split box reach it."""
        beep, ways = self._beeps.pop(old_id), self._ways.pop(old_id, set())
        box = next((b for b in self.twins.of(node_id) if _alike(self._beeps.get(b), beep)), None)
        if box is None:
            old = self.audit.nodes[old_id]
            box = self.twins.twin(node_id, old.path, old.via)
            self._beeps[box] = beep
        self._ways.setdefault(box, set()).update(ways)
        if box != node_id and (old_id, node_id, "auto") in self.audit.edges:
            self.twins.redirect((old_id, node_id, "auto"), (old_id, "", "auto"), box)
        return box

    def rings_again(self, session: CallSession, node_id: str, heard: Heard, mapper: Mapper
                    ) -> None:
        """A prompt that ended in a tone is a voicemail greeting and its beep, unless the
        tone comes back: a ring (Europe's rings for a second, as long as a long beep); words
        that say voicemail decide without waiting."""
        if interpret(mapper.transcribe(heard.audio), mapper.language).kind == "voicemail":
            return
        if session.listener.hold_resumes(within=RING_CYCLE_SECONDS, after_a_pause=True):
            self.audit.nodes[node_id].kind = "hold"


def _alike(one: Beep | None, other: Beep | None) -> bool:
    """Could two boxes' beeps be one box's? Yes unless both were measured and differ."""
    return one is None or other is None or one.same(other)


def _beep_after(session: CallSession, heard: Heard) -> Beep | None:
    """The beep after the greeting ``heard``, wherever the listener put it.

    Told as a tone (``Ending.TONE``): from its first frame (the part heard while it was
    told, :attr:`Heard.tone`) on into what the line plays next (looked at, given back).
    Measured from what followed the telling alone, a 0.2 s beep was over (nothing to
    measure, and any beep matched it: zoo seeds 24007, 24045) and a 1 s one was 0.08 s.
    Not told (a short beep under hiss is not always: seed 25005's 0.5 s one ended the
    greeting as silence would): the greeting's last sound, if it is one steady tone after
    a pause (:func:`beep_at_end`). None when there is no beep to measure."""
    if heard.ending is Ending.TONE:
        ahead = session.listener.peek(BEEP_LISTEN_SECONDS)
        return beep_of(ahead if heard.tone is None else np.concatenate([heard.tone, ahead]))
    tail = beep_at_end(heard.audio)
    return None if tail is None else beep_of(tail)


MIN_BEEP_FRAMES = 5
"""A beep lasts at least 0.1 s (mail systems beep for 0.2-1 s)."""


def beep_at_end(audio: Pcm) -> Pcm | None:
    """The last sound of ``audio``, if it is a beep: it follows a pause, lasts at least
    MIN_BEEP_FRAMES, and every frame of it but its first and last (which the tone may only
    partly fill) is one steady tone. A voice's vowel is as tonal for a few frames at most
    (a synthetic voice: 0.16 s in a row), and a word after a pause is never tonal through."""
    quiet = quiet_frames(audio)
    end = len(quiet)
    while end > 0 and quiet[end - 1]:
        end -= 1
    start = end
    while start > 0 and not quiet[start - 1]:
        start -= 1
    if start == 0 or end - start < MIN_BEEP_FRAMES:
        return None
    inner = audio[(start + 1) * FRAME_SAMPLES: (end - 1) * FRAME_SAMPLES]
    frames = inner.reshape(-1, FRAME_SAMPLES)
    if not all(tonal(frame) for frame in frames):
        return None
    return audio[start * FRAME_SAMPLES: end * FRAME_SAMPLES]
