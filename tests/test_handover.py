"""The hand-over from a queue to its agent: the ring's last burst is not the greeting's start."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

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


class _Words:
    """The recogniser, stood in for by the words each stretch of the line says (the subject
    here is the rule, not the recognition): the greeting heard as one from its first word,
    the words the window scored as music, or the short call-out after them, misheard."""

    engine = "stand-in"

    def __init__(self, greeting: np.ndarray, says: str) -> None:
        self.greeting, self.says = greeting, says

    def transcribe(self, audio: np.ndarray, rate: int) -> "Transcript":
        from ivraudit.asr.base import Transcript, Word

        if len(audio) >= len(self.greeting) and np.array_equal(
                audio[: len(self.greeting)], self.greeting):
            text = self.says
        elif len(audio) < SAMPLE_RATE:
            text = "below."  # ("Hello?", misheard)
        else:
            text = "How can I help?"
        words = tuple(Word(w, i * 0.3, i * 0.3 + 0.3, 0.9) for i, w in enumerate(text.split()))
        return Transcript(text, words, self.engine)


@pytest.mark.parametrize("says, joined", [
    ("Thanks for calling Oak County Services. This is Luis. How can I help?", True),
    ("Thank you for calling Oak County Services. Our offices are closed today.", False),
])
def test_a_greeting_whose_end_scored_as_music_is_one_when_it_says_a_person(says, joined):
    """A greeting heard from its first word whose end the window scored as music (an
    "announcement" and "music" with words in it), then the pause of someone waiting and a
    short word (zoo seed 27045: "Hello?" heard as "below.", no call-out): heard as one, its
    words say a person, and it is theirs, from its first word. Words that say no person are
    not joined: what came after their pause is a prompt of its own."""
    from ivraudit.audit.model import Audit
    from ivraudit.crawl.handover import one_voice
    from ivraudit.crawl.mapper import Mapper
    from ivraudit.listen.listener import Listener

    from test_listener import _PlayedCall

    first, rest, word = _voice(2.0), _voice(1.6, "vm-starmain"), _voice(0.4, "vm-intro")
    audio = np.concatenate([_silence(0.5), first, rest, _silence(1.5), word, _silence(1.0)])
    listener = Listener(_PlayedCall(audio))
    listener.skip(len(audio) / SAMPLE_RATE)  # (read, and kept in the listener's record)
    last = Heard(first, 0.5, 2.5, Ending.MUSIC)
    nxt = Heard(word, 5.6, 6.0, Ending.SILENCE)
    mapper = Mapper(Audit(target="test", started=""), _Words(first, says), "en",
                    lambda message: None)
    heard = one_voice(mapper, listener, [last], nxt)
    assert (heard is not None) == joined
    if heard is not None:
        assert heard.onset == 0.5 and heard.waited and heard.end <= 4.2
