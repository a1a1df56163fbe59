"""How well the sound classifier tells silence, speech, music and tones apart, and what it costs.

Everything is passed through μ-law as on a line. The data is split once, by name, into a
tuning half and a held-out half:

- speech: Asterisk's human-recorded English prompts (Allison Smith) of 1.5 s or more, split
  by CRC-32 of the name; the Spanish prompts (same speaker, another language), if installed,
  are all held out; flite and espeak-ng voices reading IVR sentences, split by voice;
- music: the five Asterisk hold-music tracks, three to tune and two held out;
- tones and silence are generated (levels, frequencies and noises differ between halves),
  plus Asterisk's beep.wav (held out).

The speech/music score's weights are fitted on the tuning half only (``--fit``). The choice of
features, the thresholds and the hysteresis were revised while looking at both halves'
errors, so the held-out figures are somewhat optimistic; the per-source lines and the
continuous runs show where the errors are.

Prints, for the held-out half (or ``--split tune``): a confusion matrix of ``window()`` after
a fresh classifier has heard each 2-4 s window, per-source accuracy, the two streaming
scenarios the listener depends on (a prompt running into hold music; an announcement
interrupting music), whole clips streamed start to end, and the CPU time to classify one hour
of line audio on one core.

    python bench/sound_classifier.py [--split test|tune|all] [--fit] [--cache DIR]

``--fit`` refits the speech/music score on the tuning half and prints the constants.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit.listen.sound import (  # noqa: E402
    HARMONICITY_FLOOR,
    SCORE_FEATURES,
    Sound,
    SoundClassifier,
    frame_dbfs,
    score_inputs,
)
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE  # noqa: E402
from ivraudit.telephony.g711 import Pcm, ulaw_round_trip  # noqa: E402
from ivraudit.telephony.tones import tone  # noqa: E402
from ivraudit.telephony.wav import read_telephone_audio  # noqa: E402

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
CLASSES = (Sound.SILENCE, Sound.SPEECH, Sound.MUSIC, Sound.TONE)


# -- data ---------------------------------------------------------------------------------

def line(pcm: Pcm) -> Pcm:
    """What the caller hears: the audio after a μ-law round trip."""
    return ulaw_round_trip(np.asarray(pcm, dtype=np.int16))


def prompt_split(name: str) -> str:
    return "tune" if zlib.crc32(name.encode()) % 2 == 0 else "test"


def prompts(split: str, min_seconds: float = 1.5,
            languages: tuple[str, ...] = ("en", "es")) -> list[tuple[str, Pcm]]:
    """Human-recorded prompts: English split by name, Spanish all held out."""
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
    """One sentence in one synthetic voice at 8 kHz (cached by content)."""
    key = hashlib.sha1(f"{engine}|{voice}|{text}".encode()).hexdigest()[:16]
    out = cache / f"{key}.wav"
    if not out.exists():
        raw = cache / f"{key}-raw.wav"
        if engine == "flite":
            cmd = ["flite", "-voice", voice, "-t", text, "-o", str(raw)]
        else:
            cmd = ["espeak-ng", "-v", voice, "-w", str(raw), text]
        subprocess.run(cmd, check=True, capture_output=True)
        subprocess.run(["sox", "-D", "-R", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                        str(out)], check=True, capture_output=True)
        raw.unlink()
    return read_telephone_audio(out)


def synthetic(split: str, cache: Path) -> list[tuple[str, Pcm]]:
    out = []
    for (engine, voice), side in VOICE_SPLIT.items():
        if split not in ("all", side):
            continue
        for i, text in enumerate(SENTENCES):
            out.append((f"{engine}-{voice}/{i}", line(synthesise(engine, voice, text, cache))))
    return out


def music(split: str) -> list[tuple[str, Pcm]]:
    return [(name, line(read_telephone_audio(MOH / f"{name}.wav")))
            for name, side in MOH_SPLIT.items() if split in ("all", side)]


def speech_windows(clips: list[tuple[str, Pcm]]) -> Iterator[tuple[str, Pcm]]:
    """2 s windows every 1 s through each prompt (a shorter prompt is one window)."""
    size, hop = 2 * SAMPLE_RATE, SAMPLE_RATE
    for name, pcm in clips:
        if len(pcm) <= size:
            yield name, pcm
            continue
        for start in range(0, len(pcm) - size + 1, hop):
            yield name, pcm[start : start + size]


def music_windows(tracks: list[tuple[str, Pcm]], seed: int) -> Iterator[tuple[str, Pcm]]:
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


def tone_windows(split: str, rng: np.random.Generator) -> Iterator[tuple[str, Pcm]]:
    """Beeps, dial tone and DTMF at various levels, alone or after a little line noise."""
    cases: list[ToneCase]
    if split in ("tune", "all"):
        cases = [(1000.0, 0.5, -12), (440.0, 1.0, -20), ((350.0, 440.0), 2.0, -15),
                 ((697.0, 1209.0), 0.4, -10), (2000.0, 0.3, -25), (1400.0, 0.6, -35),
                 ((852.0, 1336.0), 0.3, -18), (600.0, 0.25, -10)]
        for hz, seconds, level in cases:
            for lead in (0.0, 0.5):
                pad = noise(lead, -65, rng)
                yield f"tone {hz} {seconds}s {level}dB", line(np.concatenate(
                    [pad, tone(hz, seconds, level)]))
    if split in ("test", "all"):
        beep = read_telephone_audio(SOUNDS / "en" / "beep.wav")
        yield "beep.wav", line(beep)
        yield "beep.wav after silence", line(np.concatenate([noise(0.8, -62, rng), beep]))
        cases = [(1000.0, 0.25, -15), (1000.0, 1.0, -6), (425.0, 1.5, -18),
                 ((350.0, 440.0), 3.0, -12), ((941.0, 1477.0), 0.5, -22), (1800.0, 0.4, -30),
                 ((770.0, 1209.0), 0.3, -14), (950.0, 0.33, -20)]
        for hz, seconds, level in cases:
            for lead in (0.0, 0.7):
                pad = noise(lead, -62, rng)
                yield f"tone {hz} {seconds}s {level}dB", line(np.concatenate(
                    [pad, tone(hz, seconds, level)]))
        digits = [(697.0, 1209.0), (770.0, 1336.0), (852.0, 1477.0), (941.0, 1336.0)]
        train = np.concatenate([np.concatenate([tone(d, 0.1, -12), np.zeros(800, np.int16)])
                                for d in digits * 3])
        yield "DTMF train 100/100 ms", line(train)


def silence_windows(split: str, rng: np.random.Generator) -> Iterator[tuple[str, Pcm]]:
    levels: tuple[int, ...] = (-70, -62, -58) if split == "tune" else (-75, -60, -55)
    if split == "all":
        levels = (-75, -70, -62, -60, -58, -55)
    yield "digital silence", np.zeros(2 * SAMPLE_RATE, np.int16)
    for level in levels:
        for colour in ("white", "pink", "band"):
            seconds = float(rng.uniform(WINDOW_MIN_S, WINDOW_MAX_S))
            yield f"{colour} noise {level} dBFS", line(noise(seconds, level, rng, colour))


def sounding(pcm: Pcm, tail_s: float = 1.0, floor: float = -50.0) -> float:
    """Share of the last ``tail_s`` whose frames are above ``floor`` dBFS (a reference
    measure, independent of the classifier's adaptive thresholds)."""
    tail = pcm[-int(tail_s * SAMPLE_RATE):]
    tail = tail[len(tail) % FRAME_SAMPLES :]
    n = len(tail) // FRAME_SAMPLES
    if n == 0:
        return 0.0
    return float(np.mean([frame_dbfs(tail[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]) > floor
                          for i in range(n)]))


# -- running the classifier -------------------------------------------------------------------

def stream(pcm: Pcm, sc: SoundClassifier | None = None) -> Iterator[tuple[int, Sound]]:
    """Feed a clip frame by frame; yield (frame index, window verdict) after each frame."""
    sc = sc or SoundClassifier()
    for i in range(len(pcm) // FRAME_SAMPLES):
        sc.push(pcm[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
        yield i, sc.window()


def verdict(pcm: Pcm) -> tuple[Sound, dict[str, float]]:
    sc = SoundClassifier()
    result = Sound.SILENCE
    for _, result in stream(pcm, sc):
        pass
    return result, sc.features()


def labelled(split: str, cache: Path) -> Iterator[tuple[Sound, str, str, Pcm]]:
    """(truth, source, name, window) for every window of the split."""
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


def confusion(split: str, cache: Path) -> None:
    matrix: Counter[tuple[Sound, Sound]] = Counter()
    sources: dict[str, Counter[bool]] = {}
    misses: list[str] = []
    skipped: Counter[str] = Counter()
    for truth, source, name, pcm in labelled(split, cache):
        if truth in (Sound.SPEECH, Sound.MUSIC) and sounding(pcm) < 0.2:
            skipped[source] += 1  # the last second is a pause or a fade: nothing to classify
            continue
        got, _ = verdict(pcm)
        matrix[truth, got] += 1
        sources.setdefault(source, Counter())[got is truth] += 1
        if got is not truth:
            misses.append(f"{truth.value:>7s} -> {got.value:7s} {name} ({len(pcm) / SAMPLE_RATE:.1f} s)")
    print(f"\nwindow() after each {split} window (rows: truth, columns: verdict)")
    print(f"{'':>9s}" + "".join(f"{c.value:>9s}" for c in CLASSES) + f"{'n':>7s}{'correct':>9s}")
    for t in CLASSES:
        row = [matrix[t, c] for c in CLASSES]
        n = sum(row)
        if n:
            print(f"{t.value:>9s}" + "".join(f"{v:9d}" for v in row)
                  + f"{n:7d}{matrix[t, t] / n:9.1%}")
    print("\nper source:")
    for source, c in sources.items():
        n = c[True] + c[False]
        extra = f"  ({skipped[source]} near-silent windows left out)" if skipped[source] else ""
        print(f"  {source:36s} {c[True]:5d}/{n:<5d} {c[True] / n:7.1%}{extra}")
    if misses:
        print(f"\nmisclassified ({len(misses)}):")
        for line_ in misses[:40]:
            print("  " + line_)
        if len(misses) > 40:
            print(f"  ... and {len(misses) - 40} more")


def scenarios(split: str, cache: Path) -> None:
    """Prompt → music (latency of the first MUSIC, flips inside the prompt) and
    music → announcement → music (latency of SPEECH, flips inside the announcement)."""
    rng = np.random.default_rng(7)
    speech = prompts(split, min_seconds=1.5) + synthetic(split, cache)
    tracks = music(split)
    order = rng.permutation(len(speech))[:120]
    to_music: list[float] = []
    to_speech: list[float] = []
    flips_prompt = flips_announce = missed_music = missed_speech = 0
    for k in order:
        name, prompt = speech[k]
        track_name, track = tracks[int(rng.integers(len(tracks)))]
        start = int(rng.integers(0, len(track) - 8 * SAMPLE_RATE))
        tune_ = track[start : start + 3 * SAMPLE_RATE]
        # prompt, straight into music
        onset = len(prompt) // FRAME_SAMPLES
        first_music = None
        seen_speech = False
        for i, v in stream(np.concatenate([prompt[: onset * FRAME_SAMPLES], tune_])):
            if i < onset:
                seen_speech |= v is Sound.SPEECH
                if seen_speech and v is Sound.MUSIC:
                    flips_prompt += 1
                    break
            elif v is Sound.MUSIC:
                first_music = (i - onset + 1) * FRAME_SAMPLES / SAMPLE_RATE
                break
        if first_music is None:
            missed_music += 1
        else:
            to_music.append(first_music)
        # music, an announcement, music again
        lead = track[start + 3 * SAMPLE_RATE : start + 5 * SAMPLE_RATE]
        onset = len(lead) // FRAME_SAMPLES
        end = onset + len(prompt) // FRAME_SAMPLES
        first_speech = None
        for i, v in stream(np.concatenate([lead, prompt, tune_])):
            if onset <= i < end:
                if first_speech is None and v is Sound.SPEECH:
                    first_speech = (i - onset + 1) * FRAME_SAMPLES / SAMPLE_RATE
                elif first_speech is not None and v is Sound.MUSIC and i < end - 5:
                    flips_announce += 1
                    break
        if first_speech is None:
            missed_speech += 1
        else:
            to_speech.append(first_speech)

    def spread(values: list[float]) -> str:
        if not values:
            return "-"
        a = np.array(values)
        return (f"median {np.median(a):.2f} s, 90% {np.percentile(a, 90):.2f} s, "
                f"max {a.max():.2f} s")

    n = len(order)
    print(f"\nstreaming, {n} {split} prompts joined to {split} music:")
    print(f"  prompt -> music: first MUSIC after music onset: {spread(to_music)}; "
          f"never: {missed_music}; MUSIC inside the prompt: {flips_prompt}")
    print(f"  music -> announcement: first SPEECH after its onset: {spread(to_speech)}; "
          f"never: {missed_speech}; MUSIC inside the announcement: {flips_announce}")


def continuous(split: str, cache: Path) -> None:
    """Whole clips streamed through one classifier: what share of the time window() says what,
    and how often a prompt holds MUSIC for the 0.6 s that would make the listener end it."""
    rows: list[tuple[str, list[Sound], Sound]] = []
    for name, pcm in prompts(split) + synthetic(split, cache):
        rows.append((name, [v for _, v in stream(pcm)], Sound.SPEECH))
    for name, pcm in music(split):
        rows.append((name, [v for _, v in stream(pcm)], Sound.MUSIC))
    print(f"\ncontinuous {split} clips, share of 20 ms frames by window() verdict "
          "(after each clip's first second):")
    for truth in (Sound.SPEECH, Sound.MUSIC):
        share: Counter[Sound] = Counter()
        long_wrong = any_wrong = clips = 0
        wrong = Sound.MUSIC if truth is Sound.SPEECH else Sound.SPEECH
        for name, verdicts, t in rows:
            if t is not truth:
                continue
            clips += 1
            share.update(verdicts[50:])
            run = longest = 0
            for v in verdicts:
                run = run + 1 if v is wrong else 0
                longest = max(longest, run)
            any_wrong += longest > 0
            long_wrong += longest >= 30
            if truth is Sound.MUSIC:
                total = max(len(verdicts) - 50, 1)
                print(f"  {name:32s} " + "  ".join(
                    f"{c.value} {sum(v is c for v in verdicts[50:]) / total:6.1%}" for c in CLASSES)
                    + f"  longest SPEECH {longest * 0.02:.1f} s")
        total = sum(share.values())
        print(f"  all {truth.value} ({clips} clips): " + "  ".join(
            f"{c.value} {share[c] / total:6.1%}" for c in CLASSES))
        print(f"    clips with any {wrong.value.upper()} verdict: {any_wrong}; "
              f"with {wrong.value.upper()} for 0.6 s running: {long_wrong}")


def cpu_per_hour(cache: Path) -> None:
    """CPU seconds to push one hour of mixed line audio and ask window() after every frame
    (best and worst of three hours: the machine is shared)."""
    parts = [pcm for _, pcm in prompts("test")[:40]] + [pcm for _, pcm in music("test")]
    clip = np.concatenate(parts)
    frames = len(clip) // FRAME_SAMPLES
    views = [clip[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(frames)]
    hour = 3600 * SAMPLE_RATE // FRAME_SAMPLES
    runs = []
    for _ in range(3):
        sc = SoundClassifier()
        started = time.process_time()
        done = 0
        while done < hour:
            for frame in views[: hour - done]:
                sc.push(frame)
                sc.window()
            done += min(frames, hour - done)
        runs.append(time.process_time() - started)
    print(f"\nCPU per hour of audio (push + window() on every 20 ms frame, one core): "
          f"{min(runs):.2f} s best, {max(runs):.2f} s worst of 3 "
          f"({min(runs) / hour * 1e6:.1f} µs per frame)")


# -- fitting the speech/music score -----------------------------------------------------------

def fit(cache: Path) -> None:
    """Logistic regression of speech against music on the tuning half's window features.

    Each tuning clip (prompt, sentence, whole music track) is streamed through one classifier
    and its features are sampled every 0.5 s once a full window has been heard, where the
    window has enough sound to be scored: the statistics the live verdict sees.
    """
    rows, labels = [], []
    clips = [(Sound.SPEECH, pcm) for _, pcm in prompts("tune")]
    clips += [(Sound.SPEECH, pcm) for _, pcm in synthetic("tune", cache)]
    clips += [(Sound.MUSIC, pcm) for _, pcm in music("tune")]
    for truth, pcm in clips:
        sc = SoundClassifier()
        for i, _ in stream(pcm, sc):
            if i < 50 or i % 25:
                continue
            f = sc.features()
            if f["active"] < 0.3 or f["tonal"] > 5:
                continue
            rows.append([f[k] for k in SCORE_FEATURES])
            labels.append(1.0 if truth is Sound.SPEECH else 0.0)
    x, y = np.array(rows), np.array(labels)
    floored = x.copy()
    h = SCORE_FEATURES.index("harmonicity")
    floored[:, h] = np.maximum(floored[:, h], HARMONICITY_FLOOR)
    center = np.round(floored.mean(axis=0), 3)
    scale = np.round(floored.std(axis=0), 3)
    c, s = tuple(float(v) for v in center), tuple(float(v) for v in scale)
    z = np.array([score_inputs(dict(zip(SCORE_FEATURES, row)), c, s) for row in x])
    z = np.c_[z, np.ones(len(x))]
    # class-balanced Newton iterations with a little ridge
    weight = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (weight * (p - y)) + 0.01 * w
        hess = (z * (weight * p * (1 - p))[:, None]).T @ z + 0.01 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    score = z @ w
    print(f"fitted on {len(y)} tuning windows ({int(y.sum())} speech); training accuracy: "
          f"speech {np.mean(score[y > 0] > 0):.3f}, music {np.mean(score[y == 0] < 0):.3f}")
    for name, v in zip(SCORE_FEATURES, x.T):
        print(f"  {name:14s} speech median {np.median(v[y > 0]):.3f}  "
              f"music median {np.median(v[y == 0]):.3f}")
    print(f"SCORE_FEATURES = {SCORE_FEATURES}")
    print(f"SCORE_CENTER = {tuple(float(v) for v in center)}")
    print(f"SCORE_SCALE = {tuple(float(v) for v in scale)}")
    print(f"SCORE_WEIGHTS = {tuple(round(float(v), 2) for v in w[:-1])}")
    print(f"SCORE_BIAS = {round(float(w[-1]), 2)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "tune", "all"), default="test")
    parser.add_argument("--fit", action="store_true", help="refit the speech/music score")
    parser.add_argument("--cache", type=Path, help="folder for synthesised speech (kept)")
    args = parser.parse_args()
    if not (SOUNDS / "en").is_dir() or not MOH.is_dir():
        raise SystemExit("install asterisk-core-sounds-en-wav and asterisk-moh-opsound-wav")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        if args.fit:
            fit(cache)
            return
        confusion(args.split, cache)
        scenarios(args.split, cache)
        continuous(args.split, cache)
        cpu_per_hour(cache)


if __name__ == "__main__":
    main()
