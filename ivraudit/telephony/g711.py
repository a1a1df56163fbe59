"""G.711 μ-law and A-law (ITU-T G.711), vectorised with numpy.

The line carries 8-bit companded samples; everything above this module works on int16 PCM.
A round trip through μ-law is what a prompt suffers on its way to the caller, so the replay
line applies it too; a line that runs on A-law (most of the world outside North America and
Japan) quantises differently, so a tree spec may say which law its line uses (:data:`LAWS`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ULAW = "ulaw"
ALAW = "alaw"
LAWS = (ULAW, ALAW)
"""The G.711 laws by the names a tree spec gives them (``line.codec``)."""

_MULAW_BIAS = 0x84
_MULAW_CLIP = 32635

Pcm = npt.NDArray[np.int16]


def _build_ulaw_decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _MULAW_BIAS) << exponent) - _MULAW_BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _build_alaw_decode_table() -> npt.NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


ULAW_DECODE: npt.NDArray[np.int16] = _build_ulaw_decode_table()
ALAW_DECODE: npt.NDArray[np.int16] = _build_alaw_decode_table()


def _build_encode_table(decode: npt.NDArray[np.int16]) -> npt.NDArray[np.uint8]:
    """For every 16-bit value, the code whose decoded value is nearest (exact G.711 quantiser)."""
    order = np.argsort(decode.astype(np.int32), kind="stable")
    levels = decode.astype(np.int32)[order]
    values = np.arange(-32768, 32768, dtype=np.int32)
    right = np.clip(np.searchsorted(levels, values), 1, len(levels) - 1)
    left = right - 1
    pick_left = (values - levels[left]) <= (levels[right] - values)
    nearest = np.where(pick_left, left, right)
    return order[nearest].astype(np.uint8)


_ULAW_ENCODE = _build_encode_table(ULAW_DECODE)
_ALAW_ENCODE = _build_encode_table(ALAW_DECODE)


def ulaw_encode(pcm: Pcm) -> npt.NDArray[np.uint8]:
    """int16 PCM to μ-law bytes."""
    return _ULAW_ENCODE[pcm.astype(np.int32) + 32768]


def ulaw_decode(codes: npt.NDArray[np.uint8] | bytes) -> Pcm:
    """μ-law bytes to int16 PCM."""
    return ULAW_DECODE[np.frombuffer(codes, dtype=np.uint8) if isinstance(codes, bytes) else codes]


def alaw_encode(pcm: Pcm) -> npt.NDArray[np.uint8]:
    """int16 PCM to A-law bytes."""
    return _ALAW_ENCODE[pcm.astype(np.int32) + 32768]


def alaw_decode(codes: npt.NDArray[np.uint8] | bytes) -> Pcm:
    """A-law bytes to int16 PCM."""
    return ALAW_DECODE[np.frombuffer(codes, dtype=np.uint8) if isinstance(codes, bytes) else codes]


def ulaw_round_trip(pcm: Pcm) -> Pcm:
    """What a caller hears of ``pcm`` after a trip through a μ-law line."""
    return ULAW_DECODE[_ULAW_ENCODE[pcm.astype(np.int32) + 32768]]


def alaw_round_trip(pcm: Pcm) -> Pcm:
    """What a caller hears of ``pcm`` after a trip through an A-law line."""
    return ALAW_DECODE[_ALAW_ENCODE[pcm.astype(np.int32) + 32768]]


def round_trip(pcm: Pcm, law: str = ULAW) -> Pcm:
    """``pcm`` after a trip through a line of the given law (:data:`LAWS`)."""
    return alaw_round_trip(pcm) if law == ALAW else ulaw_round_trip(pcm)
