"""Tones a phone line carries: the voicemail beep (and, later, in-band DTMF)."""

from __future__ import annotations

import numpy as np

from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

BEEP_HZ = 1000.0
BEEP_SECONDS = 0.5
BEEP_DBFS = -12.0


def tone(hz: float | tuple[float, ...], seconds: float, dbfs: float = BEEP_DBFS,
         rate: int = SAMPLE_RATE) -> Pcm:
    """A steady tone (or a sum of tones, as DTMF is) with 5 ms ramps so it does not click."""
    freqs = (hz,) if isinstance(hz, (int, float)) else hz
    t = np.arange(int(round(seconds * rate))) / rate
    wave = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    ramp = min(len(t) // 2, int(0.005 * rate))
    envelope = np.ones(len(t))
    if ramp:
        envelope[:ramp] = np.linspace(0, 1, ramp)
        envelope[-ramp:] = np.linspace(1, 0, ramp)
    amplitude = 32767 * 10 ** (dbfs / 20)
    return np.round(wave * envelope * amplitude).astype(np.int16)


def beep(hz: float = BEEP_HZ, seconds: float = BEEP_SECONDS) -> Pcm:
    """The beep a voicemail box plays before it records (boxes differ in pitch and length: a
    tree spec's ``beep_hz`` and ``beep_seconds``)."""
    return tone(hz, seconds)
