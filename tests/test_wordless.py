"""Knowing a queue with no prompt again by more of its music (ivraudit.crawl.wordless): a
track that fades in, heard from two points of its fade on a μ-law line with hiss, is one
queue; another track, or the same track from a point far off, is another."""

from __future__ import annotations

import numpy as np
import pytest

from ivraudit.audit.model import NodeRecord
from ivraudit.crawl.wordless import LONGER_LOOK_SECONDS, known_by_more
from ivraudit.listen.listener import Ending, Heard
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

from test_queue_openings import MOH, _heard

PROMPT_SECONDS = 1.2  # where the listener confirmed the music (the prompt's end)


def _faded(name: str, start: float, fade: float, seconds: float = 16.0) -> Pcm:
    """A zoo queue's music: a track from ``start``, faded in over ``fade`` seconds."""
    from ivraudit.telephony.wav import read_telephone_audio
    path = MOH / f"{name}.wav"
    if not path.exists():
        pytest.skip(f"{path} not installed (scripts/test-deps.sh installs it)")
    pcm = read_telephone_audio(path)[round(start * SAMPLE_RATE):][: round(seconds * SAMPLE_RATE)]
    pcm = pcm.astype(np.float64)
    ramp = round(fade * SAMPLE_RATE)
    pcm[:ramp] *= np.linspace(0.0, 1.0, ramp, endpoint=False) ** 2
    return np.round(pcm).astype(np.int16)


def _known(audio: Pcm) -> NodeRecord:
    """A queue first heard from ``audio``'s first frame: its 2 s prompt, then 12 s of music
    kept from its wait, from the prompt's end on."""
    end = round(PROMPT_SECONDS * SAMPLE_RATE)
    return NodeRecord("n5", "hold", [], [], prompt_seconds=PROMPT_SECONDS,
                      audio=audio[: 2 * SAMPLE_RATE], music=audio[end: end + 12 * SAMPLE_RATE])


def _hearing(audio: Pcm) -> Heard:
    """A queue's sound heard as a prompt from ``audio``'s first frame, the line looked at on."""
    end = round(PROMPT_SECONDS * SAMPLE_RATE)
    return Heard(audio[: 2 * SAMPLE_RATE], 0.0, PROMPT_SECONDS, Ending.MUSIC, sound_only=True,
                 ahead=lambda seconds: audio[end: end + round(seconds * SAMPLE_RATE)])


@pytest.mark.parametrize("track, fade", [("macroform-the_simplicity", 8.0),
                                         ("macroform-cold_day", 6.0),
                                         ("reno_project-system", 3.0)])
@pytest.mark.parametrize("later", [0.4, 0.8, 1.2])
def test_a_faded_track_heard_from_two_points_of_its_fade_is_one_queue(track: str, fade: float,
                                                                      later: float):
    """Two seconds of it from points 0.4-1.2 s apart scored 0.22-0.97 (zoo seeds 29134,
    29136: a queue reached a second way became its own copy); six or ten seconds tell. The
    first hearing begins where its sound rose over the hiss (2 s into a track that opens
    near silence, faded in over 8 s: 0.50-0.68 over two seconds, 0.92-0.93 over ten)."""
    music = _faded(track, 0.0, fade)
    first = _heard(music[round(2.0 * SAMPLE_RATE):], 1)
    again = _heard(music[round((2.0 + later) * SAMPLE_RATE):], 2)
    assert known_by_more(_hearing(again), [_known(first)]) == "n5"


@pytest.mark.parametrize("other, start", [("macroform-cold_day", 0.0),
                                          ("manolo_camp-morning_coffee", 20.0),
                                          ("macroform-the_simplicity", 40.0)])
def test_another_track_or_another_part_of_one_is_another_queue(other: str, start: float):
    first = _heard(_faded("macroform-the_simplicity", 0.0, 6.0)[SAMPLE_RATE:], 1)
    again = _heard(_faded(other, start, 6.0)[SAMPLE_RATE:], 2)
    assert known_by_more(_hearing(again), [_known(first)]) is None


def test_nothing_more_is_heard_once_the_line_moved_on():
    first = _heard(_faded("macroform-the_simplicity", 0.0, 6.0), 1)
    heard = _hearing(first)
    heard.ahead = lambda seconds: None
    assert known_by_more(heard, [_known(first)]) is None
    assert LONGER_LOOK_SECONDS > 2.0
