"""Telling queues that begin with one recording apart by what they play first
(ivraudit.crawl.queues): the same ring heard twice on a line with hiss is one queue, another
country's ring or music is another."""

from __future__ import annotations

import numpy as np
import pytest

from ivraudit.crawl.queues import OPENING_SECONDS, _sounds_like
from ivraudit.spec.effects import LineEffects
from ivraudit.spec.model import LineSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.tones import tone

RINGS = {  # (frequencies, cadence in seconds: on, off, on, off ...), as real-lines.md has them
    "eu": ((425.0,), (1.0, 4.0)),
    "uk": ((400.0, 450.0), (0.4, 0.2, 0.4, 2.0)),
    "us": ((440.0, 480.0), (2.0, 4.0)),
}


def _ring(country: str) -> Pcm:
    freqs, cadence = RINGS[country]
    parts = [tone(freqs, s, dbfs=-16) if i % 2 == 0 else np.zeros(round(s * SAMPLE_RATE), np.int16)
             for i, s in enumerate(cadence)]
    return np.tile(np.concatenate(parts), 3)[: round(OPENING_SECONDS * SAMPLE_RATE)]


def _music(seed: int) -> Pcm:
    rng = np.random.default_rng(seed)
    t = np.arange(round(OPENING_SECONDS * SAMPLE_RATE)) / SAMPLE_RATE
    notes = rng.uniform(200, 900, size=16)
    pitch = notes[(t * 4).astype(int) % len(notes)]
    return np.round(np.sin(2 * np.pi * pitch * t) * 3000).astype(np.int16)


def _heard(audio: Pcm, noise_seed: int, noise_dbfs: float | None = -44.0) -> Pcm:
    """``audio`` through a line with hiss; each call hears other noise."""
    line = LineEffects(LineSpec(noise_dbfs=noise_dbfs, noise_seed=noise_seed))
    frames = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return np.concatenate([line.apply(frame) for frame in frames])


@pytest.mark.parametrize("country", sorted(RINGS))
@pytest.mark.parametrize("noise_dbfs", [None, -50.0, -44.0])
def test_one_ring_heard_on_two_calls_sounds_the_same(country: str, noise_dbfs: float | None):
    """Between the rings, a line with hiss plays only its noise, other noise on each call:
    that part is no evidence either way (a European ring, 0.8 s of a 4 s opening, once made
    a queue its own twin)."""
    ring = _ring(country)
    assert _sounds_like(_heard(ring, 1, noise_dbfs), _heard(ring, 2, noise_dbfs))


@pytest.mark.parametrize("first, then", [("eu", "uk"), ("eu", "us"), ("uk", "us")])
def test_rings_of_two_countries_do_not_sound_the_same(first: str, then: str):
    assert not _sounds_like(_heard(_ring(first), 1), _heard(_ring(then), 2))


@pytest.mark.parametrize("country", sorted(RINGS))
def test_a_ring_does_not_sound_like_music(country: str):
    assert not _sounds_like(_heard(_ring(country), 1), _heard(_music(7), 2))
    assert _sounds_like(_heard(_music(7), 1), _heard(_music(7), 2))
    assert not _sounds_like(_heard(_music(7), 1), _heard(_music(8), 2))
