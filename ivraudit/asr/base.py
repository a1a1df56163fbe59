"""What every speech engine returns, and the one method the crawler calls.

The crawler only needs the text of a prompt (and, for reports, word timings), so engines are
reduced to ``transcribe(pcm, sample_rate) -> Transcript``. Audio arrives as the line delivers
it: int16 PCM at 8 kHz. Each engine converts it to what its model wants, so the rest of
ivraudit never thinks about model sample rates.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ivraudit.errors import AudioError
from ivraudit.telephony.constants import SAMPLE_RATE


@dataclass(frozen=True)
class Word:
    """One recognised word and where it sits in the prompt, in seconds from its start."""

    text: str
    start: float
    end: float
    confidence: float | None = None


UNDERSTOOD_CONFIDENCE = 0.45
"""Mean word confidence below which a transcript is words the engine made up for audio it
did not understand (a language it does not read, noise)."""
UNDERSTOOD_MIN_WORDS = 3
"""Fewer words than this are not judged: one or two short words get low confidences even
when right."""
LOOP_COMPRESSION_RATIO = 2.4
"""Text that compresses better than this is a decoding loop, not speech: Whisper's own
``compression_ratio_threshold``, past which it discards a decode. An English model given
Spanish looped "the city of the city of ..." with word confidences above 0.9, so the
confidence alone let it through. Menus of the bundled and zoo trees compress 1.7:1 at most."""


@dataclass(frozen=True)
class Transcript:
    """A prompt as the engine heard it.

    ``text`` is kept as recognised (Whisper adds punctuation and capitals; Vosk gives lower
    case words): the menu interpreter normalises it, and punctuation helps it split options.
    """

    text: str
    words: tuple[Word, ...] = ()
    engine: str = ""

    @property
    def understood(self) -> bool:
        """Did the engine understand the audio, or only produce words for it?

        An English model given Spanish ("Para español, oprima nueve") still writes English
        ("I'm going to be in the next video."), with a low confidence in every word: whisper
        tiny.en's mean word probability was 0.23 and 0.35 on two Spanish eSpeak prompts, and
        at least 0.54 on each of the 36 English prompts of the bundled trees ("Goodbye." the
        lowest). Engines that give no confidences are taken at their word."""
        if compression_ratio(self.text) > LOOP_COMPRESSION_RATIO or looped(self.text):
            return False
        known = [w.confidence for w in self.words if w.confidence is not None]
        if len(known) < UNDERSTOOD_MIN_WORDS:
            return True  # too little to judge: "Goodbye." over a telephone line scored 0.4
        return sum(known) / len(known) >= UNDERSTOOD_CONFIDENCE


LOOP_SENTENCE_WORDS = 3
LOOP_REPEATS = 3
"""A sentence of three words or more written three times over is a decoding loop too:
"We are going to have to do that." three times, for an eSpeak Spanish menu, compressed only
2.3:1 (too short a text for zlib to gain more) with confidences of 0.83. Whisper's reading of
such audio varies from run to run (CPU threads sum in another order and a near tie between
two tokens falls the other way), so the loop was caught on one run and not the next."""


def looped(text: str) -> bool:
    """Does ``text`` say one sentence (of ``LOOP_SENTENCE_WORDS`` words or more) at least
    ``LOOP_REPEATS`` times?"""
    sentences = [" ".join(part.lower().split()) for part in re.split(r"[.!?]+", text)]
    counts = Counter(s for s in sentences if len(s.split()) >= LOOP_SENTENCE_WORDS)
    return any(n >= LOOP_REPEATS for n in counts.values())


def compression_ratio(text: str) -> float:
    """How much smaller zlib makes ``text``: about 1 for speech, 3 or more for a phrase looped."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


@runtime_checkable
class Recognizer(Protocol):
    """A speech engine with a loaded (or lazily loaded) model.

    ``engine`` names the engine and the model (e.g. ``whisper:tiny.en``): transcripts are
    cached under it, so two models never share cached text.
    """

    engine: str

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """Transcribe mono int16 PCM at ``sample_rate`` Hz."""
        ...


def as_pcm16(pcm: np.ndarray) -> npt.NDArray[np.int16]:
    """Check that ``pcm`` is mono int16 audio and return it as a contiguous int16 array.

    Engines and the cache hash or hand the raw bytes to C code, so a float or stereo array
    passed by mistake must fail loudly here rather than be read as noise.
    """
    array = np.asarray(pcm)
    if array.ndim != 1:
        raise AudioError(
            f"speech recognition needs mono audio, got an array of shape {array.shape}"
        )
    if array.dtype != np.int16:
        raise AudioError(f"speech recognition needs int16 PCM, got {array.dtype}")
    return np.ascontiguousarray(array)


def check_rate(sample_rate: int) -> int:
    """Reject sample rates no phone line or WAV file can have."""
    if not 4000 <= int(sample_rate) <= 192000:
        raise AudioError(f"implausible sample rate {sample_rate} Hz for speech recognition")
    return int(sample_rate)
