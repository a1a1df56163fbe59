"""Voices and hold music on the zoo's lines: how often a voice is confirmed as music, how
often music stays music (the "eSpeak/flite voice under hiss scored as music" class: zoo seeds
27033, 24005, 29024).

Every zoo voice (each flite voice, each espeak-ng variant of fixtures/zoo/voices.py, Debian's
recorded prompts) says a few agent and announcement sentences; every hold track plays 30 s
from its middle, at its own level and 12 dB down. Each is rendered as the zoo renders a prompt
(fixtures/zoo/sound.py: trimmed, levelled to -20 dBFS) and carried by the zoo's line
(ivraudit.spec.effects: gain, white noise at an SNR, G.711 law) after 1.5 s of the line alone
(a call's pause, where the classifier learns the line's noise), through one SoundClassifier.

    PYTHONPATH=$PWD python bench/noisy_voices.py [--quick]

Prints, per line condition, the share of voice clips with any MUSIC verdict (the failure: a
person heard as a queue) and the share of music windows (after 2 s) that are MUSIC, and the
worst voices.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "fixtures")]

from ivraudit.listen.sound import Sound, SoundClassifier  # noqa: E402
from ivraudit.spec.effects import LineEffects  # noqa: E402
from ivraudit.spec.model import LineSpec  # noqa: E402
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE  # noqa: E402
from zoo.model import Music, Recorded, Speech  # noqa: E402
from zoo.sound import SPEECH_DBFS, render_part  # noqa: E402
from zoo.voices import SPEECH_VOICES  # noqa: E402

SENTENCES = (
    "Thank you for calling Skyline Cable, how may I help you? Hello?",
    "Thanks for calling the City of Fairview. This is Maria. How can I help?",
    "Customer service, Sam speaking.",
    "Hi, this is David in customer service. What can I do for you? Hello?",
    "Please hold for the next available agent.",
)
RECORDED = ("hello-world", "please-try-again", "vm-intro", "queue-thankyou", "queue-callswaiting",
            "pls-hold-while-try", "vm-nobodyavail", "dir-intro", "demo-congrats", "transfer")
TRACKS = ("macroform-cold_day", "macroform-the_simplicity", "reno_project-system",
          "macroform-robot_dity", "manolo_camp-morning_coffee")
LEAD_S = 1.5


def lines(quick: bool) -> list[tuple[str, LineSpec]]:
    """(name, line): levels -28, -20 and -12 dBFS; no noise, or 20-35 dB SNR; μ-law and A-law."""
    out = []
    for gain in ((0.0,) if quick else (-8.0, 0.0, 8.0)):
        for snr in (None, 20.0, 25.0, 30.0, 35.0):
            for codec in ("ulaw", "alaw"):
                noise = None if snr is None else SPEECH_DBFS + gain - snr
                name = f"gain{gain:+.0f} snr{'-' if snr is None else int(snr)} {codec}"
                out.append((name, LineSpec(codec=codec, gain_db=gain, noise_dbfs=noise,
                                           noise_seed=int(gain * 10 + (snr or 0)))))
    return out


def verdicts(pcm: np.ndarray, line: LineSpec) -> list[Sound]:
    """The classifier's verdict every 0.1 s on ``pcm`` after the line alone for LEAD_S."""
    lead = np.zeros(int(LEAD_S * SAMPLE_RATE), dtype=np.int16)
    x = np.concatenate([lead, pcm])
    fx, sc = LineEffects(line), SoundClassifier()
    out = []
    for i in range(len(x) // FRAME_SAMPLES):
        sc.push(fx.apply(x[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES]))
        v = sc.window()
        if i % 5 == 4 and i * FRAME_SAMPLES >= len(lead):
            out.append(v)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one level only")
    args = ap.parse_args()
    voices: list[tuple[str, np.ndarray]] = []
    for voice in SPEECH_VOICES:
        for text in SENTENCES:
            voices.append((voice.name, render_part(Speech(voice, text))))
    for name in RECORDED:
        voices.append(("debian", render_part(Recorded((name,), ""))))
    music: list[tuple[str, np.ndarray]] = []
    for track in TRACKS:
        for gain in (0.0, -12.0):
            music.append((f"{track}{gain:+.0f}", render_part(Music(track, 30.0, 30.0, 0.0, gain))))
    worst: dict[str, int] = defaultdict(int)
    total_v = total_m = 0.0
    print(f"{len(voices)} voice clips, {len(music)} music clips")
    for name, line in lines(args.quick):
        bad = 0
        for vname, pcm in voices:
            if Sound.MUSIC in verdicts(pcm, line):
                bad += 1
                worst[vname] += 1
        kept = []
        for _, pcm in music:
            got = verdicts(pcm, line)[20:]
            kept.append(np.mean([v is Sound.MUSIC for v in got]))
        v_share, m_share = bad / len(voices), float(np.mean(kept))
        total_v += v_share
        total_m += m_share
        print(f"{name:22s} voices heard as music {v_share:6.1%}   music kept {m_share:6.1%}"
              f" (worst track {min(kept):6.1%})", flush=True)
    n = len(lines(args.quick))
    print(f"MEAN voices as music {total_v / n:.1%}  music kept {total_m / n:.1%}")
    print("worst voices:", sorted(worst.items(), key=lambda kv: -kv[1])[:8])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
