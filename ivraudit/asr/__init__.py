"""Offline speech recognition for IVR prompts.

Two engines sit behind one small interface (:class:`Recognizer`): Whisper through
faster-whisper, whose English tiny.en model installs from PyPI, and Vosk, whose models are
downloaded from the Vosk project for other languages. :func:`open_recognizer` picks one and
wraps it in a content-addressed transcript cache, which is what the crawler uses.
"""

from __future__ import annotations

import os
from pathlib import Path

from ivraudit.asr.base import Recognizer, Transcript, Word
from ivraudit.asr.cache import CachedRecognizer, CacheStats
from ivraudit.errors import ModelError

__all__ = [
    "DECODE_THREADS",
    "CacheStats",
    "CachedRecognizer",
    "Recognizer",
    "Transcript",
    "Word",
    "open_recognizer",
]

ENGINES = ("auto", "vosk", "whisper")

DECODE_THREADS = min(2, os.cpu_count() or 1)
"""Threads per Whisper decode for a crawl that waits for each transcript (a replay line's,
one call at a time): two cores decode a prompt in less time, the same words (Whisper tiny.en,
60 prompts: 57.1 s on one thread, 36.0 s on two, identical words, word times and
confidences for all 60; 2026-12-07, 2 cores). A SIP crawl of one call at a time decodes so
too: the line waits for no one, and a decode's time is how late the crawler is behind it
when it presses the next key (a new submenu of the suite's Asterisk dialplan, transcribed
while the zoo crawled in the background, put the crawler 1.7-2.4 s behind the line, and a key
pressed then reached WaitExten(3) after it had timed out). A SIP crawl of several calls at
once keeps one thread per decode: its calls share the cores already, and
bench/sip_concurrency.py measured them so."""


def open_recognizer(
    name: str = "auto",
    *,
    model: Path | str | None = None,
    language: str | None = "en",
    cache_dir: Path | None = None,
    cpu_threads: int = 1,
    workers: int = 1,
) -> CachedRecognizer:
    """Open a speech recognizer, wrapped in the transcript cache.

    ``name`` is ``whisper``, ``vosk`` or ``auto``. ``model`` is a model folder (or, for Vosk,
    a model name in the model cache). ``auto`` follows the model folder's kind when one is
    given; without one it uses Whisper with the bundled tiny.en model for English. Models
    load on the first transcription, so opening is cheap and errors about missing models
    come here, before a call is placed. ``cpu_threads`` (threads per decode) and ``workers``
    (decodes that may run at once, for crawls with several calls in flight) tune Whisper.
    """
    from ivraudit.asr.models import how_to_get_a_model, is_vosk_model, resolve_model
    from ivraudit.asr.vosk_engine import VoskRecognizer
    from ivraudit.asr.whisper_engine import (
        WhisperRecognizer,
        bundled_model,
        faster_whisper_available,
        is_english_only,
        is_whisper_model,
    )

    engine = name.strip().lower()
    if engine not in ENGINES:
        raise ModelError(f"unknown speech engine {name!r}; use one of {', '.join(ENGINES)}")
    path = resolve_model(model) if model is not None else None
    inner: Recognizer
    if engine == "vosk":
        if path is None:
            raise ModelError(f"the Vosk engine needs --model; {how_to_get_a_model(language)}")
        inner = VoskRecognizer(path)
    elif engine == "whisper":
        inner = WhisperRecognizer(path, language=language, cpu_threads=cpu_threads, workers=workers)
    elif path is not None:
        if is_whisper_model(path):
            inner = WhisperRecognizer(
                path, language=language, cpu_threads=cpu_threads, workers=workers
            )
        elif is_vosk_model(path):
            inner = VoskRecognizer(path)
        else:
            raise ModelError(
                f"{path}: neither a Whisper (CTranslate2) nor a Vosk model folder; "
                f"{how_to_get_a_model(language)}"
            )
    else:
        bundle = bundled_model() if faster_whisper_available() else None
        if bundle is None:
            raise ModelError(f"no speech model is installed; {how_to_get_a_model(language)}")
        if is_english_only(bundle) and language and not language.lower().startswith("en"):
            raise ModelError(
                "the bundled Whisper model understands English only; "
                + how_to_get_a_model(language)
            )
        inner = WhisperRecognizer(
            bundle, language=language, cpu_threads=cpu_threads, workers=workers
        )
    return CachedRecognizer(inner, cache_dir)
