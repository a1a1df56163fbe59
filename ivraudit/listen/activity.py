"""Is there sound in a stretch of audio, and does it end in a tone?

Small judgements the crawl makes on audio it has already read (after keys went in, at the end
of a prompt), outside the frame-by-frame :class:`~ivraudit.listen.sound.SoundClassifier`. They
use the same absolute floor as the classifier, so that "sound" means one thing everywhere.
"""

from __future__ import annotations

import numpy as np

from ivraudit.listen.sound import ABS_FLOOR_DBFS, Sound, classify
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

SOUNDING_POWER = (32768 * 10 ** (ABS_FLOOR_DBFS / 20)) ** 2
"""Mean square of a frame at the classifier's absolute floor: above μ-law's idle noise and
line hiss, below any prompt's speech."""
SOUNDING_MIN_FRAMES = 5
"""Sound worth a look lasts at least this many frames (0.1 s): a click is not a prompt."""
TONE_TAIL_SECONDS = 0.5
TONE_MIN_SECONDS = 0.3


def _frame_power(audio: Pcm) -> np.ndarray:
    frames = len(audio) // FRAME_SAMPLES
    whole = audio[: frames * FRAME_SAMPLES].astype(np.float64).reshape(frames, FRAME_SAMPLES)
    return (whole ** 2).mean(axis=1)


def sounding(audio: Pcm) -> bool:
    """Whether ``audio`` holds sound worth a look (at least 0.1 s above the floor)."""
    if len(audio) < FRAME_SAMPLES:
        return False
    return int((_frame_power(audio) > SOUNDING_POWER).sum()) >= SOUNDING_MIN_FRAMES


def sounding_at_the_end(audio: Pcm) -> Pcm:
    """The run of sound that reaches the end of ``audio`` (empty if it ends in silence).

    After keys stop a prompt, a line with delay still brings a moment of it, maybe with a
    pause inside; only sound still going at the end of a check can be the next prompt."""
    frames = len(audio) // FRAME_SAMPLES
    if frames == 0:
        return audio[:0]
    quiet = np.flatnonzero(_frame_power(audio) <= SOUNDING_POWER)
    start = int(quiet[-1]) + 1 if len(quiet) else 0
    return audio[start * FRAME_SAMPLES: frames * FRAME_SAMPLES]


def ends_in_tone(audio: Pcm) -> bool:
    """Does a prompt end in a steady tone (a voicemail beep the listener did not stop at)?"""
    tail = audio[-round(TONE_TAIL_SECONDS * SAMPLE_RATE):]
    return len(tail) >= round(TONE_MIN_SECONDS * SAMPLE_RATE) and classify(tail) is Sound.TONE
