"""A sender that falls behind its own clock now and then, as a loaded PBX does.

Asterisk plays a recording frame by frame on a timer; when the machine is busy a frame goes
out late, and a voice frame sent 80 ms or more after its predicted time is stamped by the
wall clock instead (res_rtp_asterisk.c, ``MAX_TIMESTAMP_SKEW``: 640 samples) with the marker
bit set. The RTP timestamps jump by the lateness although the audio goes on, frame after
frame of the same recording; the frames after it follow on from the new timestamp. Measured
here with the suite's load on 2 cores: 3 such jumps in 5 crawls of Asterisk, 83-92 ms each.

:class:`LateSender` makes the simulator do the same, at moments drawn from a seed, so that a
crawl over a line that stumbles can be tested without a loaded PBX.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ivraudit.telephony.constants import FRAME_SECONDS, SAMPLE_RATE


@dataclass
class LateSender:
    """Every ``every`` seconds of audio on average (exponential gaps, at least a second), one
    frame goes out ``late`` seconds late, stamped by the clock, marker set."""

    every: float = 1.5
    late: float = 0.09
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.every <= 0 or not 0 < self.late < 1:
            raise ValueError("a late sender stumbles every > 0 s, late by 0-1 s")
        self._rng = random.Random(self.seed)

    @property
    def late_samples(self) -> int:
        return round(self.late * SAMPLE_RATE)

    def next_stumble(self, frame: int) -> int:
        """The frame, after ``frame``, that goes out late next."""
        gap = max(1.0, self._rng.expovariate(1 / self.every))
        return frame + round(gap / FRAME_SECONDS)
