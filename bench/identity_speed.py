"""How fast prompts are compared by their fingerprints, against the frame-by-frame reference.

Identity (ivraudit.identity.fingerprint) scores two fingerprints by their worst one-second
window at their best alignment, and a queue's words are tried against each announcement it
played from each of 51 starts at 5 sub-frame phases (ivraudit.crawl.announcements). The
reference below correlates each alignment and window frame by frame and fingerprints every
part anew, as the crawler did until 2026-12-07, when that was a quarter of a queue crawl's
CPU. Both run side by side on the bundled recordings; printed: the speed-up and the largest
difference between their scores (they must agree: no threshold may fall differently).

    python bench/identity_speed.py [--pairs N] [--searches N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit.identity.fingerprint import (  # noqa: E402
    FRAME_SAMPLES,
    MAX_LAG_FRAMES,
    MAYBE_SAME_AUDIO,
    SAME_AUDIO,
    SUBFRAME_STEP_SAMPLES,
    PhasedAudio,
    _window_starts,
    audio_similarity,
    begins_like_from_any,
    centred,
    fingerprint,
)
from ivraudit.telephony.wav import read_telephone_audio  # noqa: E402

THRESHOLDS = (MAYBE_SAME_AUDIO, SAME_AUDIO, 0.97)


def reference_similarity(a: np.ndarray, b: np.ndarray, max_lag: int = MAX_LAG_FRAMES) -> float:
    """audio_similarity as it was: every lag and window correlated from the frames."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    shorter, longer = sorted((len(a), len(b)))
    if shorter < 0.85 * longer - max_lag:
        return 0.0
    best, best_lag = -1.0, 0
    for lag in range(-max_lag, max_lag + 1):
        x, y = _aligned(a, b, lag)
        if len(x) < 0.8 * shorter:
            continue
        score = _correlation(x, y)
        if score is not None and score > best:
            best, best_lag = score, lag
    if best <= 0:
        return 0.0
    x, y = _aligned(a, b, best_lag)
    scores = [w for w in (_correlation(x[s:s + 50], y[s:s + 50]) for s in _window_starts(len(x)))
              if w is not None]
    return max(0.0, min(scores)) if scores else 0.0


def reference_begins_like(heard: np.ndarray, known: np.ndarray, whole: np.ndarray,
                          starts: range) -> float:
    """begins_like_from_any as it was: each start and phase fingerprinted and scored alone."""
    best = 0.0
    for start in starts:
        part = heard[start * FRAME_SAMPLES:]
        frames = min(len(part) // FRAME_SAMPLES, len(whole))
        for shift in range(0, FRAME_SAMPLES // 2 + 1, SUBFRAME_STEP_SAMPLES) if frames else ():
            fp = fingerprint(part[shift: frames * FRAME_SAMPLES + shift])
            best = max(best, reference_similarity(fp, centred(whole[:frames])))
    return best


def _aligned(a: np.ndarray, b: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = a[max(0, lag):], b[max(0, -lag):]
    n = min(len(x), len(y))
    return x[:n], y[:n]


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    xs, ys = x.ravel() - x.mean(), y.ravel() - y.mean()
    denom = float(np.sqrt((xs * xs).sum() * (ys * ys).sum()))
    return float((xs * ys).sum()) / denom if denom > 0 else None


def _recordings() -> list[np.ndarray]:
    out = []
    for path in sorted((ROOT / "fixtures" / "recordings").glob("*/*.wav")):
        pcm = read_telephone_audio(path)
        if len(pcm) >= 16000:
            out.append(pcm)
    return out


def _crossed(a: float, b: float) -> int:
    return sum((a >= t) != (b >= t) for t in THRESHOLDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000, help="fingerprint pairs compared")
    parser.add_argument("--searches", type=int, default=60, help="51-start searches")
    args = parser.parse_args()
    audio, rng = _recordings(), np.random.default_rng(7)
    print(f"{len(audio)} bundled recordings of at least 2 s")

    pairs = []
    for _ in range(args.pairs):
        a = audio[rng.integers(len(audio))]
        same = rng.random() < 0.5
        b = a if same else audio[rng.integers(len(audio))]
        start = int(rng.integers(0, len(a) // 4))
        length = int(rng.integers(1600, len(a) - start + 1))
        other = max(0, start + int(rng.integers(-800, 800))) if same else int(rng.integers(0, len(b) // 4))
        pairs.append((fingerprint(a[start:start + length]),
                      fingerprint(b[other:other + length + int(rng.integers(-400, 400))])))
    began = time.perf_counter()
    old = [reference_similarity(a, b) for a, b in pairs]
    reference = time.perf_counter() - began
    began = time.perf_counter()
    new = [audio_similarity(a, b) for a, b in pairs]
    now = time.perf_counter() - began
    diff = max(abs(x - y) for x, y in zip(old, new))
    crossed = sum(_crossed(x, y) for x, y in zip(old, new))
    print(f"audio_similarity, {len(pairs)} pairs: reference {reference:.2f} s, now {now:.2f} s "
          f"({reference / now:.1f}x); largest difference {diff:.1e}, thresholds crossed "
          f"differently {crossed}")

    searches = []
    for _ in range(args.searches):
        said = audio[rng.integers(len(audio))]
        known = said[: int(rng.integers(8000, len(said)))]
        if rng.random() < 0.5:  # the announcement again, after some of the queue's sound
            lead = rng.integers(-40, 40, int(rng.integers(0, 8000))).astype(np.int16)
            heard = np.concatenate([lead, known[: int(rng.integers(2400, len(known)))]])
        else:
            other = audio[rng.integers(len(audio))]
            heard = other[: int(rng.integers(2400, len(other)))]
        starts = range(0, max(0, min(len(heard) // FRAME_SAMPLES - 15, 50)) + 1)
        searches.append((heard, known, fingerprint(known), starts))
    began = time.perf_counter()
    old = [reference_begins_like(h, k, w, s) for h, k, w, s in searches]
    reference = time.perf_counter() - began
    began = time.perf_counter()
    new = [begins_like_from_any(PhasedAudio(h), k, w, s) for h, k, w, s in searches]
    now = time.perf_counter() - began
    diff = max(abs(x - y) for x, y in zip(old, new))
    crossed = sum(_crossed(x, y) for x, y in zip(old, new))
    found = sum(x >= SAME_AUDIO for x in old)
    print(f"begins_like_from_any, {len(searches)} searches of up to 51 starts x 5 phases "
          f"({found} found): reference {reference:.2f} s, now {now:.2f} s "
          f"({reference / now:.1f}x); largest difference {diff:.1e}, thresholds crossed "
          f"differently {crossed}")


if __name__ == "__main__":
    main()
