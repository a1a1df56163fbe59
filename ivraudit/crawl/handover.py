"""Where what answered a queue begins: the agent's words after the queue's last sound.

An agent who answers cuts the queue's last announcement short, or speaks a moment after
its music's last note; the listener hears that as one prompt, which is split where the
queue stops and the person begins (ivraudit.crawl.queues).
"""

from __future__ import annotations

from ivraudit.crawl.announcements import from_frame
from ivraudit.listen.activity import quiet_frames
from ivraudit.listen.listener import HOLD_BLIP_SECONDS, MUSIC_PAUSE_FRAMES, Heard
from ivraudit.telephony.constants import FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm

SPLIT_PAUSE_SECONDS = 0.3
"""A pause in a prompt this long or longer may be where one speaker stopped and another
began: longer than the closure of a stop consonant or a voice's breath between words (0.1 s),
the length of the line's pause between a cut announcement and the agent (0.5 s on zoo seed
29022's line)."""


def after_pauses(audio: Pcm, starts: list[float]) -> set[int]:
    """The words (by index, never the first) that begin right after a pause of
    SPLIT_PAUSE_SECONDS or more: the first one to start past its middle (the recogniser's
    word times are rough). An agent who cuts the queue's announcement short is not a new
    sentence to the recogniser: "Your estimated wait time is-", 0.5 s, and "Hi, this is
    David. How can I help you today?" were written "Your estimated wait time is high this is
    David. ...", one sentence that said a person, so the queue's words became his (zoo seed
    29022), and the same announcement, in another queue, was taken for him answering."""
    quiet = quiet_frames(audio)
    least = round(SPLIT_PAUSE_SECONDS / FRAME_SECONDS)
    found: set[int] = set()
    run = 0
    for i, q in enumerate([*quiet, False]):
        if q:
            run += 1
            continue
        if run >= least and run < i:  # (not the quiet the prompt begins with)
            middle = (i - run / 2) * FRAME_SECONDS
            k = next((k for k, start in enumerate(starts) if start >= middle), None)
            if k:
                found.add(k)
        run = 0
    return found


def without_the_last_note(heard: Heard) -> Heard:
    """What answered a queue, without the queue's last note: a sound too short for a word
    (HOLD_BLIP_SECONDS), then a pause a track does not make (MUSIC_PAUSE_FRAMES) but shorter
    than ends a prompt, then the words (zoo seed 21028: 0.1 s of music and 0.5 s of silence
    before "Customer service department, this is David", heard as his greeting's start, and
    named after another agent by it)."""
    quiet = quiet_frames(heard.audio)
    note = next((i for i, q in enumerate(quiet) if q), None)
    if note is None or note * FRAME_SECONDS >= HOLD_BLIP_SECONDS:
        return heard
    begins = next((i for i in range(note, len(quiet)) if not quiet[i]), None)
    if begins is None or begins - note < MUSIC_PAUSE_FRAMES:
        return heard
    return from_frame(heard, begins)
