"""Knowing a queue with no prompt again by its music, when its first seconds do not tell.

A queue that says nothing is known by what it plays first (ivraudit.crawl.mapper): two
seconds of it, from wherever the listening began. Music that fades in, or a track that opens
near silence, is heard from a point that depends on the line's floor on that call, and its
first seconds are its quietest, half under the line's hiss: the same track heard from two
points 0.4-1.2 s apart scored 0.22-0.97 over two seconds (zoo seeds 29134, 29136: 0.79,
0.88), and the queue reached a second way became a copy of itself. Over six seconds the
same hearings score 0.93-0.98, other tracks at most 0.3 (zoo seeds 26052, 29134, 29136,
29144). So where two seconds did not say a known queue, more of the line is heard, and
compared with the sound the known queue was heard by from its first frame: its prompt and
the music kept from its wait (``NodeRecord.music``), one stretch of one call.

Only then is more heard: a new queue is waited through anyway (the look costs nothing), a
known one ends the call that much later; and a copy of a queue sat through costs more.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ivraudit.audit.model import NodeRecord
from ivraudit.identity.fingerprint import (
    MAYBE_SAME_AUDIO,
    SAME_AUDIO,
    anchored_similarity,
    fingerprint,
    overlap_similarity,
)
from ivraudit.listen.listener import Heard
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

LONGER_LOOKS_SECONDS = (6.0, 10.0)
"""How much of a queue's music, from the first frame heard, tells it when two seconds did
not: the same track from two points of its fade-in scored 0.91-0.97 over four seconds, 0.93-0.98
over six (zoo seeds 29134, 29136, 29144, 26052; other tracks at most 0.41 over two to eight);
a track that opens near silence, faded in over 8 s, 0.86-0.90 over six and 0.92-0.94 over
ten (tests/test_wordless.py), so a hearing still in doubt after six (MAYBE_SAME_AUDIO or
more) is heard to ten. The two hearings are compared at offsets up to half of it (see
:func:`overlap_similarity`): where the listening began within a fade-in, not which part of
a track a queue plays (two queues playing one track from points further apart are two)."""
LONGER_LOOK_SECONDS = LONGER_LOOKS_SECONDS[-1]


def heard_from_the_start(node: NodeRecord) -> Pcm:
    """What a queue with no prompt played from the first frame the crawl heard of it: its
    prompt, then the music kept from its wait. Both are frames of one call; the kept music
    begins with the last frames that ended the prompt (the listener's music tail), so they
    are joined where the music's first frame is found among the prompt's."""
    audio, music = node.audio, node.music
    if not len(music):
        return audio
    frames = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    first = music[:FRAME_SAMPLES]
    found = next((i for i, frame in enumerate(frames) if np.array_equal(frame, first)), None)
    prompt = round(node.prompt_seconds / FRAME_SECONDS)
    return np.concatenate([audio[: (prompt if found is None else found) * FRAME_SAMPLES], music])


def longer_hearing(heard: Heard, seconds: float = LONGER_LOOKS_SECONDS[0]) -> Pcm | None:
    """``heard``, a queue's sound, from its first frame for ``seconds`` (None if the line can
    no longer be looked at from its end)."""
    if heard.ahead is None:
        return None
    prompt = heard.audio[: round(heard.seconds / FRAME_SECONDS) * FRAME_SAMPLES]
    more = heard.ahead(seconds - len(prompt) / SAMPLE_RATE)
    return None if more is None else np.concatenate([prompt, more])


def known_by_more(heard: Heard, queues: Iterable[NodeRecord]) -> str | None:
    """The known queue with no prompt (of ``queues``) whose music ``heard`` is, heard for
    LONGER_LOOKS_SECONDS from its first frame; None if none is, or nothing more can be heard."""
    queues = [q for q in queues if len(q.music)]
    for seconds in LONGER_LOOKS_SECONDS if queues else ():
        longer = longer_hearing(heard, seconds)
        if longer is None:
            return None
        print_ = fingerprint(longer)
        best = max((overlap_similarity(print_, fingerprint(heard_from_the_start(q)[: len(longer)]),
                                       worst=False), q.id) for q in queues)
        if best[0] >= SAME_AUDIO:
            return best[1]
        if best[0] < MAYBE_SAME_AUDIO:
            return None  # (no known queue's music: another track)
    return None


def music_from_the_start(heard: Heard, queues: Iterable[NodeRecord]) -> str | None:
    """The known queue with no prompt (of ``queues``) whose music a prompt that ran into
    music is from its first frame on: its music confirmed late (a second of it that the
    window took for a voice: zoo seed 26050, where Whisper wrote "Thank you." for it).
    Compared with the queue's sound as heard from its first frame, its prompt and its kept
    music: its prompt alone may be shorter than half of this hearing (the same track's
    first 1.2 s taken for a voice one time, 0.7 s the next, zoo seed 26052: 0.0 against
    the 1.2 s, 0.98 against what the queue played from there). Held at the hearing's start
    (:func:`anchored_similarity`), so that words before the music do not match."""
    assert heard.ran_on is not None
    whole = np.concatenate([heard.audio, heard.ran_on])
    print_ = fingerprint(whole)
    scores = [(anchored_similarity(print_, fingerprint(heard_from_the_start(q)[: len(whole)]),
                                   worst=False), q.id) for q in queues]
    best = max(scores, default=None)
    return best[1] if best is not None and best[0] >= SAME_AUDIO else None


def sound_of_a_wait(node: NodeRecord, then: NodeRecord) -> bool:
    """Was ``node``, a sound with no words in it, what the caller heard while waiting for
    the person ``then`` whom the line went on to by itself? A queue whose music plays under
    the line's hiss but for a louder moment is heard as that moment alone, long after the
    key (zoo seed 29724: 0.4 s of quiet music heard 11 s after the key, a person 6 s later);
    a ring or a chime before a person is one too. Words would say what it is; with none, what
    the line did next does: it put a person on without waiting for the caller."""
    return node.kind == "unknown" and not node.transcript.strip() and then.kind == "human"
