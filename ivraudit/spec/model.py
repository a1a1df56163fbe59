"""The in-memory form of a tree spec, validated and with its audio decoded.

Field names and defaults follow ``ivraudit.tree/1`` (shared/docs/ivr-tree-format.md). Three
fields extend the format without breaking it:

- ``gap`` (tree level, default 1.0 s): the silence an IVR leaves before a node's prompt when it
  moves to that node (after a key, a timeout or an automatic ``next``). Real IVRs always leave
  one; it is what lets a caller, and the crawler, hear where one prompt ends and the next begins.
- ``text`` (node level, optional): the words the prompt says, for measuring recognition.
- ``typeahead`` (menu and input nodes, default true): keys that reach the IVR while it moves to
  the node (typed ahead, before its prompt begins) are kept for it, as most IVRs keep a
  caller's early digits. False: the node drops them (it clears its digit buffer on entry), so a
  caller typing a known path ahead must wait for it to speak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ivraudit.telephony.g711 import Pcm

HANGUP = "hangup"
"""The reserved target that ends the call: a word of the spec format, not a node kind (the
audit's hangup node, ivraudit.kinds.HANGUP_KIND, is spelled alike; the ground truth and freeze
translate one into the other)."""
BACK = "back"
REPEAT = "repeat"


@dataclass(frozen=True)
class NodeSpec:
    """One node of a tree spec; fields irrelevant to its type keep their defaults."""

    id: str
    type: str
    prompt: tuple[Path, ...] = ()
    text: str | None = None
    # menu
    options: dict[str, str] = field(default_factory=dict)
    barge_in: bool = True
    typeahead: bool = True
    wait: float = 5.0
    on_timeout: str = REPEAT
    repeats: int = 2
    on_exhausted: str = HANGUP
    on_invalid: str = REPEAT
    # message, hold, input
    next: str | None = None
    # hold
    music: Path | None = None
    seconds: float = 0.0
    announce: Path | None = None
    announce_every: float | None = None
    # input
    digits: int | None = None
    terminator: str | None = None


@dataclass(frozen=True)
class TreeSpec:
    """A whole validated tree with every referenced WAV decoded to 8 kHz telephone audio."""

    path: Path
    name: str
    language: str
    start: str
    answer_after: float
    gap: float
    nodes: dict[str, NodeSpec]
    audio: dict[Path, Pcm] = field(repr=False, compare=False)

    def prompt_audio(self, node: NodeSpec) -> Pcm:
        """The node's prompt files played back to back, as the line plays them."""
        import numpy as np

        parts = [self.audio[p] for p in node.prompt]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
