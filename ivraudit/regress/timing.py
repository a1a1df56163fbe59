"""The silences of an audit, split into the knobs of a tree spec.

A crawl measures, per edge, the line time from the caller's action (or the end of a prompt) to
the next first sound (``lead_in``). A spec has one ``gap`` for the whole tree, and the rest must
live in the prompt files as leading or trailing silence, so that a replay measures the same
``lead_in`` again. The equations are ``lead_in = gap + lead(target)`` after a key and
``lead_in = trail(source) + gap + lead(target)`` after a message ends by itself.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord
from ivraudit.telephony.constants import FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

DEFAULT_GAP = 1.0
"""The gap when no key was ever pressed (nothing to measure it from)."""


def frames(seconds: float) -> float:
    """Seconds rounded to whole 20 ms frames (the line's resolution)."""
    return round(max(0.0, seconds) / FRAME_SECONDS) * FRAME_SECONDS


def silence(seconds: float) -> Pcm:
    return np.zeros(int(round(frames(seconds) * SAMPLE_RATE)), dtype=np.int16)


def median(values: Iterable[float], default: float) -> float:
    values = list(values)
    return statistics.median(values) if values else default


def _key_like(edge: EdgeRecord) -> bool:
    """An edge whose lead-in is exactly the gap plus the target's leading silence."""
    return edge.key not in ("auto", "timeout") and edge.target != HANGUP_NODE


@dataclass
class Timing:
    """The audit's measured silences, split into the spec's knobs."""

    gap: float
    lead: dict[str, float]   # leading silence of each node's prompt file
    trail: dict[str, float]  # trailing silence after a message's prompt

    def arrive(self, target: str) -> float:
        """Seconds from an IVR's decision to the target's first sound."""
        return 0.0 if target == HANGUP_NODE else self.gap + self.lead.get(target, 0.0)


def estimate_timing(audit: Audit, root: str) -> Timing:
    """Solve ``lead_in = gap + lead(target)`` (keys) and ``= trail(source) + gap + lead`` (auto).

    The gap is anchored where the root is reached again by a key (its leading silence is the
    answer's lead); otherwise the node with the least leading silence is taken to have none.
    """
    into: dict[str, list[float]] = {}
    for edge in audit.edges.values():
        if _key_like(edge):
            into.setdefault(edge.target, []).append(edge.lead_in)
    if into:
        gap = min(min(v) for v in into.values())  # no node can start before the gap ends
        if root in into:
            gap = min(gap, min(into[root]) - audit.answer_lead)
    else:
        gap = DEFAULT_GAP
    gap = frames(gap)
    lead = {node: frames(median(v, gap) - gap) for node, v in into.items()}
    lead[root] = frames(audit.answer_lead)
    trail: dict[str, float] = {}
    for node in audit.nodes.values():
        if node.kind not in ("message", "unknown"):
            continue
        autos = [e for e in audit.out_edges(node.id) if e.key == "auto"]
        samples = [e.lead_in - (gap + lead.get(e.target, 0.0)) if e.target != HANGUP_NODE
                   else e.lead_in for e in autos]
        trail[node.id] = frames(median(samples, 0.0))
    return Timing(gap, lead, trail)
