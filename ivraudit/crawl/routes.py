"""Routes through the known graph: where a call can walk on purpose without dialling again."""

from __future__ import annotations

import heapq
from collections.abc import Callable

from ivraudit.audit.model import Audit, EdgeRecord

WALKABLE_PROBES = ("announced", "escape", "input")
"""Edges a call may walk on purpose: keys that went somewhere definite. Invalid keys, timeouts
and automatic moves are left out: where they lead can depend on where the caller came from."""


def known_routes(audit: Audit, start: str, cost: Callable[[EdgeRecord], float]
                 ) -> dict[str, tuple[float, list[EdgeRecord]]]:
    """Cheapest walkable routes from ``start`` to every waiting node (menus, inputs) it reaches."""
    best: dict[str, tuple[float, list[EdgeRecord]]] = {start: (0.0, [])}
    heap: list[tuple[float, int, str]] = [(0.0, 0, start)]
    counter = 0
    while heap:
        seconds, _, node = heapq.heappop(heap)
        if seconds > best[node][0]:
            continue
        for edge in audit.out_edges(node):
            target = audit.nodes.get(edge.target)
            if (edge.probe not in WALKABLE_PROBES or target is None or not target.acting
                    or not audit.nodes[node].acting or not edge.pressed):
                continue
            total = seconds + cost(edge)
            if edge.target not in best or total < best[edge.target][0]:
                best[edge.target] = (total, best[node][1] + [edge])
                counter += 1
                heapq.heappush(heap, (total, counter, edge.target))
    return best
