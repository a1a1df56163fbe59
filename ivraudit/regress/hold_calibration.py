"""Calibrating a frozen hold queue by listening to it.

Where a prompt that runs into hold music ends is the listener's judgement: it backs up from the
moment it is sure of the music. So the frozen prompt file is padded until the listener cuts it
where the crawl did, and the hold length and announcement period are corrected by what the
listener measures on the frozen audio (one step each: both are linear in the spec's numbers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ivraudit.audit.model import NodeRecord
from ivraudit.regress.timing import Timing, frames, median, silence
from ivraudit.telephony.constants import FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm

TAIL_CANDIDATES = tuple(round(0.1 * i, 1) for i in range(17))
"""Trailing silences tried after a hold prompt (0 to 1.6 s, the listener's back-up span)."""


@dataclass
class HoldHearing:
    """What the listener makes of a queue: prompt length, hold length, announcement onsets."""

    prompt: float
    hold: float
    offsets: list[float]


def hear_hold(prompt: Pcm, music: Pcm, seconds: float, announce: Pcm | None,
              every: float | None, after: Pcm, gap: float) -> HoldHearing | None:
    """Play a queue (prompt, music, announcements, then the next prompt) to a listener, as the
    explorer hears it; None if the listener does not hear the music."""
    from ivraudit.lines.replay import ReplayCall
    from ivraudit.listen.listener import Ending, Listener
    from ivraudit.spec.model import NodeSpec, TreeSpec

    with_announce = announce is not None and len(announce) > 0 and every is not None
    audio = {Path("p.wav"): prompt, Path("m.wav"): music, Path("n.wav"): after}
    if with_announce and announce is not None:
        audio[Path("a.wav")] = announce
    nodes = {
        "hold": NodeSpec("hold", "hold", prompt=(Path("p.wav"),), music=Path("m.wav"),
                         seconds=seconds, next="after",
                         announce=(Path("a.wav"),) if with_announce else (),
                         announce_every=every if with_announce else None),
        "after": NodeSpec("after", "human", prompt=(Path("n.wav"),)),
    }
    spec = TreeSpec(Path("hold.yaml"), "hold", "en", "hold", 0.0, gap, nodes, audio)
    listener = Listener(ReplayCall(spec))
    heard = listener.hear(max_wait=5.0)
    if heard.ending is not Ending.MUSIC:
        return None
    _, announcements, nxt = listener.through_hold(max_hold=seconds + 60.0)
    return HoldHearing(heard.seconds, nxt.onset - heard.end,
                       [a.onset - heard.end for a in announcements])


def calibrate_hold(node: NodeRecord, body: dict[str, object], timing: Timing,
                   files: dict[str, Pcm], warnings: list[str]) -> None:
    """Set the hold prompt's trailing silence, ``seconds`` and ``announce_every`` by listening.

    Where a prompt that runs into music ends is the listener's judgement (it backs up from
    the moment it is sure of the music), so the prompt file is padded until the listener cuts
    it where the crawl did; then the hold length and announcement period are corrected by
    what the listener measures on the frozen audio (one step each: both are linear).
    """
    lead = silence(timing.lead.get(node.id, 0.0))
    nxt = str(body["next"])
    after = files.get(f"prompts/{nxt}.wav")  # the next node's frozen prompt, if it has one
    after_audio = after if after is not None else silence(0.5)
    after_lead = timing.lead.get(nxt, 0.0) if after is not None else 0.0
    announce = node.announcement if len(node.announcement) else None
    goal_hold = node.hold_seconds if node.hold_seconds is not None else 0.0

    def trial(tail: float, seconds: float, every: float | None) -> HoldHearing | None:
        prompt = np.concatenate([lead, node.audio, silence(tail)])
        return hear_hold(prompt, node.music, seconds, announce, every, after_audio, timing.gap)

    best: tuple[float, float] | None = None

    def consider(tails: Iterable[float]) -> None:
        nonlocal best
        for tail in tails:
            heard = trial(tail, 4.0, None)
            if heard is not None and (best is None
                                      or abs(heard.prompt - node.prompt_seconds) < best[0]):
                best = (abs(heard.prompt - node.prompt_seconds), tail)

    consider(TAIL_CANDIDATES)  # coarse, then frame by frame around the best
    if best is not None and best[0] > 0:
        centre = best[1]
        consider(round(centre + FRAME_SECONDS * i, 2) for i in range(-4, 5)
                 if i and centre + FRAME_SECONDS * i >= 0)
    if best is None:
        warnings.append(f"{node.id}: the listener does not hear music after the frozen "
                                "prompt; the replay may not see a hold here")
        tail = 0.0
    else:
        tail = best[1]
    seconds = max(0.0, goal_hold - timing.gap - after_lead - tail)
    offsets = node.announcement_offsets
    every: float | None = None
    if announce is not None:
        gaps = [b - a for a, b in zip(offsets, offsets[1:])]
        every = median(gaps, offsets[0] - tail if offsets else seconds + 1.0)
        every = max(1.0, every)
    heard = trial(tail, seconds, every)
    if heard is not None:
        seconds = max(0.0, seconds + goal_hold - heard.hold)
        if every is not None and offsets and heard.offsets:
            every = max(1.0, every + offsets[0] - heard.offsets[0])
    prompt_file = f"prompts/{node.id}.wav"
    files[prompt_file] = np.concatenate([lead, node.audio, silence(tail)])
    body["seconds"] = round(frames(seconds), 2)
    if every is not None:
        body["announce_every"] = round(frames(every), 2)
