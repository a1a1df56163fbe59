"""The sound classifier's speech/music score, as fitted on the tuning half of the corpus.

Written by ivraudit.listen.fitting from ivraudit.listen.corpus: do not edit by hand. To refit
and rewrite it:

    python bench/sound_classifier.py --write

SCORE_FEATURES are the window statistics the other constants were fitted over, in order
(ivraudit.listen.sound scores the same ones); see ivraudit.listen.sound for the score.
"""

SCORE_FEATURES = (
    "flux", "energy_spread", "centroid_spread", "harmonicity", "pitch_same", "pitch_glide",
)
SCORE_CENTER = (0.378, 6.256, 298.665, 0.79, 0.27, 0.344)
SCORE_SCALE = (0.128, 3.519, 256.378, 0.077, 0.181, 0.161)
SCORE_WEIGHTS = (4.94, 2.14, 2.63, 4.02, -1.65, 0.81)
SCORE_BIAS = -2.91
