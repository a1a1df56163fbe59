"""How long a crawl kept the people who answered it, measured on the far end's side.

The crawler's own account of a person's time (``agent_seconds`` in the audit) is what it
believes; tests and ``bench/courtesy.py`` check it against what the IVR did: when a person's
prompt began to play on a call (the session's ``prompt`` event of a ``human`` node, on the
replay line or in the SIP simulator's trace), when their first words were over, and when the
call ended.

Two delays are measured from the line's side, per call that reached a person:

- (a) ``after_first_word``: from the person's first word (the first sound of their prompt) to
  the hang-up;
- (b) ``after_words``: from the moment a caller has the person's first words to the hang-up.
  That moment is the end of their first utterance (speech followed by ``END_SILENCE_SECONDS``
  of silence, the pause that ends a prompt for the listener, or the end of all they say), or
  ``FIRST_WORDS_SECONDS`` into their speech when the first utterance is longer: a crawler
  that recognises a person from the beginning of a long sentence need not wait for its end.
  The definition is the same for every crawl (staying on the line or not), so crawls compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ivraudit.listen.activity import quiet_frames
from ivraudit.listen.listener import END_SILENCE_SECONDS
from ivraudit.spec.behaviour import Event
from ivraudit.spec.model import TreeSpec
from ivraudit.telephony.constants import FRAME_SECONDS

FIRST_WORDS_SECONDS = 1.5
"""A person's first words: their first utterance, or this much of it when it goes on."""


@dataclass(frozen=True)
class PersonOnCall:
    """A person who answered one call, as the IVR side saw it (line seconds since answer)."""

    node: str            # the spec's human node
    first_word: float    # the first sound of their prompt
    words_heard: float   # their first words were over (see the module)
    hangup: float        # the call ended

    @property
    def after_first_word(self) -> float:
        """(a): seconds from the person's first word to the hang-up."""
        return round(self.hangup - self.first_word, 3)

    @property
    def after_words(self) -> float:
        """(b): seconds from the end of the person's first words to the hang-up."""
        return round(self.hangup - self.words_heard, 3)


def first_words(spec: TreeSpec, node_id: str) -> tuple[float, float]:
    """Where a human node's prompt has its first sound and where its first words are over,
    in seconds from the start of its audio."""
    quiet = quiet_frames(spec.prompt_audio(spec.nodes[node_id]))
    start = next((i for i, q in enumerate(quiet) if not q), 0)
    pause = round(END_SILENCE_SECONDS / FRAME_SECONDS)
    end, run = len(quiet), 0
    for i in range(start, len(quiet)):
        run = run + 1 if quiet[i] else 0
        if run >= pause:
            end = i + 1 - run
            break
    else:
        while end > start and quiet[end - 1]:
            end -= 1
    first = start * FRAME_SECONDS
    return first, min(end * FRAME_SECONDS, first + FIRST_WORDS_SECONDS)


def person_on_call(spec: TreeSpec, events: Iterable[Event], ended: float) -> PersonOnCall | None:
    """The person one call reached (its IVR ``events``, the call ``ended`` at that line
    second), or None when no person's prompt began to play on it."""
    for event in events:
        if event.what == "prompt" and spec.nodes[event.detail].type == "human":
            first, over = first_words(spec, event.detail)
            first_word = event.seconds + first
            if first_word >= ended:
                return None  # their prompt began, and the call ended before they spoke
            return PersonOnCall(event.detail, round(first_word, 3), round(event.seconds + over, 3),
                                round(ended, 3))
    return None
