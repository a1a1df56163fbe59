"""Twins: nodes that sound the same and are not the same, told apart by what follows them.

Dialplans reuse recordings. "Please hold while we connect you" plays in front of every queue;
"Thank you." before the main menu here and before a goodbye there; one "This service is no
longer available" ends two branches. A prompt is known by its sound, so the second time it is
heard it is taken for the node heard first. What comes after it is what tells them apart: a
known queue answered by someone other than before, a known message that goes on somewhere it
never went. Reached by a way not seen before and followed by something else, the prompt is
another node with the same recording, its *twin*: the edge of that way is moved to it.

A message that goes back to where the caller came from ("Invalid entry, please try again",
back to whichever menu played it) does that from everywhere; that is one message, not twins.

Twins that do the same thing are one node: a caller cannot tell them apart, and neither does
the crawl (the truth counts them once: ivraudit.testing.twins).
"""

from __future__ import annotations

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.mapper import Mapper
from ivraudit.identity import fingerprint
from ivraudit.telephony.g711 import Pcm

Way = tuple[str, str, str]
"""An action that led to a node: (node it was done at, keys pressed, probe role)."""

EdgeKey = tuple[str, str, str]


class Twins:
    """The twins found of each node first heard with their recording, and moving the way into
    a prompt over to the twin it turns out to lead to."""

    def __init__(self, audit: Audit, mapper: Mapper, expectations: Expectations) -> None:
        self.audit = audit
        self.mapper = mapper
        self.expectations = expectations
        self._twins: dict[str, list[str]] = {}   # the first node of a recording -> its twins

    def of(self, node_id: str) -> list[str]:
        """``node_id`` and its twins, the first heard first."""
        return [node_id, *self._twins.get(node_id, [])]

    def twin(self, node_id: str, path: list[str], via: list[str], sound: Pcm | None = None
             ) -> str:
        """A new node of ``node_id``'s kind and recording, reached by ``path``. ``sound``: what
        it played where a queue without a prompt is known by its sound, which is its own, not
        its twin's (a US ring, not the British one of the queue first heard: zoo seed 20007)."""
        first = self.audit.nodes[node_id]
        twin_id = self.mapper.new_node_id()
        self.audit.nodes[twin_id] = NodeRecord(
            id=twin_id, kind=first.kind, path=list(path), via=list(via),
            transcript=first.transcript, prompt_seconds=first.prompt_seconds,
            audio=first.audio if sound is None else sound,
            language=first.language, understood=first.understood)
        self._twins.setdefault(node_id, []).append(twin_id)
        self.mapper.sounds_like[twin_id] = node_id
        if sound is not None:
            # Known by its own sound on any later way in, as a queue with no prompt first
            # heard is (Mapper.node_for): else a third way into it (a timeout, where a key
            # found the twin) matches neither its twin's sound nor its own, and is a third
            # node (zoo seed 29415: a European ring twinned off a British one, then copied).
            self.mapper.index.add(twin_id, fingerprint(sound), "")
        self.mapper.progress(f"  twin {twin_id} of {node_id} at [{' '.join(path)}]")
        return twin_id

    def take_back(self, twin: str, way: Way) -> None:
        """The node ``twin`` was made for the action ``way`` on a guess that did not hold: the
        way leads to the first node again, and ``twin`` is gone with its edges."""
        first = self.mapper.sounds_like[twin]
        edge_key = self.edge_into(way[0], way[1], twin)
        if edge_key is not None:
            self.redirect(edge_key, way, first)
        for key, edge in list(self.audit.edges.items()):
            if twin in (edge.source, edge.target):
                del self.audit.edges[key]
                if edge.source != twin:
                    edge.target = first
                    self.audit.add_edge(edge)
        for node in self.audit.nodes.values():
            node.via = [first if v == twin else v for v in node.via]
        del self.audit.nodes[twin]
        self._twins[first].remove(twin)
        self.mapper.forget(twin)

    def edge_into(self, source: str, pressed: str, node_id: str) -> EdgeKey | None:
        """The key of the edge the action (``source``, ``pressed``) added into ``node_id``;
        None when the node was reached through other prompts (a message before it), which
        are not twinned."""
        return next((k for k, e in self.audit.edges.items()
                     if e.source == source and e.target == node_id and e.pressed == pressed
                     and e.key != "auto"), None)

    def redirect(self, edge_key: EdgeKey, way: Way, to: str) -> None:
        """The edge ``edge_key`` (of the action ``way``) leads to ``to`` instead, with what
        the mapper learned of it."""
        edge = self.audit.edges.pop(edge_key)
        old, edge.target = edge.target, to
        self.audit.add_edge(edge)
        self.mapper.moved_way(old, to, way)

    def went_on_to(self, way: Way, node_id: str, then: str, path: list[str], via: list[str],
                   held: float, came_from: str | None = None) -> str:
        """The known ``node_id`` (a message, or a queue sat through again for ``held``
        seconds), reached by ``way``, the caller come to ``way``'s node from the menu
        ``came_from``, went on to ``then``: the node it was, itself or a twin (one found
        before that went on to ``then`` too, or a new one)."""
        known = self._went_on(node_id)
        edge_key = self.edge_into(way[0], way[1], node_id)
        if not known or then in known or edge_key is None or \
                self._goes_back(node_id, way, then, came_from):
            return node_id
        twin = next((t for t in self.of(node_id)[1:] if then in self._went_on(t)), None)
        if twin is None:
            twin = self.twin(node_id, path, via)
            if self.audit.nodes[twin].kind == "hold":
                self.audit.nodes[twin].hold_seconds = held
        self.redirect(edge_key, way, twin)
        return twin

    def _went_on(self, node_id: str) -> set[str]:
        return {e.target for e in self.audit.out_edges(node_id) if e.key == "auto"}

    def _goes_back(self, node_id: str, way: Way, then: str, came_from: str | None) -> bool:
        """Does the message ``node_id`` go back to wherever the caller acted before it, as it
        does now (``then`` is ``way``'s node), and did from everywhere before? Or back to the
        menu the caller came from to ``way``'s node, as it does now and did every time before
        (a "thank you" after digits, back to whichever menu led to the entry)?"""
        node = self.audit.nodes[node_id]
        if node.kind != "message":
            return False
        return (then == way[0] and self.expectations.goes_back(node_id)) or \
            (then == came_from and self.expectations.returns(node_id))
