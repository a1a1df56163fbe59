"""The hand-over from a queue to its agent: the ring's last burst is not the greeting's start."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ivraudit.crawl.handover import without_the_ring
from ivraudit.listen.activity import RingProfile
from ivraudit.listen.listener import Ending, Heard
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.wav import read_telephone_audio

SOUNDS = Path("/usr/share/asterisk/sounds/en")  # Debian's human-recorded prompts


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (4000 * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t))).astype(np.int16)


def _voice(seconds: float, prompt: str = "vm-reachoper") -> np.ndarray:
    """The first ``seconds`` of a human-recorded prompt, from its first word."""
    audio = read_telephone_audio(SOUNDS / f"{prompt}.wav")
    first = int(np.argmax(np.abs(audio) > 500))
    return audio[first: first + round(seconds * SAMPLE_RATE)]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)


def _heard(audio: np.ndarray) -> Heard:
    return Heard(audio, 10.0, 10.0 + len(audio) / SAMPLE_RATE, Ending.CUT, person=True)


def test_a_cut_ring_burst_before_the_greeting_is_left_out() -> None:
    listener = SimpleNamespace(ring=RingProfile())
    heard = _heard(np.concatenate([_tone(1.2), _silence(0.4), _voice(1.0)]))
    trimmed = without_the_ring(listener, heard)  # type: ignore[arg-type]
    assert abs(trimmed.onset - 11.6) < 0.05
    assert trimmed.person and trimmed.ending is Ending.CUT


def test_words_before_a_pause_are_kept() -> None:
    listener = SimpleNamespace(ring=RingProfile())
    heard = _heard(np.concatenate([_voice(1.2), _silence(0.4), _voice(1.0, "vm-starmain")]))
    assert without_the_ring(listener, heard) is heard  # type: ignore[arg-type]
