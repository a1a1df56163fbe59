"""How well the sound classifier tells silence, speech, music and tones apart, and what it costs.

The data and its split into a tuning half and a held-out half are ``ivraudit.listen.corpus``
(Asterisk's recorded prompts, flite and espeak-ng voices, Asterisk's hold music, generated
tones and noise, all through μ-law; Debian packages, see there). The speech/music score's
weights are fitted on the tuning half only (``ivraudit.listen.fitting``). The choice of
features, the thresholds and the hysteresis were revised while looking at both halves'
errors, so the held-out figures are somewhat optimistic; the per-source lines and the
continuous runs show where the errors are.

Prints, for the held-out half (or ``--split tune``): a confusion matrix of ``window()`` after
a fresh classifier has heard each 2-4 s window, per-source accuracy, the two streaming
scenarios the listener depends on (a prompt running into hold music; an announcement
interrupting music), whole clips streamed start to end, and the CPU time to classify one hour
of line audio on one core.

    python bench/sound_classifier.py [--split test|tune|all] [--fit | --write] [--cache DIR]

``--fit`` refits the speech/music score on the tuning half and prints the constants, and
whether they are the ones in ``ivraudit/listen/fitted.py``; ``--write`` also writes them there.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit.listen import fitting  # noqa: E402
from ivraudit.listen.corpus import (  # noqa: E402
    CorpusUnavailable,
    labelled,
    music,
    prompts,
    require,
    sounding,
    stream,
    synthetic,
    verdict,
)
from ivraudit.listen.sound import Sound, SoundClassifier  # noqa: E402
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE  # noqa: E402

CLASSES = (Sound.SILENCE, Sound.SPEECH, Sound.MUSIC, Sound.TONE)


# -- running the classifier -------------------------------------------------------------------

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

def fit(cache: Path, write: bool) -> None:
    """Refit the score on the tuning half, print it and say whether it is the committed one;
    with ``write``, write it to ivraudit/listen/fitted.py."""
    result = fitting.fit(cache)
    print(result.summary())
    committed = fitting.constants(fitting.committed())
    changed = []
    for name, value in fitting.constants(result.score).items():
        print(fitting.assignment(name, value))
        if value != committed[name]:
            changed.append(fitting.assignment(name, committed[name]))
    where = os.path.relpath(fitting.FITTED_PATH, ROOT)
    if changed:
        print(f"differs from {where}, which has:\n" + "\n".join(changed))
    else:
        print(f"the same as {where}")
    if write:
        print(f"wrote {fitting.write(result.score)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "tune", "all"), default="test")
    parser.add_argument("--fit", action="store_true", help="refit the speech/music score")
    parser.add_argument("--write", action="store_true",
                        help="refit the speech/music score and write ivraudit/listen/fitted.py")
    parser.add_argument("--cache", type=Path, help="folder for synthesised speech (kept)")
    args = parser.parse_args()
    try:
        require()
    except CorpusUnavailable as exc:
        raise SystemExit(str(exc)) from None
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        if args.fit or args.write:
            fit(cache, write=args.write)
            return
        confusion(args.split, cache)
        scenarios(args.split, cache)
        continuous(args.split, cache)
        cpu_per_hour(cache)


if __name__ == "__main__":
    main()
