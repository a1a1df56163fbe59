"""Queues heard as two that the line does not tell apart are merged once the crawl is over
(ivraudit.crawl.samequeues): one person after one wait, and no sound that sets them apart.

The queues here are audit records as a crawl leaves them, with real recordings for their
sound (Debian's prompts and hold music); whole crawls of such lines are zoo seeds 29848 and
29855 (tests/test_zoo_crawls.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord
from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.samequeues import merge_same_queues
from ivraudit.crawl.twins import Twins
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.wav import read_telephone_audio

SOUNDS = Path("/usr/share/asterisk/sounds/en")
MOH = Path("/usr/share/asterisk/moh")
pytestmark = pytest.mark.skipif(not SOUNDS.is_dir() or not MOH.is_dir(),
                                reason="asterisk-core-sounds-en-wav / asterisk-moh-opsound-wav "
                                       "not installed")


def _line(second: dict[str, object], second_lead: float = 5.4) -> tuple[Audit, Mapper, Twins]:
    """main: 0 -> operator (a queue, 1.0 s after the key), 1 -> billing (a menu); billing: 0
    -> ``second`` (a queue's fields), ``second_lead`` s after the key; both queues -> sam."""
    audit = Audit(target="t", started="")
    first = dict(hold_seconds=28.2, prompt_seconds=0.04)
    for node_id, kind, path, via, fields in (
            ("main", "menu", [], [], {}), ("billing", "menu", ["1"], ["main"], {}),
            ("operator", "hold", ["0"], ["main"], first),
            ("sam", "human", ["0"], ["main"], {"transcript": "Hi, this is Sam."}),
            ("copy", "hold", ["1", "0"], ["main", "billing"], second)):
        audit.nodes[node_id] = NodeRecord(node_id, kind, path, via, **fields)
    for source, target, key, lead in (("main", "operator", "0", 1.0), ("main", "billing", "1", 1.0),
                                      ("billing", "copy", "0", second_lead),
                                      ("operator", "sam", "auto", 28.2),
                                      ("copy", "sam", "auto", 0.0)):
        role = "auto" if key == "auto" else "announced"
        audit.add_edge(EdgeRecord(source, target, key, "" if key == "auto" else key, lead, role))
    mapper = Mapper(audit, None, "en", lambda line: None)
    return audit, mapper, Twins(audit, mapper, Expectations(audit))


def _audio(path: Path, seconds: float | None = None) -> np.ndarray:
    audio = read_telephone_audio(path)
    return audio if seconds is None else audio[: round(seconds * SAMPLE_RATE)]


def test_a_ringing_queue_heard_from_another_point_of_its_ring_is_the_one_queue() -> None:
    """Heard 4.4 s later in its ring cycle (its first burst missed), after a key that took
    4.4 s longer to reach a sound: from the key, both waits are 29.2 s."""
    audit, mapper, twins = _line(dict(hold_seconds=23.8, prompt_seconds=0.04))
    assert merge_same_queues(mapper, twins) == {"copy": "operator"}
    assert "copy" not in audit.nodes
    assert {(e.source, e.target, e.key) for e in audit.edges.values()} == {
        ("main", "operator", "0"), ("main", "billing", "1"), ("billing", "operator", "0"),
        ("operator", "sam", "auto")}


def test_a_prompt_heard_as_words_on_one_call_and_as_sound_on_another_is_one_queue() -> None:
    """Its words, 1.8 s, scored as the queue's music on the first call (zoo seed 29848)."""
    audit, mapper, twins = _line(dict(hold_seconds=26.4, prompt_seconds=1.84,
                                      transcript="One moment, please.",
                                      audio=_audio(SOUNDS / "one-moment-please.wav")),
                                 second_lead=1.0)
    assert merge_same_queues(mapper, twins) == {"copy": "operator"}


def test_a_queue_with_a_prompt_reached_by_a_timeout_and_by_a_key_is_one_queue() -> None:
    """The timeout's lead-in holds the menu's 5 s wait; from the prompt's first word the two
    hearings wait alike (zoo seed 30058: 46.6 s and 41.4 s from the timeout and the key)."""
    prompt = dict(transcript="Please hold.", prompt_seconds=2.2, hold_seconds=28.2,
                  audio=_audio(SOUNDS / "pls-hold-while-try.wav"))
    audit, mapper, twins = _line(dict(prompt), second_lead=5.4)
    for name, value in prompt.items():
        setattr(audit.nodes["operator"], name, value)
    del audit.edges[("billing", "copy", "0")]
    audit.add_edge(EdgeRecord("billing", "copy", "timeout", "timeout", 5.4, "timeout"))
    assert merge_same_queues(mapper, twins) == {"copy": "operator"}


@pytest.mark.parametrize("differs", ["wait", "prompt", "music", "person"])
def test_queues_that_differ_stay_apart(differs: str) -> None:
    """A wait 10 s longer; two prompts of their own, different recordings; two tracks; or
    another person who answers."""
    second: dict[str, object] = dict(hold_seconds=23.8, prompt_seconds=0.04)
    if differs == "wait":
        second["hold_seconds"] = 33.8
    audit, mapper, twins = _line(second)
    operator, copy = audit.nodes["operator"], audit.nodes["copy"]
    if differs == "prompt":  # (as long from their first words as from the keys)
        operator.transcript, operator.audio = "Please hold.", _audio(SOUNDS / "pls-hold-while-try.wav")
        copy.transcript, copy.audio = "One moment, please.", _audio(SOUNDS / "one-moment-please.wav")
        copy.hold_seconds = operator.hold_seconds
    if differs == "music":
        operator.music = _audio(MOH / "macroform-cold_day.wav", 12.0)
        copy.music = _audio(MOH / "reno_project-system.wav", 12.0)
    if differs == "person":
        audit.nodes["tom"] = NodeRecord("tom", "human", ["1", "0"], ["main", "billing"],
                                        transcript="Hi, this is Tom.")
        del audit.edges[("copy", "sam", "auto")]
        audit.add_edge(EdgeRecord("copy", "tom", "auto", "", 0.0, "auto"))
    assert merge_same_queues(mapper, twins) == {}
    assert "copy" in audit.nodes


def _greeting(seconds: float | None = None) -> np.ndarray:
    audio = _audio(SOUNDS / "vm-reachoper.wav")  # (a human voice standing for the agent's)
    audio = audio[int(np.argmax(np.abs(audio) > 500)):]
    return audio if seconds is None else audio[: round(seconds * SAMPLE_RATE)]


def test_a_person_cut_at_their_first_words_and_heard_whole_elsewhere_is_one_person() -> None:
    """Behind one way in, the courteous crawl left the agent after their first 1.5 s; behind
    the other, a twin sat through to tell the queues apart, it heard them out (they began like
    someone met elsewhere). One greeting begins with the other: one person, one queue (fresh
    zoo seeds 30172, 30173). Another person after the same wait stays apart (above)."""
    prompt = dict(transcript="One moment, please.", prompt_seconds=1.84, hold_seconds=26.4,
                  audio=_audio(SOUNDS / "one-moment-please.wav"))
    audit, mapper, twins = _line(dict(prompt), second_lead=1.0)
    for name, value in prompt.items():
        setattr(audit.nodes["operator"], name, value)
    audit.nodes["sam"].audio = _greeting(1.5)
    audit.nodes["sam2"] = NodeRecord("sam2", "human", ["1", "0"], ["main", "billing"],
                                     transcript="Hi, this is Sam. How can I help?",
                                     audio=_greeting())
    del audit.edges[("copy", "sam", "auto")]
    audit.add_edge(EdgeRecord("copy", "sam2", "auto", "", 26.4, "auto"))
    # (their quiet track, heard in moments, from two stretches: one recording of the prompt)
    audit.nodes["operator"].music = _audio(MOH / "macroform-cold_day.wav", 12.0)
    audit.nodes["copy"].music = _audio(MOH / "macroform-cold_day.wav")[-12 * SAMPLE_RATE:]
    assert merge_same_queues(mapper, twins) == {"copy": "operator", "sam2": "sam"}
    assert "sam2" not in audit.nodes and "copy" not in audit.nodes
    assert ("operator", "sam", "auto") in {(e.source, e.target, e.key)
                                           for e in audit.edges.values()}


def test_a_person_heard_from_the_pause_after_their_first_words_is_the_one_person() -> None:
    """Behind one way in, a quiet track's last bars and the agent's first words ran together
    as the queue's music, and the agent was heard from the pause after them; behind the
    other, whole. The one greeting ends with all of the other: one person, one queue (fresh
    zoo seed 30281: "This is Priya. How can I help you today?" and "Hi, this is Priya...").
    A greeting that only ends like another (its last words) is someone else's."""
    from ivraudit.listen.activity import quiet_frames
    from ivraudit.telephony.constants import FRAME_SAMPLES

    whole = _audio(SOUNDS / "vm-intro.wav")
    whole = whole[int(np.argmax(np.abs(whole) > 500)):]
    quiet = quiet_frames(whole)
    pause = next(i for i in range(40, len(quiet)) if quiet[i - 1] and not quiet[i] and
                 sum(quiet[i - 6:i]) == 6)  # (the first word after the first pause, 2 s in)

    def merged(later: np.ndarray) -> dict[str, str]:
        prompt = dict(transcript="One moment, please.", prompt_seconds=1.84, hold_seconds=26.4,
                      audio=_audio(SOUNDS / "one-moment-please.wav"))
        audit, mapper, twins = _line(dict(prompt), second_lead=1.0)
        for name, value in prompt.items():
            setattr(audit.nodes["operator"], name, value)
        audit.nodes["sam"].audio = whole
        audit.nodes["sam2"] = NodeRecord("sam2", "human", ["1", "0"], ["main", "billing"],
                                         transcript="When done, hang up.", audio=later)
        del audit.edges[("copy", "sam", "auto")]
        audit.add_edge(EdgeRecord("copy", "sam2", "auto", "", 26.4, "auto"))
        return merge_same_queues(mapper, twins)

    assert merged(whole[pause * FRAME_SAMPLES:]) == {"copy": "operator", "sam2": "sam"}
    other = _audio(SOUNDS / "vm-reachoper.wav")
    assert merged(np.concatenate([other[: 2 * SAMPLE_RATE], np.zeros(SAMPLE_RATE // 2, np.int16),
                                  whole[pause * FRAME_SAMPLES:]])) == {}
