"""The sound classifier on held-out line audio: silence, speech, music and tones.

The data and its split come from ``ivraudit.listen.corpus`` (the constants in
``ivraudit/listen/fitted.py`` were fitted, and those in ``ivraudit/listen/sound.py`` tuned, on
the other half): Asterisk's English prompts whose name hashes to the held-out half, two
held-out hold-music tracks, two held-out synthetic voices, Asterisk's beep, and generated tones
and noise, all through μ-law. The thresholds leave margin under what the bench
(``bench/sound_classifier.py``) measures (99-100 % on these sets).
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ivraudit.listen import corpus, fitted, fitting, sound
from ivraudit.listen.sound import Sound, SoundClassifier, classify, frame_dbfs, is_tone
from ivraudit.spec.effects import LineEffects
from ivraudit.spec.model import LineSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.tones import beep, tone
from ivraudit.telephony.wav import read_telephone_audio

_MISSING_RECORDINGS = corpus.missing(voices=False)
_MISSING_VOICES = corpus.missing(recordings=False)
needs_sounds = pytest.mark.skipif(bool(_MISSING_RECORDINGS),
                                  reason=f"needs {' '.join(_MISSING_RECORDINGS)}")
needs_tts = pytest.mark.skipif(bool(_MISSING_VOICES), reason=f"needs {' '.join(_MISSING_VOICES)}")


def frames(pcm: np.ndarray) -> list[np.ndarray]:
    return [pcm[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
            for i in range(len(pcm) // FRAME_SAMPLES)]


def verdicts(pcm: np.ndarray, sc: SoundClassifier | None = None) -> list[Sound]:
    """window() after every frame, as the listener asks it."""
    sc = sc or SoundClassifier()
    out = []
    for frame in frames(pcm):
        sc.push(frame)
        out.append(sc.window())
    return out


@pytest.fixture(scope="module")
def held_out_prompts() -> list[tuple[str, np.ndarray]]:
    return corpus.prompts("test", languages=("en",))


@pytest.fixture(scope="module")
def held_out_music() -> list[tuple[str, np.ndarray]]:
    return corpus.music("test")


@pytest.fixture(scope="module")
def held_out_voices(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, np.ndarray]]:
    cache = tmp_path_factory.mktemp("voices")
    out = []
    for engine, voice in (("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us+m3")):
        for i, text in enumerate(corpus.SENTENCES[:4]):
            out.append((f"{engine}-{voice}/{i}",
                        corpus.line(corpus.synthesise(engine, voice, text, cache))))
    return out


# -- activity ---------------------------------------------------------------------------------

def test_line_noise_and_digital_silence_are_not_sound() -> None:
    rng = np.random.default_rng(0)
    for pcm in (np.zeros(SAMPLE_RATE * 2, np.int16),
                corpus.line(corpus.noise(3.0, -60, rng)),
                corpus.line(corpus.noise(3.0, -60, rng, "pink")),
                corpus.line(corpus.noise(3.0, -55, rng, "band"))):
        sc = SoundClassifier()
        flags = []
        for frame in frames(pcm):
            sc.push(frame)
            flags.append(sc.active)
        assert not any(flags)
        assert sc.window() is Sound.SILENCE
        assert classify(pcm) is Sound.SILENCE


def test_loud_line_noise_is_learnt_as_the_floor() -> None:
    """-45 dBFS hiss is over the absolute floor, but the noise floor learns it within 1 s."""
    pcm = corpus.line(corpus.noise(4.0, -45, np.random.default_rng(1)))
    sc = SoundClassifier()
    flags = []
    for frame in frames(pcm):
        sc.push(frame)
        flags.append(sc.active)
    assert not any(flags[50:])


@needs_sounds
def test_clipped_loud_speech_is_not_taken_for_the_lines_noise(held_out_prompts) -> None:
    """Speech 20 dB too loud, clipped by the line, has half seconds as spectrally flat as
    noise, but its level rises and falls: it is not the line's own noise, and the floor that
    decides what is sound stays where it was (zoo seed 14016 learnt -27 dBFS from its main
    menu, and a quiet queue after it was silence). Hiss is still learnt."""
    loud = [np.clip(pcm.astype(np.float64) * 10.0, -32768, 32767).astype(np.int16)
            for _, pcm in held_out_prompts]
    sc = SoundClassifier()
    for pcm in loud:
        for frame in frames(pcm):
            sc.push(frame)
    assert sc.line_floor is None or sc.line_floor < -45, sc.line_floor
    for frame in frames(corpus.line(corpus.noise(2.0, -40, np.random.default_rng(2)))):
        sc.push(frame)
    assert sc.line_floor is not None and -45 < sc.line_floor < -35, sc.line_floor


def test_over_the_line_is_judged_by_the_lines_noise_alone() -> None:
    """Over the line's noise is over that noise as heard alone in a pause (and the margin),
    or the absolute floor before any is heard: not the floor held against the recent peak,
    which after loud music puts the words of whoever speaks next under it (zoo seed 27045)."""
    rng = np.random.default_rng(3)
    sc = SoundClassifier()
    word = tone(300.0, 0.02, dbfs=-46.0)[:FRAME_SAMPLES]
    assert sc.over_the_line(word) and not sc.over_the_line(np.zeros(FRAME_SAMPLES, np.int16))
    for frame in frames(tone(440.0, 1.0, dbfs=-3.0)):  # loud: the peak's floor is -43 dBFS
        sc.push(frame)
    assert sc.over_the_line(word) and not sc.sounds(word)
    hiss = corpus.line(corpus.noise(2.0, -44, rng))
    for frame in frames(hiss):
        sc.push(frame)
    assert sc.line_floor is not None
    assert not any(sc.over_the_line(frame) for frame in frames(hiss))
    assert sc.over_the_line(tone(300.0, 0.02, dbfs=-30.0)[:FRAME_SAMPLES])


@needs_sounds
def test_speech_is_active_even_quiet_and_its_pauses_are_not(held_out_prompts) -> None:
    rng = np.random.default_rng(2)
    for _, prompt in held_out_prompts[:20]:
        for gain_db in (0.0, -20.0):  # as recorded, and 20 dB quieter (peaks near -30 dBFS)
            quiet = np.round(prompt.astype(np.float64) * 10 ** (gain_db / 20))
            hiss = corpus.noise(len(prompt) / SAMPLE_RATE, -62, rng).astype(np.float64)
            pcm = corpus.line(np.clip(quiet + hiss, -32768, 32767).astype(np.int16))
            sc = SoundClassifier()
            levels, flags = [], []
            for frame in frames(pcm):
                sc.push(frame)
                flags.append(sc.active)
                levels.append(frame_dbfs(frame))
            levels_a, flags_a = np.array(levels), np.array(flags)
            peak = levels_a.max()
            voiced = levels_a > max(peak - 25, -45)
            assert flags_a[voiced].mean() >= 0.98
            assert not flags_a[levels_a < -55].any()


def test_active_is_decided_on_the_frame_itself() -> None:
    sc = SoundClassifier()
    for frame in frames(np.zeros(SAMPLE_RATE, np.int16)):
        sc.push(frame)
    sc.push(tone(300.0, 0.02, -20))
    assert sc.active
    sc.push(np.zeros(FRAME_SAMPLES, np.int16))
    assert not sc.active


# -- speech and music -------------------------------------------------------------------------

@needs_sounds
def test_held_out_prompts_are_speech(held_out_prompts) -> None:
    got = [corpus.verdict(pcm)[0] for _, pcm in corpus.speech_windows(held_out_prompts)
           if corpus.sounding(pcm) >= 0.2]
    assert len(got) > 200
    assert np.mean([v is Sound.SPEECH for v in got]) >= 0.95
    assert np.mean([v is Sound.MUSIC for v in got]) <= 0.02


@needs_sounds
@needs_tts
def test_held_out_synthetic_voices_are_speech(held_out_voices) -> None:
    got = [corpus.verdict(pcm)[0] for _, pcm in corpus.speech_windows(held_out_voices)
           if corpus.sounding(pcm) >= 0.2]
    assert np.mean([v is Sound.SPEECH for v in got]) >= 0.9


@needs_sounds
def test_held_out_hold_music_is_music(held_out_music) -> None:
    got = [corpus.verdict(pcm)[0] for _, pcm in corpus.music_windows(held_out_music, seed=5)
           if corpus.sounding(pcm) >= 0.2]
    assert len(got) > 100
    assert np.mean([v is Sound.MUSIC for v in got]) >= 0.95


@needs_sounds
def test_music_played_through_stays_music(held_out_music) -> None:
    for name, track in held_out_music:
        got = verdicts(track)[50:]
        assert np.mean([v is Sound.MUSIC for v in got]) >= 0.9, name
        assert Sound.TONE not in got, name
        assert np.mean([v is Sound.SPEECH for v in got]) <= 0.02, name


@needs_sounds
def test_prompt_running_into_music_is_ended_by_the_music(held_out_prompts, held_out_music) -> None:
    """The first MUSIC comes within 1.5 s of the music, and none before it, inside the prompt."""
    rng = np.random.default_rng(3)
    order = rng.permutation(len(held_out_prompts))[:30]
    latencies = []
    for k in order:
        name, prompt = held_out_prompts[k]
        _, track = held_out_music[int(rng.integers(len(held_out_music)))]
        start = int(rng.integers(0, len(track) - 4 * SAMPLE_RATE))
        onset = len(prompt) // FRAME_SAMPLES
        pcm = np.concatenate([prompt[: onset * FRAME_SAMPLES],
                              track[start : start + 3 * SAMPLE_RATE]])
        got = verdicts(pcm)
        inside = got[:onset]
        assert Sound.MUSIC not in inside, name
        assert Sound.SPEECH in inside, name
        after = [i for i, v in enumerate(got[onset:]) if v is Sound.MUSIC]
        assert after, name
        latencies.append((after[0] + 1) * FRAME_SAMPLES / SAMPLE_RATE)
        assert latencies[-1] <= 1.5, name
    assert np.median(latencies) <= 1.0


@needs_sounds
def test_announcement_interrupting_music_is_speech(held_out_prompts, held_out_music) -> None:
    rng = np.random.default_rng(4)
    for k in rng.permutation(len(held_out_prompts))[:15]:
        name, prompt = held_out_prompts[k]
        _, track = held_out_music[int(rng.integers(len(held_out_music)))]
        start = int(rng.integers(0, len(track) - 6 * SAMPLE_RATE))
        lead = track[start : start + 3 * SAMPLE_RATE]
        got = verdicts(np.concatenate([lead, prompt]))
        onset = len(lead) // FRAME_SAMPLES
        assert got[onset - 1] is Sound.MUSIC, name
        first = next(i for i, v in enumerate(got[onset:]) if v is Sound.SPEECH)
        assert (first + 1) * FRAME_SAMPLES / SAMPLE_RATE <= 1.5, name


# -- tones ------------------------------------------------------------------------------------

@needs_sounds
def test_asterisk_beep_is_a_tone() -> None:
    pcm = corpus.line(read_telephone_audio(corpus.SOUNDS / "en" / "beep.wav"))
    assert classify(pcm) is Sound.TONE
    assert is_tone(pcm)
    padded = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.int16), pcm,
                             np.zeros(SAMPLE_RATE // 5, np.int16)])
    assert Sound.TONE in verdicts(padded)


@pytest.mark.parametrize("hz, seconds, dbfs", [
    (1000.0, 0.5, -12.0),        # tones.beep()
    (1000.0, 0.2, -30.0),        # a short, quiet beep
    (440.0, 1.0, -20.0),
    ((350.0, 440.0), 2.0, -15.0),  # dial tone
    ((941.0, 1336.0), 0.3, -10.0),  # DTMF 0
    ((697.0, 1209.0), 0.25, -25.0),  # DTMF 1, quiet
])
def test_steady_tones_are_tones(hz, seconds, dbfs) -> None:
    pcm = corpus.line(np.concatenate([np.zeros(3000, np.int16), tone(hz, seconds, dbfs)]))
    assert classify(pcm) is Sound.TONE
    assert Sound.TONE in verdicts(np.concatenate([pcm, np.zeros(1600, np.int16)]))


def test_dtmf_digit_train_is_a_tone() -> None:
    digits = [(697.0, 1209.0), (770.0, 1336.0), (852.0, 1477.0), (941.0, 1336.0)] * 2
    pcm = np.concatenate([np.concatenate([tone(d, 0.1, -12), np.zeros(800, np.int16)])
                          for d in digits])
    assert classify(corpus.line(pcm)) is Sound.TONE


@needs_sounds
def test_beep_after_a_prompt_is_heard_at_once(held_out_prompts) -> None:
    """A voicemail greeting ending in a beep: TONE within 0.4 s of the beep, never before."""
    for _, prompt in held_out_prompts[:10]:
        onset = len(prompt) // FRAME_SAMPLES
        pcm = np.concatenate([prompt[: onset * FRAME_SAMPLES], corpus.line(beep())])
        got = verdicts(pcm)
        assert Sound.TONE not in got[:onset]
        first = next(i for i, v in enumerate(got[onset:]) if v is Sound.TONE)
        assert (first + 1) * FRAME_SAMPLES / SAMPLE_RATE <= 0.4


@needs_sounds
def test_prompts_are_never_tones(held_out_prompts) -> None:
    for name, prompt in held_out_prompts[:40]:
        assert Sound.TONE not in verdicts(prompt), name


# -- the interface ----------------------------------------------------------------------------

def test_reset_forgets_the_call() -> None:
    sc = SoundClassifier()
    for frame in frames(corpus.line(tone(1000.0, 1.0, -12))):
        sc.push(frame)
    assert sc.window() is Sound.TONE and sc.active
    sc.reset()
    assert sc.window() is Sound.SILENCE and not sc.active
    for frame in frames(np.zeros(SAMPLE_RATE, np.int16)):
        sc.push(frame)
    assert sc.window() is Sound.SILENCE


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        SoundClassifier(sample_rate=16000)
    with pytest.raises(ValueError):
        SoundClassifier().push(np.zeros(80, np.int16))


@needs_sounds
def test_whole_clips_classify(held_out_prompts, held_out_music) -> None:
    for name, prompt in held_out_prompts[:10]:
        assert classify(prompt) is Sound.SPEECH, name
        padded = np.concatenate([prompt, np.zeros(3 * SAMPLE_RATE, np.int16)])
        assert classify(padded) is Sound.SPEECH, name  # mostly silence, but it holds speech
    for name, track in held_out_music:
        assert classify(track[: 5 * SAMPLE_RATE]) is Sound.MUSIC, name  # fade-in included
        assert classify(track[20 * SAMPLE_RATE : 30 * SAMPLE_RATE]) is Sound.MUSIC, name


def test_short_clips_classify() -> None:
    assert classify(np.zeros(100, np.int16)) is Sound.SILENCE
    assert classify(corpus.line(tone(1000.0, 0.3, -12))) is Sound.TONE


@needs_sounds
def test_cheap_enough_for_every_frame_of_every_call(held_out_music) -> None:
    """Target: an hour of audio in well under 5 s of CPU (the bench measures ~2.3 s). A
    minute must take under 0.25 s here (15 s an hour): a loose guard against a slow path."""
    _, track = held_out_music[0]
    minute = frames(track[: 60 * SAMPLE_RATE])
    sc = SoundClassifier()
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for frame in minute:
            sc.push(frame)
            sc.window()
        best = min(best, time.process_time() - started)
    assert best < 0.25


# -- the fitted score -------------------------------------------------------------------------

def test_fitted_module_is_as_the_fitting_writes_it() -> None:
    """ivraudit/listen/fitted.py is exactly what the writer makes of its constants (nobody
    edited it by hand), over the features the classifier scores, and the classifier uses it."""
    assert fitting.render(fitting.committed()) == fitting.FITTED_PATH.read_text(encoding="utf-8")
    assert fitted.SCORE_FEATURES == sound.SCORE_FEATURES
    assert (sound.SCORE_CENTER, sound.SCORE_SCALE, sound.SCORE_WEIGHTS, sound.SCORE_BIAS) == (
        fitted.SCORE_CENTER, fitted.SCORE_SCALE, fitted.SCORE_WEIGHTS, fitted.SCORE_BIAS)


def test_written_module_yields_the_constants(tmp_path: Path) -> None:
    score = fitting.Score(
        features=("flux", "a_rather_long_statistic_name", "another_long_statistic_name",
                  "and_a_third_one_to_wrap_the_line"),
        center=(0.378, -6.256, 1e-05, 1234.5), scale=(0.128, 3.5, 0.001, 256.378),
        weights=(4.94, -2.14, 0.0, 12.0), bias=-2.91)
    path = fitting.write(score, tmp_path / "fitted_copy.py")
    text = path.read_text(encoding="utf-8")
    assert "do not edit by hand" in text and fitting.WRITE_COMMAND in text
    assert max(len(line_) for line_ in text.splitlines()) <= 99
    module = runpy.run_path(str(path))
    assert fitting.Score(features=module["SCORE_FEATURES"], center=module["SCORE_CENTER"],
                         scale=module["SCORE_SCALE"], weights=module["SCORE_WEIGHTS"],
                         bias=module["SCORE_BIAS"]) == score


@needs_sounds
@needs_tts
def test_refit_on_the_corpus_is_close_to_the_fitted_constants(tmp_path: Path) -> None:
    """Refitting on the tuning half gives nearly, not exactly, the committed constants (about
    8 s). The committed ones came from a state of the data or code that the history does not
    record: a refit moves two centres by under 0.005 of a scale, one scale by 0.13 % and the
    weights by 0.01, which changes no verdict of the bench; and a refit reads windows with too
    little voicing at the committed centre, so it is not exactly a fixed point either."""
    refit = fitting.fit(tmp_path).score
    now = fitting.committed()
    assert refit.features == now.features
    for c_new, c_now, s_now in zip(refit.center, now.center, now.scale):
        assert abs(c_new - c_now) <= 0.01 * s_now
    for s_new, s_now in zip(refit.scale, now.scale):
        assert abs(s_new - s_now) <= 0.01 * s_now
    for w_new, w_now in zip(refit.weights, now.weights):
        assert abs(w_new - w_now) <= 0.05
    assert abs(refit.bias - now.bias) <= 0.05


def test_the_classifier_imports_no_corpus_code() -> None:
    """The classifier at run time needs its constants, not the corpus or the fitting (nor
    their Debian packages)."""
    code = ("import sys, ivraudit.listen.sound, ivraudit.listen.listener; "
            "print(sorted(m for m in sys.modules if m.startswith('ivraudit.listen.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}).stdout
    assert "ivraudit.listen.corpus" not in out and "ivraudit.listen.fitting" not in out
    assert "ivraudit.listen.fitted" in out


def test_the_corpus_without_its_packages_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(corpus, "SOUNDS", tmp_path / "sounds")
    monkeypatch.setattr(corpus, "MOH", tmp_path / "moh")
    assert {"asterisk-core-sounds-en-wav", "asterisk-moh-opsound-wav"} <= set(corpus.missing())
    with pytest.raises(corpus.CorpusUnavailable, match="asterisk-core-sounds-en-wav"):
        corpus.prompts("tune")
    with pytest.raises(corpus.CorpusUnavailable, match="apt-get install asterisk-moh-opsound-wav"):
        corpus.music("test")


def _zoo_voice(seed: int, node_id: str) -> np.ndarray:
    """The first clip of a zoo tree's node, rendered as the zoo renders it (no line yet)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
    from zoo.compose import compose
    from zoo.sound import render
    return render(compose(seed).nodes[node_id].prompt[0])


def _line(**spec: object) -> LineEffects:
    return LineEffects(LineSpec(**spec))  # type: ignore[arg-type]


def test_the_lines_hiss_is_taken_out_of_what_a_voice_is_scored_by():
    """A hiss 20 dB under a voice fills its pauses and spectral valleys: its spectrum moved
    less, its centroid stayed near the noise's and its periodicity fell, all as music's do,
    and eSpeak agents were heard as queues (zoo seeds 27033, 24005). The line's own noise,
    learned in a pause, is taken out of each frame before those statistics, so the voice
    scores about as it does on a clean line: 27033's agent, through its own line (A-law,
    +8.3 dB, hiss at -31.8 dBFS), after the 1.5 s of the line alone a call hears first:
    mean score 3.0 clean, -2.5 to -2.2 under the hiss without, -0.4 to -0.1 with (a window
    under -3 is music)."""
    voice = _zoo_voice(27033, "agent_maria")
    lead = np.zeros(int(1.5 * SAMPLE_RATE), np.int16)

    def mean_score(noise_dbfs: float | None, seed: int) -> float:
        line = _line(codec="alaw", gain_db=8.3, noise_dbfs=noise_dbfs, noise_seed=seed)
        sc, scores = SoundClassifier(), []
        for i, frame in enumerate(frames(np.concatenate([lead, voice]))):
            sc.push(line.apply(frame))
            if i >= len(lead) // FRAME_SAMPLES and i % 5 == 4:
                sc.window()
                scores.append(sc._score(sc.features()))
        return float(np.mean(scores))

    clean = mean_score(None, 1)
    noisy = [mean_score(-31.8, seed) for seed in (1, 2, 3)]  # three draws of the hiss
    assert min(noisy) > clean - 4.0


def test_a_low_flite_voice_with_few_voiced_frames_is_not_music():
    """flite kal (about 88 Hz) reaches VOICED_HARMONICITY in few frames, so some of its
    windows hold 9 consecutive voiced pairs, 8 of them gliding. Pitch shares used to count
    only from 10 pairs on, below that they read as the centre: one pair fewer cost 6 points of
    score, two windows in a row fell under MUSIC_BELOW and the agent of zoo seed 29024 (A-law,
    -5.4 dB, no noise) was heard as a queue. Now few pairs say a little (PITCH_PRIOR_PAIRS):
    heard from every phase of the 100 ms batches, the agent is never music."""
    voice = _zoo_voice(29024, "agent_maria")
    for shift in range(5):  # where the call's batches of five frames fall in the voice
        lead = np.zeros(int(1.5 * SAMPLE_RATE) + shift * FRAME_SAMPLES, np.int16)
        line = _line(codec="alaw", gain_db=-5.4, noise_dbfs=None, noise_seed=1)
        sc, heard = SoundClassifier(), []
        for frame in frames(np.concatenate([lead, voice])):
            sc.push(line.apply(frame))
            heard.append(sc.window())
        assert Sound.MUSIC not in heard, shift
