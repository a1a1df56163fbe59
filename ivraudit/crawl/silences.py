"""A silent queue's silence: what it says of the words heard in it.

In a queue that plays music or rings, silence after words says a person: the queue never
falls silent, and someone who has greeted the caller waits for an answer (Listener.through_hold,
``PERSON_WAITS_SECONDS``). A queue that plays nothing is as silent after each of its
announcements as it was before it, so there its silence says a person only once it has
lasted longer than the silences the queue itself kept: between its prompt and its first
announcement, and between one announcement and the next. Words in it that say neither hold
nor a person (an announcement misheard: "You are caller number 5." as "You are quality
member size.", zoo seed 29355) are the queue's if the line speaks again before that, and
not to call out to the caller ("Hello?"): the announcement again, or the agent.

Asked only where the words say nothing either way; a person whose greeting the recogniser
misheard is then known by that longer silence, at the cost of that much more of their time
(the queue's longest silence, 10-25 s between the zoo's announcements).
"""

from __future__ import annotations

from collections.abc import Callable

from ivraudit.crawl.announcements import played_again
from ivraudit.crawl.people import CALL_OUT_SECONDS
from ivraudit.interpret import calling_out
from ivraudit.listen.activity import SOUNDING_MIN_FRAMES, end_before_a_pause, quiet_frames
from ivraudit.listen.listener import (
    END_SILENCE_SECONDS,
    PERSON_WAITS_SECONDS,
    Ending,
    Heard,
    Listener,
)
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

SILENCE_SLACK_SECONDS = 2.0
"""How much later than its longest silence so far a silent queue may speak again: a PBX's
periodic announcement comes on a timer, a second or so late at most; the next one after
words comes sooner than that silence by the words' own length."""

_END_FRAMES = round(END_SILENCE_SECONDS / FRAME_SECONDS)
_CALL_OUT_FRAMES = round(CALL_OUT_SECONDS / FRAME_SECONDS)
_WAIT_FRAMES = round(PERSON_WAITS_SECONDS / FRAME_SECONDS)


def longest_silence(before: list[Heard], heard: Heard) -> float:
    """The longest the queue kept silent between the things it said (``before``: its prompt,
    then its announcements) and up to ``heard``."""
    said = [*before, heard]
    return max((max(0.0, b.onset - a.end) for a, b in zip(said, said[1:])), default=0.0)


def speaks_again(listener: Listener, transcribe: Callable[[Pcm], str], heard: Heard,
                 before: list[Heard]) -> bool:
    """Are the words ``heard``, in a queue that neither played nor rang, its own: does the
    line speak again within the queue's longest silence (and SILENCE_SLACK_SECONDS), other
    than to call out to the caller? What is read to know is given back (Listener.peek).
    Where that silence is shorter than a person's wait for the caller, the wait (the prober's,
    ``PERSON_WAITS_SECONDS``) tells already, and nothing is read here."""
    within = longest_silence(before, heard) + SILENCE_SLACK_SECONDS
    if within <= PERSON_WAITS_SECONDS:
        return False
    ahead = listener.peek(within)
    again = _sound_from(quiet_frames(ahead))
    if again is None:
        return False  # silent for longer than the queue ever was (or it hung up)
    # The next words, to their end and the wait after them: the queue's announcement again
    # (as heard before), a person calling out ("Hello?", or a few words and silence again),
    # or anything else: the agent, who answered after the queue's announcement.
    more = listener.peek((again + _CALL_OUT_FRAMES + _END_FRAMES + _WAIT_FRAMES) * FRAME_SECONDS)
    quiet = quiet_frames(more, floor_of=more)
    end = end_before_a_pause(quiet, again, _END_FRAMES)
    words = more[again * FRAME_SAMPLES: (end if end is not None else len(quiet)) * FRAME_SAMPLES]
    onset = listener.position + again * FRAME_SECONDS
    if played_again(Heard(words, onset, onset + len(words) / SAMPLE_RATE, Ending.SILENCE),
                    [*before, heard]):
        return True
    if calling_out(transcribe(words)):
        return False
    if end is None or end - again > _CALL_OUT_FRAMES:
        return True
    return not (all(quiet[end:]) and len(quiet) - end >= _WAIT_FRAMES)  # (a call-out misheard)


def falls_silent(listener: Listener, heard: Heard, before: list[Heard]) -> bool:
    """After ``heard``, in a queue that neither played nor rang, does the line stay silent for
    longer than the queue's longest silence (and SILENCE_SLACK_SECONDS), the call still up?
    Then what it said last was not all the queue's: someone answered and waits for the
    caller. Read ahead and given back (Listener.peek); False where that silence is shorter
    than a person's wait for the caller (the prober's wait tells there)."""
    within = longest_silence(before, heard) + SILENCE_SLACK_SECONDS
    if within <= PERSON_WAITS_SECONDS:
        return False
    ahead = listener.peek(within)
    if len(ahead) < round(within * SAMPLE_RATE) - FRAME_SAMPLES:
        return False  # the line hung up: nobody waits on it
    return _sound_from(quiet_frames(ahead)) is None


def _sound_from(quiet: list[bool]) -> int | None:
    """The first frame of the first sound that lasts (SOUNDING_MIN_FRAMES: no click)."""
    run = 0
    for i, q in enumerate(quiet):
        run = 0 if q else run + 1
        if run >= SOUNDING_MIN_FRAMES:
            return i + 1 - run
    return None
