"""Labelled line audio for tuning and measuring the sound classifier, split once into halves.

Everything is passed through μ-law as on a line. The data is split once, by name, into a
tuning half (``"tune"``) and a held-out half (``"test"``):

- speech: Asterisk's human-recorded English prompts (Allison Smith) of 1.5 s or more, split
  by CRC-32 of the name; the Spanish prompts (same speaker, another language), if installed,
  are all held out; flite and espeak-ng voices reading IVR sentences, split by voice;
- music: the five Asterisk hold-music tracks, three to tune and two held out;
- tones and silence are generated (levels, frequencies and noises differ between halves),
  plus Asterisk's beep.wav (held out).

The recordings and voices come from Debian packages at run time, not with ivraudit:
asterisk-core-sounds-en and asterisk-core-sounds-en-wav (the prompts and the beep),
asterisk-moh-opsound-wav (the music), flite, espeak-ng and sox (the synthetic voices);
``scripts/test-deps.sh`` installs them. :func:`missing` names those absent, and a loader whose
source is absent raises :class:`CorpusUnavailable` saying which to install.

A window is judged as the bench and the tests judge it: :func:`verdict`, the ``window()`` of a
fresh classifier that has heard it, on windows with enough sound to classify
(:func:`sounding`). The classifier never imports this module: only the fitting
(:mod:`ivraudit.listen.fitting`), ``bench/sound_classifier.py`` and the tests do.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ivraudit.listen.sound import Sound, SoundClassifier, frame_dbfs
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm, ulaw_round_trip
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import read_telephone_audio

__all__ = ["CorpusUnavailable", "missing", "require", "line", "prompts", "synthesise",
           "synthetic", "music", "speech_windows", "music_windows", "noise", "tone_windows",
           "silence_windows", "labelled", "sounding", "stream", "verdict"]

SOUNDS = Path("/usr/share/asterisk/sounds")
MOH = Path("/usr/share/asterisk/moh")
NOT_SPEECH = {
    # sounds, not speech (the "[...]" and "<...>" entries of core-sounds-en.txt)
    "beep", "beeperr", "ascending-2tone", "descending-2tone", "confbridge-join",
    "confbridge-leave", "tt-monkeys",
}

MOH_SPLIT = {
    "macroform-cold_day": "tune",
    "macroform-the_simplicity": "tune",
    "reno_project-system": "tune",
    "macroform-robot_dity": "test",
    "manolo_camp-morning_coffee": "test",
}
VOICE_SPLIT = {
    ("flite", "kal"): "tune", ("flite", "slt"): "tune",
    ("espeak-ng", "en-us"): "tune", ("espeak-ng", "en-us+f2"): "tune",
    ("espeak-ng", "en-gb-x-rp+f4"): "tune",
    ("flite", "awb"): "test", ("flite", "rms"): "test",
    ("espeak-ng", "en-gb-scotland"): "test", ("espeak-ng", "en+f3"): "test",
    ("espeak-ng", "en-us+m3"): "test",
}
SENTENCES = (
    "Thank you for calling Acme Bank. Please listen carefully as our menu options have changed.",
    "For account balances, press one. For recent transactions, press two.",
    "To speak with a customer service representative, please stay on the line.",
    "Your call is important to us. Please continue to hold and the next available agent "
    "will be with you shortly.",
    "We are currently experiencing higher than normal call volumes.",
    "Please enter your sixteen digit card number followed by the pound key.",
    "I'm sorry, that is not a valid option. Please try again.",
    "To return to the main menu, press star. To repeat these options, press nine.",
    "Our offices are open Monday through Friday, from eight in the morning until six "
    "in the evening.",
    "If you know your party's extension, you may dial it at any time.",
    "Please leave a message after the tone. When you are finished, you may hang up.",
    "For billing questions, press three. For technical support, press four.",
)

WINDOW_MIN_S, WINDOW_MAX_S = 2.0, 4.0

Clip = tuple[str, Pcm]


# -- what must be installed -------------------------------------------------------------------

class CorpusUnavailable(RuntimeError):
    """Debian packages the corpus reads are not installed."""


_PROMPT_PACKAGES = ("asterisk-core-sounds-en", "asterisk-core-sounds-en-wav")
_MUSIC_PACKAGE = "asterisk-moh-opsound-wav"
_VOICE_TOOLS = ("flite", "espeak-ng", "sox")  # each the name of its Debian package too


def missing(*, recordings: bool = True, voices: bool = True) -> list[str]:
    """The Debian packages the corpus needs that are absent, those of the recordings (prompts,
    beep, music) and of the synthetic voices, or of either alone; empty when all are there."""
    out: list[str] = []
    if recordings and not (SOUNDS / "en").is_dir():
        out += _PROMPT_PACKAGES
    if recordings and not MOH.is_dir():
        out.append(_MUSIC_PACKAGE)
    if voices:
        out += [tool for tool in _VOICE_TOOLS if shutil.which(tool) is None]
    return out


def require(*, voices: bool = True) -> None:
    """Raise :class:`CorpusUnavailable` naming the Debian packages to install, if any is absent."""
    _raise_for(missing(voices=voices))


def _raise_for(packages: list[str] | tuple[str, ...]) -> None:
    if packages:
        raise CorpusUnavailable(
            "the sound corpus reads Debian packages that are not installed: "
            f"{', '.join(packages)} (apt-get install {' '.join(packages)}, "
            "or scripts/test-deps.sh)")


def _require_prompts() -> None:
    if not (SOUNDS / "en").is_dir():
        _raise_for(_PROMPT_PACKAGES)


# -- clips ------------------------------------------------------------------------------------

def line(pcm: Pcm) -> Pcm:
    """What the caller hears: the audio after a μ-law round trip."""
    return ulaw_round_trip(np.asarray(pcm, dtype=np.int16))


def prompt_split(name: str) -> str:
    return "tune" if zlib.crc32(name.encode()) % 2 == 0 else "test"


def prompts(split: str, min_seconds: float = 1.5,
            languages: tuple[str, ...] = ("en", "es")) -> list[Clip]:
    """Human-recorded prompts: English split by name, other languages (if installed) all held
    out."""
    if "en" in languages:
        _require_prompts()
    out = []
    for lang in languages:
        folder = SOUNDS / lang
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.wav")):
            name = f"{lang}/{path.stem}"
            if path.stem in NOT_SPEECH:
                continue
            side = prompt_split(name) if lang == "en" else "test"
            if split not in ("all", side):
                continue
            pcm = read_telephone_audio(path)
            if len(pcm) >= min_seconds * SAMPLE_RATE:
                out.append((name, line(pcm)))
    return out


def synthesise(engine: str, voice: str, text: str, cache: Path) -> Pcm:
    """One sentence in one synthetic voice at 8 kHz (cached in ``cache`` by content)."""
    key = hashlib.sha1(f"{engine}|{voice}|{text}".encode()).hexdigest()[:16]
    out = cache / f"{key}.wav"
    if not out.exists():
        _raise_for([tool for tool in (engine, "sox") if shutil.which(tool) is None])
        raw = cache / f"{key}-raw.wav"
        if engine == "flite":
            cmd = ["flite", "-voice", voice, "-t", text, "-o", str(raw)]
        else:
            cmd = ["espeak-ng", "-v", voice, "-w", str(raw), text]
        subprocess.run(cmd, check=True, capture_output=True)
        subprocess.run(["sox", "-D", "-R", str(raw), "-r", "8000", "-c", "1", "-b", "16",
                        str(out)], check=True, capture_output=True)
        raw.unlink()
    return read_telephone_audio(out)


def synthetic(split: str, cache: Path) -> list[Clip]:
    """Every sentence in every synthetic voice of the split, through μ-law."""
    out = []
    for (engine, voice), side in VOICE_SPLIT.items():
        if split not in ("all", side):
            continue
        for i, text in enumerate(SENTENCES):
            out.append((f"{engine}-{voice}/{i}", line(synthesise(engine, voice, text, cache))))
    return out


def music(split: str) -> list[Clip]:
    """The hold-music tracks of the split, whole, through μ-law."""
    if not MOH.is_dir():
        _raise_for([_MUSIC_PACKAGE])
    return [(name, line(read_telephone_audio(MOH / f"{name}.wav")))
            for name, side in MOH_SPLIT.items() if split in ("all", side)]


# -- windows ----------------------------------------------------------------------------------

def speech_windows(clips: list[Clip]) -> Iterator[Clip]:
    """2 s windows every 1 s through each prompt (a shorter prompt is one window)."""
    size, hop = 2 * SAMPLE_RATE, SAMPLE_RATE
    for name, pcm in clips:
        if len(pcm) <= size:
            yield name, pcm
            continue
        for start in range(0, len(pcm) - size + 1, hop):
            yield name, pcm[start : start + size]


def music_windows(tracks: list[Clip], seed: int) -> Iterator[Clip]:
    """2-4 s windows every 1.5 s through each track, quiet passages and fades included."""
    rng = np.random.default_rng(seed)
    for name, pcm in tracks:
        start = 0
        while True:
            size = int(rng.uniform(WINDOW_MIN_S, WINDOW_MAX_S) * SAMPLE_RATE)
            if start + size > len(pcm):
                break
            yield name, pcm[start : start + size]
            start += 3 * SAMPLE_RATE // 2


def noise(seconds: float, dbfs: float, rng: np.random.Generator, colour: str = "white") -> Pcm:
    """Gaussian noise at ``dbfs`` (full-scale-sine convention, as the classifier measures):
    ``white``, ``pink`` (-3 dB/octave) or ``band`` (white, 300-3400 Hz, as a line passes it)."""
    n = int(seconds * SAMPLE_RATE)
    if n == 0:
        return np.zeros(0, np.int16)
    x = rng.standard_normal(n)
    if colour in ("pink", "band"):
        spectrum = np.fft.rfft(x)
        hz = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
        if colour == "pink":
            spectrum /= np.sqrt(np.maximum(hz, 20.0))
        else:
            spectrum[(hz < 300) | (hz > 3400)] = 0
        x = np.fft.irfft(spectrum, n)
    rms = 32768 * 10 ** ((dbfs - 3.01) / 20)
    x *= rms / (np.sqrt(np.mean(x * x)) + 1e-12)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


ToneCase = tuple[float | tuple[float, ...], float, float]


def tone_windows(split: str, rng: np.random.Generator) -> Iterator[Clip]:
    """Beeps, dial tone and DTMF at various levels, alone or after a little line noise."""
    cases: list[ToneCase]
    if split in ("tune", "all"):
        cases = [(1000.0, 0.5, -12), (440.0, 1.0, -20), ((350.0, 440.0), 2.0, -15),
                 ((697.0, 1209.0), 0.4, -10), (2000.0, 0.3, -25), (1400.0, 0.6, -35),
                 ((852.0, 1336.0), 0.3, -18), (600.0, 0.25, -10)]
        yield from _tones(cases, 0.5, -65, rng)
    if split in ("test", "all"):
        _require_prompts()
        beep = read_telephone_audio(SOUNDS / "en" / "beep.wav")
        yield "beep.wav", line(beep)
        yield "beep.wav after silence", line(np.concatenate([noise(0.8, -62, rng), beep]))
        cases = [(1000.0, 0.25, -15), (1000.0, 1.0, -6), (425.0, 1.5, -18),
                 ((350.0, 440.0), 3.0, -12), ((941.0, 1477.0), 0.5, -22), (1800.0, 0.4, -30),
                 ((770.0, 1209.0), 0.3, -14), (950.0, 0.33, -20)]
        yield from _tones(cases, 0.7, -62, rng)
        digits = [(697.0, 1209.0), (770.0, 1336.0), (852.0, 1477.0), (941.0, 1336.0)]
        train = np.concatenate([np.concatenate([tone(d, 0.1, -12), np.zeros(800, np.int16)])
                                for d in digits * 3])
        yield "DTMF train 100/100 ms", line(train)


def _tones(cases: list[ToneCase], lead_s: float, noise_dbfs: float,
           rng: np.random.Generator) -> Iterator[Clip]:
    """Each tone alone, then after ``lead_s`` of line noise."""
    for hz, seconds, level in cases:
        for lead in (0.0, lead_s):
            pad = noise(lead, noise_dbfs, rng)
            yield f"tone {hz} {seconds}s {level}dB", line(np.concatenate(
                [pad, tone(hz, seconds, level)]))


def silence_windows(split: str, rng: np.random.Generator) -> Iterator[Clip]:
    """Digital silence, and white, pink and band-limited line noise at quiet levels."""
    levels: tuple[int, ...] = (-70, -62, -58) if split == "tune" else (-75, -60, -55)
    if split == "all":
        levels = (-75, -70, -62, -60, -58, -55)
    yield "digital silence", np.zeros(2 * SAMPLE_RATE, np.int16)
    for level in levels:
        for colour in ("white", "pink", "band"):
            seconds = float(rng.uniform(WINDOW_MIN_S, WINDOW_MAX_S))
            yield f"{colour} noise {level} dBFS", line(noise(seconds, level, rng, colour))


def labelled(split: str, cache: Path) -> Iterator[tuple[Sound, str, str, Pcm]]:
    """(truth, source, name, window) for every window of the split; synthetic voices are kept
    in ``cache``."""
    rng = np.random.default_rng(1 if split == "tune" else 2)
    for name, pcm in speech_windows(prompts(split)):
        yield Sound.SPEECH, f"speech {name.split('/')[0]} (Allison)", name, pcm
    for name, pcm in speech_windows(synthetic(split, cache)):
        yield Sound.SPEECH, f"speech {name.split('-')[0]}", name, pcm
    for name, pcm in music_windows(music(split), seed=3):
        yield Sound.MUSIC, f"music {name}", name, pcm
    for name, pcm in tone_windows(split, rng):
        yield Sound.TONE, "tone", name, pcm
    for name, pcm in silence_windows(split, rng):
        yield Sound.SILENCE, "silence/noise", name, pcm


# -- judging a window -------------------------------------------------------------------------

def sounding(pcm: Pcm, tail_s: float = 1.0, floor: float = -50.0) -> float:
    """Share of the last ``tail_s`` whose frames are above ``floor`` dBFS (a reference
    measure, independent of the classifier's adaptive thresholds): a speech or music window
    under 0.2 ends in a pause or a fade, and has nothing to classify."""
    tail = pcm[-int(tail_s * SAMPLE_RATE):]
    tail = tail[len(tail) % FRAME_SAMPLES :]
    n = len(tail) // FRAME_SAMPLES
    if n == 0:
        return 0.0
    return float(np.mean([frame_dbfs(tail[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]) > floor
                          for i in range(n)]))


def stream(pcm: Pcm, sc: SoundClassifier | None = None) -> Iterator[tuple[int, Sound]]:
    """Feed a clip frame by frame; yield (frame index, window verdict) after each frame."""
    sc = sc or SoundClassifier()
    for i in range(len(pcm) // FRAME_SAMPLES):
        sc.push(pcm[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
        yield i, sc.window()


def verdict(pcm: Pcm) -> tuple[Sound, dict[str, float]]:
    """``window()`` of a fresh classifier that has heard the clip, and its features."""
    sc = SoundClassifier()
    result = Sound.SILENCE
    for _, result in stream(pcm, sc):
        pass
    return result, sc.features()
