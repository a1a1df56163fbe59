"""The line's effects on what the IVR sends: gain, a noise floor and the G.711 law.

Applied by :class:`~ivraudit.spec.behaviour.IvrSession` to every frame, prompts, music and
the silences between them alike, so the replay line and the simulator (which both pull frames
from a session) carry the same line. Order, as on a real path: the IVR's audio is played at
the line's gain, the line's noise adds to it, the sum is clipped to 16 bits and quantised by
the law the line runs on.

The noise is white, at ``noise_dbfs`` (AES17: a full-scale sine is 0 dBFS, the convention
ivraudit.listen measures with, so white noise of RMS r reads 20·log10(r/32768) + 3), and is
drawn from the spec's seed afresh for every call: two calls sound the same frame for frame,
and a replayed crawl hears exactly what the last one heard.
"""

from __future__ import annotations

import numpy as np

from ivraudit.spec.model import LineSpec
from ivraudit.telephony.g711 import ALAW, Pcm, round_trip

FULL_SCALE = 32768.0
SINE_CREST_DB = 3.01
"""A full-scale sine's RMS is this far below full scale: 0 dBFS (AES17) for white noise."""


def noise_rms(dbfs: float) -> float:
    """The RMS, in 16-bit sample units, of white noise that measures ``dbfs``."""
    return float(FULL_SCALE * 10 ** ((dbfs - SINE_CREST_DB) / 20))


def _clip(samples: np.ndarray) -> Pcm:
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


class LineEffects:
    """One call's line: call :meth:`apply` on each frame in the order they are sent."""

    def __init__(self, line: LineSpec) -> None:
        self.line = line
        self._gain = 10 ** (line.gain_db / 20)
        self._rms = noise_rms(line.noise_dbfs) if line.noise_dbfs is not None else 0.0
        self._noise = np.random.default_rng(line.noise_seed)

    def apply(self, frame: Pcm) -> Pcm:
        """``frame`` as the line carries it; the noise moves on by one frame."""
        samples = frame.astype(np.float64)
        if self.line.gain_db:
            samples = samples * self._gain
        if self._rms:
            samples = samples + self._noise.standard_normal(len(frame)) * self._rms
        pcm = _clip(samples)
        return round_trip(pcm, ALAW) if self.line.codec == ALAW else pcm


def line_audio(line: LineSpec, pcm: Pcm) -> Pcm:
    """What a caller hears of ``pcm`` on ``line`` without its noise (gain, then the law): the
    reference a prompt heard on that line is matched against."""
    if line.gain_db:
        pcm = _clip(pcm.astype(np.float64) * 10 ** (line.gain_db / 20))
    return round_trip(pcm, line.codec)
