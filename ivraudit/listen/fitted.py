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
SCORE_CENTER = (0.378, 6.268, 299.169, 0.79, 0.272, 0.337)
SCORE_SCALE = (0.128, 3.519, 256.044, 0.077, 0.131, 0.117)
SCORE_WEIGHTS = (4.79, 2.5, 2.67, 3.93, -1.89, 0.81)
SCORE_BIAS = -2.85
