"""Spec nodes no caller can tell apart: one recording, one behaviour, counted once in the truth.

A spec may hold two nodes that sound the same and do the same thing: two dead ends that both
play "This service is no longer available by phone. Goodbye." and hang up, two "Thank you"
messages that both return to the main menu. A caller, and so a crawler, hears one node reached
two ways; the spec's two ids are its author's bookkeeping. The truth counts such nodes once
(:func:`merge_twins`), or a crawl that heard them right would be scored wrong.

"The same behaviour" is bisimulation, found by partition refinement: nodes start in one class
per sound and description (kind, words, options, timings; the audio of every spec node they
play, compared sample for sample), and a class splits until its nodes' edges agree: the same
keys pressed, leading to nodes of the same class. Two identical recordings that lead to
different places stay two nodes; telling those apart is the crawler's problem (by the path it
reached them on), and the truth must not hide it. Messages that go back to the menu the caller
came from do the same thing wherever they are reached from: one recording played with
``next: back`` under two menus is one node going back to each, as one such spec node reached
from two menus is (zoo seed 20009: "Your request has been received..." under the main menu and
twice under another was two nodes in the truth, one in any crawl).

The node kept for a class is the one the truth reached first (breadth-first, as a crawl reaches
nodes), so paths and times are those of the nearest twin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import astuple, replace

from ivraudit.audit.model import HANGUP_NODE, Audit, NodeRecord
from ivraudit.spec.model import BACK, TreeSpec

Sound = tuple[object, ...]


def merge_twins(spec: TreeSpec, audit: Audit, chains: dict[str, list[str]]) -> None:
    """Merge each class of indistinguishable nodes of ``audit`` into its first node.

    ``chains`` gives, for each node, the spec nodes it plays in order (a chain of prompts
    joined beyond hearing is one node of several)."""
    going_back = {n for n in audit.nodes if _goes_back(spec, chains.get(n, [n]))}
    classes = _bisimilar(audit, {n: _sound(spec, audit.nodes[n], chains.get(n, [n]))
                                 for n in audit.nodes}, going_back)
    first: dict[int, str] = {}
    kept = {node_id: first.setdefault(classes[node_id], node_id) for node_id in audit.nodes}
    if all(k == n for n, k in kept.items()):
        return
    for node_id in [n for n, k in kept.items() if k != n]:
        del audit.nodes[node_id]
    for node_id, node in audit.nodes.items():
        audit.nodes[node_id] = replace(node, via=[kept.get(v, v) for v in node.via])
    edges = list(audit.edges.values())
    audit.edges.clear()
    for edge in edges:
        audit.add_edge(replace(edge, source=kept[edge.source], target=kept[edge.target]))


def _sound(spec: TreeSpec, node: NodeRecord, played: list[str]) -> Sound:
    """What a caller can know of ``node`` without pressing anything: everything recorded of
    it but its id and the way it was reached, and the audio of what it plays."""
    described = replace(node, id="", path=[], via=[])
    fields = tuple(v for v in astuple(described) if not hasattr(v, "dtype"))  # audio: below
    return (repr(fields), tuple(_audio_of(spec, node_id) for node_id in played))


def _goes_back(spec: TreeSpec, played: list[str]) -> bool:
    """Does a node that plays ``played`` go back to the menu the caller came from when it
    ends (a message with ``next: back``)?"""
    last = spec.nodes.get(played[-1])
    return last is not None and last.type == "message" and last.next == BACK


def _audio_of(spec: TreeSpec, node_id: str) -> str:
    if node_id == HANGUP_NODE or node_id not in spec.nodes:
        return node_id
    s = spec.nodes[node_id]
    digest = hashlib.sha1(spec.prompt_audio(s).tobytes())
    for path in (s.music, *s.announce):
        if path is not None:
            digest.update(spec.audio[path].tobytes())
    digest.update(repr((s.type, s.seconds, s.announce_every, s.first_announce,
                        s.beep_hz, s.beep_seconds)).encode())
    return digest.hexdigest()


def _bisimilar(audit: Audit, sounds: dict[str, Sound], going_back: set[str]) -> dict[str, int]:
    """Each node's class: nodes that sound alike and whose edges (key, pressed, target's
    class) agree, refined until no class splits. A node ``going_back`` to the menu the
    caller came from does that wherever it is reached from: its going on is "back", not
    the class of the menu it went back to, as a caller hears it. The edges compared are a
    set, not a count: a "Thank you" going back under two menus and its twin going back
    under one both just go back (zoo seed 29073: one recording, three "back" edges, was
    two nodes in the truth and one in any crawl)."""
    classes = _numbered({n: sounds[n] for n in audit.nodes})
    while True:
        signatures = {
            n: (classes[n], tuple(sorted({
                (e.key, e.pressed,
                 BACK if n in going_back and e.key == "auto" else classes[e.target])
                for e in audit.edges.values() if e.source == n})))
            for n in audit.nodes
        }
        refined = _numbered(signatures)
        if len(set(refined.values())) == len(set(classes.values())):
            return refined
        classes = refined


def _numbered(keys: Mapping[str, Hashable]) -> dict[str, int]:
    numbers: dict[Hashable, int] = {}
    return {n: numbers.setdefault(key, len(numbers)) for n, key in keys.items()}
