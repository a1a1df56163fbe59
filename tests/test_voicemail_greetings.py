"""A voicemail greeting heard whole, whatever its beep, and a line's first words read in its
language: the two ways a box and a welcome were mapped wrong on fresh zoo trees (seeds
29324 and 29304)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.mapper import Mapper
from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.activity import before_a_tone
from ivraudit.listen.listener import Listener
from ivraudit.spec import load_spec
from ivraudit.spec.effects import LineEffects
from ivraudit.spec.model import LineSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import read_telephone_audio

from conftest import tree_path

sys.path.append(str(Path(__file__).resolve().parent.parent / "fixtures"))
from zoo.generate import build_tree  # noqa: E402


def _through_line(audio: np.ndarray, noise_dbfs: float | None) -> np.ndarray:
    line = LineEffects(LineSpec(noise_dbfs=noise_dbfs, noise_seed=1, codec="ulaw"))
    frames = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return np.concatenate([line.apply(frame) for frame in frames])


@pytest.mark.parametrize("noise_dbfs", [None, -40.0])
@pytest.mark.parametrize("hz,seconds", [(440.0, 0.2), (800.0, 0.3), (1000.0, 1.0),
                                        (1400.0, 0.5), (2000.0, 0.2)])
def test_a_look_at_a_voice_is_cut_where_the_beep_after_it_begins(
        noise_dbfs: float | None, hz: float, seconds: float) -> None:
    """The voice is judged without the beep after it, of any pitch or length a mail system
    uses, on a quiet line or under hiss; a voice with no beep after it is judged whole (no
    prompt of the bundled trees holds a tonal frame for 0.2 s and then pauses for 0.5 s)."""
    voice = read_telephone_audio(tree_path("acme-pbx").parent / "agent-sam.wav")
    voice = voice[: len(voice) // FRAME_SAMPLES * FRAME_SAMPLES]
    gap = np.zeros(round(0.1 * SAMPLE_RATE), np.int16)
    audio = _through_line(np.concatenate([voice, gap, tone((hz,), seconds, dbfs=-17),
                                          np.zeros(SAMPLE_RATE, np.int16)]), noise_dbfs)
    kept = before_a_tone(audio, 10)
    assert len(kept) == pytest.approx(len(voice) + len(gap), abs=2 * FRAME_SAMPLES)
    alone = _through_line(np.concatenate([voice, np.zeros(SAMPLE_RATE, np.int16)]), noise_dbfs)
    assert len(before_a_tone(alone, 10)) == len(alone)


def test_no_bundled_prompt_is_cut_as_if_it_beeped() -> None:
    """A nasal "mmm" or a long vowel is as steady as a beep for up to 0.24 s, but words
    follow it within a pause: none of the bundled recordings is cut."""
    recordings = Path(tree_path("acme-pbx")).parent.parent
    prompts = [path for path in sorted(recordings.rglob("*.wav"))
               if not any(word in path.name for word in ("moh", "music", "ring", "beep", "tone"))]
    assert len(prompts) > 20
    for path in prompts:
        audio = read_telephone_audio(path)
        assert len(before_a_tone(audio, 10)) == len(audio), path.name


@pytest.mark.parametrize("hz,seconds", [(800.0, 0.3), (440.0, 1.0), (1400.0, 0.2)])
def test_a_greeting_whose_first_seconds_score_as_music_is_heard_whole_to_its_beep(
        tmp_path: Path, hz: float, seconds: float) -> None:
    """Zoo seed 29324's eSpeak greeting "Please leave your name, number and a brief message
    after the tone." scores as music for its first 1.8 s; the look that asks whether a voice
    goes on ran 0.4 s into the box's beep, scored as a tone, and the greeting was cut after
    1.8 s as a queue with no announcement (and the box copied, its rest a second node). The
    voice is judged up to the beep, whatever its pitch and length: one prompt, all of it."""
    spec = load_spec(build_tree(29324, tmp_path))
    box = spec.nodes["your_balance_voicemail"]
    spec.nodes["your_balance_voicemail"] = dataclasses.replace(box, beep_hz=hz,
                                                               beep_seconds=seconds)
    call = ReplayLine(spec).dial()
    listener = Listener(call)
    listener.hear()
    for key in "11":
        call.press(key)
        heard = listener.hear()
    assert not heard.sound_only
    assert heard.seconds > 3.2  # (the greeting sounds for 3.4 s)


def _node(node_id: str, kind: str, understood: bool) -> NodeRecord:
    return NodeRecord(node_id, kind, [], [], transcript="...", understood=understood)


def test_the_lines_first_words_going_on_to_a_menu_understood_are_a_message() -> None:
    """Zoo seed 29304's "Welcome to Harbor Federal Bank." is heard as "Welcome to Faber
    Center, Old Ben.": its words are mostly a name, with a mean word confidence (0.48) a
    whisker over the threshold, and under it on another decode: "not understood". The line
    went on by itself to a menu understood: its front door speaks the menu's language, as a
    branch does. Before a prompt not understood, or into one, it stays not understood."""
    audit = Audit(target="t", started="")
    for node in (_node("n0", "unknown", False), _node("n1", "menu", True),
                 _node("n2", "unknown", False), _node("n3", "unknown", False)):
        audit.nodes[node.id] = node
    mapper = Mapper(audit, None, "en", lambda message: None)
    assert mapper.misheard_message("n0", "n0", "n1")  # the answer: the welcome, then the menu
    assert not mapper.misheard_message("n2", "n2", "n3")  # (into a prompt not understood)
    assert not mapper.misheard_message("n2", "n3", "n1")  # (after one)
    assert mapper.misheard_message("n1", "n2", "n1")  # within a branch, as before
