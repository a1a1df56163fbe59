"""Is there sound in a stretch of audio, and does it end in a tone?

Small judgements the crawl makes on audio it has already read (after keys went in, at the end
of a prompt), outside the frame-by-frame :class:`~ivraudit.listen.sound.SoundClassifier`. They
use the same absolute floor as the classifier, so that "sound" means one thing everywhere.
"""

from __future__ import annotations

import numpy as np

from ivraudit.listen.sound import (
    ABS_FLOOR_DBFS,
    LINE_NOISE_MARGIN_DB,
    NOISE_CAP_DBFS,
    Sound,
    classify,
)
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

SOUNDING_POWER = (32768 * 10 ** (ABS_FLOOR_DBFS / 20)) ** 2
"""Mean square of a frame at the classifier's absolute floor: above μ-law's idle noise and
line hiss, below any prompt's speech."""
SOUNDING_MIN_FRAMES = 5
"""Sound worth a look lasts at least this many frames (0.1 s): a click is not a prompt."""
TONE_TAIL_SECONDS = 0.5
TONE_MIN_SECONDS = 0.3


def _frame_power(audio: Pcm) -> np.ndarray:
    frames = len(audio) // FRAME_SAMPLES
    whole = audio[: frames * FRAME_SAMPLES].astype(np.float64).reshape(frames, FRAME_SAMPLES)
    return (whole ** 2).mean(axis=1)


def sounding(audio: Pcm) -> bool:
    """Whether ``audio`` holds sound worth a look (at least 0.1 s above the floor)."""
    if len(audio) < FRAME_SAMPLES:
        return False
    return int((_frame_power(audio) > SOUNDING_POWER).sum()) >= SOUNDING_MIN_FRAMES


NOISE_PERCENTILE = 10
"""A prompt's quietest tenth of frames: its pauses, and on a noisy line the line's noise."""
LOUDEST_NOISE_POWER = (32768 * 10 ** (NOISE_CAP_DBFS / 20)) ** 2 * 10 ** (10 / 10)
"""Quiet frames louder than -30 dBFS are no line's noise but sound (a prompt without a pause)."""


def quiet_frames(audio: Pcm, floor_of: Pcm | None = None) -> list[bool]:
    """Which 20 ms frames of ``audio`` are below the floor (silence, line noise).

    The floor is the classifier's absolute one, or, on a line whose own noise is louder, that
    noise and LINE_NOISE_MARGIN_DB: with hiss at -43 dBFS no frame was quiet, and a chain of
    prompts was never split at its pauses (zoo seed 12005). The noise is measured on
    ``floor_of`` where given (a longer stretch of the line: a short one's quietest frames may
    be a pause's, and its floor too high). Sound is over the noise by the margin wherever the
    noise is (as the classifier has it): hiss a little under the absolute floor, its frames
    a dB either side of it, was half sound, and no pause between two prompts was quiet for
    five frames in a row (zoo seed 24051: -46.8 dBFS of noise on an A-law line at -5 dB,
    where the start of a queue's prompt run in 0.33 s after keys was never given back, and
    the queue was heard as a new one without its first word)."""
    if len(audio) < FRAME_SAMPLES:
        return []
    power = _frame_power(audio)
    reference = _frame_power(floor_of) if floor_of is not None and \
        len(floor_of) >= FRAME_SAMPLES else power
    floor = float(np.percentile(reference, NOISE_PERCENTILE))
    threshold = SOUNDING_POWER
    if floor <= LOUDEST_NOISE_POWER:
        threshold = max(SOUNDING_POWER, floor * 10 ** (LINE_NOISE_MARGIN_DB / 10))
    return [bool(q) for q in power <= threshold]


CUT_OFF_DB = 3.0
"""A sound whose last frame before a pause is within this of its loud level (the 90th
percentile of its sounding frames) was stopped, not ended. Words end softly: on the prompts
of zoo trees 20000-20039 as the line plays them (553 ends of speech before a pause or at the
end), no last frame was within 3.5 dB; on 20040-20079, one of 545. Of points chosen at random
inside their speech, 42% and 40% were within 3 dB."""
CUT_OFF_LOUD_PERCENTILE = 90


def cut_off(audio: Pcm, end: int) -> bool:
    """Was the sound of ``audio`` before frame ``end`` (the first quiet frame of a pause)
    stopped mid-word, as a line stops a recording (an announcement cut by the agent who
    answers), rather than ended as words end, softly (:data:`CUT_OFF_DB`)?"""
    before = audio[: end * FRAME_SAMPLES]
    power, quiet = _frame_power(before), np.array(quiet_frames(before), dtype=bool)
    if len(power) < SOUNDING_MIN_FRAMES or quiet[-1]:
        return False
    loud = float(np.percentile(power[~quiet], CUT_OFF_LOUD_PERCENTILE))
    return bool(power[-1] >= loud * 10 ** (-CUT_OFF_DB / 10))


ONSET_SLACK_FRAMES = 3
"""How late a known prompt found inside a heard one may be placed (60 ms): its first frames
are soft (a fade in, a consonant) and its start is found on the 20 ms grid from its length
as first heard, whose ends were trimmed against that call's noise. The pause before it is
looked for this far before the frame it was placed at."""


def end_of_sound_before(quiet: list[bool], frame: int, slack: int = ONSET_SLACK_FRAMES) -> int:
    """Where the sound before ``frame`` ends: the frame after its last sounding one (what
    came before a prompt the line ran in ends where its sound does, not at the pause).

    ``frame`` is where a known prompt was found to begin, which may be up to ``slack``
    frames into its first sound: the pause before it is looked for that far back. Taking
    the known prompt's first frame for the end of what came before made that prompt's
    recording hold the whole pause after it (zoo seed 25001: "That's not a valid
    extension. Please try again." 0.46 s longer than it is, so on every later call the
    known message was heard on past its end, into the menu that followed it, up to that
    menu's first short pause)."""
    frame = min(frame, len(quiet))
    for earlier in range(frame, max(0, frame - slack) - 1, -1):
        if earlier > 0 and quiet[earlier - 1]:
            frame = earlier
            break
    while frame > 0 and quiet[frame - 1]:
        frame -= 1
    return frame


def end_before_a_pause(quiet: list[bool], start: int, pause: int) -> int | None:
    """The frame (from ``start`` on) where the sound ends for ``pause`` quiet frames or more:
    where a speaker stopped for as long as ends what they say; None if they do not stop that
    long within ``quiet``."""
    run = 0
    for i in range(start, len(quiet)):
        run = run + 1 if quiet[i] else 0
        if run >= pause:
            return i + 1 - run
    return None


def sound_after_a_pause(audio: Pcm, pause_frames: int = 5) -> Pcm:
    """The audio from the first sound that follows a pause (``pause_frames`` quiet frames,
    or quiet from the start) to the end; empty if there is none.

    After keys stop a prompt, what a check hears is the stopped prompt's last moment on a
    line with delay, a pause, then maybe the next prompt, with pauses of its own: it starts
    at the first sound after the first pause."""
    quiet = quiet_frames(audio)
    run = 0
    for i, is_quiet in enumerate(quiet):
        if is_quiet:
            run += 1
            continue
        if run >= pause_frames or run == i:  # after a pause, or quiet from the start
            if run > 0:
                return audio[i * FRAME_SAMPLES: len(quiet) * FRAME_SAMPLES]
        run = 0
    return audio[:0]


def ends_in_tone(audio: Pcm) -> bool:
    """Does a prompt end in a steady tone (a voicemail beep the listener did not stop at)?"""
    tail = audio[-round(TONE_TAIL_SECONDS * SAMPLE_RATE):]
    return len(tail) >= round(TONE_MIN_SECONDS * SAMPLE_RATE) and classify(tail) is Sound.TONE


LIKE_THE_RING = 0.9
"""Spectral correlation (:func:`_spectrum`: the log spectrum over the frame's noise floor)
above which a frame sounds like the ring around it. A ring's frames against the ring learned
on the same line: 0.93 and more in 19 frames of 20 (UK, US, EU rings, clean to hiss 20 dB
under them; 0.89-0.93 at 16 dB). Tonal frames of speech and hold music (every Debian prompt
and opsound track, clean and under hiss) against the three rings: never 0.9 for two frames
in a row (at 0.8, held notes of hold music did for 9 frames)."""


class RingProfile:
    """The spectrum of a ring (ringback, a tone), learned from frames known to be it.

    Ringback is 440+480 Hz in North America, 400+450 Hz in the UK, 425 Hz in most of Europe,
    and its two tones beat, so no fixed test of purity holds: a sounding frame whose spectrum
    correlates with the ring's average is the ring; speech that began as it stopped is not.
    """

    def __init__(self) -> None:
        self._sum: np.ndarray | None = None
        self._count = 0

    def learn(self, frame: Pcm) -> None:
        """Learn from ``frame`` if it is a tone (music that the sound window took for a tone
        for a while, a long held note, must not teach it)."""
        if sounding_frame(frame) and tonal(frame):
            spectrum = _spectrum(frame)
            self._sum = spectrum if self._sum is None else self._sum + spectrum
            self._count += 1

    @property
    def learned(self) -> bool:
        return self._sum is not None

    def ringing(self, frames: list[Pcm]) -> list[bool]:
        """Which of ``frames`` are the ring (all sounding ones, before anything is learned).

        All frames at once: a queue waited out for minutes asks this of every sound heard,
        and one FFT per frame in a Python loop cost minutes of CPU per tree."""
        if not frames:
            return []
        block = np.stack([np.asarray(frame, dtype=np.float64) for frame in frames])
        sounding = (block ** 2).mean(axis=1) > SOUNDING_POWER
        if self._sum is None:
            return sounding.tolist()
        power = np.abs(np.fft.rfft(block * np.hanning(block.shape[1]), n=256, axis=1)) ** 2
        is_tonal = tonal_share(power) >= TONAL_SHARE
        spectra = _log_over_floor(power)
        profile = self._sum / self._count
        a = spectra - spectra.mean(axis=1, keepdims=True)
        b = profile - profile.mean()
        denom = np.sqrt((a * a).sum(axis=1) * float((b * b).sum()))
        like = np.divide((a * b).sum(axis=1), denom, out=np.zeros(len(frames)), where=denom > 0)
        return (sounding & is_tonal & (like >= LIKE_THE_RING)).tolist()


def _spectrum(frame: Pcm) -> np.ndarray:
    power = np.abs(np.fft.rfft(frame.astype(np.float64) * np.hanning(len(frame)), n=256)) ** 2
    return _log_over_floor(power)


def _log_over_floor(power: np.ndarray) -> np.ndarray:
    """The log power spectrum (rows of frames), no bin under the frame's noise floor (its
    median bin, as in :func:`tonal_share`). Where hiss fills the bins a ring leaves empty,
    their log power scatters by several dB from frame to frame at random, and that scatter,
    not the ring's shape, decided the correlation with the ring learned: a British ring 20 dB
    over hiss scored under 0.8 against its own profile in two frames of three. Held at the
    floor those bins are level, as a clean ring's are."""
    floor = np.median(power, axis=-1, keepdims=True)
    return np.log10(np.maximum(power, floor) + 1.0)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denom if denom > 0 else 0.0


def sounding_frame(frame: Pcm) -> bool:
    """Is this one frame above the floor?"""
    return len(frame) > 0 and float((frame.astype(np.float64) ** 2).mean()) > SOUNDING_POWER


TONAL_SHARE = 0.92
"""A frame whose five strongest frequency bins (of 129) hold this share of its power over the
frame's noise floor (:func:`tonal_share`) is a tone. Ringback's frames (440+480 Hz, 400+450 Hz,
their beats and leakage): 0.94 and more in nine frames of ten; speech and hold music: a median
near 0.7, and this high in one frame of ten at most, so a stretch is a ring only when nearly
all its frames are."""


def tonal_share(power: np.ndarray) -> np.ndarray:
    """The share of each frame's power (rows of a 129-bin power spectrum) that its five
    strongest bins hold, over the frame's noise floor: each bin's power less the frame's
    median bin power.

    A tone fills five bins or so and leaves the rest of a frame's 129 to the line's noise,
    so the median bin is the noise; taken out of every bin, the noise no longer counts
    against the tone. Over the raw power, the zoo's British ring (400+450 Hz, 0.937 clean)
    held 0.914 under white hiss 21 dB below it, and only one frame in five passed: the ring
    was never learned (zoo seeds 29188, 29288). Speech and music fill more than half the
    bins of a frame well over the noise, so the floor taken out of theirs is mostly their
    own. bench/ring_tonal.py (sounding frames passing, raw -> over the floor, hiss -55 to
    -35 dBFS under sound at -30 to -10 dBFS): rings 20 dB over hiss, UK 77 -> 83 % (85 %
    clean: at some beat phases a UK frame holds 0.90 even clean), US 79-91 -> 88-94 % (94.5 %
    clean), EU 100 %; 10 dB over hiss EU 13 -> 100 %, UK 22 -> 59 %, US 34 -> 59 %. Debian
    prompts 10.2-10.8 % clean, under hiss 1.2-10.4 % (raw 0.2-9.7 %); flite and espeak
    3.5-3.9 % clean, 0.2-3.7 % under hiss; opsound tracks 4.4-4.9 % clean, 0.1-4.8 % under
    hiss: never more than on a clean line."""
    floor = np.median(power, axis=-1, keepdims=True)
    over = np.maximum(power - floor, 0.0)
    total = over.sum(axis=-1)
    strongest = np.sort(over, axis=-1)[..., -5:].sum(axis=-1)
    return np.divide(strongest, total, out=np.zeros(total.shape), where=total > 0)


def tonal(frame: Pcm) -> bool:
    """Is this 20 ms frame (mostly) one or two steady tones?"""
    power = np.abs(np.fft.rfft(frame.astype(np.float64) * np.hanning(len(frame)), n=256)) ** 2
    return float(tonal_share(power)) >= TONAL_SHARE


BEEP_QUIET_AFTER_FRAMES = 25
"""A beep is followed by the box's silence: 0.5 s of it, longer than the pauses within a
prompt (0.5 s at most in the recordings measured, END_SILENCE_SECONDS)."""


def before_a_tone(audio: Pcm, min_frames: int) -> Pcm:
    """``audio`` up to a beep in it (``min_frames`` sounding, tonal frames in a row or more,
    then ``BEEP_QUIET_AFTER_FRAMES`` quiet ones), all of it if there is none.

    What a look ahead is asked ("does the voice go on?") is about the voice: a voicemail's
    beep after the last words is not more of them, and scored with them it made the look a
    tone (zoo seed 29324: an eSpeak greeting whose first 1.8 s scored as music, looked at
    for 2 s, 0.4 s of them its 800 Hz beep: the greeting became a queue with no
    announcement). A voice holds a tonal frame for 0.24 s at most (703 zoo and bundled
    prompts: a nasal "mmm", a vowel), as long as a beep's shortest, but words follow it
    within a pause's length, where the box records in silence."""
    quiet = quiet_frames(audio)
    run = 0
    for index in range(len(quiet)):
        frame = audio[index * FRAME_SAMPLES: (index + 1) * FRAME_SAMPLES]
        if sounding_frame(frame) and tonal(frame):
            run += 1
            continue
        after = quiet[index: index + BEEP_QUIET_AFTER_FRAMES]
        if run >= min_frames and len(after) == BEEP_QUIET_AFTER_FRAMES and all(after):
            return audio[: (index - run) * FRAME_SAMPLES]
        run = 0
    return audio
