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

Issue 16 extends it further, so generated trees can be as varied as real lines (the fields and
their rules: docs/tree-format.md, "Extensions"): the line's law, gain and noise floor
(:class:`LineSpec`); unannounced options, an invalid-entry limit and multi-digit options on
menus; holds without music and with several announcements; voicemail beeps of any pitch;
nodes in another language; and free-form ``zoo`` metadata that nothing here interprets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivraudit.telephony.g711 import ULAW, Pcm
from ivraudit.telephony.tones import BEEP_HZ, BEEP_SECONDS

HANGUP = "hangup"
"""The reserved target that ends the call: a word of the spec format, not a node kind (the
audit's hangup node, ivraudit.kinds.HANGUP_KIND, is spelled alike; the ground truth and freeze
translate one into the other)."""
BACK = "back"
REPEAT = "repeat"
DIGIT_TIMEOUT_SECONDS = 3.0
"""How long a menu with multi-digit options waits for the next digit (Asterisk's 3-5 s)."""


@dataclass(frozen=True)
class LineSpec:
    """What the line does to every frame the IVR sends: prompts, music and the silences
    between them alike (applied by :mod:`ivraudit.spec.effects`).

    ``noise_dbfs`` is the level of a steady white noise floor in the AES17 convention the
    listener measures with (a full-scale sine is 0 dBFS); None is no noise. The noise is drawn
    from ``noise_seed``, the same on every call, so a replay is identical to the last.
    """

    codec: str = ULAW
    gain_db: float = 0.0
    noise_dbfs: float | None = None
    noise_seed: int = 0

    @property
    def plain(self) -> bool:
        """A μ-law line that adds nothing: what every line was before the ``line`` field."""
        return self.codec == ULAW and self.gain_db == 0.0 and self.noise_dbfs is None


@dataclass(frozen=True)
class NodeSpec:
    """One node of a tree spec; fields irrelevant to its type keep their defaults."""

    id: str
    type: str
    prompt: tuple[Path, ...] = ()
    text: str | None = None
    language: str | None = None     # None: the tree's
    zoo: Any = None                 # free-form generator metadata, never interpreted
    # menu
    options: dict[str, str] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()    # options the prompt does not announce
    digit_timeout: float = DIGIT_TIMEOUT_SECONDS
    invalid_limit: int | None = None
    on_invalid_limit: str = HANGUP
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
    announce: tuple[Path, ...] = ()  # played in turn, one at each announcement
    announce_every: float | None = None
    first_announce: float | None = None  # None: announce_every
    # voicemail
    beep_hz: float = BEEP_HZ
    beep_seconds: float = BEEP_SECONDS
    # input
    digits: int | None = None
    terminator: str | None = None

    @property
    def announced(self) -> list[str]:
        """The option keys the prompt says (``hidden`` ones work but are not said)."""
        return [key for key in self.options if key not in self.hidden]

    @property
    def collects_digits(self) -> bool:
        """A menu with a multi-digit option collects digits instead of acting on each key."""
        return any(len(key) > 1 for key in self.options)

    def waits_for_more(self, entered: str) -> bool:
        """Whether a longer option still begins with ``entered``: then the menu waits
        ``digit_timeout`` for the next digit instead of acting on what it has."""
        return any(len(key) > len(entered) and key.startswith(entered) for key in self.options)


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
    line: LineSpec = field(default_factory=LineSpec)
    zoo: dict[str, Any] = field(default_factory=dict)  # generator metadata, kept as written

    def language_of(self, node: NodeSpec) -> str:
        """The language ``node`` speaks: its own ``language``, else the tree's."""
        return node.language or self.language

    def prompt_audio(self, node: NodeSpec) -> Pcm:
        """The node's prompt files played back to back, as the line plays them."""
        import numpy as np

        parts = [self.audio[p] for p in node.prompt]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
