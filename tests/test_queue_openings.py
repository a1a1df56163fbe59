"""Telling queues that begin with one recording apart by what they play first
(ivraudit.crawl.queues): the same ring heard twice on a line with hiss is one queue, another
country's ring or music is another; and by what they announce first
(ivraudit.crawl.announcements.says_otherwise)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.model import NodeRecord
from ivraudit.crawl.announcements import says_otherwise
from ivraudit.crawl.queues import OPENING_SECONDS
from ivraudit.crawl.openings import alike_as_any_queue, sounds_like
from ivraudit.listen.listener import Heard
from ivraudit.spec.effects import LineEffects
from ivraudit.spec.model import LineSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import ULAW, Pcm
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import read_telephone_audio

RINGS = {  # (frequencies, cadence in seconds: on, off, on, off ...), as real-lines.md has them
    "eu": ((425.0,), (1.0, 4.0)),
    "uk": ((400.0, 450.0), (0.4, 0.2, 0.4, 2.0)),
    "us": ((440.0, 480.0), (2.0, 4.0)),
}


def _ring(country: str, phase: float = 0.0, seconds: float = OPENING_SECONDS) -> Pcm:
    """The first ``seconds`` of a ring heard from ``phase`` seconds into its cycle."""
    freqs, cadence = RINGS[country]
    parts = [tone(freqs, s, dbfs=-16) if i % 2 == 0 else np.zeros(round(s * SAMPLE_RATE), np.int16)
             for i, s in enumerate(cadence)]
    start = round(phase * SAMPLE_RATE)
    return np.tile(np.concatenate(parts), 4)[start: start + round(seconds * SAMPLE_RATE)]


def _phases(country: str, count: int = 12) -> list[float]:
    """``count`` points of a ring's cycle, where a crawl may begin to hear it, but not one
    whose opening falls in a pause (America's 4 s pause heard whole is silence: nothing tells
    it from a silent queue)."""
    cycle = sum(RINGS[country][1])
    phases = [round(cycle * i / count, 2) for i in range(count)]
    return [phase for phase in phases if _ring(country, phase).any()]


def _music(seed: int) -> Pcm:
    rng = np.random.default_rng(seed)
    t = np.arange(round(OPENING_SECONDS * SAMPLE_RATE)) / SAMPLE_RATE
    notes = rng.uniform(200, 900, size=16)
    pitch = notes[(t * 4).astype(int) % len(notes)]
    return np.round(np.sin(2 * np.pi * pitch * t) * 3000).astype(np.int16)


def _heard(audio: Pcm, noise_seed: int, noise_dbfs: float | None = -44.0,
           codec: str = ULAW) -> Pcm:
    """``audio`` through a line with hiss (and ``codec``); each call hears other noise."""
    line = LineEffects(LineSpec(noise_dbfs=noise_dbfs, noise_seed=noise_seed, codec=codec))
    frames = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return np.concatenate([line.apply(frame) for frame in frames])


@pytest.mark.parametrize("country", sorted(RINGS))
@pytest.mark.parametrize("noise_dbfs", [None, -50.0, -44.0])
def test_one_ring_heard_on_two_calls_sounds_the_same(country: str, noise_dbfs: float | None):
    """Between the rings, a line with hiss plays only its noise, other noise on each call:
    that part is no evidence either way (a European ring, 0.8 s of a 4 s opening, once made
    a queue its own twin)."""
    ring = _ring(country)
    assert sounds_like(_heard(ring, 1, noise_dbfs), _heard(ring, 2, noise_dbfs))


@pytest.mark.parametrize("country", sorted(RINGS))
def test_one_ring_heard_from_two_points_of_its_cycle_sounds_the_same(country: str):
    """What the crawl hears first of a ring depends on when it began to listen: a queue
    without a prompt was heard 0.4 s into its British ring on one call and 2 s in on the
    next, and became its own twin, twice (zoo seed 21045)."""
    phases = _phases(country)
    differ = [(a, b) for a in phases for b in phases
              if not sounds_like(_heard(_ring(country, a), 1), _heard(_ring(country, b), 2))]
    assert differ == []


@pytest.mark.parametrize("country", sorted(RINGS))
def test_two_seconds_of_one_ring_heard_within_a_burst_and_across_a_pause_sound_the_same(
        country: str):
    """A queue with no prompt is known again by the sound it plays first, 2 s of it where
    the crawl hears it as a prompt (ivraudit.crawl.mapper). An American ring heard from the
    start of its 2 s burst has no pause in it, from 1.3 s in it has one: a cadence cannot
    differ where one hearing holds none, and the queue reached a second way became its own
    twin (zoo seed 26052). Their pitch says one ring; another country's ring is another.
    (Two hearings that share no moment of the cycle say nothing of a cadence.)"""
    cycle = sum(RINGS[country][1])
    phases = [p / 4 for p in range(round(cycle * 4))]
    heard = [p for p in phases if _ring(country, p, 2.0).any()]
    differ = [(a, b) for a in heard for b in heard
              if min(abs(a - b), cycle - abs(a - b)) <= 1.5  # (they share half a second)
              and not sounds_like(_heard(_ring(country, a, 2.0), 1),
                                 _heard(_ring(country, b, 2.0), 2))]
    assert differ == []
    for other in sorted(set(RINGS) - {country}):
        assert not any(sounds_like(_heard(_ring(country, a, 2.0), 1),
                                   _heard(_ring(other, b, 2.0), 2))
                       for a in heard for b in _phases(other))


@pytest.mark.parametrize("codec", ["alaw", "ulaw"])
@pytest.mark.parametrize("country", sorted(RINGS))
def test_a_ring_under_hiss_at_the_listeners_floor_sounds_the_same_from_any_point(
        country: str, codec: str):
    """Hiss at -47 dBFS through G.711 sits at the listener's absolute floor: between the
    rings one frame in three is heard as sound, at random, and two hearings of one European
    ring had no cadence in common (zoo seed 21047: a queue reached a second way became a
    third queue). A ring's pauses are judged by its tones, not the floor."""
    phases = _phases(country, 6)
    differ = [(a, b) for a in phases for b in phases
              if not sounds_like(_heard(_ring(country, a), 1, -47.0, codec),
                                 _heard(_ring(country, b), 2, -47.0, codec))]
    assert differ == []


@pytest.mark.parametrize("first, then", [("eu", "uk"), ("eu", "us"), ("uk", "us")])
def test_rings_of_two_countries_do_not_sound_the_same(first: str, then: str):
    """From whatever points of their cycles they are heard."""
    same = [(a, b) for a in _phases(first) for b in _phases(then)
            if sounds_like(_heard(_ring(first, a), 1), _heard(_ring(then, b), 2))]
    assert same == []


@pytest.mark.parametrize("country", sorted(RINGS))
def test_a_ring_does_not_sound_like_music(country: str):
    assert not sounds_like(_heard(_ring(country), 1), _heard(_music(7), 2))
    assert sounds_like(_heard(_music(7), 1), _heard(_music(7), 2))
    assert not sounds_like(_heard(_music(7), 1), _heard(_music(8), 2))


MOH = Path("/usr/share/asterisk/moh")
"""Debian's asterisk-moh-opsound-wav (scripts/test-deps.sh installs it for the zoo)."""


def _track(name: str, start: float) -> Pcm:
    """The first ``OPENING_SECONDS`` of a real hold track heard from ``start`` seconds in."""
    path = MOH / f"{name}.wav"
    if not path.exists():
        pytest.skip(f"{path} not installed (scripts/test-deps.sh installs it)")
    audio = read_telephone_audio(path)
    return audio[round(start * SAMPLE_RATE):][: round(OPENING_SECONDS * SAMPLE_RATE)]


@pytest.mark.parametrize("later", [1.5, 2.0])
def test_one_track_heard_once_as_a_ring_sounds_the_same(later: float):
    """Whether a sound is a ring is judged on each hearing: a track's loudest bars can be a
    held chord, steady tones as a ring's are. Heard from 1 s in, this track is a ring by
    that (on a μ-law line); from half a second later, music; and the queue became its own twin (zoo seeds
    26026, 26037, 27020, 27040). Another track, or a ring, is still another sound."""
    first = _heard(_track("macroform-the_simplicity", 1.0), 1, None)
    assert sounds_like(first, _heard(_track("macroform-the_simplicity", later), 2, None))
    assert not sounds_like(first, _heard(_track("manolo_camp-morning_coffee", later), 2))
    assert not sounds_like(first, _heard(_ring("us"), 2))


@pytest.mark.parametrize("country", sorted(RINGS))
@pytest.mark.parametrize("noise_dbfs", [None, -40.0])
def test_one_ring_heard_twice_is_alike_as_any_queue_of_the_line(country: str,
                                                               noise_dbfs: float | None):
    """A ring is the line's, the same for every queue behind it: two queues with no prompt
    that ring alike are not told apart by it (zoo seed 20054), from any points of the cycle,
    under hiss 24 dB below the ring (the zoo's noisiest line). Silence is silence."""
    phases = _phases(country, 6)
    assert all(alike_as_any_queue(_heard(_ring(country, a), 1, noise_dbfs),
                                  _heard(_ring(country, b), 2, noise_dbfs))
               for a in phases for b in phases)
    quiet = np.zeros(round(OPENING_SECONDS * SAMPLE_RATE), np.int16)
    assert alike_as_any_queue(_heard(quiet, 1), _heard(quiet, 2))


@pytest.mark.parametrize("start", [1.0, 30.0, 61.0, 100.0])
def test_one_track_heard_twice_is_the_queues_own(start: float):
    """A track heard alike, sound for sound, even where its loudest bars are a held chord
    its first hearing took for a ring's tones (from 1 s in), is the queue's own music: no
    need to hear what the queue announces to know it (that costs the call up to half a
    minute more, on every new way into it)."""
    for later in (0.0, 0.3):
        first = _heard(_track("macroform-the_simplicity", start), 1)
        again = _heard(_track("macroform-the_simplicity", start + later), 2)
        assert sounds_like(first, again)
        assert not alike_as_any_queue(first, again)
    assert not alike_as_any_queue(_heard(_music(7), 1), _heard(_music(7), 2))


def test_a_pause_in_a_prompt_is_where_another_speaker_may_begin():
    """An announcement the agent cut ("Your estimated wait time is-"), 0.5 s, and the agent
    ("Hi, this is David"), written as one sentence by the recogniser (zoo seed 29022): the
    word that begins after the pause is a place to split them; a breath between words is not."""
    from ivraudit.crawl.handover import after_pauses
    voice = tone((300.0,), 1.0, dbfs=-16)
    gap = np.zeros(round(0.5 * SAMPLE_RATE), np.int16)
    breath = np.zeros(round(0.1 * SAMPLE_RATE), np.int16)
    audio = np.concatenate([voice, gap, voice, breath, voice])
    starts = [0.0, 0.5, 1.5, 2.0, 2.6, 3.0]  # words; the one at 1.5 s begins after the pause
    assert after_pauses(audio, starts) == {2: (50, 75)}  # (the pause, in frames)
    assert after_pauses(np.concatenate([gap, voice]), [0.5, 1.0]) == {}  # (the lead-in)


ANNOUNCEMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "recordings"
CALLER_NUMBER = "acme-pbx/queue-periodic-announce.wav"
IMPORTANT = "synthetic-voices/announce-espeak-us.wav"
DUE = 11.36
"""When the queue first heard announced, after its prompt (zoo seed 20054's operator queue)."""


def _queue(announcement: str | None, at: float, seconds: float = 20.0) -> Pcm:
    """``seconds`` of a European ring from the end of a queue's prompt, ``announcement`` said
    over it ``at`` seconds in (none: the ring alone)."""
    audio = _ring("eu", 0.0, seconds).copy()
    if announcement is not None:
        said = read_telephone_audio(ANNOUNCEMENTS / announcement)
        start = round(at * SAMPLE_RATE)
        audio[start: start + len(said)] = said[: len(audio) - start]
    return audio


def _known(announcement: str, due: float = DUE) -> NodeRecord:
    """A queue with no prompt, sat through once: its first announcement as heard, when."""
    said = read_telephone_audio(ANNOUNCEMENTS / announcement)
    return NodeRecord(id="n8", kind="hold", path=["0"], via=["n0"],
                      announcement=_heard(said[: 2 * SAMPLE_RATE], 1),
                      announcement_offsets=[due])


def _says_hold(heard: Heard) -> bool:
    return True  # (the recogniser's reading, as if every announcement read as one)


def _opening(ahead: Pcm) -> Pcm:
    """What the crawl compares first: the queue's first seconds, from where ``ahead`` begins."""
    return ahead[: round(OPENING_SECONDS * SAMPLE_RATE)]


@pytest.mark.parametrize("late", [-0.8, 0.0, 0.3, 1.0])
def test_the_same_first_announcement_where_it_was_due_is_the_same_queue(late: float):
    """Two queues with no prompt and one ring sound alike from their first seconds on; the
    same queue reached another way announces what it did, about when it did (where the
    crawl heard the prompt end and the words begin is a frame or two off)."""
    ahead = _heard(_queue(CALLER_NUMBER, DUE + late), 2)
    assert not says_otherwise(ahead, 0.0, _opening(ahead), _known(CALLER_NUMBER), _says_hold)
    assert not says_otherwise(ahead[SAMPLE_RATE:], 1.0, _opening(ahead[SAMPLE_RATE:]),
                              _known(CALLER_NUMBER), _says_hold)


def test_another_announcement_where_one_was_due_is_another_queue():
    """"Your call is important to us." where the queue first heard said "You are caller
    number ..." is another queue that rings alike (zoo seed 20054: taken for the operator
    queue, its agent never reached)."""
    ahead = _heard(_queue(IMPORTANT, DUE + 0.04), 2)
    assert says_otherwise(ahead, 0.0, _opening(ahead), _known(CALLER_NUMBER), _says_hold)
    other = _heard(_queue(CALLER_NUMBER, DUE), 2)
    assert says_otherwise(other, 0.0, _opening(other), _known(IMPORTANT), _says_hold)


AGENT = "synthetic-voices/agent-awb.wav"


def _rings(country: str, seconds: float = 20.0) -> Pcm:
    """``seconds`` of a ring (``country``) from the start of its cycle; silence for ""."""
    if not country:
        return np.zeros(round(seconds * SAMPLE_RATE), np.int16)
    cycle = _ring(country, 0.0, sum(RINGS[country][1]))
    return np.tile(cycle, math.ceil(seconds * SAMPLE_RATE / len(cycle)))[
        : round(seconds * SAMPLE_RATE)]


def _answered(country: str, at: float, seconds: float = 20.0) -> Pcm:
    """``seconds`` of a queue that rang (``country``) from the end of its prompt until someone
    answered ``at`` seconds in (a greeting, then the silence of someone waiting)."""
    audio = _rings(country, seconds)
    said = read_telephone_audio(ANNOUNCEMENTS / AGENT)
    start = round(at * SAMPLE_RATE)
    audio[start:] = 0
    audio[start: start + len(said)] = said[: len(audio) - start]
    return audio


@pytest.mark.parametrize("country", sorted(RINGS))
@pytest.mark.parametrize("noise_dbfs", [None, -40.0])
@pytest.mark.parametrize("answer", [None, 4.0])
def test_the_ring_alone_where_one_was_due_is_another_queue(country: str,
                                                           noise_dbfs: float | None,
                                                           answer: float | None):
    """The same queue would have said its first announcement there: another that plays the
    line's ring through that time, nothing said and nobody answering, is another queue, even
    when its own agent answers a few seconds later (zoo seed 29269: "Thank you for your
    patience." 24.4 s into an American ring, then the agent; the other queue rang on there,
    was taken for it, and its agent was never reached). From any point of the ring's cycle,
    under hiss 24 dB below it; the same on a queue that is silent all along."""
    for late in (-1.0, 0.0, 1.0):
        due = DUE + late
        after = None if answer is None else due + answer  # (past the latest start and a second)
        ahead = _heard(_rings(country) if after is None else _answered(country, after), 2,
                       noise_dbfs)
        assert says_otherwise(ahead, 0.0, _opening(ahead), _known(CALLER_NUMBER, due),
                              lambda heard: False), late
    silent = _heard(np.zeros(20 * SAMPLE_RATE, np.int16), 2, noise_dbfs)
    assert says_otherwise(silent, 0.0, _opening(silent), _known(CALLER_NUMBER), _says_hold)


def test_what_proves_nothing_leaves_the_queue_as_it_was():
    """Words that do not say hold (a person answering sooner), the silence of a person who
    answered sooner and waits for the caller, a call that ended before the announcement was
    due, a queue that never announced: no evidence."""
    other = _heard(_queue(IMPORTANT, DUE), 2)
    assert not says_otherwise(other, 0.0, _opening(other), _known(CALLER_NUMBER),
                              lambda heard: False)
    for country in (*sorted(RINGS), ""):
        sooner = _heard(_answered(country, DUE - 6.0), 2)
        assert not says_otherwise(sooner, 0.0, _opening(sooner), _known(CALLER_NUMBER),
                                  lambda heard: False), country
        during = _heard(_answered(country, DUE), 2)  # (answered as the other announced)
        assert not says_otherwise(during, 0.0, _opening(during), _known(CALLER_NUMBER),
                                  lambda heard: False), country
    assert not says_otherwise(other[: 12 * SAMPLE_RATE], 0.0, _opening(other),
                              _known(CALLER_NUMBER), _says_hold)
    silent = NodeRecord(id="n8", kind="hold", path=["0"], via=["n0"])
    assert not says_otherwise(other, 0.0, _opening(other), silent, _says_hold)


@pytest.mark.parametrize("name", ["manolo_camp-morning_coffee", "macroform-cold_day"])
@pytest.mark.parametrize("noise_dbfs", [-54.8, -44.0])
def test_one_track_with_quiet_bars_heard_from_two_points_sounds_the_same(name: str,
                                                                         noise_dbfs: float):
    """Music has quiet bars, under the listener's floor on one call and not on the next: they
    are no ring's pauses. Taken for a cadence, and silenced before the fingerprint, the same
    track heard 0.2 s apart on two calls scored 0.53 (zoo seeds 20037, 29235: a queue with
    no prompt reached a second way became its own twin); as heard, 0.99. Another track is
    still another sound."""
    for start in (5.0, 22.0, 40.0):
        for first, then in ((0.9, 1.1), (0.9, 1.3), (1.1, 1.3)):
            assert sounds_like(_heard(_track(name, start + first), 1, noise_dbfs),
                               _heard(_track(name, start + then), 2, noise_dbfs))
    other = "macroform-robot_dity"
    assert not sounds_like(_heard(_track(name, 22.0), 1, noise_dbfs),
                           _heard(_track(other, 22.0), 2, noise_dbfs))


def test_a_queue_twin_known_by_its_own_ring_is_known_by_it_on_a_third_way_in():
    """A queue with no prompt, reached by a new way, that rang unlike the queue it was taken
    for (Europe's ring after Britain's) is a twin with its own sound; reached a third way (a
    timeout, where a key found the twin) it is that twin, not a third node (zoo seed 29415:
    its print was never indexed, and only indexed queues were compared)."""
    from ivraudit.audit.model import Audit
    from ivraudit.crawl.expectations import Expectations
    from ivraudit.crawl.mapper import Mapper
    from ivraudit.crawl.twins import Twins
    from ivraudit.identity import fingerprint
    from ivraudit.listen.listener import Ending

    audit = Audit(target="test", started="")
    mapper = Mapper(audit, None, "en", lambda message: None)
    uk = _heard(_ring("uk"), 1)
    audit.nodes["n0"] = NodeRecord("n0", "hold", ["1"], ["m"], audio=uk)
    mapper.index.add("n0", fingerprint(uk), "")
    twins = Twins(audit, mapper, Expectations(audit))
    twin = twins.twin("n0", ["2", "2"], ["m", "c"], sound=_heard(_ring("eu"), 2))
    again = _heard(_ring("eu", phase=0.5), 3)
    heard = Heard(again, 30.0, 30.0 + len(again) / SAMPLE_RATE, Ending.TONE, sound_only=True)
    assert mapper.known(heard) == twin
    uk_again = _heard(_ring("uk", phase=0.3), 4)
    assert mapper.known(Heard(uk_again, 30.0, 34.0, Ending.TONE, sound_only=True)) == "n0"
