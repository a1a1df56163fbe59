"""Resampling int16 PCM to another rate in bounded memory, block by block.

A prompt WAV may be long and at a high rate: two hours at 44.1 kHz is 318 million samples,
and filtering them as one float64 array took over 4 GB (the samples, the filtered copy and the
interpolation positions). A serious tool keeps only what it needs: here the input arrives in
blocks, each is low-pass filtered with a margin of half a filter on either side, and the output
samples whose neighbours are filtered are interpolated and written at once. Memory is the
output (8 kHz int16: 57.6 MB an hour) plus one block; the result equals filtering the whole
signal at once (``np.convolve(..., mode="same")``, zero beyond both ends, then linear
interpolation), which is what this module computed before it streamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

BLOCK_SAMPLES = 1 << 18
"""Input samples handled at once (about 6 s at 44.1 kHz, 2 MB as float64): large enough that
numpy's per-call overhead vanishes, small enough that memory stays a few megabytes."""


def _lowpass(rate: int, target: int) -> npt.NDArray[np.float64] | None:
    """The anti-aliasing filter for going down from ``rate`` to ``target`` (None going up)."""
    if target >= rate:
        return None
    cutoff = 0.45 * target / rate  # cycles per input sample, below the new Nyquist
    taps = 8 * int(np.ceil(rate / target)) + 1
    n = np.arange(taps) - (taps - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    normalised: npt.NDArray[np.float64] = kernel / kernel.sum()
    return normalised


def resample_blocks(blocks: Iterable[Pcm], total: int, rate: int,
                    target: int = SAMPLE_RATE) -> Pcm:
    """Resample ``total`` samples of int16 PCM at ``rate``, given as consecutive ``blocks``,
    to ``target`` Hz; memory is the output plus about one block."""
    count = int(round(total * target / rate))
    out = np.empty(count, dtype=np.int16)
    if count == 0:
        return out
    kernel = _lowpass(rate, target)
    half = 0 if kernel is None else (len(kernel) - 1) // 2
    step = rate / target
    buffer = np.zeros(half, dtype=np.float64)  # zeros before the first sample, as "same" has
    start = -half  # the input index of buffer[0]
    done = 0
    seen = 0
    for block in _with_end(blocks):
        last = block is None
        if block is None:
            tail = np.zeros(half, dtype=np.float64)  # zeros after the last sample
            buffer = np.concatenate([buffer, tail])
        else:
            seen += len(block)
            buffer = np.concatenate([buffer, np.asarray(block, dtype=np.float64)])
        if len(buffer) < 2 * half + 1:
            continue
        filtered = buffer if kernel is None else np.convolve(buffer, kernel, mode="valid")
        low = start + half  # the input index of filtered[0]
        high = low + len(filtered) - 1  # the last input index filtered
        if last:
            end = count
        else:
            end = min(count, int(high / step) + 1)
            while end > done and (end - 1) * step > high:
                end -= 1
        if end > done:
            positions = np.arange(done, end) * step
            y = np.interp(positions, np.arange(low, high + 1), filtered)
            out[done:end] = np.clip(np.round(y), -32768, 32767).astype(np.int16)
            done = end
        keep = min(int(done * step), high + 1) - half - start  # what the next outputs need
        buffer = buffer[max(keep, 0):]
        start += max(keep, 0)
    if seen != total:
        raise ValueError(f"resample_blocks: {seen} samples given, {total} announced")
    return out


def _with_end(blocks: Iterable[Pcm]) -> Iterator[Pcm | None]:
    """The blocks, then None: the end, after which the zeros beyond the last sample come."""
    yield from blocks
    yield None


def resample(pcm: Pcm, rate: int, target: int = SAMPLE_RATE) -> Pcm:
    """Resample int16 PCM to ``target`` Hz, low-pass filtering first when going down."""
    if rate == target:
        return pcm
    blocks = (pcm[i:i + BLOCK_SAMPLES] for i in range(0, len(pcm), BLOCK_SAMPLES))
    return resample_blocks(blocks, len(pcm), rate, target)
