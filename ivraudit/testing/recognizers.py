"""A speech recogniser for tests: no model, the words known in advance, matched by sound.

Unit tests of the crawler need transcripts, not speech recognition: loading Whisper and
decoding every prompt costs seconds per test and makes the words depend on a model.
:class:`FingerprintRecognizer` knows the text of each recording it may hear (a tree spec's
``text`` fields, or WAVs with their words) and answers a transcription by recognising the
recording from its audio fingerprint, the same fingerprint the crawler tells prompts apart
with. It implements :class:`~ivraudit.asr.base.Recognizer`::

    spec = load_spec("fixtures/recordings/tiny/tree.yaml")
    audit = Explorer(ReplayLine(spec), FingerprintRecognizer.from_spec(spec)).crawl()

A prompt heard only in part is given the words of that part, in proportion to the speech
heard, as a real recogniser would give them; audio like no known recording (music, a beep,
silence) gives ``unknown`` (empty by default).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ivraudit.asr.base import Transcript, as_pcm16, check_rate

# Prompt identity is moving to ivraudit.identity; import it from there once it has moved.
from ivraudit.identity import (
    SAME_AUDIO,
    Fingerprint,
    audio_similarity,
    centred,
    fingerprint,
)
from ivraudit.spec.effects import line_audio
from ivraudit.spec.model import TreeSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm, ulaw_round_trip
from ivraudit.telephony.wav import read_telephone_audio, resample

__all__ = ["FingerprintRecognizer", "KnownPrompt"]

VOICED_DBFS = -45.0
"""A 20 ms frame louder than this counts as speech when a prompt heard in part is given the
share of its words that share of its speech holds."""

WHOLE = 0.95
"""Heard this share of a prompt's speech, the prompt is given all its words (a listener
trims a prompt's quiet ends)."""

TIE = 0.02
"""Prompts whose scores are this close are told apart by their length against the audio's."""


@dataclass(frozen=True)
class KnownPrompt:
    """One recording the recogniser knows (without its quiet ends), and the words it says."""

    text: str
    print_: Fingerprint
    speech: npt.NDArray[np.int64]
    """Frames of speech up to and including each frame (a running count)."""


def _loud(pcm: Pcm) -> npt.NDArray[np.bool_]:
    """Which 20 ms frames of ``pcm`` are louder than VOICED_DBFS."""
    count = len(pcm) // FRAME_SAMPLES
    frames = pcm[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES).astype(np.float64)
    rms = np.sqrt((frames * frames).mean(axis=1)) if count else np.zeros(0)
    return np.asarray(rms > 32768.0 * 10 ** (VOICED_DBFS / 20))


def _trimmed(pcm: Pcm) -> Pcm:
    """``pcm`` without its quiet frames at either end: recordings and what a listener cut out
    of a call start and stop at different moments of silence, the words do not."""
    loud = np.flatnonzero(_loud(pcm))
    if len(loud) == 0:
        return pcm[:0]
    return pcm[loud[0] * FRAME_SAMPLES: (loud[-1] + 1) * FRAME_SAMPLES]


class FingerprintRecognizer:
    """Transcribes audio by recognising which known recording it is; loads no model.

    ``prompts`` are pairs of 8 kHz int16 audio (as a line plays it) and its text. Heard audio
    is compared with each known recording over the span both cover (so a prompt heard only
    in part, or heard on into what followed it, still matches), by the worst one-second
    window of their fingerprints (:func:`ivraudit.identity.audio_similarity`). The best
    match at ``threshold`` or above gives its text; none gives ``unknown``.

    ``calls`` and ``unmatched`` count transcriptions, so a test can check that nothing the
    crawl heard went unrecognised.
    """

    def __init__(self, prompts: Iterable[tuple[Pcm, str]], *, threshold: float = SAME_AUDIO,
                 engine: str = "fake:fingerprint", unknown: str = "") -> None:
        self.engine = engine
        self.threshold = threshold
        self.unknown = unknown
        self.known: list[KnownPrompt] = []
        for audio, text in prompts:
            pcm = _trimmed(as_pcm16(audio))
            if len(pcm):
                self.known.append(KnownPrompt(text, fingerprint(pcm),
                                              np.cumsum(_loud(pcm), dtype=np.int64)))
        self.calls = 0
        self.unmatched = 0
        self._lock = threading.Lock()  # calls at once transcribe from several threads

    @classmethod
    def from_spec(cls, spec: TreeSpec, *, threshold: float = SAME_AUDIO,
                  unknown: str = "") -> FingerprintRecognizer:
        """Knows every prompt of ``spec`` by its node's ``text``, as the replay line plays it
        (at the line's gain, through its law; its noise aside). A node with a prompt and no
        ``text`` is refused: its prompt would be heard as ``unknown`` and the crawl would
        learn nothing from it."""
        silent = [node.id for node in spec.nodes.values() if node.prompt and node.text is None]
        if silent:
            raise ValueError(f"{spec.path}: nodes {', '.join(silent)} have a prompt and no text")
        return cls(((line_audio(spec.line, spec.prompt_audio(node)), node.text or "")
                    for node in spec.nodes.values() if node.prompt),
                   threshold=threshold, engine=f"fake:{spec.name}", unknown=unknown)

    @classmethod
    def from_wavs(cls, texts: Mapping[Path | str, str], *, threshold: float = SAME_AUDIO,
                  unknown: str = "") -> FingerprintRecognizer:
        """Knows each WAV file (any rate the spec loader reads) by the text given for it."""
        return cls(((ulaw_round_trip(read_telephone_audio(path)), text)
                    for path, text in texts.items()), threshold=threshold, unknown=unknown)

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """The text of the known recording this audio is (or the part of it heard)."""
        audio = as_pcm16(pcm)
        rate = check_rate(sample_rate)
        if rate != SAMPLE_RATE:
            audio = resample(audio, rate, SAMPLE_RATE)
        text = self._text(audio)
        with self._lock:
            self.calls += 1
            self.unmatched += text is None
        return Transcript(self.unknown if text is None else text, (), self.engine)

    def _text(self, audio: Pcm) -> str | None:
        heard = fingerprint(_trimmed(audio))
        if len(heard) == 0:
            return None
        scored: list[tuple[float, KnownPrompt]] = []
        for known in self.known:
            n = min(len(heard), len(known.print_))
            score = audio_similarity(centred(heard[:n]), centred(known.print_[:n]))
            if score >= self.threshold:
                scored.append((score, known))
        if not scored:
            return None
        best = max(score for score, _ in scored)
        _, known = min(((s, k) for s, k in scored if s >= best - TIE),
                       key=lambda sk: (abs(len(sk[1].print_) - len(heard)), -sk[0]))
        return _words_heard(known, len(heard))

    def __repr__(self) -> str:
        return f"FingerprintRecognizer({len(self.known)} prompts, engine={self.engine!r})"


def _words_heard(known: KnownPrompt, frames: int) -> str:
    """The words of ``known`` said in its first ``frames`` frames, by its share of speech."""
    total = int(known.speech[-1]) if len(known.speech) else 0
    if frames >= len(known.speech) or total == 0:
        return known.text
    share = int(known.speech[frames - 1]) / total
    if share >= WHOLE:
        return known.text
    words = known.text.split()
    return " ".join(words[: math.floor(share * len(words) + 0.5)])
