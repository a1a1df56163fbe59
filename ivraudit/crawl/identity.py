"""Is this prompt one we have heard before?

A prompt heard again (a loop, "back to the main menu", two paths to one node, a repeat after
a timeout) must become the same node, not a duplicate. Two signals decide:

- an **audio fingerprint**: log energy in 12 telephone bands per 20 ms frame. Recordings
  replayed by an IVR come back nearly sample-identical, so matching fingerprints is strong
  evidence and costs no transcription. IVRs build prompts from shared segments ("press 0 to
  reach an operator, press star to return to the main menu" ends several menus), so two
  prompts must agree in *every* second, not on average: the score is the worst one-second
  window's correlation at the best alignment (the same recording replayed: 0.97-1.0; two
  menus sharing their last two thirds: 0.48, where the whole-prompt correlation said 0.87);
- **transcript similarity**, for the borderline cases (a prompt cut a little differently,
  shifted by part of a frame, line noise): the same words mean the same prompt, and one word
  of difference can mean another.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

BANDS = 12
SAME_AUDIO = 0.90
"""Worst-window fingerprint correlation above which two prompts may be the same recording:
the same recording replayed scores 0.97-1.0; two flite prompts that differ in one word
("Our trash information is on our web site" / "Our cards information ...") up to 0.87, and
up to 0.905 for two that differ in one similar-sounding word ("Students details are on our
web site" / "Seniors details ..."), so below CERTAIN_AUDIO the words must agree too."""
CERTAIN_AUDIO = 0.97
"""Above this the audio alone says it is the same recording."""
MAYBE_SAME_AUDIO = 0.60
"""Between this and SAME_AUDIO the transcripts decide."""
SAME_WORDS = 0.97
"""Transcript similarity (difflib ratio over words) that makes two prompts of similar audio
the same: all but one word in thirty. One word is often all that tells two nodes apart
("...reached the billing team" / "...the claims team": 0.9)."""
MAX_LAG_FRAMES = 10
WINDOW_FRAMES = 50
"""One second: short enough that one differing phrase spoils its window."""

Fingerprint = npt.NDArray[np.float32]

_EDGES_HZ = np.geomspace(200, 3600, BANDS + 1)
_BIN_HZ = np.fft.rfftfreq(256, 1 / SAMPLE_RATE)
_BAND_OF_BIN = np.digitize(_BIN_HZ, _EDGES_HZ) - 1


def fingerprint(pcm: Pcm) -> Fingerprint:
    """Per-frame log band energies, each band centred, shape (frames, BANDS)."""
    count = len(pcm) // FRAME_SAMPLES
    if count == 0:
        return np.zeros((0, BANDS), dtype=np.float32)
    frames = pcm[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * np.hanning(FRAME_SAMPLES), n=256)) ** 2
    bands = np.zeros((count, BANDS), dtype=np.float32)
    for band in range(BANDS):
        bands[:, band] = power[:, _BAND_OF_BIN == band].sum(axis=1)
    logs = np.log10(bands + 1e3)
    return (logs - logs.mean(axis=0)).astype(np.float32)


def audio_similarity(a: Fingerprint, b: Fingerprint, max_lag: int = MAX_LAG_FRAMES) -> float:
    """Worst one-second correlation of two fingerprints at their best alignment.

    0 when their lengths differ a lot. Windows where both sides are flat (silence) carry no
    evidence and are skipped; a prompt that is all silence scores 0.
    """
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
    windows = [_correlation(x[start:start + WINDOW_FRAMES], y[start:start + WINDOW_FRAMES])
               for start in _window_starts(len(x))]
    scores = [w for w in windows if w is not None]
    return max(0.0, min(scores)) if scores else 0.0


def _window_starts(frames: int) -> list[int]:
    """Where the one-second windows of ``frames`` frames of aligned fingerprints start: back
    to back from the first frame; a short tail (under half a second) joins no window, as the
    ends of two recordings of one prompt are cut a little differently."""
    return [start for start in range(0, frames, WINDOW_FRAMES)
            if start == 0 or frames - start >= WINDOW_FRAMES // 2]


def prefix_similarity(heard: Fingerprint, known: Fingerprint) -> float:
    """How well ``heard`` matches the beginning of ``known`` (or ``known`` of ``heard``).

    For prompts heard only in part: a caller typing ahead stops listening after a second or
    two, and a hold's recording is only its spoken part.
    """
    n = min(len(heard), len(known))
    if n == 0 or n < 0.5 * max(len(heard), len(known)) and len(heard) >= len(known):
        return 0.0
    return audio_similarity(centred(heard[:n]), centred(known[:n]))


def centred(part: Fingerprint) -> Fingerprint:
    """A part of a fingerprint as :func:`fingerprint` gives it for that part of the audio.

    A fingerprint's bands are centred on the whole prompt, so its first second is not what
    fingerprinting the first second gives: the offset is the difference between the first
    second's spectral balance and the prompt's. Compared as they are, the same recording's
    beginning scored 0.815 ("Zulu golf...", 0.4 s, generated maze: its z's are bright);
    centred on the same span, 1.00. Centring is linear, so this is exact.
    """
    return (part - part.mean(axis=0)).astype(np.float32) if len(part) else part


def prefix_similarities(heard: Fingerprint, known: list[Fingerprint]) -> list[float]:
    """:func:`prefix_similarity` of ``heard`` with each of ``known`` (each at least as long),
    computed for all of them at once: the same alignment search and worst one-second window as
    :func:`audio_similarity`, on arrays stacked over the known prompts."""
    n = len(heard)
    if not known:
        return []
    if n == 0:
        return [0.0] * len(known)
    stack = np.stack([centred(k[:n]) for k in known]).astype(np.float64)  # (prompts, n, bands)
    a = centred(heard).astype(np.float64)
    best = np.full(len(known), -1.0)
    best_lag = np.zeros(len(known), dtype=int)
    for lag in range(-MAX_LAG_FRAMES, MAX_LAG_FRAMES + 1):
        m = n - abs(lag)
        if m < 0.8 * n or m <= 0:
            continue
        x = a[max(0, lag): max(0, lag) + m]
        y = stack[:, max(0, -lag): max(0, -lag) + m]
        score = _correlations(x, y)
        better = score > best
        best[better], best_lag[better] = score[better], lag
    out = np.zeros(len(known))
    for lag in np.unique(best_lag[best > 0]):
        group = np.flatnonzero((best_lag == lag) & (best > 0))
        m = n - abs(int(lag))
        x = a[max(0, lag): max(0, lag) + m]
        y = stack[group, max(0, -lag): max(0, -lag) + m]
        worst = np.full(len(group), np.inf)
        seen = np.zeros(len(group), dtype=bool)
        for start in _window_starts(m):
            window = _correlations(x[start:start + WINDOW_FRAMES], y[:, start:start + WINDOW_FRAMES])
            valid = ~np.isnan(window)
            worst[valid] = np.minimum(worst[valid], window[valid])
            seen |= valid
        out[group] = np.where(seen, np.maximum(0.0, worst), 0.0)
    return [float(v) for v in out]


def _correlations(x: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """:func:`_correlation` of ``x`` with each of ``ys`` (NaN where either side is flat)."""
    xs = x - x.mean()
    centred = ys - ys.mean(axis=(1, 2), keepdims=True)
    numerator = (centred * xs).sum(axis=(1, 2))
    denominator = np.sqrt((xs * xs).sum() * (centred * centred).sum(axis=(1, 2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def continues_prompt(after: Fingerprint, known: Fingerprint, at_frame: int) -> bool:
    """Is ``after`` the part of the ``known`` prompt that follows its first ``at_frame`` frames?

    Asked after keys went in early: a prompt that goes on ignored them. Too little of the
    known prompt left to compare means it was ending anyway, so what follows is not it.
    """
    segment = known[max(0, at_frame - MAX_LAG_FRAMES): at_frame + len(after) + MAX_LAG_FRAMES]
    if len(after) < 5 or len(segment) < len(after) // 2 + MAX_LAG_FRAMES:
        return False
    best = 0.0
    for start in range(0, max(1, len(segment) - len(after) // 2)):
        x = after[: len(segment) - start]
        y = segment[start: start + len(x)]
        if len(x) < max(5, len(after) // 2):
            break
        score = _correlation(centred(x), centred(y))
        if score is not None:
            best = max(best, score)
    return best >= MAYBE_SAME_AUDIO


def _aligned(a: Fingerprint, b: Fingerprint, lag: int) -> tuple[Fingerprint, Fingerprint]:
    x, y = a[max(0, lag):], b[max(0, -lag):]
    n = min(len(x), len(y))
    return x[:n], y[:n]


def _correlation(x: Fingerprint, y: Fingerprint) -> float | None:
    xs, ys = x.ravel() - x.mean(), y.ravel() - y.mean()
    denom = float(np.sqrt((xs * xs).sum() * (ys * ys).sum()))
    return float((xs * ys).sum()) / denom if denom > 0 else None


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def unique_prefix(scores: list[tuple[float, str]], threshold: float) -> str | None:
    """The best of ``scores`` if it reaches ``threshold`` and no other could be the same."""
    if not scores or scores[0][0] < threshold:
        return None
    if len(scores) > 1 and scores[1][0] >= min(threshold, SAME_AUDIO):
        return None
    return scores[0][1]


class PrefixWatch:
    """Matches a prompt against the known prompts while it is being heard.

    Asked every 0.2 s with the audio so far, it compares only the prompts still in the running:
    one the beginning has stopped resembling (below MAYBE_SAME_AUDIO) only resembles it less as
    more is heard, as the score is the worst window's. On a 200-node tree that is the
    difference between comparing 200 prompts five times a second and comparing a handful
    (bench/crawl_cost.py's CPU column). A prompt first known while this one plays is not
    watched for; the prompt heard out is still matched in full.
    """

    def __init__(self, index: "PromptIndex") -> None:
        self.index = index
        self.alive: set[str] | None = None

    def scores(self, print_: Fingerprint) -> list[tuple[float, str]]:
        scores = self.index.prefix_scores(print_, self.alive)
        self.alive = {node_id for score, node_id in scores if score >= MAYBE_SAME_AUDIO}
        return scores


def text_similarity(a: str, b: str) -> float:
    """Similarity of two transcripts by their words (punctuation and case ignored)."""
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()


@dataclass
class PromptIndex:
    """The prompts of the known nodes, for telling a new prompt from one heard before."""

    prints: dict[str, Fingerprint] = field(default_factory=dict)
    transcripts: dict[str, str] = field(default_factory=dict)

    def add(self, node_id: str, print_: Fingerprint, transcript: str) -> None:
        self.prints[node_id] = print_
        self.transcripts[node_id] = transcript

    def candidates(self, print_: Fingerprint) -> list[tuple[float, str]]:
        """Known nodes whose audio might be this prompt, best first, with their scores."""
        scored = [(audio_similarity(print_, known), node_id)
                  for node_id, known in self.prints.items()]
        return sorted((s for s in scored if s[0] >= MAYBE_SAME_AUDIO), reverse=True)

    def match_prefix(self, print_: Fingerprint, threshold: float = SAME_AUDIO) -> str | None:
        """The one known node whose prompt begins with this audio, or None (none, or several).

        Only a unique match counts: while two known prompts begin alike, keep listening. On a
        mapped path, where the prompt expected is known, SAME_AUDIO will do; to take what a
        probe led to for a known prompt without hearing it out, ask for CERTAIN_AUDIO.
        """
        return unique_prefix(self.prefix_scores(print_), threshold)

    def prefix_scores(self, print_: Fingerprint,
                      among: set[str] | None = None) -> list[tuple[float, str]]:
        """How well this audio begins each known prompt (of ``among``, if given), best first;
        prompts shorter than the audio are left out. The prompts at least as long as the
        audio are scored together (:func:`prefix_similarities`), the same numbers as
        :func:`prefix_similarity` gives one by one, at a fraction of the cost."""
        known = self.prints if among is None else {n: self.prints[n] for n in among}
        longer = [n for n, p in known.items() if len(p) >= len(print_)]
        scored = list(zip(prefix_similarities(print_, [known[n] for n in longer]), longer))
        scored += [(prefix_similarity(print_, p), n) for n, p in known.items()
                   if len(print_) - MAX_LAG_FRAMES <= len(p) < len(print_)]
        return sorted(scored, reverse=True)

    def match(self, print_: Fingerprint, transcribe: "callable[[], str]") -> str | None:
        """The known node this prompt is, or None. ``transcribe`` is called only if needed."""
        candidates = self.candidates(print_)
        if not candidates:
            return None
        score, node_id = candidates[0]
        if score >= CERTAIN_AUDIO and (len(candidates) == 1 or candidates[1][0] < CERTAIN_AUDIO):
            return node_id
        text = transcribe()
        for _, node_id in candidates:
            if text_similarity(text, self.transcripts[node_id]) >= SAME_WORDS:
                return node_id
        return None
