"""A Whisper decode that went wrong across a prompt is decoded again, after a moment of
silence, or in parts (ivraudit.asr.whisper_repairs): one that loops, and one that leaves
speech unwritten.
Real audio: zoo trees' flite menus over their lines, heard as a crawl hears them, and
Whisper tiny.en; the rules themselves on words and sound made up to show each edge."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ivraudit.asr import CachedRecognizer, Word
from ivraudit.asr.whisper_engine import WhisperRecognizer
from ivraudit.asr.whisper_repairs import looped, parts, unwritten
from ivraudit.interpret import interpret
from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.listener import Listener
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import SAMPLE_RATE

sys.path.append(str(Path(__file__).resolve().parent.parent / "fixtures"))
from zoo.generate import build_tree  # noqa: E402


def _words(text: str, seconds: float = 0.3) -> list[Word]:
    return [Word(w, i * seconds, (i + 1) * seconds, 0.9) for i, w in enumerate(text.split())]


def _speech(*pattern: float) -> np.ndarray:
    """Noise for the odd-numbered lengths (seconds), silence for the even ones between."""
    rng = np.random.default_rng(3)
    return np.concatenate([
        (rng.normal(0, 3000, round(s * SAMPLE_RATE)) if i % 2 == 0
         else np.zeros(round(s * SAMPLE_RATE))).astype(np.int16)
        for i, s in enumerate(pattern)])


def test_a_run_of_words_written_twice_in_a_row_is_a_loop() -> None:
    assert looped(_words("Press 3 for sales. Press 2 to make an appointment. "
                         "Press 2 to make an appointment. Press 0 to end."))
    # a menu's choices share words, not runs of four
    assert not looped(_words("Press 1 for billing. Press 2 for outages. Press 3 for sales. "
                             "To speak with a representative, press 0."))
    assert not looped(_words("Please hold. Please hold."))


def test_speech_left_unwritten_is_more_sound_than_the_words_take_to_say() -> None:
    pcm = _speech(7.0)  # 7 s that sound throughout
    few = _words("to speak with a representative press.", seconds=1.0)  # 4.65 s at most
    assert unwritten(pcm, SAMPLE_RATE, few) == pytest.approx(7.0 - 4.65, abs=0.05)
    many = _words("Press 1 for billing. Press 2 for outages to speak with a representative")
    assert unwritten(pcm, SAMPLE_RATE, many) == 0.0
    # two words over a sound are a ring or a beep written as words: not judged
    assert unwritten(pcm, SAMPLE_RATE, _words("Thank you.")) == 0.0


def test_a_prompt_is_cut_in_the_middle_of_its_pauses_into_parts_of_some_length() -> None:
    pcm = _speech(2.0, 0.4, 2.0, 0.1, 1.0, 0.3, 0.5)
    # the 0.4 s pause is cut in its middle; the 0.1 s one is no pause; a part after the
    # 0.3 s pause would last 0.65 s, too short: it stays with the one before
    assert parts(pcm, SAMPLE_RATE) == [(0, round(2.2 * SAMPLE_RATE)),
                                       (round(2.2 * SAMPLE_RATE), len(pcm))]
    assert parts(_speech(3.0), SAMPLE_RATE) == [(0, 3 * SAMPLE_RATE)]


@pytest.mark.parametrize("seed, keys_before, keys, left_out", [
    # a 19 s menu over mu-law, decoded whole as "... Press 2 to make an appointment. Press 2
    # to make an appointment. Press 3 ...", its pound and its extension never written
    (29998, [], {"1", "2", "3", "0", "#", "600"}, 0.0),
    # a menu that opens in Spanish over A-law, after a greeting, decoded whole as "to
    # speak with a representative press.": 6.7 s of sound, 4.7 s said at most
    (29906, [""], {"1", "2"}, 2.0),
    # a submenu over mu-law after 4, decoded whole as "Select the file." eleven times
    (30165, ["4"], {"1", "2", "3", "#"}, 0.0),
], ids=["loop", "unwritten", "loop-from-its-first-sample"])
def test_a_menu_whose_decode_went_wrong_is_read_when_decoded_again(
        tmp_path: Path, recognizer: CachedRecognizer, seed: int, keys_before: list[str],
        keys: set[str], left_out: float) -> None:
    """Each of these decodes went wrong on some machine's CPU and not on another's (Whisper's
    arithmetic differs between them), so the prompt, heard as a crawl hears it (after the
    prompts before it, each followed by the keys given, "" for none), is decoded again as
    the recognizer does after such a decode, and read."""
    listener = Listener(ReplayLine(load_spec(build_tree(seed, tmp_path))).dial())
    for pressed in keys_before:
        listener.hear()
        if pressed:
            listener.call.press(pressed)
    heard = listener.hear()
    assert isinstance(recognizer.inner, WhisperRecognizer)
    again = recognizer.inner.decode_again(heard.audio, SAMPLE_RATE, left_out)
    assert again is not None
    reading = interpret(again.text)
    assert reading.kind == "menu"
    assert keys <= {option.key for option in reading.options}
