"""Audio fingerprints: is this the same recording?

An **audio fingerprint** is the log energy in 12 telephone bands per 20 ms frame. Recordings
replayed by an IVR come back nearly sample-identical, so matching fingerprints is strong
evidence and costs no transcription. IVRs build prompts from shared segments ("press 0 to
reach an operator, press star to return to the main menu" ends several menus), so two prompts
must agree in *every* second, not on average: the score is the worst one-second window's
correlation at the best alignment (the same recording replayed: 0.97-1.0; two menus sharing
their last two thirds: 0.48, where the whole-prompt correlation said 0.87).
"""

from __future__ import annotations

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
MAX_LAG_FRAMES = 10
WINDOW_FRAMES = 50
"""One second: short enough that one differing phrase spoils its window."""

Fingerprint = npt.NDArray[np.float32]

_EDGES_HZ = np.geomspace(200, 3600, BANDS + 1)
_BIN_HZ = np.fft.rfftfreq(256, 1 / SAMPLE_RATE)
_BAND_OF_BIN = np.digitize(_BIN_HZ, _EDGES_HZ) - 1


_WINDOW = np.hanning(FRAME_SAMPLES)

BandEnergies = npt.NDArray[np.float32]


def fingerprint(pcm: Pcm) -> Fingerprint:
    """Per-frame log band energies, each band centred, shape (frames, BANDS)."""
    return _from_energies(_band_energies(pcm))


def _band_energies(pcm: Pcm) -> BandEnergies:
    """The energy in each band of each whole 20 ms frame of ``pcm``, shape (frames, BANDS):
    a frame's depends on its samples alone."""
    count = len(pcm) // FRAME_SAMPLES
    if count == 0:
        return np.zeros((0, BANDS), dtype=np.float32)
    frames = pcm[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * _WINDOW, n=256)) ** 2
    bands = np.zeros((count, BANDS), dtype=np.float32)
    for band in range(BANDS):
        bands[:, band] = power[:, _BAND_OF_BIN == band].sum(axis=1)
    return bands


def _from_energies(bands: BandEnergies) -> Fingerprint:
    """The fingerprint of the audio whose band energies are ``bands``: floored at its line's
    noise, logged and centred, all of which depend on the whole of it. ``bands`` may hold
    several stretches of one length, stacked on a first axis: each is its own."""
    frames = bands.shape[-2]
    if frames == 0:
        return np.zeros(bands.shape, dtype=np.float32)
    logs = np.log10(bands + _floor(bands))
    return (logs - logs.mean(axis=-2, keepdims=True)).astype(np.float32)


LINE_FLOOR_PERCENTILE = 5
"""A hearing's quietest 5% of frames, per band, are its line's noise (a prompt pauses between
words for more than that share of its frames)."""


def _floor(bands: npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | float:
    """The level each band is floored at: twice the line's noise in it, heard in the
    prompt's own pauses (a second or more of it), and at least a level far under any sound.

    Below the noise, frames carry the noise's chance, not the recording: the same recording
    heard on two calls of a hissing line (noise under the pauses, each call's its own)
    scored 0.96, under CERTAIN_AUDIO, and Whisper wrote its words otherwise each time, so it
    became four nodes (zoo seeds 20050, 20054); floored at the noise, 0.987-0.989. Different
    recordings of the zoo's trees score no higher than before (at most 0.38)."""
    if bands.shape[-2] < WINDOW_FRAMES:
        return 1e3
    noise = np.percentile(bands, LINE_FLOOR_PERCENTILE, axis=-2, keepdims=True)
    return np.maximum(1e3, 2.0 * noise).astype(np.float32)


def audio_similarity(a: Fingerprint, b: Fingerprint, max_lag: int = MAX_LAG_FRAMES,
                     worst: bool = True) -> float:
    """Worst one-second correlation of two fingerprints at their best alignment (with
    ``worst`` False, their mean: see :func:`overlap_similarity`).

    0 when their lengths differ a lot. Windows where both sides are flat (silence) carry no
    evidence and are skipped; a prompt that is all silence scores 0.
    """
    return float(_similarities(a[None], b, max_lag, worst)[0])


def _similarities(parts: npt.NDArray[np.floating], known: Fingerprint,
                  max_lag: int = MAX_LAG_FRAMES, worst: bool = True) -> npt.NDArray[np.float64]:
    """:func:`audio_similarity` of each of ``parts`` (fingerprints of one length, stacked)
    with ``known``, all at once.

    Every alignment's correlation, and every window's, comes from running sums over the
    frames rather than from the frames again for each: a crawl asks this tens of thousands
    of times (a queue's words tried against its announcements from every start and at every
    phase), and correlating 21 alignments one by one was a quarter of a crawl's time. The
    sums agree with correlating the frames to within 1e-6."""
    count, frames = parts.shape[0], parts.shape[1]
    out = np.zeros(count)
    shorter, longer = sorted((frames, len(known)))
    if shorter == 0 or shorter < 0.85 * longer - max_lag:
        return out
    lags = np.arange(-max_lag, max_lag + 1)
    x_from, y_from = np.maximum(lags, 0), np.maximum(-lags, 0)
    spans = np.minimum(frames - x_from, len(known) - y_from)
    usable = (spans > 0) & (spans >= 0.8 * shorter)
    if not usable.any():
        return out
    lags, x_from, y_from, spans = lags[usable], x_from[usable], y_from[usable], spans[usable]
    x, y = parts.astype(np.float64), known.astype(np.float64)
    # products[s, i, j]: part s's frame i against known's frame i - lag, lag = max_lag - j
    padded = np.zeros((frames + 2 * max_lag, BANDS))
    kept = min(len(y), frames + max_lag)
    padded[max_lag: max_lag + kept] = y[:kept]
    ahead = np.lib.stride_tricks.sliding_window_view(padded, (2 * max_lag + 1, BANDS))[:, 0]
    products = _running(np.einsum("sib,ijb->sij", x, ahead), axis=1)
    xs, xq = _running(x.sum(axis=2), axis=1), _running((x * x).sum(axis=2), axis=1)
    ys, yq = _running(y.sum(axis=1), axis=0), _running((y * y).sum(axis=1), axis=0)
    column = max_lag - lags
    x_to, y_to = x_from + spans, y_from + spans
    scores = _pearson(products[:, x_to, column] - products[:, x_from, column],
                      (xs[:, x_to] - xs[:, x_from], xq[:, x_to] - xq[:, x_from]),
                      (ys[y_to] - ys[y_from], yq[y_to] - yq[y_from]), spans * BANDS)
    scored = ~np.isnan(scores).all(axis=1)
    best = np.zeros(count, dtype=int)
    best[scored] = np.nanargmax(scores[scored], axis=1)  # (the first of equals, as lags go up)
    scored &= scores[np.arange(count), best] > 0
    for lag in np.unique(best[scored]):  # the parts aligned alike are windowed alike
        group = np.flatnonzero(scored & (best == lag))
        starts = np.array(_window_starts(int(spans[lag])))
        sizes = np.minimum(WINDOW_FRAMES, spans[lag] - starts)
        a0, b0 = x_from[lag] + starts, y_from[lag] + starts
        a1, b1 = a0 + sizes, b0 + sizes
        rows, j = group[:, None], column[lag]
        windows = _pearson(products[rows, a1, j] - products[rows, a0, j],
                           (xs[rows, a1] - xs[rows, a0], xq[rows, a1] - xq[rows, a0]),
                           (ys[b1] - ys[b0], yq[b1] - yq[b0]), sizes * BANDS)
        seen = ~np.isnan(windows)
        counted = seen.sum(axis=1)
        summary = (np.where(seen, windows, np.inf).min(axis=1) if worst
                   else np.where(seen, windows, 0.0).sum(axis=1) / np.maximum(counted, 1))
        out[group] = np.where(counted > 0, np.maximum(0.0, summary), 0.0)
    return out


def _running(values: npt.NDArray[np.float64], axis: int) -> npt.NDArray[np.float64]:
    """Running sums along ``axis``, from 0: a span's sum in two look-ups."""
    shape = list(values.shape)
    shape[axis] = 1
    return np.concatenate([np.zeros(shape), np.cumsum(values, axis=axis)], axis=axis)


FLAT = 1e-9
"""A span whose values vary by less than this share of their energy is flat: all one value,
which running sums leave a rounding's worth of variance."""


def _pearson(products: npt.NDArray[np.float64],
             x: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
             y: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
             counts: npt.NDArray[np.int_]) -> npt.NDArray[np.float64]:
    """Correlations from sums: ``products`` (of x * y), x's and y's (sum, sum of squares),
    over ``counts`` values each; NaN where either side is flat (where :func:`_correlation`
    gives None)."""
    (sx, sxx), (sy, syy) = x, y
    vx, vy = sxx - sx * sx / counts, syy - sy * sy / counts
    flat = (vx <= FLAT * np.abs(sxx)) | (vy <= FLAT * np.abs(syy))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(flat, np.nan, (products - sx * sy / counts)
                        / np.sqrt(np.where(flat, 1.0, vx * vy)))


END_SLACK_FRAMES = 5
"""The last 0.1 s of two hearings of one prompt may differ: where each was taken to end (the
end of speech, music confirmed) varies by a frame or two."""


def _window_starts(frames: int) -> list[int]:
    """Where the one-second windows of ``frames`` frames of aligned fingerprints start: back
    to back from the first frame; a short tail (under half a second) joins no window of its
    own, as the ends of two recordings of one prompt are cut a little differently, but one
    more window ends ``END_SLACK_FRAMES`` before it: a greeting's last word is what tells
    two people of one house apart ("Thanks for calling Lakeside Family Clinic. This is
    Omar." / "... This is Keisha.", both cut where the voice's next words scored as music:
    0.965 with the name left out, zoo seed 20034)."""
    starts = [start for start in range(0, frames, WINDOW_FRAMES)
              if start == 0 or frames - start >= WINDOW_FRAMES // 2]
    last = frames - END_SLACK_FRAMES - WINDOW_FRAMES
    if last > starts[-1] and frames - starts[-1] > WINDOW_FRAMES:
        starts.append(last)
    return starts


def prefix_similarity(heard: Fingerprint, known: Fingerprint, worst: bool = True) -> float:
    """How well ``heard`` matches the beginning of ``known`` (or ``known`` of ``heard``).

    For prompts heard only in part: a caller typing ahead stops listening after a second or
    two, and a hold's recording is only its spoken part.
    """
    n = min(len(heard), len(known))
    if n == 0 or n < 0.5 * max(len(heard), len(known)) and len(heard) >= len(known):
        return 0.0
    return audio_similarity(centred(heard[:n]), centred(known[:n]), worst=worst)


def overlap_similarity(a: Fingerprint, b: Fingerprint, worst: bool = True) -> float:
    """How well one of two recordings of a sound continues the other: the same music heard
    from its start one time and from a moment later the next (what a caller hears first of a
    queue depends on when the crawl began to listen). Offsets are tried every two lags, each
    with the lag search of :func:`prefix_similarity`; at least a second must overlap.

    ``worst`` False scores the windows' mean, for music: no recording of shared segments,
    where one differing second tells two prompts apart, but a track that may fade in, its
    first notes under the line's hiss (the same track's first second scored 0.875 on two
    calls, the next 0.97: zoo seed 25013; five zoo tracks against each other, at most 0.58)."""
    best = 0.0
    for shift in range(0, max(len(a), len(b)) - WINDOW_FRAMES + 1, 2 * MAX_LAG_FRAMES):
        for first, second in ((a, b[shift:]), (b, a[shift:])):
            if min(len(first), len(second)) >= WINDOW_FRAMES:
                best = max(best, prefix_similarity(first, second, worst))
    return best


def anchored_similarity(heard: Fingerprint, known: Fingerprint, worst: bool = True) -> float:
    """How well ``heard``, from its first frame, continues ``known`` from some point of it
    (the same music heard from a moment later): :func:`overlap_similarity` with ``heard``
    held at its start, so that words before the music ("Please hold", then the track a
    queue with no prompt plays) keep it from matching."""
    best = 0.0
    for shift in range(0, len(known) - WINDOW_FRAMES + 1, 2 * MAX_LAG_FRAMES):
        if len(heard) >= WINDOW_FRAMES:
            best = max(best, prefix_similarity(heard, known[shift:], worst))
    return best


SUBFRAME_STEP_SAMPLES = FRAME_SAMPLES // 8
"""2.5 ms: the steps in which a recording found inside another is aligned to its samples."""


class PhasedAudio:
    """Audio whose parts are fingerprinted from many starts and at many sub-frame phases (a
    queue's words tried against its announcements from each of their first 50 frames, at 5
    phases each): each phase's band energies are computed once, for all of the audio, and a
    part's fingerprint is made from its frames' (the same numbers :func:`fingerprint` gives
    for the part: a frame's energies depend on its samples alone)."""

    def __init__(self, audio: Pcm) -> None:
        self.audio = audio
        self._energies: dict[int, BandEnergies] = {}

    def fingerprints(self, firsts: list[int], frames: int) -> Fingerprint:
        """``fingerprint(audio[first: first + frames * FRAME_SAMPLES])`` for each of
        ``firsts``, stacked (each must have ``frames`` frames of audio from it)."""
        return _from_energies(np.stack([self._at(first)[first // FRAME_SAMPLES:][:frames]
                                        for first in firsts]))

    def frames_from(self, first: int) -> int:
        """How many whole frames the audio has from sample ``first``."""
        return max(0, len(self.audio) - first) // FRAME_SAMPLES

    def _at(self, first: int) -> BandEnergies:
        """The band energies of the frames at ``first``'s phase."""
        phase = first % FRAME_SAMPLES
        energies = self._energies.get(phase)
        if energies is None:
            energies = self._energies[phase] = _band_energies(self.audio[phase:])
        return energies


def similarity_at_any_phase(audio: Pcm, start: int, end: int, known: Fingerprint) -> float:
    """How well frames ``start``-``end`` of ``audio`` are the recording ``known``, fingerprinted
    again a fraction of a frame earlier or later for the best score.

    Where a recording begins on the 20 ms frames a call is heard in depends on the line: one
    played straight after another (a message, then the menu) begins wherever the first ended,
    and Asterisk starts a menu after a key at any phase of its packets. Frames that straddle
    its sounds differently score lower: the same Asterisk menu scored 0.83-0.89 on the grid
    (inside a chain; reached by another key) and 0.99-1.0 once aligned to its samples."""
    parts: dict[int, list[Fingerprint]] = {}
    for shift in range(-FRAME_SAMPLES // 2, FRAME_SAMPLES // 2 + 1, SUBFRAME_STEP_SAMPLES):
        first = start * FRAME_SAMPLES + shift
        if first >= 0:
            part = fingerprint(audio[first: end * FRAME_SAMPLES + max(shift, 0)])
            parts.setdefault(len(part), []).append(part)
    return max((float(_similarities(np.stack(alike), known).max()) for alike in parts.values()),
               default=0.0)


def begins_like_from_any(heard: PhasedAudio, known: Pcm, whole: Fingerprint,
                         starts: range) -> float:
    """How well ``heard``, from the best of its frames ``starts``, is the beginning of the
    recording ``known`` (fingerprint ``whole``), aligned to the sample (see
    :func:`similarity_at_any_phase`, from no earlier than that frame): for a recording played
    again on one call, cut short (a queue's announcement, interrupted by the agent who
    answers), which begins wherever the line was in its 20 ms frames, after whatever else
    the line played first. The parts compared with one beginning of ``known`` that are of
    one length are fingerprinted and scored together."""
    groups: dict[tuple[int, int], list[int]] = {}
    for start in starts:
        frames = min(heard.frames_from(start * FRAME_SAMPLES), len(whole))
        for shift in range(0, FRAME_SAMPLES // 2 + 1, SUBFRAME_STEP_SAMPLES) if frames > 0 else ():
            first = start * FRAME_SAMPLES + shift
            groups.setdefault((frames, min(frames, heard.frames_from(first))), []).append(first)
    return max((float(_similarities(heard.fingerprints(firsts, length),
                                     centred(whole[:frames])).max())
                for (frames, length), firsts in groups.items()), default=0.0)


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


def continues_prompt(after: Fingerprint, known: Fingerprint, at_frame: int,
                     aligned: bool = False, least: float = MAYBE_SAME_AUDIO) -> bool:
    """Is ``after`` the part of the ``known`` prompt that follows its first ``at_frame`` frames?

    Asked after keys went in early: a prompt that goes on ignored them. Too little of the
    known prompt left to compare means it was ending anyway, so what follows is not it.
    ``aligned``: only where it is due, give or take MAX_LAG_FRAMES. Otherwise it may also
    be heard later, overlapping the known prompt by half: a short stretch, heard late on a
    line with delay. A long stretch heard there is due there: half of it, 0.8 s later than
    due, is alike enough for another prompt in the same voice (0.69: zoo seed 21021, the
    invalid message after a wrong key, taken for the menu going on); the menu that goes on
    scores 0.99 where due. ``least``: the score that says it is (a caller who knows more of
    the prompt may ask for more than a maybe).
    """
    segment = known[max(0, at_frame - MAX_LAG_FRAMES): at_frame + len(after) + MAX_LAG_FRAMES]
    if len(after) < 5 or len(segment) < len(after) // 2 + MAX_LAG_FRAMES:
        return False
    best = 0.0
    starts = range(max(1, len(segment) - len(after) // 2))
    for start in starts[: 2 * MAX_LAG_FRAMES + 1] if aligned else starts:
        x = after[: len(segment) - start]
        y = segment[start: start + len(x)]
        if len(x) < max(5, len(after) // 2):
            break
        score = _correlation(centred(x), centred(y))
        if score is not None:
            best = max(best, score)
    return best >= least


def _correlation(x: Fingerprint, y: Fingerprint) -> float | None:
    xs, ys = x.ravel() - x.mean(), y.ravel() - y.mean()
    denom = float(np.sqrt((xs * xs).sum() * (ys * ys).sum()))
    return float((xs * ys).sum()) / denom if denom > 0 else None
