"""A silent queue's silence: words in it that say neither hold nor a person are the queue's
when it speaks again within its own longest silence; a person who greeted the caller stays
silent longer, or calls out. And a queue "played" only music that sounded (or rang)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.model import Audit
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.silences import longest_silence, speaks_again
from ivraudit.listen.listener import Ending, Heard, Listener
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.wav import read_telephone_audio

from test_handover import _spoken
from test_listener import _PlayedCall

pytestmark = pytest.mark.skipif(not (shutil.which("flite") and shutil.which("sox")),
                                reason="flite and sox speak the prompts (scripts/test-deps.sh)")


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)


def _judged(recognizer, parts: list[np.ndarray]) -> bool:
    """Play ``parts`` (the queue's prompt, its silence, the words, what follows) on a call,
    hear the prompt and the words as a queue's wait does, and ask whether the words were
    the queue's (speaks_again)."""
    listener = Listener(_PlayedCall(np.concatenate(parts)))
    mapper = Mapper(Audit(target="t", started=""), recognizer, "en", lambda line: None)
    prompt = listener.hear()
    words = listener.hear(max_wait=30.0)
    assert prompt.ending is Ending.SILENCE and words.ending is Ending.SILENCE
    assert words.onset - prompt.end == pytest.approx(15.0, abs=0.5)
    at = listener.position
    verdict = speaks_again(listener, mapper.transcribe, words, [prompt])
    assert listener.position == pytest.approx(at)  # (what was read to know is given back)
    return verdict


def test_an_announcement_in_a_silent_queue_is_known_by_the_queue_speaking_again(
        tmp_path: Path, recognizer) -> None:
    """Zoo seed 29355: "One moment, please.", 15 s of silence, "You are caller number 5."
    (heard as "You are quality member size."), then 13 s of silence before the same
    announcement and the agent: the silence after the words is no longer than the queue's
    own, and the queue spoke again. A person who greeted the caller stays silent for longer
    than the queue ever did, or calls out ("Hello?"): their words were theirs."""
    prompt = _spoken(tmp_path, "One moment, please.")
    said = _spoken(tmp_path, "You are caller number 5.")
    agent = _spoken(tmp_path, "Customer service department, this is Priya.")
    gap = 15.0 - len(said) / SAMPLE_RATE  # (announced every 15 s)
    assert _judged(recognizer, [prompt, _silence(15.0), said, _silence(gap), said,
                                _silence(0.5), agent, _silence(20.0)])
    assert _judged(recognizer, [prompt, _silence(15.0), said, _silence(gap + 1.0), agent,
                                _silence(20.0)])
    greeting = _spoken(tmp_path, "Thank you for calling Skyline Cable.")
    assert not _judged(recognizer, [prompt, _silence(15.0), greeting, _silence(40.0)])
    hello = _spoken(tmp_path, "Hello?")
    assert not _judged(recognizer, [prompt, _silence(15.0), greeting, _silence(3.0), hello,
                                    _silence(30.0)])


def test_the_longest_silence_is_between_what_the_queue_said() -> None:
    def heard(onset: float, end: float) -> Heard:
        return Heard(_silence(0.0), onset, end, Ending.SILENCE)
    assert longest_silence([heard(1.0, 3.0), heard(18.0, 20.0)], heard(30.0, 32.0)) == 15.0
    assert longest_silence([heard(1.0, 3.0)], heard(2.0, 4.0)) == 0.0


def _frames(audio: np.ndarray) -> list[np.ndarray]:
    count = len(audio) // FRAME_SAMPLES
    return list(audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES))


def test_a_queue_played_only_music_that_sounded() -> None:
    """Zoo seed 29416: the window, lagging a second, called 11 frames after an announcement
    music, none of them over the floor, in a queue that played nothing: no music played,
    and the silence after the announcement said nothing of a person. A hold track that
    sounds for 2 s is music played."""
    track = Path("/usr/share/asterisk/moh/manolo_camp-morning_coffee.wav")
    if not track.exists():
        pytest.skip(f"{track} not installed (scripts/test-deps.sh installs it)")
    listener = Listener(_PlayedCall(_silence(1.0)))
    listener.music = _frames(np.full(11 * FRAME_SAMPLES, 3, dtype=np.int16))
    assert not listener.played()
    music = read_telephone_audio(track)[20 * SAMPLE_RATE: 22 * SAMPLE_RATE]
    listener.music = _frames(music)
    assert listener.played()


def test_words_on_the_beat_of_a_silent_queue_after_which_it_stays_silent_are_a_person(
        tmp_path: Path, recognizer) -> None:
    """Zoo seed 30298: "One moment, please.", 12 s of silence, "The estimated hold time is
    currently 3 minutes.", and 12.5 s later, when the next was due, an agent whose words said
    nothing of a person ("Account changes, Luis speaking." heard as "the count changes where
    we speak."), shorter than the announcement: taken for one cut short, and the wait went
    on in their silence to --max-hold. Words on the beat after which the silent queue stays
    silent longer than it ever did were the person's; an announcement cut short on the beat
    and the agent right after it are still the queue's."""
    from types import SimpleNamespace

    from ivraudit.crawl.policy import CrawlPolicy
    from ivraudit.crawl.queues import Queues

    from ivraudit.listen.activity import quiet_frames

    def spoken(words: str) -> np.ndarray:
        """Flite's ``words`` from their first sound to their last, so that they come on time."""
        audio = _spoken(tmp_path, words)
        sounding = [i for i, quiet in enumerate(quiet_frames(audio)) if not quiet]
        return audio[sounding[0] * FRAME_SAMPLES: (sounding[-1] + 1) * FRAME_SAMPLES]

    prompt = spoken("One moment, please.")
    said = spoken("The estimated hold time is currently 3 minutes.")
    words = spoken("Account changes.")
    agent = spoken("Customer service department, this is Priya.")

    def announces(after: list[np.ndarray]) -> bool:
        """Is what comes 12 s after the announcement began, as it did 12 s after the
        queue's prompt, one more (Queues._announces)?"""
        listener = Listener(_PlayedCall(np.concatenate(
            [prompt, _silence(12.0), said, _silence(12.0 - len(said) / SAMPLE_RATE), *after])))
        heard = [listener.hear(max_wait=30.0) for _ in range(3)]
        assert [h.ending for h in heard] == [Ending.SILENCE] * 3
        audit = Audit(target="t", started="")
        mapper = Mapper(audit, recognizer, "en", lambda line: None)
        queues = Queues(audit, CrawlPolicy(), mapper, twins=None)  # type: ignore[arg-type]
        session = SimpleNamespace(listener=listener)
        return queues._announces(session, heard[2], heard[:2], played=False)  # type: ignore[arg-type]

    assert not announces([words, _silence(40.0)])
    assert announces([said[: len(said) // 3], _silence(1.0), agent, _silence(40.0)])
