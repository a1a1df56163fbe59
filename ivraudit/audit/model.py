"""What a crawl learned, in the vocabulary of ``ivraudit.audit/1`` (shared/docs/audit-format.md).

Edges carry the key that labels them (``"1"``, ``"invalid"``, ``"timeout"``, ``"auto"``,
``"input"``) and, separately, what the caller actually did (``pressed``: the key, the digits
entered, ``"timeout"`` for waiting, empty for automatic transitions), plus the line seconds
from that action to the first sound of the target (``lead_in``), so times along any path can
be added up from the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# HANGUP_NODE is re-exported: crawl and regress code takes it from the model it builds with.
from ivraudit.audit.document import HANGUP_NODE as HANGUP_NODE
from ivraudit.audit.document import key_order
from ivraudit.kinds import ACTING_KINDS
from ivraudit.telephony.g711 import Pcm


@dataclass
class Option:
    key: str
    label: str


@dataclass
class NodeRecord:
    id: str
    kind: str
    path: list[str]
    via: list[str]                      # the acting node each path step was taken at
    transcript: str = ""
    options: list[Option] = field(default_factory=list)
    prompt_seconds: float = 0.0
    audio: Pcm = field(default_factory=lambda: np.zeros(0, dtype=np.int16), repr=False)
    hold_seconds: float | None = None   # hold: music and announcements until the next node
    announcements: int = 0
    # hold, kept so a crawl can be frozen into a replayable spec (ivraudit.regress.freeze):
    music: Pcm = field(default_factory=lambda: np.zeros(0, dtype=np.int16), repr=False)
    announcement: Pcm = field(default_factory=lambda: np.zeros(0, dtype=np.int16), repr=False)
    announcement_offsets: list[float] = field(default_factory=list)  # onsets after the prompt
    barge_in: bool | None = None        # measured on a type-ahead call; None = not measured
    digits: int | None = None
    terminator: str | None = None
    repeats: int | None = None          # times the prompt came again while the caller was silent
    language: str = "en"
    truncated: bool = False             # children not explored (depth limit, call budget)
    invalid_limit: int | None = None    # invalid entries in a row that lead elsewhere
    understood: bool = True             # False: heard, not understood (another language)

    @property
    def depth(self) -> int:
        return len(self.path)

    @property
    def acting(self) -> bool:
        return self.kind in ACTING_KINDS


@dataclass
class EdgeRecord:
    source: str
    target: str
    key: str
    pressed: str = ""
    lead_in: float = 0.0
    probe: str = ""     # what the explorer was testing: announced, escape, invalid, timeout, input, auto
    also_pressed: list[str] = field(default_factory=list)
    """Other keys that did just what ``pressed`` did (an invalid edge: every key found invalid
    at its menu, the escape keys among them), in keypad order."""

    @property
    def keys_pressed(self) -> list[str]:
        """``pressed`` and ``also_pressed``: every action observed on this edge."""
        return [self.pressed, *self.also_pressed]


@dataclass
class CallRecord:
    index: int
    purpose: str
    path: list[str]
    outcome: str
    ring_seconds: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    navigating_seconds: float = 0.0   # of ``seconds``: walking known paths to the probe's node
    start_seconds: float | None = None  # line seconds from the crawl's start to the dial
    started_at: str | None = None     # the wall time (UTC) that stands for: politeness limits
    person_at: float | None = None    # line seconds into the call a person's first sound came
    agent_seconds: float | None = None  # a person's time used: person_at to the hang-up


@dataclass
class Audit:
    target: str
    started: str
    finished: str = ""
    language: str = "en"
    ring_seconds: float = 0.0
    answer_lead: float = 0.0          # answer to the first prompt's first sound
    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], EdgeRecord] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)
    complete: bool = True
    problems: list[str] = field(default_factory=list)
    asr: dict[str, object] = field(default_factory=dict)
    strategy: str = ""                # how the crawl spent line time (ivraudit.crawl.strategy)
    concurrency: int = 1              # calls at once
    wall_seconds: float = 0.0         # line time from the first dial to the last hangup
    limits: dict[str, object] | None = None  # politeness limits kept (ivraudit.crawl.pacing)
    courtesy: dict[str, object] | None = None  # how people were treated (ivraudit.crawl.people)

    def add_edge(self, edge: EdgeRecord) -> EdgeRecord:
        """Add an edge unless the same (source, target, key) is known; returns the kept one.

        Another key found to do what a known invalid edge does is kept on that edge, in
        ``also_pressed``: which keys do nothing at a menu is part of what a crawl learns (is
        0 an operator here?), and each was a probe of its own.
        """
        kept = self.edges.setdefault((edge.source, edge.target, edge.key), edge)
        if kept is not edge and edge.key == "invalid":
            keys = set(kept.also_pressed) | {k for k in edge.keys_pressed if k != kept.pressed}
            kept.also_pressed = sorted(keys, key=key_order)
        return kept

    def out_edges(self, node_id: str) -> list[EdgeRecord]:
        return [e for e in self.edges.values() if e.source == node_id]

    @property
    def human_calls(self) -> int:
        """Calls that reached a person."""
        return sum(1 for c in self.calls if c.person_at is not None)

    @property
    def call_seconds(self) -> float:
        return sum(c.ring_seconds + c.seconds for c in self.calls)
