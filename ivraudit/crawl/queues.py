"""Queues that sound alike: one announcement ("One moment, please.") in front of two queues.

A queue is known by its prompt, like any node, but a prompt is no proof: dialplans reuse one
recording in front of every queue, and what a caller hears next (ringback here, music there)
is what tells the queues apart. So a known queue reached by a way not seen before is listened
to for its first seconds; if they do not sound like what that queue (or a twin found before)
played first, it is another queue with the same words, a node of its own (its *twin*), and
it is sat through like any new queue. Two queues that sound alike from their first seconds
on (same words, same music) stay one node: nothing a caller hears tells them apart until
someone answers.
"""

from __future__ import annotations

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.mapper import Mapper
from ivraudit.identity.fingerprint import MAYBE_SAME_AUDIO, fingerprint, prefix_similarity
from ivraudit.listen.activity import quiet_frames
from ivraudit.telephony.g711 import Pcm

OPENING_SECONDS = 4.0
"""How much of a queue's sound after its prompt tells it: a ring cycle (6 s in the US) need
not be complete, its first tone and the silence after it are enough, and music shows its
track within a few seconds."""

Way = tuple[str, str, str]
"""An action that led to a node: (node it was done at, keys pressed, probe role)."""


class QueueTwins:
    """What each queue played first, the ways seen into it, and its twins."""

    def __init__(self, audit: Audit, mapper: Mapper) -> None:
        self.audit = audit
        self.mapper = mapper
        self._openings: dict[str, Pcm] = {}
        self._ways: dict[str, set[Way]] = {}
        self._twins: dict[str, list[str]] = {}   # the first node of a prompt -> its twins

    def opened(self, queue: str, way: Way, opening: Pcm) -> None:
        """A new queue, reached by ``way``, played ``opening`` after its prompt."""
        self._openings[queue] = opening
        self._ways.setdefault(queue, set()).add(way)

    def knows(self, queue: str, way: Way) -> bool:
        """Was ``queue`` reached by ``way`` before (or is there nothing to compare with)?"""
        return way in self._ways.get(queue, set()) or queue not in self._openings

    def which(self, queue: str, way: Way, opening: Pcm) -> str | None:
        """Of ``queue`` and its twins, the one whose first seconds ``opening`` sounds like
        (now also known by ``way``); None: none of them, it is another queue."""
        for candidate in [queue, *self._twins.get(queue, [])]:
            if _sounds_like(opening, self._openings.get(candidate)):
                self._ways.setdefault(candidate, set()).add(way)
                return candidate
        return None

    def twin(self, queue: str, path: list[str], via: list[str]) -> str:
        """A new node for another queue that begins with ``queue``'s prompt."""
        first = self.audit.nodes[queue]
        twin_id = self.mapper.new_node_id()
        self.audit.nodes[twin_id] = NodeRecord(
            id=twin_id, kind="hold", path=list(path), via=list(via),
            transcript=first.transcript, prompt_seconds=first.prompt_seconds, audio=first.audio,
            language=first.language, understood=first.understood)
        self._twins.setdefault(queue, []).append(twin_id)
        return twin_id

    def edge_into(self, source: str, pressed: str, queue: str) -> tuple[str, str, str] | None:
        """The key of the edge the action (``source``, ``pressed``) added into ``queue``;
        None when the queue was reached through other prompts (a message before it), which
        are not twinned."""
        return next((k for k, e in self.audit.edges.items()
                     if e.source == source and e.target == queue and e.pressed == pressed
                     and e.key != "auto"), None)

    def redirect(self, edge_key: tuple[str, str, str], way: Way, to: str) -> None:
        """The edge ``edge_key`` (of the action ``way``) leads to ``to`` instead, with what
        the mapper learned of it."""
        edge = self.audit.edges.pop(edge_key)
        queue, edge.target = edge.target, to
        self.audit.add_edge(edge)
        self.mapper.moved_way(queue, to, way)


def _sounds_like(opening: Pcm, known: Pcm | None) -> bool:
    """Do two openings sound the same? Silence sounds like silence; sound is compared by its
    fingerprint from the start (a queue's music or ring starts over for each caller)."""
    if known is None:
        return False
    quiet, known_quiet = all(quiet_frames(opening)), all(quiet_frames(known))
    if quiet or known_quiet:
        return quiet == known_quiet
    return prefix_similarity(fingerprint(opening), fingerprint(known)) >= MAYBE_SAME_AUDIO
