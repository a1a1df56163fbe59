"""Telephone constants, named once.

Everything on a phone line is narrowband: 8 kHz mono, carried in 20 ms frames of G.711.
"""

from __future__ import annotations

from typing import Final

SAMPLE_RATE: Final = 8000
"""Samples per second of telephone audio (G.711)."""

FRAME_SECONDS: Final = 0.020
"""One RTP packet of audio: 20 ms, the usual ptime."""

FRAME_SAMPLES: Final = int(SAMPLE_RATE * FRAME_SECONDS)
"""160 samples per frame."""

DTMF_KEYS: Final = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")
"""The twelve keys of a phone keypad (A–D are not on consumer phones)."""

KEY_PRESS_SECONDS: Final = 0.1
"""Line time one key press takes (tone plus inter-digit gap), as the tree spec defines it."""

# Escape routes a caller tries when lost: operator, back/cancel, end of input.
OPERATOR_KEY: Final = "0"
BACK_KEY: Final = "*"
END_OF_INPUT_KEY: Final = "#"
ESCAPE_KEYS: Final = (OPERATOR_KEY, BACK_KEY, END_OF_INPUT_KEY)

RING_CYCLE_SECONDS: Final = 6.0
"""The longest ring cycle of the ringback cadences real lines use (US 2 s on 4 s off, Spain
1.5 s on 3 s off, Europe 1 s on 4 s off): a tone that comes back within it rings, and a queue
that rings may be silent this long between two rings."""
