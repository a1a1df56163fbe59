"""How a call walks a mapped path: hearing each prompt out, or typing ahead.

- :class:`HearingOut` (the naive crawl): every prompt on the way is heard to its end and its
  key pressed after it, one key at a time.
- :class:`TypingAhead`: a known prompt is recognised by its first second and the key goes in
  at once; passing through a menu known to take keys while it speaks, the key goes in 0.3 s
  into it, once it begins as that menu does; where the menus further down took keys while
  they spoke and the keys lead straight from one to the next, the keys of those steps go in
  as one burst, the way IVRs keep a caller's early digits. What it learns on the way (a node
  that drops keys typed before it speaks, a burst that went astray) it keeps, and does not
  type there again.
"""

from __future__ import annotations

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.recognition import NAVIGATION_MIN_SECONDS, begins_as, recognised
from ivraudit.crawl.session import CallSession
from ivraudit.identity import SAME_AUDIO, PromptIndex
from ivraudit.listen.listener import STOP_WHEN_EVERY_FRAMES, Ending, Heard
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

TYPEAHEAD_PRESS_DELAY = 0.3
"""How far into a prompt a caller typing ahead presses its key."""


def typed_through(heard: Heard) -> bool:
    """Was ``heard`` cut as soon as it began like the node the caller is passing through?

    Only :meth:`TypingAhead.hear_known`'s early test cuts a prompt before its first second,
    and only once it begins as that node's prompt does. Pressing into a prompt the moment it
    begins is what typing ahead is; it is done only where the node takes keys while it speaks
    and only on the way to a node further down: that node is then confirmed on the full
    evidence, and a wrong turn on the way ends the walk there.
    """
    return heard.ending is Ending.CUT and heard.seconds < NAVIGATION_MIN_SECONDS


class HearingOut:
    """The naive walk: every known prompt heard to its end, one key at a time."""

    typing = False

    def hear_known(self, session: CallSession, passing: NodeRecord | None = None) -> Heard:
        """Hear a prompt on a mapped path (``passing``: the node the walk only passes)."""
        return session.hear()

    def burst_end(self, audit: Audit, stops: list[str], tokens: list[str], at: int) -> int:
        """Where the keys typed at ``stops[at]`` end: one step at a time."""
        return at + 1

    def heard_seconds(self, node: NodeRecord) -> float:
        """How much of a known node's prompt a walk past it hears."""
        return node.prompt_seconds

    def types_into(self, node_id: str) -> bool:
        """May keys for ``node_id`` go in before it speaks?"""
        return False

    def dropped_typed(self, node_id: str) -> None:
        """``node_id`` was found waiting for a key typed before it spoke: it dropped it."""

    def burst_astray(self, node_id: str) -> None:
        """A burst typed at ``node_id`` led somewhere else."""

    def renamed(self, old_id: str, new_id: str) -> None:
        """What was learned at ``old_id`` is ``new_id``'s (ivraudit.crawl.unmerge)."""


class TypingAhead(HearingOut):
    """Typing ahead on mapped paths, learning where it does not work."""

    typing = True

    def __init__(self, index: PromptIndex) -> None:
        self.index = index
        self._drops_typed: set[str] = set()
        self._burst_astray: set[str] = set()

    def hear_known(self, session: CallSession, passing: NodeRecord | None = None) -> Heard:
        """Hear a known prompt only until it is recognised, or, at a node the caller is
        ``passing`` through that takes keys while it speaks, only until it has begun as that
        node's prompt does."""
        stop_recognised = recognised(self.index, NAVIGATION_MIN_SECONDS, 0.0, SAME_AUDIO)
        if passing is None or passing.barge_in is not True:
            return session.hear(stop_when=stop_recognised)
        node_id = passing.id
        early = round(TYPEAHEAD_PRESS_DELAY * SAMPLE_RATE)

        def stop(audio: Pcm) -> bool | None:
            if len(audio) >= early and len(audio) - early < FRAME_SAMPLES * STOP_WHEN_EVERY_FRAMES \
                    and begins_as(self.index, audio, node_id):
                return True
            return stop_recognised(audio)  # False before the first second
        return session.hear(stop_when=stop, ask_from=TYPEAHEAD_PRESS_DELAY)

    def burst_end(self, audit: Audit, stops: list[str], tokens: list[str], at: int) -> int:
        """Where the burst of keys typed at ``stops[at]`` ends: the steps ``at`` to the
        returned index (exclusive) are pressed together, 0.1 s each, without waiting to hear
        each menu begin.

        Only where it is known to work: each later step's node took keys while it spoke
        (``barge_in``: a menu that does usually keeps keys typed before it spoke too), the
        key before it led straight there (no message in between, which would swallow the
        key), no step waits for a timeout, and no burst has gone wrong there. The walk still
        confirms where it lands.
        """
        end = at + 1
        if tokens[at] == "timeout" or stops[at] in self._burst_astray:
            return end
        while (end < len(tokens) and tokens[end] != "timeout"
               and audit.nodes[stops[end]].barge_in is True
               and stops[end] not in self._drops_typed
               and any(edge.target == stops[end] and edge.pressed == tokens[end - 1]
                       for edge in audit.out_edges(stops[end - 1]))):
            end += 1
        return end

    def heard_seconds(self, node: NodeRecord) -> float:
        if node.barge_in is False:
            return node.prompt_seconds
        return min(node.prompt_seconds, NAVIGATION_MIN_SECONDS)

    def types_into(self, node_id: str) -> bool:
        return node_id not in self._drops_typed

    def dropped_typed(self, node_id: str) -> None:
        self._drops_typed.add(node_id)

    def burst_astray(self, node_id: str) -> None:
        self._burst_astray.add(node_id)

    def renamed(self, old_id: str, new_id: str) -> None:
        for learned in (self._drops_typed, self._burst_astray):
            if old_id in learned:
                learned.add(new_id)
