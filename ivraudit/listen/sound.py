"""What a phone line sounds like, frame by frame: silence, speech, music or a tone.

The listener decides from the audio alone where a prompt ends. Silence after speech ends it,
but hold music is not silence, and a voicemail beep is neither, so besides "is there sound in
this 20 ms frame" (:attr:`SoundClassifier.active`) the listener needs "what has the last second
sounded like" (:meth:`SoundClassifier.window`).

Everything here must survive a telephone channel (8 kHz, 300–3400 Hz, μ-law companding, whose
quantisation noise sits ~38 dB under the signal) and run on every frame of every call, so the
features are few, level-independent and cheap:

- **Activity** is frame energy against three thresholds: an absolute floor (-50 dBFS), the
  line's own noise floor (the quietest frame of the last 3 s, plus a margin, capped so that
  long loud music cannot lift it over quiet passages), and the loudest recent sound minus
  40 dB (so hiss under a loud recording is not "sound", yet quiet syllables still are).
- **Speech versus music** rests on speech being a chain of syllables from one voice: its
  energy rises and falls 3–6 times a second, its spectrum changes shape from one phone to the
  next, its voiced frames have one clear pitch that glides; music is continuous, its notes
  hold their spectrum and their exact pitch for hundreds of milliseconds, and chords blur
  the periodicity. Six statistics of the window's active frames measure that: spectral flux
  between frames 40 ms apart, the spread of frame energy (dB), the spread of the spectral
  centroid, the mean periodicity (autocorrelation at the pitch lag), and the shares of
  consecutive voiced frames whose pitch stays exactly put or glides by 1–3 samples. A
  logistic score over them decides, with hysteresis weighted against cutting a prompt short.
  It is fitted on the tuning half of :mod:`ivraudit.listen.corpus` by
  :mod:`ivraudit.listen.fitting`, which writes the constants to :mod:`ivraudit.listen.fitted`.
- **Tones** (a voicemail beep, dial tone, DTMF) are frames whose energy lies almost all in a
  few spectral bins above 300 Hz and whose spectrum does not move. Synthesiser notes in hold
  music can be just as pure for a few hundred milliseconds, so after or amid music a tone
  must last much longer before it counts.

The spectral work is done five frames at a time with precomputed DFT matrices (numpy's
per-call overhead, not arithmetic, is the cost at 160 samples), which keeps an hour of audio
to about 2 s of CPU on one core. :attr:`~SoundClassifier.active` is still decided on every
frame as it arrives; :meth:`~SoundClassifier.window` lags the newest frame by at most 80 ms.

Measured on held-out audio (``python bench/sound_classifier.py``): a prompt that runs into
hold music gets its first MUSIC verdict a median 0.6 s (at most ~1.2 s) after the music
starts, an announcement over hold its first SPEECH ~0.7 s after it starts, and a tone of
0.2 s or more its TONE ~0.2 s after it starts.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np
import numpy.typing as npt

from ivraudit.listen.fitted import SCORE_BIAS, SCORE_CENTER, SCORE_SCALE, SCORE_WEIGHTS
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE

__all__ = ["Sound", "SoundClassifier", "classify", "is_tone", "frame_dbfs"]


class Sound(str, Enum):
    """What a stretch of line audio sounds like."""

    SILENCE = "silence"
    SPEECH = "speech"
    MUSIC = "music"
    TONE = "tone"


# ---------------------------------------------------------------------------------------------
# Levels. dBFS here is the AES17 convention: a full-scale sine is 0 dBFS, so a tone made with
# ``tones.tone(..., dbfs=X)`` measures X, and white noise with RMS r measures 20·log10(r/32768)+3.
FULL_SCALE_POWER_DB = 10 * math.log10(32768.0**2 / 2)

ABS_FLOOR_DBFS = -50.0
"""Nothing quieter is sound: line noise sits around -60 dBFS, quiet speech well above -45."""

PEAK_RANGE_DB = 40.0
"""A frame more than this far under the loudest recent frame is not sound: it is hiss under a
loud recording. 40 dB (looser than the 35 dB the fixtures are trimmed with) keeps the quiet
consonants of a loud prompt active."""

PEAK_DECAY_DB_PER_S = 2.5
"""The loudest-recent level forgets at this rate, so a quiet prompt after a loud one is heard."""

NOISE_MEMORY_S = 3.0
"""The noise floor is the quietest frame of this much audio: speech pauses at least every few
seconds, so the minimum lands on the line noise between words."""

NOISE_MARGIN_DB = 10.0
"""A frame must be this far over the noise floor (noise fluctuates ±2 dB frame to frame)."""

LINE_NOISE_MARGIN_DB = 6.0
"""Over a line's own noise, measured alone in a pause (its quietest frame), sound begins this
far up: steady hiss varies about 1 dB from frame to frame, and on a line only 20 dB under the
speech the ends of words sit within 10 dB of it."""

NOISE_CAP_DBFS = -40.0
"""The noise-floor threshold never goes above this: in minutes of continuous music the "quietest
frame" is music, and its quiet passages must stay sound. But a line whose own noise is
louder (a half second of it alone, in a pause: spectrally flat, unlike music and speech; a
noisy trunk, loud comfort noise, speech 20 dB over hiss at -34 dBFS) raises the cap to that
noise and LINE_NOISE_MARGIN_DB: under the fixed cap every frame of such a line was sound, prompts
never ended, and the hiss scored as music."""

# ---------------------------------------------------------------------------------------------
# Windows and batching.
WINDOW_S = 1.0
"""window() describes this much audio: long enough for 3–6 syllables, short enough that music
that follows a prompt is recognised within about a second."""

BATCH = 5
"""Frames analysed together (one FFT call per 100 ms): numpy's per-call overhead, not the
arithmetic, is what costs at 160-sample frames."""

SILENCE_MAX_ACTIVE_S = 0.2
"""A window with less sound than this is SILENCE (the tail of a word or a click is not a
prompt)."""

# ---------------------------------------------------------------------------------------------
# Tones.
TONE_PURITY = 0.98
"""Share of a frame's energy in its six strongest bins (300 Hz) for a tone frame: a single or
dual tone puts > 99 % there even after μ-law; voiced speech spreads over its harmonics."""

TONE_MAX_FLUX = 0.12
"""A tone's spectrum does not move: spectral flux (40 ms apart) of a steady tone is < 0.06
(μ-law noise), speech and music are > 0.2."""

TONE_PURITY_BEATING = 0.998
TONE_MAX_FLUX_BEATING = 0.4
"""Two tones a few tens of hertz apart (dial tone 350+440 Hz) beat within a frame, so their
spectrum shifts from frame to frame (flux up to 0.17); frames this pure (no speech or music
frame of the data is) may move this much."""

TONE_MIN_HZ = 300.0
"""Telephone tones sit at 350 Hz and above (dial 350+440, DTMF ≥ 697, beeps ~1 kHz); below this
live bass notes and the first harmonics of voices, which can be just as pure."""

TONE_RUN_S = 0.14
"""Steady tone frames in a row that make a tone. A 0.2 s tone fills at least 9 frames
whatever its alignment, and its first two are not steady yet (flux compares with 40 ms back),
so 7 catch every tone of 0.2 s and longer (a voicemail beep is 0.25–1 s). Speech never
strings more than 3 together in the data; music does (pure synthesiser notes), hence
``TONE_RUN_AFTER_MUSIC_S``."""

TONE_RUN_AFTER_MUSIC_S = 0.8
"""After music, a tone must be this long: synthesiser notes in hold music string up to 12
steady pure frames (0.24 s), and a beep in the middle of hold music is rare."""

MUSIC_MEMORY_S = 3.0
"""Music heard within this long, or music in the window around the tone frames, makes
"after music" true."""

MUSIC_CONTEXT_S = 0.5
"""Only a MUSIC verdict on a window with at least this much non-tone sound counts as music
heard (a window that is half a beep must not talk itself out of the beep)."""

TONE_SHARE = 0.5
"""A window whose active frames are at least this share tone frames (and at least
``TONE_RUN_S`` of them) is TONE even without one long run: a train of 100 ms DTMF digits."""

# ---------------------------------------------------------------------------------------------
# Speech against music: logistic score over window statistics, standardised (mean, scale) and
# weighted; positive is speech. SCORE_CENTER, SCORE_SCALE, SCORE_WEIGHTS and SCORE_BIAS are
# fitted on the tuning half of the data (ivraudit.listen.corpus) by ivraudit.listen.fitting,
# which writes them to ivraudit.listen.fitted (``python bench/sound_classifier.py --write``);
# a change to SCORE_FEATURES needs that refit (fitted.py records the features it was fitted over).
SCORE_FEATURES = ("flux", "energy_spread", "centroid_spread", "harmonicity", "pitch_same",
                  "pitch_glide")
SCORE_CLIP = 3.0
"""No standardised feature may count for more than this many scales either way, so one
extreme statistic (a hiss with no pitch, a very bright word) cannot outvote the others."""

HARMONICITY_FLOOR = 0.7
"""Periodicity below what music typically has (0.70) is noise, breath or fricatives: no
evidence for music, so it is read as this much."""

SPEECH_ABOVE = 1.0
"""Music becomes speech only when the score rises above this. Sound after silence (or a
tone) is speech once its score is over the midpoint of the two thresholds; below it, it
stays SILENCE until music is confirmed."""

MUSIC_BELOW = -3.0
"""Speech becomes music only when the score falls below this. Music scores around -13 and
speech around +8, so the gap costs music little delay, while a sustained vowel or a nasal
that looks flat for a moment stays speech: ending a prompt early is the costlier mistake."""

NOISE_MIN_TO_MEAN_DB = 0.9
"""A steady white noise's 20 ms frames scatter about ±0.5 dB: the quietest of a half second's
25 (the line's floor, ``line_floor``) lies about this far under their mean power."""

NOISE_RESIDUE = 0.1
"""What is left of the noise in a bin where it outweighs the sound: a steady residue, not
zero, so the bins the noise alone fills do not flicker between nothing and its peaks (the
"musical noise" of spectral subtraction, whose flux reads as speech: quiet hold music 15 dB
over hiss became speech without it)."""

_HANN_POWER = float(np.sum(np.hanning(FRAME_SAMPLES) ** 2))
"""White noise of per-sample power p puts p times this into each Hann-windowed bin (and p
times FRAME_SAMPLES into each bin of the unwindowed, zero-padded transform)."""

VOICED_HARMONICITY = 0.75
"""A frame this periodic (normalised autocorrelation at its pitch lag) is voiced."""

PITCH_GLIDE_LAGS = 3
"""A pitch lag that moves by 1-3 samples (at 8 kHz, 2-8 % at 200 Hz) in 20 ms is gliding."""

PITCH_PRIOR_PAIRS = 10.0
"""A window's pitch shares are read as if it had this many more voiced frame pairs, each at
the share's fitted centre: a window with few pairs says little about pitch, more pairs say
more, with no step at some count. (Under 10 pairs the shares used to be the centre, at 10 and
more the window's own: a flite voice at 88 Hz, few of whose frames reach VOICED_HARMONICITY,
lost 6 points of score when a window fell from 10 voiced pairs, 8 of them gliding, to 9,
and was heard as music: zoo seed 29024.) The centre is near neutral: measured only on windows
with 10 pairs or more, speech's medians are 0.14 same and 0.43 gliding, music's 0.43 and 0.20,
midway 0.29 and 0.31, within 0.2 of a scale of the centre. bench/noisy_voices.py --quick,
voices heard as music averaged over its 10 lines: 10.1 % with the step, 8.4 % with a prior of
5 pairs, 8.3 % with 10, 9.2 % with 20; music kept 96.5 % at each."""

MUSIC_MIN_S = 0.5
"""Music needs this much sound that is not a tone, and two scores in a row (0.2 s)
under ``MUSIC_BELOW``: the first syllables of a prompt, scored on a few frames, can look
flat, and so can one long vowel."""

MIN_SCORED_FRAMES = 15
"""Fewer active non-tone frames (0.3 s) are too few to tell speech from music; the verdict
stands (at the start of a prompt or of music, the first 0.3 s keep the previous verdict)."""

_BINS = FRAME_SAMPLES // 2 + 1
_TONE_MIN_BIN = int(math.ceil(TONE_MIN_HZ * FRAME_SAMPLES / SAMPLE_RATE))
_TOP_BINS = 6
_TONAL_ROW = 9
_ROWS = 13  # act, e·act, e²·act, flux·act, step, pair, c·act, c²·act, harmonicity·act, tonal,
# voiced pair, same pitch, gliding pitch (c: spectral centroid in Hz)
_FEATURE_NAMES = ("flux", "energy_spread", "energy_step", "centroid_spread", "harmonicity",
                  "pitch_same", "pitch_glide")


def _spectral_matrices() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32],
                                  npt.NDArray[np.float32]]:
    """The transforms the analysis needs, as matrices: at 160 samples one matrix product costs
    less than the numpy FFT calls it replaces, whose overhead (not arithmetic) dominates.

    ``dft`` maps a frame to the real and imaginary parts of (a) its Hann-windowed 81-bin
    spectrum (flux, tones, centroid) and (b) the 0–2 kHz half of its spectrum zero-padded to
    320 points, whose power gives the linear autocorrelation of the frame low-passed to 2 kHz,
    where voice pitch shows best. ``acf`` maps that power to the autocorrelation at lag 0 and
    at lags of 2.5–12.5 ms (pitch 80–400 Hz), the latter unbiased for the shrinking overlap
    within one 20 ms frame; DC is left out. ``moments`` maps the Hann power spectrum to its
    total and its first moment in Hz (for the spectral centroid).
    """
    n = np.arange(FRAME_SAMPLES)[:, None]
    hann = np.hanning(FRAME_SAMPLES)[:, None]
    k = np.arange(_BINS)[None, :]
    a1 = 2 * np.pi * n * k / FRAME_SAMPLES
    a2 = np.pi * n * k / FRAME_SAMPLES  # 320-point bins 0..80: 0-2 kHz in 25 Hz steps
    dft = np.hstack([hann * np.cos(a1), hann * np.sin(a1), np.cos(a2), np.sin(a2)])
    lag_min, lag_max = SAMPLE_RATE // 400, SAMPLE_RATE // 80
    lags = np.r_[0, np.arange(lag_min, lag_max)]
    weight = np.full(_BINS, 2.0)
    weight[0] = 0.0
    acf = weight[:, None] * np.cos(np.pi * k.T * lags[None, :] / FRAME_SAMPLES)
    acf[:, 1:] *= FRAME_SAMPLES / (FRAME_SAMPLES - lags[1:])
    moments = np.stack([np.ones(_BINS), np.arange(_BINS) * SAMPLE_RATE / FRAME_SAMPLES], axis=1)
    return dft.astype(np.float32), acf.astype(np.float32), moments.astype(np.float32)


_DFT, _ACF, _MOMENTS = _spectral_matrices()


def score_inputs(feats: dict[str, float], center: tuple[float, ...],
                 scale: tuple[float, ...]) -> list[float]:
    """The standardised, clipped feature values the speech/music score weighs."""
    out = []
    for name, c, s in zip(SCORE_FEATURES, center, scale):
        value = feats[name]
        if name == "harmonicity":
            value = max(value, HARMONICITY_FLOOR)
        out.append(min(max((value - c) / s, -SCORE_CLIP), SCORE_CLIP))
    return out


def frame_dbfs(frame: npt.NDArray[np.integer] | npt.NDArray[np.floating]) -> float:
    """Level of one frame in dBFS (a full-scale sine is 0 dBFS; digital silence ≈ -87)."""
    x = np.asarray(frame, dtype=np.float64)
    power = float(np.dot(x, x)) / max(len(x), 1)
    return 10.0 * math.log10(power + 1.0) - FULL_SCALE_POWER_DB


class SoundClassifier:
    """Streaming classifier of line audio, fed one 20 ms frame at a time.

    One instance serves one call: the noise floor, the loudest recent level and the last
    second of features carry over from prompt to prompt.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, *, window_seconds: float = WINDOW_S,
                 line_floor: float | None = None) -> None:
        if sample_rate != SAMPLE_RATE:
            # The spectral constants are in 50 Hz bins of 160-sample frames; audio at other
            # rates is resampled by ivraudit.telephony.wav before it reaches a line.
            raise ValueError(f"SoundClassifier works on {SAMPLE_RATE} Hz audio, not {sample_rate}")
        self.sample_rate = sample_rate
        frame_s = FRAME_SAMPLES / sample_rate
        frames = max(BATCH, int(round(window_seconds / frame_s)))
        self._size = -(-frames // BATCH) * BATCH  # a whole number of batches: no wrap in one
        self._peak_decay = PEAK_DECAY_DB_PER_S * frame_s
        self._noise_block = int(round(0.5 / frame_s))
        self._noise_blocks = int(round(NOISE_MEMORY_S / 0.5))
        self._tone_run_frames = int(round(TONE_RUN_S / frame_s))
        self._tone_run_after_music = int(round(TONE_RUN_AFTER_MUSIC_S / frame_s))
        self._music_memory = int(round(MUSIC_MEMORY_S / frame_s))
        self._silence_max = SILENCE_MAX_ACTIVE_S / frame_s
        self._music_min = MUSIC_MIN_S / frame_s
        self._music_context = MUSIC_CONTEXT_S / frame_s
        self._batch = np.zeros((BATCH, FRAME_SAMPLES), dtype=np.float32)
        self._known_line_floor = line_floor  # from earlier calls on the line
        self.reset()

    def reset(self) -> None:
        """Forget everything: a new call (or a new clip) starts from silence."""
        # One row per statistic, one column per frame of the window; a frame's values are
        # pre-multiplied by its activity, so every window statistic is one row sum.
        self._ring = np.zeros((_ROWS, self._size))
        self._pos = 0                        # next ring column
        self._pending = 0                    # frames in self._batch not yet analysed
        self._pending_energy: list[float] = []
        self._pending_active: list[bool] = []
        self._spec = np.zeros((BATCH + 2, _BINS), dtype=np.float32)  # rows 0-1: previous frames
        self._spec_sum = np.zeros(BATCH + 2, dtype=np.float32)
        self._spec_seen = 0
        self._prev_energy = -100.0
        self._prev_active = False
        self._prev_lag = -100
        self._peak = -100.0
        self._noise_min = math.inf           # quietest frame of the current 0.5 s block
        self._noise_count = 0
        self._noise_history: list[float] = []
        self._noise_floor = -100.0
        self._line_floor = self._known_line_floor  # the line's own noise, heard alone
        self._block: list[npt.NDArray[np.int16]] = []  # the frames of the current 0.5 s block
        self._active = False
        self._tone_run = 0
        self._since_music = 1 << 30          # frames since the last MUSIC verdict
        self._verdict = Sound.SILENCE
        self._dirty = False
        self.last_score = 0.0
        """Speech-minus-music score of the last scored verdict (positive: speech)."""
        self._last_score = 0.0               # the score before, for MUSIC's confirmation

    # -- per frame ------------------------------------------------------------------------

    def push(self, frame: npt.NDArray[np.int16]) -> None:
        """Take the next 20 ms frame (160 int16 samples) of the call."""
        row = self._batch[self._pending]
        row[:] = frame  # raises on a frame of the wrong length
        self._block.append(row.copy())
        e = _frame_dbfs(row)

        self._peak = max(e, self._peak - self._peak_decay)
        if e < self._noise_min:
            self._noise_min = e
        self._noise_count += 1
        if self._noise_count == self._noise_block:
            history = self._noise_history
            history.append(self._noise_min)
            if len(history) > self._noise_blocks:
                del history[0]
            self._noise_floor = min(history)
            if _noise_like(self._block):  # a pause, on a line with noise of its own
                self._line_floor = min(self._noise_min, self._line_floor or 0.0)
            self._block = []
            self._noise_min = math.inf
            self._noise_count = 0
        self._active = e > self._threshold()

        self._pending_energy.append(e)
        self._pending_active.append(self._active)
        self._pending += 1
        if self._pending == BATCH:
            self._analyse()

    @property
    def line_floor(self) -> float | None:
        """The line's own noise (dBFS), once heard alone in a pause; None on a quiet line.
        A later call on the same line starts from it (ivraudit.crawl.explorer)."""
        return self._line_floor

    def _threshold(self) -> float:
        """The energy (dBFS) a frame must exceed to be sound, as the call has taught it."""
        floor = min(self._noise_floor, self._noise_min)
        cap = NOISE_CAP_DBFS if self._line_floor is None else max(
            NOISE_CAP_DBFS, self._line_floor + LINE_NOISE_MARGIN_DB)
        return max(ABS_FLOOR_DBFS, min(floor + NOISE_MARGIN_DB, cap), self._peak - PEAK_RANGE_DB)

    def sounds(self, frame: npt.NDArray[np.int16]) -> bool:
        """Would ``frame`` be sound by what the classifier knows now? (A frame heard before
        the line's own noise was known may have passed for sound.)"""
        return _frame_dbfs(frame.astype(np.float32)) > self._threshold()

    def over_the_line(self, frame: npt.NDArray[np.int16]) -> bool:
        """Is ``frame`` over the line's own noise (as heard alone in a pause, and
        LINE_NOISE_MARGIN_DB), or over the absolute floor on a line with none known? Not held
        against the recent peak or the quietest recent frames, as :meth:`sounds` is: after
        loud music those put the words of whoever speaks next under the floor (zoo seed
        27045); only the line's noise is never anyone's sound."""
        floor = ABS_FLOOR_DBFS if self._line_floor is None else max(
            ABS_FLOOR_DBFS, self._line_floor + LINE_NOISE_MARGIN_DB)
        return _frame_dbfs(frame.astype(np.float32)) > floor

    @property
    def active(self) -> bool:
        """Whether the latest frame holds sound (not silence or line noise); no delay."""
        return self._active

    # -- per batch ------------------------------------------------------------------------

    def _analyse(self) -> None:
        """Spectral features of the pending frames, written into the window's ring."""
        n = self._pending
        if n == 0:
            return
        x = self._batch[:n]
        y = x @ _DFT
        y *= y
        b = _BINS
        power = y[:, :b] + y[:, b : 2 * b]            # Hann-windowed, 50 Hz bins
        total = power.sum(axis=1) + 1e-3
        purity = (np.sort(power, axis=1)[:, -_TOP_BINS:].sum(axis=1) / total).tolist()
        peak_bin = power.argmax(axis=1).tolist()
        low = y[:, 2 * b : 3 * b] + y[:, 3 * b :]
        if self._line_floor is not None:
            # The line's own noise, known from a pause, taken out of every frame's power
            # (spectral subtraction) before the speech/music statistics: a hiss 20 dB under
            # a voice fills its pauses and spectral valleys, so its spectrum moved less
            # (flux), its centroid stayed near the noise's, and its periodicity fell, all as
            # music's do (zoo seeds 27033, 24005). Purity (tones) keeps the raw spectrum.
            p = 10 ** ((self._line_floor + NOISE_MIN_TO_MEAN_DB + FULL_SCALE_POWER_DB) / 10)
            hann_noise, low_noise = np.float32(p * _HANN_POWER), np.float32(p * FRAME_SAMPLES)
            power = np.maximum(power - hann_noise, NOISE_RESIDUE * hann_noise)
            low = np.maximum(low - low_noise, NOISE_RESIDUE * low_noise)
        r = low @ _ACF  # autocorrelation below 2 kHz
        harmonic = (r[:, 1:].max(axis=1) / (r[:, 0] + 1e-3)).tolist()
        pitch_lag = r[:, 1:].argmax(axis=1).tolist()
        moments = power @ _MOMENTS
        centroid = (moments[:, 1] / (moments[:, 0] + 1e-3)).tolist()
        mag = np.sqrt(power)
        mag_sum = mag.sum(axis=1)
        spec, sums = self._spec, self._spec_sum
        spec[2 : 2 + n] = mag
        sums[2 : 2 + n] = mag_sum
        flux = (np.abs(mag - spec[:n]).sum(axis=1) / (mag_sum + sums[:n] + 1e-3)).tolist()
        spec[:2] = spec[n : n + 2]
        sums[:2] = sums[n : n + 2]
        if self._spec_seen < 2:  # no frame 40 ms back yet: call the spectrum steady
            flux[: 2 - self._spec_seen] = [0.0] * (2 - self._spec_seen)
        self._spec_seen += n

        energies = self._pending_energy
        actives = self._pending_active
        rows: list[list[float]] = [[] for _ in range(_ROWS)]
        (r_act, r_e, r_e2, r_flux, r_step, r_pair, r_cent, r_cent2, r_harm, r_tonal,
         r_vpair, r_same, r_glide) = rows
        prev_e, prev_a, prev_lag = self._prev_energy, self._prev_active, self._prev_lag
        run = self._tone_run
        for i in range(n):
            e, a = energies[i], actives[i]
            both = a and prev_a
            r_step.append(abs(e - prev_e) if both else 0.0)
            r_pair.append(1.0 if both else 0.0)
            # Pitch movement between consecutive voiced frames: a voice glides (one or two
            # samples of lag), a note holds its pitch exactly or jumps to the next.
            lag = pitch_lag[i] if a and harmonic[i] >= VOICED_HARMONICITY else -100
            if lag >= 0 and prev_lag >= 0:
                d = abs(lag - prev_lag)
                r_vpair.append(1.0)
                r_same.append(1.0 if d == 0 else 0.0)
                r_glide.append(1.0 if 0 < d <= PITCH_GLIDE_LAGS else 0.0)
            else:
                r_vpair.append(0.0)
                r_same.append(0.0)
                r_glide.append(0.0)
            prev_lag = lag
            tone = False
            if a:
                c = centroid[i]
                r_act.append(1.0)
                r_e.append(e)
                r_e2.append(e * e)
                r_flux.append(flux[i])
                r_cent.append(c)
                r_cent2.append(c * c)
                r_harm.append(harmonic[i])
                tone = peak_bin[i] >= _TONE_MIN_BIN and (
                    (purity[i] >= TONE_PURITY and flux[i] <= TONE_MAX_FLUX)
                    or (purity[i] >= TONE_PURITY_BEATING and flux[i] <= TONE_MAX_FLUX_BEATING))
            else:
                for row in (r_act, r_e, r_e2, r_flux, r_cent, r_cent2, r_harm):
                    row.append(0.0)
            run = run + 1 if tone else 0
            r_tonal.append(1.0 if tone else 0.0)
            prev_e, prev_a = e, a
        self._prev_energy, self._prev_active, self._prev_lag = prev_e, prev_a, prev_lag
        self._tone_run = run
        block = np.array(rows)
        p, q = self._pos, self._pos + n
        if q <= self._size:
            self._ring[:, p:q] = block
        else:  # only after a partial batch (classify's flush): split at the ring's end
            k = self._size - p
            self._ring[:, p:] = block[:, :k]
            self._ring[:, : n - k] = block[:, k:]
        self._pos = q % self._size
        self._pending = 0
        self._pending_energy = []
        self._pending_active = []
        self._since_music += n
        self._dirty = True

    # -- per window -----------------------------------------------------------------------

    def features(self) -> dict[str, float]:
        """The window statistics the verdict rests on (for tuning and diagnosis)."""
        return self._statistics(self._ring.sum(axis=1).tolist())

    def _statistics(self, sums: list[float]) -> dict[str, float]:
        (n_act, sum_e, sum_e2, sum_flux, sum_step, n_pair, sum_c, sum_c2, sum_harm,
         n_tonal, n_vpair, n_same, n_glide) = sums
        out = {"active": n_act / self._size, "tonal": n_tonal, "tone_run": float(self._tone_run)}
        if n_act < 2:
            out.update({name: 0.0 for name in _FEATURE_NAMES})
            return out
        mean_e = sum_e / n_act
        mean_c = sum_c / n_act
        out["flux"] = sum_flux / n_act
        out["energy_spread"] = math.sqrt(max(sum_e2 / n_act - mean_e * mean_e, 0.0))
        out["energy_step"] = sum_step / n_pair if n_pair else 0.0
        out["centroid_spread"] = math.sqrt(max(sum_c2 / n_act - mean_c * mean_c, 0.0))
        out["harmonicity"] = sum_harm / n_act
        prior = PITCH_PRIOR_PAIRS
        for name, count in (("pitch_same", n_same), ("pitch_glide", n_glide)):
            out[name] = (count + prior * SCORE_CENTER[SCORE_FEATURES.index(name)]) / (
                n_vpair + prior)
        return out

    def _music_under_tone(self) -> bool:
        """Whether the sound around a tone in the window is music (its tone frames left out):
        a pure note inside music then counts as music, a beep after speech as a tone."""
        ring = self._ring
        sums = (ring.sum(axis=1) - ring @ ring[_TONAL_ROW]).tolist()
        sums[_TONAL_ROW] = 0.0
        if sums[0] < MIN_SCORED_FRAMES:
            return False
        return self._score(self._statistics(sums)) < MUSIC_BELOW

    def _score(self, feats: dict[str, float]) -> float:
        return SCORE_BIAS + sum(
            w * z for w, z in zip(SCORE_WEIGHTS, score_inputs(feats, SCORE_CENTER, SCORE_SCALE)))

    def _decide(self) -> Sound:
        feats = self.features()
        n_act = feats["active"] * self._size
        n_tonal = feats["tonal"]
        if self._tone_run >= self._tone_run_frames or (
                n_tonal >= self._tone_run_frames and n_tonal >= TONE_SHARE * n_act):
            after_music = self._since_music <= self._music_memory or self._music_under_tone()
            if not after_music or self._tone_run >= self._tone_run_after_music:
                return Sound.TONE
        if n_act < self._silence_max:
            self._last_score = 0.0
            return Sound.SILENCE
        scored = n_act - n_tonal
        if scored < MIN_SCORED_FRAMES:  # too little sound that is not a tone: wait
            return self._verdict
        score = self._score(feats)
        previous = self._verdict
        if score > SPEECH_ABOVE:
            verdict = Sound.SPEECH
        elif (score < MUSIC_BELOW and scored >= self._music_min
              and (previous is Sound.MUSIC or self._last_score < MUSIC_BELOW)):
            verdict = Sound.MUSIC
        elif previous is Sound.SPEECH or previous is Sound.MUSIC:
            verdict = previous  # in between: the verdict stands
        elif score > (SPEECH_ABOVE + MUSIC_BELOW) / 2:
            verdict = Sound.SPEECH  # sound after silence or a tone: speech unless music-like
        else:
            verdict = previous  # looks like music: wait until it is confirmed
        self.last_score = self._last_score = score
        if verdict is Sound.MUSIC and scored >= self._music_context and not self._tone_run:
            # (a verdict given as a tone begins is not music heard before it: a beep's steady
            # frames, scored with the last words before it, can make them "music", and the
            # beep then "after music", too short to be a tone: zoo seed 25046)
            self._since_music = 0
        return verdict

    def window(self) -> Sound:
        """What the last ~1 s sounds like: SILENCE, SPEECH, MUSIC or TONE.

        Updated every 100 ms (five frames); between updates the last verdict is returned, so
        calling it after every frame costs nothing.
        """
        if self._dirty:
            self._verdict = self._decide()
            self._dirty = False
        return self._verdict

    def final(self) -> Sound:
        """The verdict on audio that has ended (a clip, not a live call): sound the live verdict
        was still waiting to confirm as music is settled by the side of the midpoint its score
        falls on, as no more audio will come to confirm it."""
        verdict = self.window()
        feats = self.features()
        if (verdict is Sound.SILENCE
                and feats["active"] * self._size - feats["tonal"] >= MIN_SCORED_FRAMES):
            midpoint = (SPEECH_ABOVE + MUSIC_BELOW) / 2
            verdict = Sound.SPEECH if self._score(feats) > midpoint else Sound.MUSIC
        return verdict

    def flush(self) -> None:
        """Analyse frames still waiting for a full batch (the end of a clip)."""
        if self._pending:
            self._analyse()


def _frame_dbfs(frame: npt.NDArray[np.float32]) -> float:
    """A frame's energy in dBFS, as the classifier weighs every frame."""
    return 10.0 * math.log10(float(np.dot(frame, frame)) / FRAME_SAMPLES + 1.0) - FULL_SCALE_POWER_DB


NOISE_FLATNESS = 0.3
"""Spectral flatness (geometric over arithmetic mean of the power spectrum) above which a
stretch of audio is noise, not sound: white line noise scores about 0.5 and more after
G.711; speech and music, whose energy sits in harmonics, 0.1 and less."""


NOISE_STEADY_DB = 6.0
"""A line's own noise is steady: its 20 ms frames' levels stay within a few dB of each other
over half a second (white noise: about ±1 dB), where speech rises and falls with every
syllable. A loud line's clipped speech can be as flat as noise (zoo seed 14016, +9.6 dB over
A-law: a half second of it set the line's floor at -27 dBFS, and a quiet queue's music and
announcements under it were silence)."""


def _noise_like(frames: list[npt.NDArray[np.int16]]) -> bool:
    """Is this half second the line's own noise: steady, spectrally flat, and not digital
    silence?"""
    x = np.stack(frames).astype(np.float64)
    levels = 10.0 * np.log10((x ** 2).mean(axis=1) + 1.0)
    if float(levels.max() - levels.min()) > NOISE_STEADY_DB:
        return False
    power = (np.abs(np.fft.rfft(x * np.hanning(x.shape[1]), axis=1)) ** 2).mean(axis=0)[1:]
    if power.mean() <= 0:
        return False
    flatness = float(np.exp(np.mean(np.log(power + 1e-12))) / power.mean())
    return flatness >= NOISE_FLATNESS


def classify(pcm: npt.NDArray[np.int16], sample_rate: int = SAMPLE_RATE) -> Sound:
    """What a whole clip sounds like, by the same code as the live classifier.

    The clip is streamed as a call would be, with the window stretched to the whole clip (at
    least 1 s): a clip of speech with pauses is SPEECH, one that is mostly a beep is TONE, and
    one with less than 0.2 s of sound is SILENCE. A trailing part-frame is ignored.
    """
    pcm = np.asarray(pcm)
    frames = len(pcm) // FRAME_SAMPLES
    seconds = frames * FRAME_SAMPLES / sample_rate
    sc = SoundClassifier(sample_rate, window_seconds=max(WINDOW_S, seconds))
    for i in range(frames):
        sc.push(pcm[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
        sc.window()
    sc.flush()
    return sc.final()


def is_tone(pcm: npt.NDArray[np.int16], sample_rate: int = SAMPLE_RATE) -> bool:
    """Whether a clip is (mostly) a steady tone: a beep, dial tone or DTMF."""
    return classify(pcm, sample_rate) is Sound.TONE
