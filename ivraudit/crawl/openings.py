"""Do two queues play the same thing first? Music, a ring or silence, heard for a few seconds.

A queue's music or ring starts over for each caller, but what the crawl hears first of it
depends on when it began to listen: one ring is heard from any point of its cycle. So sound
is compared at any offset, a ring's cadence (when it sounds and when it pauses) at any
alignment of its pauses, and a ring's pitch by its spectrum, which no offset changes.

The line's noise between rings is no part of a queue: random, it never sounds the same twice.

Whether a sound is a ring is judged on each hearing by itself, and music can pass for one: a
held chord in its loudest bars is steady tones for a second (half the 4 s stretches of the
zoo's tracks did). Two hearings judged differently are compared as sound, which does not
depend on the judgement (see :func:`_same_track`).

Only a ring has a cadence. Music has quiet bars too, and a track that fades in is quiet for
its first seconds, but which of its frames fall under the listener's floor depends on the
call's noise and on where the listening began: the same track's two openings, their quiet
frames taken for pauses, had no cadence in common or, those frames silenced, scored 0.53
and 0.54 (zoo seeds 20037, 29235: 71 and 56 of 200 frames quiet, 93 and 83), 0.99 as
heard, and the queue reached a second way became its own twin. So music is compared as
heard, whatever its quiet frames.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ivraudit.identity.fingerprint import (
    SAME_AUDIO,
    fingerprint,
    overlap_similarity,
)
from ivraudit.listen.activity import quiet_frames
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

CADENCE_MIN_QUIET = 0.25
"""An opening quiet for this share of its frames or more has a cadence (a ring's pauses)."""
CADENCE_AGREEMENT = 0.9
"""Two cadences are one where this share of their overlapping frames agree, sounding or
quiet."""
CADENCE_MIN_OVERLAP_SECONDS = 0.5
"""Two openings compared at an offset must overlap for this long, across a change from
sound to pause or back in one of them: agreeing on a stretch of tone alone, or of pause
alone, says nothing of a cadence. Half a second, as a queue with no prompt is known again by
2 s of what it plays (ivraudit.crawl.mapper): two hearings of an American ring, 2 s on and
4 s off, overlap for a second from few pairs of points of its cycle (at 1.0 s, 48 of 225
pairs of points a quarter second apart differed, zoo seed 26052; at 0.5 s, the 4 that
share no moment of the cycle)."""
CADENCE_SLACK_FRAMES = 5
"""A burst heard whole may be this many frames (0.1 s) shorter than one heard from end to end
of another opening and still be one burst: its edges under hiss fall a frame or two either
way."""
PITCH_AGREEMENT = 0.7
"""Two rings are one where the spectra of their tones correlate this well (cosine of the
magnitudes, smoothed over PITCH_SMOOTH_HZ): one ring heard on two calls with hiss, from any
two of 12 points of its cycle, scores 0.935 or more; Europe's 425 Hz, America's 440+480 Hz
and Britain's 400+450 Hz against each other 0.213 at most (tests/test_queue_openings.py).
Their cadences alone cannot tell them apart: 1 s of tone then 3 s of pause is the start of a
European ring and the middle of an American one."""
RING_PAUSE_DEPTH_DB = 10.0
"""In a ring, a frame this far below its tones is a pause. A ring's tone is steady to a
decibel; the line's noise between rings, near the listener's absolute floor, is heard as
sound in one frame of three at random (zoo seed 21047: Europe's ring on an A-law line with
hiss at -47 dBFS), and two hearings of one ring then had no cadence in common."""
RING_MIN_TONE_FRAMES = 5
"""A ring heard for less than 0.1 s of tone is not known as one by its loudest frames (a
click is loud too). Sound beside a ring's tones as long, in a row, is something else (a
word): a burst's edges, frames partly filled, are one or two."""
RING_PURITY = 0.95
"""A ring's tones are one or two pure tones: this share of their power, or more, lies within
PURE_BAND_HZ of their two strongest frequencies. European, British and American rings from
any point of their cycle, under hiss 24 dB below them (the zoo's noisiest line): 0.97 or
more; the 210 four-second stretches of Debian's five hold tracks that their loudest frames
made a ring (a held chord), 0.91 at most."""
PURE_BAND_HZ = 15
"""How far from a ring's frequency its power may spread (a second's window, one generator's
drift)."""
PITCH_SMOOTH_HZ = 5
"""Spectral smoothing: tones a few hertz apart (one generator's drift) are one pitch."""


def sounds_like(opening: Pcm, known: Pcm | None) -> bool:
    """Do two openings sound the same? Silence sounds like silence; music like the same music
    at any offset; a ring like a ring of the same cadence and pitch, from any point of its
    cycle."""
    return _alike(opening, known) is not None


def alike_as_any_queue(opening: Pcm, known: Pcm | None) -> bool:
    """Do two openings sound the same only by what any queue of the line may play: silence,
    or a ring of one cadence and pitch? A line's ringback is its country's, the same for
    every queue behind it, and silence is silence; so two queues with no prompt of their own
    (or one prompt shared by both) that ring alike are not told apart by it (zoo seed 20054:
    two queues with one European ring). A track heard alike, sound for sound, is the
    queue's own choice of music."""
    return _alike(opening, known) in ("silence", "ring")


def plays_on(opening: Pcm, since: Pcm, stretch: Pcm) -> bool:
    """Does a queue that opened with ``opening`` play nothing but what any queue of the line
    may in ``stretch``, the end of ``since`` (all it played from its opening on): the ring
    it opened with there (its cadence and pitch, nothing else loud beside it), or silence
    all along since? Either says nobody answered it within ``stretch``: someone who answers
    stops the ring, and speaks before they fall silent to wait for the caller."""
    if all(quiet_frames(opening)):
        return all(quiet_frames(since))
    if _alike(stretch, opening) != "ring":
        return False
    quiet = quiet_frames(stretch)
    tones = _ring_tones(stretch, quiet)
    beside = 0  # (frames in a row that sound and are not the ring's tones)
    for is_quiet, is_tone in zip(quiet, tones if tones is not None else []):
        beside = 0 if is_quiet or is_tone else beside + 1
        if beside >= RING_MIN_TONE_FRAMES:
            return False  # words under the ring's level: _alike hears only its loudest
    return True


def _alike(opening: Pcm, known: Pcm | None) -> str | None:
    """How two openings sound the same: "silence", "ring" (cadence and pitch), "sound" (the
    same sound at some offset); None: they do not."""
    if known is None:
        return None
    (quiet, ringing), (known_quiet, known_ringing) = _pauses(opening), _pauses(known)
    if all(quiet) or all(known_quiet):
        return "silence" if all(quiet) and all(known_quiet) else None
    if ringing and known_ringing:
        tones, known_tones = _sounding(opening, quiet), _sounding(known, known_quiet)
        # (a ring heard within one burst has no pause: any cadence may hold it)
        cadence = not (_has_cadence(quiet) or _has_cadence(known_quiet)) or \
            _same_cadence(quiet, known_quiet)
        pitch = _tonal(tones) and _tonal(known_tones) and _same_pitch(tones, known_tones)
        if _pure(tones) and _pure(known_tones):
            return "ring" if cadence and pitch else None
        if cadence and pitch:
            return "sound"  # (a held chord of one track, heard alike)
    # Music, music and a ring, or a held chord heard otherwise: compared as sound. The
    # quiet frames of music are no cadence: its quiet bars fall under the line's floor on one
    # call and not on the next, and only a ring's pauses are its own (see _same_track).
    return "sound" if _same_track(opening, known) else None


def _pauses(audio: Pcm) -> tuple[list[bool], bool]:
    """Which frames of ``audio`` are quiet: below the listener's floor, and in a ring (its
    loudest frames, RING_PAUSE_DEPTH_DB from the loudest, are steady tones) all the others;
    and whether it was heard as a ring so."""
    quiet = quiet_frames(audio)
    strong = _ring_tones(audio, quiet)
    if strong is None:
        return quiet, False
    return [q or not bool(s) for q, s in zip(quiet, strong)], True


def _ring_tones(audio: Pcm, quiet: list[bool]) -> npt.NDArray[np.bool_] | None:
    """Which frames of ``audio`` are a ring's tones (its loudest, RING_PAUSE_DEPTH_DB from the
    loudest, where those are steady tones); None where they are not (music, a voice)."""
    if all(quiet):
        return None
    frames = audio[: len(quiet) * FRAME_SAMPLES].astype(np.float64).reshape(-1, FRAME_SAMPLES)
    power = (frames ** 2).mean(axis=1)
    strong = power >= float(power.max()) * 10 ** (-RING_PAUSE_DEPTH_DB / 10)
    if strong.sum() < RING_MIN_TONE_FRAMES or not _tonal(frames[strong].ravel()):
        return None
    return strong


def _same_track(opening: Pcm, known: Pcm) -> bool:
    """Are two openings that are not both one ring one sound (music, or one heard as a ring
    and one not)? Compared as the
    crawl knows a queue with no prompt by its music (ivraudit.crawl.mapper: any offset, the
    windows' mean, SAME_AUDIO), as heard: the fingerprint floors each at its line's noise.
    One track heard twice, once as a ring by its held chord: 0.96 or more (zoo seeds 26026,
    26037). Its frames under the listener's floor are not made silent: in music that fades in
    they are a third to a half of the opening, other frames on each hearing, and the same
    track's two openings scored 0.89 so (zoo seed 29144: a queue its own twin), 0.97 as
    heard; a ring of any country against the five zoo tracks from their quiet openings on,
    at any offset, 0.90 so, 0.70 as heard."""
    return overlap_similarity(fingerprint(opening), fingerprint(known), worst=False) >= SAME_AUDIO


def _has_cadence(quiet: list[bool]) -> bool:
    return sum(quiet) >= CADENCE_MIN_QUIET * len(quiet)


def _same_cadence(quiet: list[bool], known_quiet: list[bool]) -> bool:
    """Could two openings be one cadence heard from two points of its cycle? They could where,
    at some alignment, they overlap for CADENCE_MIN_OVERLAP_SECONDS, across a change from
    tone to pause or back, and agree there. 1 s of tone in 5 is not 2 s in 6."""
    a, b = np.array(quiet, dtype=bool), np.array(known_quiet, dtype=bool)
    if not _changes(a) or not _changes(b):  # one heard within a burst: the ring's tone is as
        whole, other = (a, b) if not _changes(a) else (b, a)  # long at least, and every
        return all(run >= len(whole) - CADENCE_SLACK_FRAMES  # burst of the other as long
                   for run in _whole_bursts(other))
    least = round(CADENCE_MIN_OVERLAP_SECONDS / FRAME_SECONDS)
    for lag in range(-(len(b) - least), len(a) - least + 1):
        x = a[max(0, lag):][: len(b) - max(0, -lag)]
        y = b[max(0, -lag):][: len(x)]
        if len(x) >= least and (_changes(x) or _changes(y)) and \
                float(np.mean(x == y)) >= CADENCE_AGREEMENT:
            return True
    return False


def _whole_bursts(quiet: npt.NDArray[np.bool_]) -> list[int]:
    """The lengths, in frames, of the bursts of tone heard whole: with a pause before and
    after them (the first and last may have begun or gone on outside the opening)."""
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(quiet)]
    return [end - start for start, end in zip(bounds, bounds[1:])
            if not quiet[start] and 0 < start and end < len(quiet)]


def _changes(quiet: npt.NDArray[np.bool_]) -> bool:
    """Does this stretch go from sound to pause or back?"""
    return bool(quiet.any() and not quiet.all())


def _same_pitch(tones: Pcm, known_tones: Pcm) -> bool:
    """Do the tones of two rings have one spectrum?"""
    return _cosine(_spectrum(tones), _spectrum(known_tones)) >= PITCH_AGREEMENT


def _pure(tones: Pcm) -> bool:
    """Are these steady tones a ring's: one or two pure tones, RING_PURITY of their power
    within PURE_BAND_HZ of their two strongest frequencies? A held chord of music is steady
    too (:func:`_tonal`), but its notes and their overtones spread its power wider."""
    samples = tones.astype(np.float64)[:SAMPLE_RATE]
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), n=SAMPLE_RATE)) ** 2
    total, near = float(power.sum()), 0.0
    for _ in range(2):
        peak = int(power.argmax())
        band = slice(max(0, peak - PURE_BAND_HZ), peak + PURE_BAND_HZ + 1)
        near += float(power[band].sum())
        power[band] = 0.0
    return total > 0 and near >= RING_PURITY * total


def _cosine(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norm if norm > 0 else 0.0


def _tonal(tones: Pcm) -> bool:
    """Is this sound steady tones (a ring), not music or a voice? Its first and second half
    have one spectrum; music has moved on to other notes by then."""
    half = min(len(tones), SAMPLE_RATE) // 2
    return half > 0 and _cosine(_spectrum(tones[:half]), _spectrum(tones[half:2 * half])) >= \
        PITCH_AGREEMENT


def _spectrum(tones: Pcm) -> npt.NDArray[np.float64]:
    """Magnitude spectrum at 1 Hz steps of up to a second of tone, smoothed over
    PITCH_SMOOTH_HZ."""
    samples = tones.astype(np.float64)[:SAMPLE_RATE]
    magnitude = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), n=SAMPLE_RATE))
    kernel = np.ones(2 * PITCH_SMOOTH_HZ + 1)
    return np.convolve(magnitude, kernel, mode="same")


def _sounding(audio: Pcm, quiet: list[bool]) -> Pcm:
    """The sounding frames of ``audio``, end to end."""
    frames = audio[: len(quiet) * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return frames[~np.array(quiet, dtype=bool)].ravel()
