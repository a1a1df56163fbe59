"""Transcript similarity: do two prompts say the same words?

The second signal of prompt identity, for the borderline cases the audio leaves open (a prompt
cut a little differently, shifted by part of a frame, line noise): the same words mean the same
prompt, and one word of difference can mean another.
"""

from __future__ import annotations

import difflib
import re

SAME_WORDS = 0.97
"""Transcript similarity (difflib ratio over words) that makes two prompts of similar audio
the same: all but one word in thirty. One word is often all that tells two nodes apart
("...reached the billing team" / "...the claims team": 0.9)."""


SAME_RECORDING_WORDS = 0.75
"""For audio alike in every second of it (SAME_AUDIO), the words only have to agree this
well: the recogniser writes one recording differently from one hearing to the next (over a
noisy line, cut at another point by music after it, its last words come out otherwise), while
two recordings that differ in one word do not sound alike in the second that holds it."""


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def text_similarity(a: str, b: str) -> float:
    """Similarity of two transcripts by their words (punctuation and case ignored)."""
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()
