"""Prompt identity: is this prompt one we have heard before?

A prompt heard again (a loop, "back to the main menu", two paths to one node, a repeat after
a timeout) must become the same node, not a duplicate. Two signals decide:

- an **audio fingerprint** (:mod:`~ivraudit.identity.fingerprint`): the same recording
  replayed by an IVR comes back nearly sample-identical, so matching fingerprints is strong
  evidence and costs no transcription;
- **transcript similarity** (:mod:`~ivraudit.identity.text`), for the borderline cases: the
  same words mean the same prompt, and one word of difference can mean another.

:mod:`~ivraudit.identity.index` keeps the known prompts and combines the two.

This package sits below everything that compares prompts: the crawl (is this a known node?),
regression diffs (which node of one audit is which of another) and the ground truth of tests
(which spec node did the crawl record?). It depends on nothing but telephone audio, so none of
them has to import another to ask.
"""

from ivraudit.identity.fingerprint import (
    BANDS,
    CERTAIN_AUDIO,
    MAX_LAG_FRAMES,
    MAYBE_SAME_AUDIO,
    SAME_AUDIO,
    WINDOW_FRAMES,
    Fingerprint,
    audio_similarity,
    centred,
    continues_prompt,
    fingerprint,
    prefix_similarities,
    prefix_similarity,
)
from ivraudit.identity.index import PrefixWatch, PromptIndex, unique_prefix
from ivraudit.identity.text import SAME_WORDS, text_similarity

__all__ = [
    "BANDS",
    "CERTAIN_AUDIO",
    "MAX_LAG_FRAMES",
    "MAYBE_SAME_AUDIO",
    "SAME_AUDIO",
    "SAME_WORDS",
    "WINDOW_FRAMES",
    "Fingerprint",
    "PrefixWatch",
    "PromptIndex",
    "audio_similarity",
    "centred",
    "continues_prompt",
    "fingerprint",
    "prefix_similarities",
    "prefix_similarity",
    "text_similarity",
    "unique_prefix",
]
