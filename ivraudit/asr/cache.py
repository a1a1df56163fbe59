"""Transcripts cached by audio content, in memory and optionally on disk.

A crawl hears the same prompts over and over (the main menu opens every call), and a second
crawl of the same tree hears them all again. Speech recognition is the slowest step, so each
distinct piece of audio is transcribed once: the key is a hash of the exact int16 samples,
the sample rate and the engine id (engine and model), so a different model never reuses
another's text. With ``cache_dir`` set, each transcript is also written as one small JSON
file, so the cache survives the process and a repeated crawl transcribes nothing.

The wrapper also keeps the numbers the benchmark reports: calls, hits, misses, seconds of
audio, and seconds spent inside the engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ivraudit.asr.base import Recognizer, Transcript, Word, as_pcm16, check_rate
from ivraudit.telephony.constants import SAMPLE_RATE

CACHE_FORMAT = "ivraudit-asr-6"
"""Part of every key: bump it when engines change how they decode, to retire old entries."""


def cache_key(pcm: np.ndarray, sample_rate: int, engine: str) -> str:
    """sha256 of the format tag, the engine id, the rate and the little-endian int16 samples."""
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}\0{engine}\0{int(sample_rate)}\0".encode())
    digest.update(as_pcm16(pcm).astype("<i2", copy=False).tobytes())
    return digest.hexdigest()


@dataclass
class CacheStats:
    """What the cache saw. ``engine_*`` count only the audio the engine actually decoded."""

    calls: int = 0
    hits: int = 0
    misses: int = 0
    audio_seconds: float = 0.0
    engine_audio_seconds: float = 0.0
    engine_seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Plain numbers for audit.json and the benchmark, rounded for reading."""
        data: dict[str, float | int] = asdict(self)
        for name in ("audio_seconds", "engine_audio_seconds", "engine_seconds"):
            data[name] = round(float(data[name]), 3)
        return data


def _to_json(transcript: Transcript, sample_rate: int, seconds: float) -> dict[str, Any]:
    return {
        "format": CACHE_FORMAT,
        "engine": transcript.engine,
        "sample_rate": sample_rate,
        "audio_seconds": round(seconds, 3),
        "text": transcript.text,
        "words": [[w.text, w.start, w.end, w.confidence] for w in transcript.words],
    }


def _from_json(data: dict[str, Any], engine: str) -> Transcript | None:
    if data.get("format") != CACHE_FORMAT or data.get("engine") != engine:
        return None
    text = data.get("text")
    if not isinstance(text, str):
        return None
    words = tuple(
        Word(str(w[0]), float(w[1]), float(w[2]), None if w[3] is None else float(w[3]))
        for w in data.get("words", ())
    )
    return Transcript(text, words, engine)


class CachedRecognizer:
    """A recognizer that answers repeated audio from its cache and counts what it did.

    Thread-safe: concurrent requests for the same audio wait for the first one instead of
    decoding it again.
    """

    def __init__(self, inner: Recognizer, cache_dir: Path | None = None) -> None:
        self.inner = inner
        self.engine = inner.engine
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.stats = CacheStats()
        self._memory: dict[str, Transcript] = {}
        self._pending: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    # -- disk -------------------------------------------------------------------------------

    def _path(self, key: str) -> Path | None:
        return self.cache_dir / f"{key}.json" if self.cache_dir is not None else None

    def _read_disk(self, key: str) -> Transcript | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return _from_json(data, self.engine) if isinstance(data, dict) else None
        except (OSError, ValueError, TypeError, IndexError):
            return None  # missing or damaged: decode again and overwrite

    def _write_disk(self, key: str, transcript: Transcript, rate: int, seconds: float) -> None:
        path = self._path(key)
        if path is None:
            return
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(_to_json(transcript, rate, seconds), out, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            # A read-only or full cache folder costs speed on the next crawl, not this one.
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    # -- the recognizer ---------------------------------------------------------------------

    def load(self) -> None:
        """Load the engine's model now, if it loads lazily (benchmarks time loading apart)."""
        load = getattr(self.inner, "load", None)
        if callable(load):
            load()

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """The cached transcript of this exact audio, decoding it only the first time."""
        pcm = as_pcm16(pcm)
        rate = check_rate(sample_rate)
        seconds = len(pcm) / rate
        key = cache_key(pcm, rate, self.engine)
        while True:
            with self._lock:
                if key in self._memory:
                    self._count(seconds, hit=True)
                    return self._memory[key]
                waiting = self._pending.get(key)
                if waiting is None:
                    self._pending[key] = threading.Event()
                    break
            waiting.wait()  # another thread is decoding this audio; then look again
        try:
            transcript = self._read_disk(key)
            if transcript is not None:
                with self._lock:
                    self._memory[key] = transcript
                    self._count(seconds, hit=True)
                return transcript
            started = time.perf_counter()
            transcript = self.inner.transcribe(pcm, rate)
            spent = time.perf_counter() - started
            with self._lock:
                self._memory[key] = transcript
                self._count(seconds, hit=False)
                self.stats.engine_seconds += spent
                self.stats.engine_audio_seconds += seconds
            self._write_disk(key, transcript, rate, seconds)
            return transcript
        finally:
            with self._lock:
                event = self._pending.pop(key)
            event.set()

    def _count(self, seconds: float, *, hit: bool) -> None:
        self.stats.calls += 1
        self.stats.audio_seconds += seconds
        if hit:
            self.stats.hits += 1
        else:
            self.stats.misses += 1
