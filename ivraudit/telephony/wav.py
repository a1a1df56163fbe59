"""Reading and writing WAV files as telephone audio.

Tree specs may point at any mono WAV: 8- or 16-bit PCM, μ-law or A-law, at any sample rate.
Python's ``wave`` module reads PCM only, so this module parses the RIFF chunks itself and
turns every file into int16 PCM at 8 kHz. A file that cannot be read raises
:class:`~ivraudit.errors.AudioError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np

from ivraudit.errors import AudioError
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import ALAW_DECODE, ULAW_DECODE, Pcm

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_ALAW = 0x0006
WAVE_FORMAT_MULAW = 0x0007
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def read_wav(path: Path | str) -> tuple[Pcm, int]:
    """Read a mono WAV file as int16 PCM at its own rate; returns ``(samples, rate)``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AudioError(f"{path}: audio file not found") from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot read audio file ({exc.strerror})") from None
    return _parse_wav(data, path)


def _parse_wav(data: bytes, path: Path) -> tuple[Pcm, int]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    samples: bytes | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        body = data[offset + 8 : offset + 8 + size]
        if chunk_id == b"fmt ":
            if len(body) < 16:
                raise AudioError(f"{path}: corrupt WAV (fmt chunk is {len(body)} bytes)")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if tag == WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
                (tag,) = struct.unpack_from("<H", body, 24)
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if len(body) < size:
                raise AudioError(
                    f"{path}: corrupt WAV (data chunk says {size} bytes, file holds {len(body)})"
                )
            samples = body
        offset += 8 + size + (size & 1)
    if fmt is None:
        raise AudioError(f"{path}: corrupt WAV (no fmt chunk)")
    if samples is None:
        raise AudioError(f"{path}: corrupt WAV (no data chunk)")
    tag, channels, rate, bits = fmt
    if channels != 1:
        raise AudioError(f"{path}: {channels} channels; prompts must be mono")
    if not 4000 <= rate <= 192000:
        raise AudioError(f"{path}: implausible sample rate {rate} Hz")
    if tag == WAVE_FORMAT_PCM and bits == 16:
        pcm = np.frombuffer(samples[: len(samples) // 2 * 2], dtype="<i2").astype(np.int16)
    elif tag == WAVE_FORMAT_PCM and bits == 8:
        pcm = ((np.frombuffer(samples, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    elif tag == WAVE_FORMAT_MULAW and bits == 8:
        pcm = ULAW_DECODE[np.frombuffer(samples, dtype=np.uint8)]
    elif tag == WAVE_FORMAT_ALAW and bits == 8:
        pcm = ALAW_DECODE[np.frombuffer(samples, dtype=np.uint8)]
    else:
        raise AudioError(
            f"{path}: unsupported WAV encoding (format tag {tag:#06x}, {bits} bits); "
            "use 8/16-bit PCM, μ-law or A-law"
        )
    if len(pcm) == 0:
        raise AudioError(f"{path}: WAV holds no audio")
    return pcm, rate


def resample(pcm: Pcm, rate: int, target: int = SAMPLE_RATE) -> Pcm:
    """Resample int16 PCM to ``target`` Hz, low-pass filtering first when going down."""
    if rate == target:
        return pcm
    x = pcm.astype(np.float64)
    if target < rate:
        cutoff = 0.45 * target / rate  # cycles per input sample, below the new Nyquist
        taps = 8 * int(np.ceil(rate / target)) + 1
        n = np.arange(taps) - (taps - 1) / 2
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
        x = np.convolve(x, kernel / kernel.sum(), mode="same")
    count = int(round(len(x) * target / rate))
    positions = np.arange(count) * (rate / target)
    y = np.interp(positions, np.arange(len(x)), x)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def read_telephone_audio(path: Path | str) -> Pcm:
    """Read any supported mono WAV as 8 kHz int16 PCM, the form the line plays."""
    pcm, rate = read_wav(path)
    return resample(pcm, rate, SAMPLE_RATE)


def write_wav(path: Path | str, pcm: Pcm, rate: int = SAMPLE_RATE) -> None:
    """Write int16 mono PCM as a 16-bit WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
