"""Turning line audio into what a speech model eats.

Whisper wants 16 kHz float32 in [-1, 1]. Telephone audio is 8 kHz, so it has to be upsampled.
Linear interpolation (what :func:`ivraudit.telephony.wav.resample` does when going up) leaves
mirror images of the voice between 4 and 8 kHz, a band Whisper's mel filters do look at; a
windowed-sinc interpolator keeps that band empty, as a real 16 kHz recording of a phone call
would be. Integer ratios (8 → 16 kHz, the only case on a live line) take the sinc path; any
other rate falls back to the general resampler.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ivraudit.telephony.wav import resample

_HALF_TAPS_PER_PHASE = 16
"""Filter length per output phase on each side; 32 taps per phase is plenty for speech."""


@lru_cache(maxsize=8)
def _interpolation_kernel(factor: int) -> npt.NDArray[np.float64]:
    """Low-pass FIR for upsampling by ``factor``: cut-off at the input's Nyquist frequency."""
    half = _HALF_TAPS_PER_PHASE * factor
    n = np.arange(-half, half + 1, dtype=np.float64)
    kernel = np.sinc(n / factor) * np.kaiser(len(n), 8.0)
    return kernel


def upsample_int(x: npt.NDArray[np.float64], factor: int) -> npt.NDArray[np.float64]:
    """Upsample by an integer factor: insert zeros, then low-pass (gain ``factor``)."""
    if factor == 1:
        return x
    stuffed = np.zeros(len(x) * factor, dtype=np.float64)
    stuffed[::factor] = x
    return np.convolve(stuffed, _interpolation_kernel(factor), mode="same")


def to_float32(pcm: npt.NDArray[np.int16], rate: int, target: int) -> npt.NDArray[np.float32]:
    """int16 PCM at ``rate`` Hz as float32 in [-1, 1] at ``target`` Hz."""
    if rate == target:
        y = pcm.astype(np.float64)
    elif target > rate and target % rate == 0:
        y = upsample_int(pcm.astype(np.float64), target // rate)
    else:
        y = resample(pcm, rate, target).astype(np.float64)
    return np.clip(y / 32768.0, -1.0, 1.0).astype(np.float32)
