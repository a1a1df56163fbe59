"""Fitting the sound classifier's speech/music score and writing it to ivraudit.listen.fitted.

The score (see :mod:`ivraudit.listen.sound`) is a logistic regression of speech against music
over the window statistics named by ``SCORE_FEATURES``, each standardised by a centre and a
scale. :func:`fit` fits it on the tuning half of :mod:`ivraudit.listen.corpus` (so it needs
that corpus's Debian packages); :func:`render` and :func:`write` turn the result into the
module the classifier imports, so the constants are never pasted by hand:

    python bench/sound_classifier.py --write

A window's pitch shares are drawn towards the current centre by ``PITCH_PRIOR_PAIRS``
(``SoundClassifier.features``), so a refit depends slightly on the committed constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ivraudit.listen import corpus, fitted
from ivraudit.listen.sound import (
    HARMONICITY_FLOOR,
    SCORE_FEATURES,
    Sound,
    SoundClassifier,
    score_inputs,
)

__all__ = ["Score", "Fit", "fit", "samples", "solve", "committed", "constants", "assignment",
           "render", "write", "FITTED_PATH"]

FITTED_PATH = Path(__file__).with_name("fitted.py")
WRITE_COMMAND = "python bench/sound_classifier.py --write"

_HEADER = f'''"""The sound classifier's speech/music score, as fitted on the tuning half of the corpus.

Written by ivraudit.listen.fitting from ivraudit.listen.corpus: do not edit by hand. To refit
and rewrite it:

    {WRITE_COMMAND}

SCORE_FEATURES are the window statistics the other constants were fitted over, in order
(ivraudit.listen.sound scores the same ones); see ivraudit.listen.sound for the score.
"""

'''


@dataclass(frozen=True)
class Score:
    """The fitted constants of the speech/music score, as :mod:`ivraudit.listen.fitted` holds
    them: centres and scales to 3 decimals, weights and bias to 2."""

    features: tuple[str, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float


@dataclass(frozen=True)
class Fit:
    """A fitted score and how it did on the windows it was fitted on."""

    score: Score
    windows: int
    speech_windows: int
    speech_accuracy: float
    music_accuracy: float
    medians: dict[str, tuple[float, float]]
    """Per feature, its median over the speech windows and over the music windows."""

    def summary(self) -> str:
        lines = [f"fitted on {self.windows} tuning windows ({self.speech_windows} speech); "
                 f"training accuracy: speech {self.speech_accuracy:.3f}, "
                 f"music {self.music_accuracy:.3f}"]
        for name, (speech, music) in self.medians.items():
            lines.append(f"  {name:14s} speech median {speech:.3f}  music median {music:.3f}")
        return "\n".join(lines)


def samples(cache: Path) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Window features (one row per window, ``SCORE_FEATURES`` in order) and labels (1 speech,
    0 music) from the tuning half; synthetic voices are kept in ``cache``.

    Each tuning clip (prompt, sentence, whole music track) is streamed through one classifier
    and its features are sampled every 0.5 s once a full window has been heard, where the
    window has enough sound to be scored: the statistics the live verdict sees.
    """
    rows, labels = [], []
    clips = [(Sound.SPEECH, pcm) for _, pcm in corpus.prompts("tune")]
    clips += [(Sound.SPEECH, pcm) for _, pcm in corpus.synthetic("tune", cache)]
    clips += [(Sound.MUSIC, pcm) for _, pcm in corpus.music("tune")]
    for truth, pcm in clips:
        sc = SoundClassifier()
        for i, _ in corpus.stream(pcm, sc):
            if i < 50 or i % 25:
                continue
            f = sc.features()
            if f["active"] < 0.3 or f["tonal"] > 5:
                continue
            rows.append([f[k] for k in SCORE_FEATURES])
            labels.append(1.0 if truth is Sound.SPEECH else 0.0)
    return np.array(rows), np.array(labels)


def solve(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Fit:
    """Class-balanced logistic regression (Newton iterations, a little ridge) of ``y`` on the
    standardised, clipped features ``x``."""
    floored = x.copy()
    h = SCORE_FEATURES.index("harmonicity")
    floored[:, h] = np.maximum(floored[:, h], HARMONICITY_FLOOR)
    center = tuple(float(v) for v in np.round(floored.mean(axis=0), 3))
    scale = tuple(float(v) for v in np.round(floored.std(axis=0), 3))
    z = np.array([score_inputs(dict(zip(SCORE_FEATURES, row)), center, scale) for row in x])
    z = np.c_[z, np.ones(len(x))]
    weight = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (weight * (p - y)) + 0.01 * w
        hess = (z * (weight * p * (1 - p))[:, None]).T @ z + 0.01 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    score = z @ w
    return Fit(
        score=Score(features=SCORE_FEATURES, center=center, scale=scale,
                    weights=tuple(round(float(v), 2) for v in w[:-1]),
                    bias=round(float(w[-1]), 2)),
        windows=len(y),
        speech_windows=int(y.sum()),
        speech_accuracy=float(np.mean(score[y > 0] > 0)),
        music_accuracy=float(np.mean(score[y == 0] < 0)),
        medians={name: (float(np.median(v[y > 0])), float(np.median(v[y == 0])))
                 for name, v in zip(SCORE_FEATURES, x.T)},
    )


def fit(cache: Path) -> Fit:
    """Fit the speech/music score on the tuning half of the corpus."""
    return solve(*samples(cache))


def committed() -> Score:
    """The score the classifier uses: the one :mod:`ivraudit.listen.fitted` held when imported."""
    return Score(features=fitted.SCORE_FEATURES, center=fitted.SCORE_CENTER,
                 scale=fitted.SCORE_SCALE, weights=fitted.SCORE_WEIGHTS, bias=fitted.SCORE_BIAS)


def constants(score: Score) -> dict[str, object]:
    """``score`` by the names :mod:`ivraudit.listen.fitted` gives its constants."""
    return {
        "SCORE_FEATURES": score.features,
        "SCORE_CENTER": score.center,
        "SCORE_SCALE": score.scale,
        "SCORE_WEIGHTS": score.weights,
        "SCORE_BIAS": score.bias,
    }


def assignment(name: str, value: object) -> str:
    """``NAME = value`` as Python source: strings in double quotes, a tuple too long for one
    line of 99 columns wrapped."""
    if not isinstance(value, tuple):
        return f"{name} = {_literal(value)}"
    items = [_literal(v) for v in value]
    one_line = f"{name} = ({', '.join(items)}{',' if len(items) == 1 else ''})"
    if len(one_line) <= 99:
        return one_line
    rows = [""]
    for item in items:
        if rows[-1] and len(rows[-1]) + len(item) + 5 > 99:
            rows.append("")
        rows[-1] += f"{item}, "
    return f"{name} = (\n" + "".join(f"    {row.rstrip()}\n" for row in rows) + ")"


def _literal(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def render(score: Score) -> str:
    """The text of :mod:`ivraudit.listen.fitted` holding ``score``."""
    return _HEADER + "".join(f"{assignment(name, value)}\n"
                             for name, value in constants(score).items())


def write(score: Score, path: Path = FITTED_PATH) -> Path:
    """Write ``score`` as the fitted module (by default the one the classifier imports)."""
    path.write_text(render(score), encoding="utf-8")
    return path
