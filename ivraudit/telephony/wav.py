"""Reading and writing WAV files as telephone audio.

Tree specs may point at any mono WAV: 8- or 16-bit PCM, μ-law or A-law, at any sample rate.
Python's ``wave`` module reads PCM only, so this module parses the RIFF chunks itself and
turns every file into int16 PCM at 8 kHz. A file that cannot be read raises
:class:`~ivraudit.errors.AudioError` naming the file and what is wrong with it. Only regular
files are read (:mod:`ivraudit.files`: not ``/dev/zero``, not a FIFO), within the caps below,
and the samples are read block by block, never more than the header and the file both hold.
"""

from __future__ import annotations

import os
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ivraudit.errors import AudioError, InputFileError
from ivraudit.files import open_regular
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import ALAW_DECODE, ULAW_DECODE, Pcm
from ivraudit.telephony.resample import BLOCK_SAMPLES, resample, resample_blocks

__all__ = ["MAX_PROMPT_SECONDS", "MAX_WAV_BYTES", "read_telephone_audio", "read_wav",
           "resample", "write_wav"]

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_ALAW = 0x0006
WAVE_FORMAT_MULAW = 0x0007
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

MAX_PROMPT_SECONDS = 3600.0
"""The longest audio file read: an hour. No IVR prompt or hold-music loop comes near it, and
a frozen audit's recordings are each at most a call (``--max-call-seconds``, 900 s by
default). Longer is a wrong file (a whole recorded day, an album), and decoding it would cost
57.6 MB of 8 kHz audio an hour held for the whole crawl: refused, naming the file."""
MAX_WAV_BYTES = 512 * 1024 * 1024
"""The largest WAV file read: an hour of 16-bit audio at 48 kHz is 346 MB, so every file within
:data:`MAX_PROMPT_SECONDS` at the rates prompts are recorded at fits; reading stops there even
where the header lies about its length."""

MAX_CHUNKS = 1024
"""The most RIFF chunks walked: a WAV has a handful (fmt, data, a LIST of tags, a cue); a file
of millions of empty chunks would otherwise keep the loader seeking for a minute."""
_FMT_BYTES = 40
"""More than any fmt chunk needs (WAVE_FORMAT_EXTENSIBLE's is 40): a larger one is not read."""


@dataclass(frozen=True)
class _Layout:
    """Where a WAV file's samples are and how they are encoded."""

    tag: int
    rate: int
    width: int  # bytes a sample
    offset: int  # of the first sample
    samples: int


def _open(path: Path) -> BinaryIO:
    try:
        return open_regular(path, MAX_WAV_BYTES)
    except FileNotFoundError:
        raise AudioError(f"{path}: audio file not found") from None
    except InputFileError as exc:
        raise AudioError(str(exc)) from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot read audio file ({exc.strerror})") from None


def _layout(handle: BinaryIO, path: Path) -> _Layout:
    """The fmt and data chunks of an open WAV, read by their headers (the samples are not)."""
    size = os.fstat(handle.fileno()).st_size
    header = handle.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise AudioError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    data: tuple[int, int] | None = None
    offset = 12
    for chunks in range(MAX_CHUNKS + 1):
        if offset + 8 > size:
            break
        if chunks == MAX_CHUNKS:
            raise AudioError(f"{path}: more than {MAX_CHUNKS} RIFF chunks; "
                             "not a WAV ivraudit reads")
        handle.seek(offset)
        chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
        held = min(chunk_size, size - offset - 8)
        if chunk_id == b"fmt ":
            body = handle.read(min(held, _FMT_BYTES))
            if len(body) < 16:
                raise AudioError(f"{path}: corrupt WAV (fmt chunk is {len(body)} bytes)")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if tag == WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
                (tag,) = struct.unpack_from("<H", body, 24)
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if held < chunk_size:
                raise AudioError(
                    f"{path}: corrupt WAV (data chunk says {chunk_size} bytes, file holds {held})"
                )
            data = (offset + 8, chunk_size)
        offset += 8 + chunk_size + (chunk_size & 1)
    if fmt is None:
        raise AudioError(f"{path}: corrupt WAV (no fmt chunk)")
    if data is None:
        raise AudioError(f"{path}: corrupt WAV (no data chunk)")
    tag, channels, rate, bits = fmt
    if channels != 1:
        raise AudioError(f"{path}: {channels} channels; prompts must be mono")
    if not 4000 <= rate <= 192000:
        raise AudioError(f"{path}: implausible sample rate {rate} Hz")
    if (tag, bits) not in ((WAVE_FORMAT_PCM, 16), (WAVE_FORMAT_PCM, 8),
                           (WAVE_FORMAT_MULAW, 8), (WAVE_FORMAT_ALAW, 8)):
        raise AudioError(
            f"{path}: unsupported WAV encoding (format tag {tag:#06x}, {bits} bits); "
            "use 8/16-bit PCM, μ-law or A-law"
        )
    width = 2 if bits == 16 else 1
    layout = _Layout(tag, rate, width, data[0], data[1] // width)
    if layout.samples == 0:
        raise AudioError(f"{path}: WAV holds no audio")
    seconds = layout.samples / rate
    if seconds > MAX_PROMPT_SECONDS:
        raise AudioError(f"{path}: {seconds:.0f} s of audio is more than the "
                         f"{MAX_PROMPT_SECONDS:.0f} s ivraudit reads of one file "
                         "(a prompt or a loop of hold music lasts minutes at most)")
    return layout


def _decode(raw: bytes, layout: _Layout) -> Pcm:
    if layout.width == 2:
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int16)
    codes = np.frombuffer(raw, dtype=np.uint8)
    if layout.tag == WAVE_FORMAT_MULAW:
        return ULAW_DECODE[codes]
    if layout.tag == WAVE_FORMAT_ALAW:
        return ALAW_DECODE[codes]
    return ((codes.astype(np.int16) - 128) << 8).astype(np.int16)


def _blocks(handle: BinaryIO, layout: _Layout, path: Path) -> Iterator[Pcm]:
    """The samples, :data:`BLOCK_SAMPLES` at a time, read from the file as they are needed."""
    handle.seek(layout.offset)
    left = layout.samples
    while left:
        count = min(left, BLOCK_SAMPLES)
        raw = handle.read(count * layout.width)
        if len(raw) < count * layout.width:
            raise AudioError(f"{path}: the file shrank while it was read")
        left -= count
        yield _decode(raw, layout)


def read_wav(path: Path | str) -> tuple[Pcm, int]:
    """Read a mono WAV file as int16 PCM at its own rate; returns ``(samples, rate)``."""
    path = Path(path)
    with _open(path) as handle:
        layout = _layout(handle, path)
        return np.concatenate(list(_blocks(handle, layout, path))), layout.rate


def read_telephone_audio(path: Path | str) -> Pcm:
    """Read any supported mono WAV as 8 kHz int16 PCM, the form the line plays.

    The file is decoded and resampled block by block (:mod:`ivraudit.telephony.resample`), so
    memory is the 8 kHz result plus a block, whatever the file's own rate: a long 44.1 kHz
    recording is never held whole at its own rate, let alone as float64."""
    path = Path(path)
    with _open(path) as handle:
        layout = _layout(handle, path)
        blocks = _blocks(handle, layout, path)
        if layout.rate == SAMPLE_RATE:
            return np.concatenate(list(blocks))
        return resample_blocks(blocks, layout.samples, layout.rate, SAMPLE_RATE)


def write_wav(path: Path | str, pcm: Pcm, rate: int = SAMPLE_RATE) -> None:
    """Write int16 mono PCM as a 16-bit WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
