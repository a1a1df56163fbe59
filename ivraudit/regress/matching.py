"""Which node of one audit is which node of another.

Node ids are the crawler's discovery order, so they mean nothing across audits. Nodes are
matched in four passes, most certain first:

1. the root with the root, the hangup with the hangup;
2. **prompt identity**: the same recording (audio fingerprint, ivraudit.identity) or the
   same words (transcript similarity): a prompt that moved is still itself;
3. **path**: the node the same keys reach, of the same kind: a prompt reworded in place;
4. **structure**: the node a matched parent reaches by the same key, of the same kind (a
   reworded prompt under a moved menu), repeated until nothing more matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivraudit.audit.metrics import root_of
from ivraudit.audit.model import HANGUP_NODE, Audit, NodeRecord
from ivraudit.identity import (
    SAME_AUDIO, SAME_WORDS, audio_similarity, fingerprint, text_similarity,
)


@dataclass
class Side:
    """One audit with what matching needs: fingerprints and the parent of each node."""

    audit: Audit
    root: str | None
    prints: dict[str, Any]

    @classmethod
    def of(cls, audit: Audit) -> "Side":
        prints = {n.id: fingerprint(n.audio) for n in audit.nodes.values() if len(n.audio)}
        return cls(audit, root_of(audit), prints)

    def node(self, node_id: str) -> NodeRecord:
        return self.audit.nodes[node_id]

    def children(self, node_id: str) -> dict[str, str]:
        """key -> first target, for the steps a caller takes from this node."""
        out: dict[str, str] = {}
        for e in self.audit.out_edges(node_id):
            out.setdefault(e.key, e.target)
        return out


def _identity(a: Side, b: Side, x: str, y: str) -> float:
    """How surely two nodes are the same prompt: ≥ 1 same recording or same words, else < 1."""
    nx, ny = a.node(x), b.node(y)
    audio = (audio_similarity(a.prints[x], b.prints[y])
             if x in a.prints and y in b.prints else 0.0)
    text = text_similarity(nx.transcript, ny.transcript) if nx.transcript and ny.transcript else 0.0
    sure = audio >= SAME_AUDIO or text >= SAME_WORDS
    return (1.0 if sure else 0.0) + (audio + text) / 2


def match_nodes(a: Side, b: Side) -> dict[str, str]:
    """old node id -> new node id, for the nodes that are the same node in both audits."""
    matches: dict[str, str] = {}
    taken: set[str] = set()

    def pair(x: str, y: str) -> None:
        matches[x] = y
        taken.add(y)

    if HANGUP_NODE in a.audit.nodes and HANGUP_NODE in b.audit.nodes:
        pair(HANGUP_NODE, HANGUP_NODE)
    if a.root and b.root:
        pair(a.root, b.root)
    old = [n for n in a.audit.nodes if n not in matches]
    new = [n for n in b.audit.nodes if n not in taken]
    scored = sorted(((_identity(a, b, x, y), x, y) for x in old for y in new), reverse=True)
    for score, x, y in scored:
        if score >= 1.0 and x not in matches and y not in taken:
            pair(x, y)
    by_path = {tuple(n.path): n.id for n in b.audit.nodes.values() if n.id not in taken}
    for x in [n for n in a.audit.nodes if n not in matches]:
        same_path = by_path.get(tuple(a.node(x).path))
        if same_path and same_path not in taken and a.node(x).kind == b.node(same_path).kind:
            pair(x, same_path)
    grew = True
    while grew:
        grew = False
        for x, y in list(matches.items()):
            kids_b = b.children(y)
            for key, cx in a.children(x).items():
                cy = kids_b.get(key)
                if (cx not in matches and cy and cy not in taken
                        and a.node(cx).kind == b.node(cy).kind):
                    pair(cx, cy)
                    grew = True
    return matches
