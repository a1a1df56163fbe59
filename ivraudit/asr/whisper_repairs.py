"""Where Whisper's decode of a prompt went wrong, told by the prompt's sound and the words'
times, and where to decode again.

Whisper tiny.en decodes a prompt in one 30 s window, greedily. Now and then the decode goes
wrong in ways the word times give away: it stops early (:func:`left_off`), it writes seconds
of speech as one word (:func:`skipped_within`), it loops, writing one sentence again and
again (:func:`looped`), or it leaves speech unwritten across the prompt, few words stretched
over many seconds (:func:`unwritten`). The first two are decoded again from where the
decode went wrong (ivraudit.asr.whisper_engine); the last two in parts, the prompt cut at
its pauses (:func:`parts`), each part a short decode with less to go wrong on.
"""

from __future__ import annotations

import re

import numpy as np

from ivraudit.asr.base import Word

LEFT_OFF_SOUND_SECONDS = 1.0
"""Sound after the last word a decode timed, past which the decode stopped early: Whisper
tiny.en sometimes ends a prompt's transcript at a pause, the rest of the words squeezed into
none or into one word of no duration at the very end ("... reservations, or" for "...
reservations or baggage. Press 1, 2 or 3.", zoo seed 11018, its 2.7 s of speech unwritten)."""
SOUNDING_BELOW_LOUDEST = 0.1
"""A frame sounds when its level is within 20 dB of the prompt's loud frames (95th
percentile): speech, not the line's hiss."""
TIMED_WORD_SECONDS = 0.02


def left_off(pcm: np.ndarray, rate: int, words: list[Word]) -> float | None:
    """Where a decode stopped with speech still to come, in seconds; None if it did not.

    The words a decode gave are followed by the time of the last one that has a duration; if
    at least LEFT_OFF_SOUND_SECONDS of what follows sounds, it was left out."""
    sounding = _sounding(pcm, rate)
    if sounding is None:
        return None
    timed = [w for w in words if w.end - w.start >= TIMED_WORD_SECONDS]
    last = timed[-1].end if timed else 0.0
    frame = max(1, rate // 50)
    after = sounding[int(last * rate / frame) + 1:]
    return last if after.sum() * frame / rate >= LEFT_OFF_SOUND_SECONDS else None


SECONDS_PER_LETTER = 0.15
SECONDS_PER_DIGIT = 0.6
"""The longest a word takes to say, by what is written of it: a slow IVR voice says
"representative" (14 letters) in 0.7 s, and a digit may stand for words ("6500", sixty-five
hundred, 1.5 s)."""


def said_seconds(text: str) -> float:
    """The longest ``text`` takes to say (SECONDS_PER_LETTER, SECONDS_PER_DIGIT)."""
    return (SECONDS_PER_LETTER * sum(c.isalpha() for c in text)
            + SECONDS_PER_DIGIT * sum(c.isdigit() for c in text))


DOUBTED_CONFIDENCE = 0.5
DOUBTED_SKIP_SECONDS = 0.3
"""A word the decode gives less than even odds stands for speech it left out when at least
the time of one spoken key (0.3 s: "two", "three" in the zoo's voices and the Debian
recordings) more sounds over it than it takes to say. Over 2,663 words heard on 9 zoo trees'
prompts, 311 doubted words had at most 0.21 s more; the other three 0.42 s to 0.55 s (two
menus whose keys went unwritten, 29209 and 29211, and a cut announcement's last word)."""


def skipped_within(pcm: np.ndarray, rate: int, words: list[Word]) -> float | None:
    """Where a decode skipped speech under one of its words, in seconds (the start of the
    word before it); None if it did not.

    Whisper tiny.en, near the end of a long prompt, sometimes writes a stretch of speech as
    one word timed across all of it: "... at any time for the 500." for "... at any time. For
    the front desk, dial 6500.", its "the" lasting 2.6 s over 1.8 s of sound (zoo seed
    30028: the menu's extension unread). A word that sounds, from where the word before it
    ended, at least LEFT_OFF_SOUND_SECONDS more than it takes to say (SECONDS_PER_LETTER,
    SECONDS_PER_DIGIT) left speech out; decoded again from the word before it, the rest
    comes out whole ("for the front desk, dial 6500."). A word the decode doubts
    (DOUBTED_CONFIDENCE) needs only DOUBTED_SKIP_SECONDS: "Press 2 to report lost baggage.
    Press 3 to check a flight." was written "Press 2 to report lost to check a flight", its
    "to" (p 0.18) lasting 1.14 s over 0.72 s of sound, and the key of a choice went unheard
    (zoo seed 29211); decoded again from "lost", "lost-badge, press 3 to check a flight"."""
    sounding = _sounding(pcm, rate)
    if sounding is None:
        return None
    frame = max(1, rate // 50)
    for index, word in enumerate(words):
        said = said_seconds(word.text)
        start = min(words[index - 1].end, word.start) if index > 0 else word.start
        heard = sounding[int(start * rate / frame): int(word.end * rate / frame)].sum() \
            * frame / rate
        doubted = index > 0 and word.confidence is not None \
            and word.confidence < DOUBTED_CONFIDENCE
        if heard - said >= (DOUBTED_SKIP_SECONDS if doubted else LEFT_OFF_SOUND_SECONDS):
            return words[index - 1].start if index > 0 else None
    return None


def _sounding(pcm: np.ndarray, rate: int) -> np.ndarray | None:
    """Which 20 ms frames of ``pcm`` sound (SOUNDING_BELOW_LOUDEST); None for no frame."""
    frame = max(1, rate // 50)
    count = len(pcm) // frame
    if count == 0:
        return None
    levels = np.sqrt(np.mean(
        pcm[: count * frame].reshape(count, frame).astype(np.float64) ** 2, axis=1))
    return levels > SOUNDING_BELOW_LOUDEST * float(np.percentile(levels, 95))


LOOP_WORDS = 4
"""Words written twice running that make a loop: Whisper tiny.en wrote a 19 s Flite menu
under μ-law as "... Press 0 to end this call. Press 2 to make an appointment. Press 2 to make
an appointment. Press 3 to speak with a representative. Press 0 to end this call. Thank you."
(zoo seed 29998), its last choice and its extension never written. A prompt does not say the
same four words twice in a row; a menu heard twice over does, and decoded in parts it is
written twice over again."""


def looped(words: list[Word]) -> bool:
    """Did the decode write a run of LOOP_WORDS words or more twice, one right after the
    other (a Whisper loop)?"""
    said = [re.sub(r"[^a-z0-9']", "", w.text.lower()) for w in words]
    for size in range(LOOP_WORDS, len(said) // 2 + 1):
        for start in range(len(said) - 2 * size + 1):
            if said[start:start + size] == said[start + size:start + 2 * size]:
                return True
    return False


UNWRITTEN_SECONDS = 1.5
UNWRITTEN_SHARE = 0.2
UNWRITTEN_WORDS = 3
"""Speech the decode left unwritten across a prompt: more sounds than its words take to say
(:func:`said_seconds`, the most each takes) by UNWRITTEN_SECONDS and by UNWRITTEN_SHARE of
all that sounds. Whisper tiny.en wrote an 8.8 s Flite menu that opens in Spanish, heard on an
A-law line, as "to speak with a representative press.", its six words stretched over 6.1 s
(zoo seed 29906: 6.7 s sound, 4.7 s at most said; the menu's keys never pressed). Only a
decode of UNWRITTEN_WORDS words or more is judged: fewer over a sound are a ring, music or a
beep written as "Thank you." or nothing, and no part of those would be words."""


def unwritten(pcm: np.ndarray, rate: int, words: list[Word]) -> float:
    """Seconds of ``pcm`` that sound beyond the most its ``words`` take to say; 0.0 where the
    decode is too short to judge or leaves out less than UNWRITTEN_SECONDS and
    UNWRITTEN_SHARE of the sound."""
    sounding = _sounding(pcm, rate)
    if sounding is None or len(words) < UNWRITTEN_WORDS:
        return 0.0
    sounds = float(sounding.sum()) * max(1, rate // 50) / rate
    left = sounds - sum(said_seconds(w.text) for w in words)
    return left if left >= UNWRITTEN_SECONDS and left >= UNWRITTEN_SHARE * sounds else 0.0


PAUSE_FRAMES = 10
PART_MIN_SECONDS = 1.5
"""Where a prompt is cut to be decoded in parts: in the middle of each pause of 0.2 s or
more (20 ms frames that do not sound, SOUNDING_BELOW_LOUDEST), a part lasting at least
1.5 s. IVR voices pause 0.2-0.4 s between sentences and less within them; a part of a few
words still gives Whisper a sentence to read."""


def parts(pcm: np.ndarray, rate: int) -> list[tuple[int, int]]:
    """``pcm`` cut at its pauses, as (first sample, sample after the last) of each part; one
    part, the whole, where it has no pause to cut at."""
    sounding = _sounding(pcm, rate)
    frame = max(1, rate // 50)
    if sounding is None:
        return [(0, len(pcm))]
    least = round(PART_MIN_SECONDS * 50)
    cuts = [0]
    run = 0
    for index, sounds in enumerate([*sounding.tolist(), True]):
        if not sounds:
            run += 1
            continue
        middle = index - run // 2
        if run >= PAUSE_FRAMES and index - run > 0 and index < len(sounding) \
                and middle - cuts[-1] >= least:
            cuts.append(middle)
        run = 0
    if len(cuts) > 1 and len(sounding) - cuts[-1] < least:
        cuts.pop()  # (a short last part joins the one before it)
    bounds = [c * frame for c in cuts] + [len(pcm)]
    return list(zip(bounds, bounds[1:]))
