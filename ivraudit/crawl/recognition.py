"""Knowing a prompt by its beginning: the tests a caller puts to a prompt while it plays.

A caller who knows a tree does not hear its prompts out: it knows each by its first second,
and, passing through a menu that takes keys while it speaks, by its first 0.3 s. These are the
``stop_when`` tests :meth:`ivraudit.listen.listener.Listener.hear` asks as a prompt plays; the
strategies that save line time (typing ahead, hanging up early) are built on them.
"""

from __future__ import annotations

from collections.abc import Callable

from ivraudit.identity import (
    SAME_AUDIO,
    PrefixWatch,
    PromptIndex,
    audio_similarity,
    centred,
    fingerprint,
    unique_prefix,
)
from ivraudit.telephony.constants import FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

StopTest = Callable[[Pcm], "bool | None"]
"""Asked with the audio of a prompt so far: True stops listening, None stops asking."""

NAVIGATION_MIN_SECONDS = 1.0
"""On a mapped path a prompt is recognised from its first second (longer while it begins
like another known prompt)."""
RETURN_MARGIN_SECONDS = 0.6
"""A return to a menu of this call is taken after matching it alone for this long, from its
first second on: a new prompt can begin like a menu on the path. "Whiskey quebec..." after
"Whiskey mike..." (the generated 200-node maze has such pairs) scores 0.95 at 1.2 s, 0.90 at
1.4 s and 0.68 at 1.6 s, when the half second after the first has a window of its own; at
0.4 s the test in tests/test_strategy.py takes it for a return."""
RECOGNISE_WITHIN_SECONDS = 6.0
"""A prompt not recognised by then is new (or too like another), and heard out."""
WHOLE_BUT_SECONDS = 1.0
"""A result taken for a known prompt heard in full (``whole``) may leave this much of its end
unheard: the prompt heard is asked every 0.2 s, and a known prompt is out of the running once
the audio runs 0.2 s past its end."""
TYPED_LAG_FRAMES = 3
"""Alignment allowed when a prompt's first 0.3 s are compared with a known prompt's: both
start at their first sound, and a wide search would find a fit in so little audio."""


def recognised(index: PromptIndex, min_seconds: float, margin: float, threshold: float,
               been: frozenset[str] = frozenset(), expect: str | None = None,
               whole: Callable[[str], bool] = lambda node_id: False) -> StopTest:
    """A test that stops once the audio so far begins exactly one known prompt.

    That is, at ``threshold`` after ``min_seconds`` and for ``margin`` seconds more (a new
    prompt may begin like a known one), and for a prompt ``whole`` says so only once it has
    matched all of that prompt but its last ``WHOLE_BUT_SECONDS``; at SAME_AUDIO and for
    ``RETURN_MARGIN_SECONDS`` from the first second on, if that prompt is one of ``been`` (a
    return to a node of this call); at SAME_AUDIO from the first second on if it is
    ``expect`` (a step the line has shown).
    """
    unique_from: float | None = None
    return_from: tuple[float, str] | None = None  # since when it has matched a node of been
    watch = PrefixWatch(index)
    first = min(min_seconds, NAVIGATION_MIN_SECONDS) if been or expect else min_seconds

    def stop(audio: Pcm) -> bool | None:
        nonlocal unique_from, return_from
        seconds = len(audio) / SAMPLE_RATE
        if unique_from is None and return_from is None and seconds > RECOGNISE_WITHIN_SECONDS:
            return None  # a new prompt, or one too like another: hear it out, stop asking
        if seconds < first:
            return False
        scores = watch.scores(fingerprint(audio))
        if expect is not None and unique_prefix(scores, SAME_AUDIO) == expect:
            return True
        if been:
            returning = unique_prefix(scores, SAME_AUDIO)
            if returning not in been:
                return_from = None
            elif return_from is None or returning != return_from[1]:
                return_from = (seconds, returning)
            elif seconds >= max(return_from[0], index.told_at.get(returning, 0.0)) \
                    + RETURN_MARGIN_SECONDS:
                return True  # (and past what the prompt may share with a new one)
        if seconds < min_seconds or (unique_from is not None
                                     and seconds < unique_from + margin):
            return False
        unique = unique_prefix(scores, threshold)
        if unique is not None and unique_from is None:
            unique_from = seconds
            if margin > 0.0:
                return False
        return unique is not None and unique_from is not None \
            and seconds >= unique_from + margin \
            and (not whole(unique) or heard_out(unique, seconds))

    def heard_out(node_id: str, seconds: float) -> bool:
        return seconds >= len(index.prints[node_id]) * FRAME_SECONDS - WHOLE_BUT_SECONDS
    return stop


def begins_as(index: PromptIndex, audio: Pcm, node_id: str) -> bool:
    """Does ``audio`` (the first fraction of a second of a prompt) begin as ``node_id``'s
    prompt does? Weak evidence alone; a walk that acts on it is confirmed at its end."""
    known = index.prints.get(node_id)
    heard = fingerprint(audio)
    if known is None or len(heard) == 0 or len(known) < len(heard):
        return False
    return audio_similarity(heard, centred(known[: len(heard)]),
                            max_lag=TYPED_LAG_FRAMES) >= SAME_AUDIO
