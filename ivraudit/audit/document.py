"""Read-only helpers over an ``audit.json`` document (a plain dict, ``ivraudit.audit/1``).

The findings, the maze score and the report work from the JSON document rather than from the
crawler's in-memory ``Audit``, so that ``ivraudit report DIR`` can re-render any audit folder,
including ones written by an older version or by another tool that follows the format.

The names the format fixes (:data:`FORMAT`, :data:`HANGUP_NODE`) are defined here, in the
audit module that imports no other, so the model, the writer and the reader all take them from
one place.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivraudit.kinds import ACTING_KINDS, HANGUP_KIND

FORMAT = "ivraudit.audit/1"
"""The format id every ``audit.json`` carries; readers refuse any other."""
HANGUP_NODE = HANGUP_KIND
"""The id of the one node that stands for "the line went dead": its kind's name."""
NON_KEY_EDGES = ("auto", "timeout", "invalid", "input")

Node = dict[str, Any]
Edge = dict[str, Any]


def _id_order(node_id: str) -> tuple[int, str]:
    """n0, n1, ..., n10 in numeric order; anything else after them."""
    digits = node_id[1:]
    return (int(digits), node_id) if digits.isdigit() else (1 << 30, node_id)


@dataclass
class AuditDoc:
    """An audit document with its nodes and edges indexed for graph walks."""

    document: dict[str, Any]
    nodes: dict[str, Node] = field(init=False)
    edges: list[Edge] = field(init=False)

    _out: dict[str, list[Edge]] = field(init=False, repr=False)
    _in: dict[str, list[Edge]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.nodes = {n["id"]: n for n in self.document.get("nodes", [])}
        self.edges = [e for e in self.document.get("edges", [])
                      if e.get("source") in self.nodes and e.get("target") in self.nodes]
        self._out, self._in = {}, {}
        for edge in self.edges:  # indexed once: the checks walk the graph many times
            self._out.setdefault(edge["source"], []).append(edge)
            self._in.setdefault(edge["target"], []).append(edge)

    @property
    def metrics(self) -> dict[str, Any]:
        return self.document.get("metrics") or {}

    @property
    def language(self) -> str:
        return str(self.document.get("language") or "en")

    def ordered_nodes(self) -> list[Node]:
        return [self.nodes[i] for i in sorted(self.nodes, key=_id_order)]

    @property
    def root(self) -> str | None:
        """The node heard on answering: empty path, lowest id (the format has no root field)."""
        roots = [n["id"] for n in self.ordered_nodes() if not n.get("path") and n["id"] != HANGUP_NODE]
        return roots[0] if roots else None

    def out_edges(self, node_id: str) -> list[Edge]:
        return list(self._out.get(node_id, []))

    def in_edges(self, node_id: str) -> list[Edge]:
        return list(self._in.get(node_id, []))

    def menus(self) -> list[Node]:
        return [n for n in self.ordered_nodes() if n.get("kind") == "menu"]

    def acting(self) -> list[Node]:
        """Nodes that wait for the caller (menus, digit entry)."""
        return [n for n in self.ordered_nodes() if n.get("kind") in ACTING_KINDS]

    def reachable(self, start: str, keys: Iterable[str] | None = None,
                  avoid: Iterable[str] = ()) -> set[str]:
        """Nodes reachable from ``start`` (inclusive), along edges whose key is in ``keys``
        (all edges when None), never passing through ``avoid``."""
        allowed = None if keys is None else set(keys)
        blocked = set(avoid)
        seen = {start}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for edge in self.out_edges(current):
                if allowed is not None and edge["key"] not in allowed:
                    continue
                target = edge["target"]
                if target not in seen and target not in blocked:
                    seen.add(target)
                    queue.append(target)
        return seen

    def reaches_kind(self, start: str, kinds: Iterable[str], keys: Iterable[str] | None = None,
                     avoid: Iterable[str] = ()) -> bool:
        wanted = set(kinds)
        return any(self.nodes[n].get("kind") in wanted
                   for n in self.reachable(start, keys, avoid))

    def follow_auto(self, start: str) -> list[str]:
        """The chain of nodes the line moves through on its own from ``start`` (auto edges),
        stopping at a node that waits for the caller, a repeat, or the end."""
        chain = [start]
        while self.nodes[chain[-1]].get("kind") not in ACTING_KINDS:
            autos = [e for e in self.out_edges(chain[-1]) if e["key"] == "auto"]
            if not autos or autos[0]["target"] in chain:
                break
            chain.append(autos[0]["target"])
        return chain

    def route_to_human(self) -> list[Edge]:
        """The edges of ``metrics.path_to_human`` (keys only in the metrics), replayed from the
        root: each key, then whatever the line does on its own, until a human answers."""
        keys = self.metrics.get("path_to_human")
        current = self.root
        if not keys or current is None:
            return []
        route: list[Edge] = []
        for key in keys:
            candidates = [e for e in self.out_edges(current)
                          if e.get("pressed") == key and e["key"] not in ("auto", "timeout")]
            if not candidates:
                return []
            # Prefer the edge whose target leads on to a human (an option, not a retry).
            candidates.sort(key=lambda e: not self.reaches_kind(e["target"], ["human"]))
            route.append(candidates[0])
            current = candidates[0]["target"]
            while self.nodes[current].get("kind") != "human":
                autos = [e for e in self.out_edges(current) if e["key"] == "auto"]
                if not autos or any(e is autos[0] for e in route):
                    break
                route.append(autos[0])
                current = autos[0]["target"]
        return route if self.nodes[current].get("kind") == "human" else []

    def fewest_keys_to_human(self) -> list[str] | None:
        """The caller's actions on the route to a human with the fewest of them (a key, a
        digit entry, or waiting out a timeout, shown as ``timeout`` as in the metrics; the line
        moving on by itself costs nothing); may differ from the fastest route."""
        root = self.root
        if root is None:
            return None
        best: dict[str, tuple[int, list[str]]] = {root: (0, [])}
        queue: deque[str] = deque([root])
        while queue:  # 0-1 breadth-first search: free edges go to the front
            current = queue.popleft()
            cost, keys = best[current]
            if self.nodes[current].get("kind") == "human":
                continue
            for edge in self.out_edges(current):
                free = edge["key"] == "auto"
                step = [] if free else [edge.get("pressed") or edge["key"]]
                candidate = (cost + (0 if free else 1), keys + step)
                known = best.get(edge["target"])
                if known is None or candidate[0] < known[0]:
                    best[edge["target"]] = candidate
                    (queue.appendleft if free else queue.append)(edge["target"])
        humans = [best[n] for n in best if self.nodes[n].get("kind") == "human"]
        return min(humans)[1] if humans else None

    def layers(self, edges: list[Edge] | None = None) -> dict[str, int]:
        """Steps from the answer (breadth-first over ``edges``, default every edge): the
        diagram's columns.

        A node never reached from the root (possible in a partial audit) goes one column past
        its ``depth`` so it still shows."""
        steps: dict[str, int] = {}
        root = self.root
        if root is not None:
            steps[root] = 0
            queue = deque([root])
            while queue:
                current = queue.popleft()
                leaving = (self.out_edges(current) if edges is None else
                           [e for e in edges if e["source"] == current])
                for edge in sorted(leaving, key=lambda e: key_order(e["key"])):
                    if edge["target"] not in steps:
                        steps[edge["target"]] = steps[current] + 1
                        queue.append(edge["target"])
        for node in self.ordered_nodes():
            steps.setdefault(node["id"], int(node.get("depth", len(node.get("path", [])))) + 1)
        return steps


def key_order(key: str) -> tuple[int, str]:
    """Sort key for edge keys: digits in keypad order (1..9, 0), then * and #, then input,
    auto, invalid and timeout, so options list the way a menu announces them."""
    keys = "1234567890*#"
    kinds = ("input", "auto", "invalid", "timeout")
    if len(key) == 1 and key in keys:
        return (keys.index(key), key)
    if key in kinds:
        return (len(keys) + kinds.index(key), key)
    return (99, key)


def quote(text: str, limit: int = 240) -> str:
    """A transcript cut at a word boundary for quoting in a finding."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"
