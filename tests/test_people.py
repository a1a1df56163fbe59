"""Telling a person from a recording after a queue by what the line does after their words
(ivraudit.crawl.people.greets_and_waits). The listener reads a played call; the recogniser is
stood in for by the words each stretch says, as the subject here is the rule, not the
recognition."""

from __future__ import annotations

import numpy as np
import pytest

from ivraudit.crawl.people import greets_and_waits
from ivraudit.listen.listener import Listener
from ivraudit.telephony.constants import SAMPLE_RATE

from test_listener import _PlayedCall


def _speech(seconds: float, seed: int = 1) -> np.ndarray:
    """Sound with a syllable rhythm: noise shaped at 4 Hz, loud enough to be heard."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    return (rng.standard_normal(len(t)) * 4000 * envelope).astype(np.int16)


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), np.int16)


def _judged(audio: np.ndarray, words: str) -> bool:
    listener = Listener(_PlayedCall(audio))
    return greets_and_waits(listener, 0, lambda pcm: words)


@pytest.mark.parametrize("words", ["Thank you for calling Oak County Services.",
                                   "Thank you for calling Keystone Mutual. I may I help."])
def test_words_that_say_no_person_followed_by_the_wait_for_the_caller_are_a_person(words):
    """"Thank you for calling Oak County Services," before "how may I help you?", and
    "how may I help" misheard (zoo seeds 29060, 29083): the words do not say a person, the
    line waiting for the caller after them does. No recording waits in silence."""
    assert _judged(np.concatenate([_speech(2.5), _quiet(10.0)]), words)


def test_a_message_the_line_goes_on_after_is_no_person():
    """A recording goes on (the queue's music, the next prompt): no wait for the caller."""
    after = np.concatenate([_speech(2.5), _quiet(1.2), _speech(6.0, 2), _quiet(3.0)])
    assert not _judged(after, "Thank you for calling Oak County Services.")


def test_a_menu_that_waits_is_known_by_its_words_and_a_hangup_is_no_wait():
    assert not _judged(np.concatenate([_speech(2.5), _quiet(10.0)]),
                       "For billing, press 1. For sales, press 2.")
    assert not _judged(np.concatenate([_speech(2.5), _quiet(2.0)]),
                       "Thank you for calling Oak County Services.")
