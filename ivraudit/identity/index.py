"""The known prompts, for telling a new prompt from one heard before.

:class:`PromptIndex` holds each known node's fingerprint and transcript and decides with both
signals (:mod:`~ivraudit.identity.fingerprint`, :mod:`~ivraudit.identity.text`);
:class:`PrefixWatch` matches a prompt against it while the prompt is still being heard, so a
caller who recognises a prompt early can act before it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ivraudit.identity.fingerprint import (
    CERTAIN_AUDIO,
    MAX_LAG_FRAMES,
    MAYBE_SAME_AUDIO,
    SAME_AUDIO,
    Fingerprint,
    audio_similarity,
    centred,
    fingerprint,
    prefix_similarities,
    prefix_similarity,
    similarity_at_any_phase,
)
from ivraudit.identity.text import SAME_RECORDING_WORDS, SAME_WORDS, text_similarity
from ivraudit.telephony.constants import FRAME_SAMPLES
from ivraudit.telephony.g711 import Pcm


def unique_prefix(scores: list[tuple[float, str]], threshold: float) -> str | None:
    """The best of ``scores`` if it reaches ``threshold`` and no other could be the same."""
    if not scores or scores[0][0] < threshold:
        return None
    if len(scores) > 1 and scores[1][0] >= min(threshold, SAME_AUDIO):
        return None
    return scores[0][1]


class PrefixWatch:
    """Matches a prompt against the known prompts while it is being heard.

    Asked every 0.2 s with the audio so far, it compares only the prompts still in the running:
    one the beginning has stopped resembling (below MAYBE_SAME_AUDIO) only resembles it less as
    more is heard, as the score is the worst window's. On a 200-node tree that is the
    difference between comparing 200 prompts five times a second and comparing a handful
    (bench/crawl_cost.py's CPU column). A prompt first known while this one plays is not
    watched for; the prompt heard out is still matched in full.
    """

    def __init__(self, index: PromptIndex) -> None:
        self.index = index
        self.alive: set[str] | None = None

    def scores(self, print_: Fingerprint) -> list[tuple[float, str]]:
        scores = self.index.prefix_scores(print_, self.alive)
        self.alive = {node_id for score, node_id in scores if score >= MAYBE_SAME_AUDIO}
        return scores


@dataclass
class PromptIndex:
    """The prompts of the known nodes, for telling a new prompt from one heard before."""

    prints: dict[str, Fingerprint] = field(default_factory=dict)
    transcripts: dict[str, str] = field(default_factory=dict)
    told_at: dict[str, float] = field(default_factory=dict)
    """Seconds into a prompt by which it has said something of its own (a menu: its first
    option, key and label); before that it may be an opening other prompts share."""

    def add(self, node_id: str, print_: Fingerprint, transcript: str,
            told_at: float = 0.0) -> None:
        self.prints[node_id] = print_
        self.transcripts[node_id] = transcript
        self.told_at[node_id] = told_at

    def candidates(self, print_: Fingerprint) -> list[tuple[float, str]]:
        """Known nodes whose audio might be this prompt, best first, with their scores."""
        scored = [(audio_similarity(print_, known), node_id)
                  for node_id, known in self.prints.items()]
        return sorted((s for s in scored if s[0] >= MAYBE_SAME_AUDIO), reverse=True)

    def match_prefix(self, print_: Fingerprint, threshold: float = SAME_AUDIO) -> str | None:
        """The one known node whose prompt begins with this audio, or None (none, or several).

        Only a unique match counts: while two known prompts begin alike, keep listening. On a
        mapped path, where the prompt expected is known, SAME_AUDIO will do; to take what a
        probe led to for a known prompt without hearing it out, ask for CERTAIN_AUDIO.
        """
        return unique_prefix(self.prefix_scores(print_), threshold)

    def prefix_scores(self, print_: Fingerprint,
                      among: set[str] | None = None) -> list[tuple[float, str]]:
        """How well this audio begins each known prompt (of ``among``, if given), best first;
        prompts shorter than the audio are left out. The prompts at least as long as the
        audio are scored together (:func:`prefix_similarities`), the same numbers as
        :func:`prefix_similarity` gives one by one, at a fraction of the cost."""
        known = self.prints if among is None else {n: self.prints[n] for n in among}
        longer = [n for n, p in known.items() if len(p) >= len(print_)]
        scored = list(zip(prefix_similarities(print_, [known[n] for n in longer]), longer))
        scored += [(prefix_similarity(print_, p), n) for n, p in known.items()
                   if len(print_) - MAX_LAG_FRAMES <= len(p) < len(print_)]
        return sorted(scored, reverse=True)

    def match(self, print_: Fingerprint, transcribe: Callable[[], str],
              audio: Pcm | None = None) -> str | None:
        """The known node this prompt is, or None. ``transcribe`` is called only if needed;
        with the prompt's ``audio``, a candidate short of certain is scored again aligned to
        its samples (:func:`~ivraudit.identity.fingerprint.similarity_at_any_phase`)."""
        candidates = self.candidates(print_)
        if audio is not None:
            candidates = sorted(
                ((max(score, similarity_at_any_phase(audio, 0, len(print_), self.prints[node]))
                  if score < CERTAIN_AUDIO else score, node) for score, node in candidates),
                reverse=True)
        if not candidates:
            return None
        score, node_id = candidates[0]
        if score >= CERTAIN_AUDIO and (len(candidates) == 1 or candidates[1][0] < CERTAIN_AUDIO):
            return node_id
        text = transcribe()
        for score, node_id in candidates:
            words = SAME_RECORDING_WORDS if score >= SAME_AUDIO else SAME_WORDS
            if text_similarity(text, self.transcripts[node_id]) >= words:
                return node_id
        return None

    def match_ended_early(self, audio: Pcm, ran_on: Pcm, among: set[str],
                          transcribe: Callable[[Pcm], str]) -> str | None:
        """The known node of ``among`` whose whole prompt is ``audio``, a prompt whose end was
        put too early, and the start of what was heard after it (``ran_on``), or None.

        A queue's prompt that runs into its music ends where the sound window, a second
        long, turned to music: a tone under hiss scored as music at once and "One moment,
        please." was heard as "One moment." (0.72 s of 1.52 s), a node of its own, and the
        queue's agent with it (zoo seed 25040). The words cut off are in what followed, so
        the known prompt is compared whole, as any prompt is (:meth:`match`), with as much
        of the audio as it lasts; a prompt that goes on otherwise does not match it."""
        heard, whole = len(audio) // FRAME_SAMPLES, np.concatenate([audio, ran_on])
        for node_id in sorted(among, key=lambda n: len(self.prints[n])):
            frames = len(self.prints[node_id])
            if not heard < frames <= len(whole) // FRAME_SAMPLES:
                continue
            part = whole[: frames * FRAME_SAMPLES]
            if self.match(fingerprint(part), lambda: transcribe(part), part) == node_id:
                return node_id
        return None


MIN_CHAINED_FRAMES = 50
"""A known prompt found inside a longer one lasts at least a second: shorter ones ("goodbye")
are words a new prompt may well say in the same voice."""
MIN_REST_FRAMES = 25
"""What is left beside a known prompt found inside a heard one is at least half a second."""
BOUNDARY_FRAMES = 15
QUIET_AT_BOUNDARY_FRAMES = 4
"""Prompts that run into each other still leave a short pause (the end of one recording, the
start of the next): at least 4 quiet frames among the 15 before the known one begins."""


def known_at_the_end(index: PromptIndex, audio: Pcm, quiet: list[bool],
                     end: int | None = None, print_: Fingerprint | None = None
                     ) -> tuple[str, int] | None:
    """The known prompt that the first ``end`` frames of a heard prompt (``audio``) end
    with, and the frame it starts at, when it is not the whole of them.

    Lines chain prompts with less silence between them than ends a prompt ("That option is
    invalid. Please try again." and the main menu at once; a greeting and the menu): what is
    heard is then one long prompt whose end is a prompt heard before. ``quiet`` says which
    frames were silent, for the pause that must come before the known prompt. A candidate
    close enough on the frame grid is judged aligned to its samples
    (:func:`~ivraudit.identity.fingerprint.similarity_at_any_phase`). ``print_``: the
    audio's fingerprint, when known already.
    """
    print_ = fingerprint(audio) if print_ is None else print_
    end = len(print_) if end is None else end
    best: tuple[float, str, int] | None = None
    for node_id, known in index.prints.items():
        length = len(known)
        start = end - length
        if length < MIN_CHAINED_FRAMES or start < MIN_REST_FRAMES:
            continue
        if sum(quiet[max(0, start - BOUNDARY_FRAMES):start + 2]) < QUIET_AT_BOUNDARY_FRAMES:
            continue
        score = audio_similarity(centred(print_[start:end]), known)
        if MAYBE_SAME_AUDIO <= score < CERTAIN_AUDIO:
            score = max(score, similarity_at_any_phase(audio, start, end, known))
        if score >= SAME_AUDIO and (best is None or score > best[0]):
            best = (score, node_id, start)
    return (best[1], best[2]) if best else None


def known_at_the_start(known: Fingerprint, audio: Pcm, quiet: list[bool],
                       print_: Fingerprint | None = None) -> int | None:
    """The frame where another prompt begins in a heard one (``audio``) whose beginning is
    the whole of a known prompt (``known``), after a pause; None if it does not go on so.

    The mirror of :func:`known_at_the_end`: a line that plays a known recording and then,
    after less silence than ends a prompt, a new one ("Our offices are now closed." and a
    voicemail greeting, 0.33 s later) is heard as one long prompt that begins as the known
    one does. The known one is the whole of its recording, heard to its end before, so what
    comes after its end and a pause is another prompt, not more of it. The pause is at least
    QUIET_AT_BOUNDARY_FRAMES quiet frames among the BOUNDARY_FRAMES before the sound that
    begins again first from the known recording's end on (MAX_LAG_FRAMES early), and what
    follows lasts at least MIN_REST_FRAMES; sound that goes on at once past that end is more
    of a longer recording that begins alike."""
    print_ = fingerprint(audio) if print_ is None else print_
    length = len(known)
    if length < MIN_CHAINED_FRAMES or len(print_) - length < MIN_REST_FRAMES:
        return None
    score = audio_similarity(centred(print_[:length]), known)
    if MAYBE_SAME_AUDIO <= score < CERTAIN_AUDIO:
        score = max(score, similarity_at_any_phase(audio, 0, length, known))
    if score < SAME_AUDIO:
        return None
    for rest in range(max(1, length - MAX_LAG_FRAMES), len(quiet)):
        if quiet[rest] or not quiet[rest - 1]:
            continue  # not where sound begins again
        if sum(quiet[max(0, rest - BOUNDARY_FRAMES):rest]) >= QUIET_AT_BOUNDARY_FRAMES:
            return rest if len(quiet) - rest >= MIN_REST_FRAMES else None
        if rest >= length:
            return None  # more words at once: a longer recording that begins alike
    return None
