"""Metrics of an audit, computed from its graph alone.

Times are added up along paths from what each node and edge measured: a node's prompt (first
sound to end of speech), the key presses (0.1 s each), and each edge's lead-in (the silence,
wait or hold between the caller's action and the next first sound). The same formulas, fed with
a spec's numbers instead of measurements, give the ground truth (ivraudit.testing.truth).

- listening: every prompt heard in full before its key is pressed;
- typing ahead: a node that takes keys while it speaks (barge-in, measured) costs only the key
  press, and its own lead-in is skipped too (its key can go out before it starts speaking).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import networkx as nx

from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord, NodeRecord
from ivraudit.kinds import CALL_ENDING_KINDS
from ivraudit.telephony.constants import KEY_PRESS_SECONDS


def press_seconds(edge: EdgeRecord) -> float:
    """Line time the caller's keys take on this edge."""
    if edge.key in ("auto", "timeout") or not edge.pressed:
        return 0.0
    return KEY_PRESS_SECONDS * len(edge.pressed)


def takes_typeahead(node: NodeRecord) -> bool:
    return node.acting and node.barge_in is True


def listening_weight(audit: Audit, edge: EdgeRecord) -> float:
    return audit.nodes[edge.source].prompt_seconds + press_seconds(edge) + edge.lead_in


def typeahead_weight(audit: Audit, edge: EdgeRecord) -> float:
    if edge.key == "timeout":
        return listening_weight(audit, edge)
    source, target = audit.nodes[edge.source], audit.nodes[edge.target]
    hear_source = 0.0 if takes_typeahead(source) else source.prompt_seconds
    wait_target = 0.0 if takes_typeahead(target) else edge.lead_in
    return hear_source + press_seconds(edge) + wait_target


@dataclass
class Route:
    seconds: float
    edges: list[EdgeRecord]

    @property
    def keys(self) -> list[str]:
        """What the caller does along the route (automatic transitions do nothing)."""
        return [e.pressed for e in self.edges if e.key != "auto" and e.pressed]


SAME_ROUTE_SECONDS = KEY_PRESS_SECONDS
"""Two keys from one menu to the same node ("2 for an advocate", "0 for an operator", one
queue) take the same time when their measured times differ by less than a key press: on a
SIP line a lead-in moves by a frame or two. Then the key the menu announces first is named,
as the spec's ground truth names it, not whichever one jitter favoured."""


def _announced_rank(audit: Audit, edge: EdgeRecord) -> int:
    """Where ``edge``'s key comes in its menu's announcement (unannounced keys last)."""
    keys = [option.key for option in audit.nodes[edge.source].options]
    return keys.index(edge.pressed) if edge.pressed in keys else len(keys)


def fastest_route(audit: Audit, root: str, goal: Callable[[NodeRecord], bool],
                  weight: Callable[[Audit, EdgeRecord], float], start_seconds: float
                  ) -> Route | None:
    """The quickest way from the answer to any node that satisfies ``goal``."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(audit.nodes)
    for edge in audit.edges.values():
        w = weight(audit, edge)
        kept = graph.get_edge_data(edge.source, edge.target)
        if kept is None or w < kept["w"] - SAME_ROUTE_SECONDS or (
                w <= kept["w"] + SAME_ROUTE_SECONDS
                and _announced_rank(audit, edge) < _announced_rank(audit, kept["edge"])):
            graph.add_edge(edge.source, edge.target, w=w, edge=edge)
    if root not in graph:
        return None
    # Without a target, networkx returns (distances, paths); its stubs allow a pair of
    # numbers too (with a target), so the result is narrowed here.
    distances, paths = cast("tuple[dict[str, float], dict[str, list[str]]]",
                            nx.single_source_dijkstra(graph, root, weight="w"))
    goals = [(d, n) for n, d in distances.items() if goal(audit.nodes[n])]
    if not goals:
        return None
    seconds, node = min(goals)
    path = paths[node]
    edges = [graph[a][b]["edge"] for a, b in zip(path, path[1:])]
    return Route(start_seconds + seconds, edges)


def root_of(audit: Audit) -> str | None:
    roots = [n for n in audit.nodes.values() if not n.path and n.id != HANGUP_NODE]
    roots.sort(key=lambda n: int(n.id[1:]) if n.id[1:].isdigit() else 0)
    return roots[0].id if roots else None


def compute_metrics(audit: Audit) -> dict[str, object]:
    nodes = audit.nodes
    root = root_of(audit)
    is_human = lambda n: n.kind == "human"  # noqa: E731
    answer = audit.ring_seconds + audit.answer_lead
    listening = fastest_route(audit, root, is_human, listening_weight, answer) if root else None
    typeahead = None
    if root:
        first = 0.0 if takes_typeahead(nodes[root]) else audit.answer_lead
        typeahead = fastest_route(audit, root, is_human, typeahead_weight,
                                  audit.ring_seconds + first)
    graph = to_digraph(audit)
    reaches_human = set()
    for human in (n.id for n in nodes.values() if n.kind == "human"):
        reaches_human |= nx.ancestors(graph, human) | {human}
    dead_ends = sorted(
        n.id for n in nodes.values()
        if n.id != HANGUP_NODE and n.kind not in ("human", "voicemail") and not n.truncated
        and n.id not in reaches_human and not _reaches_voicemail(graph, audit, n.id)
    )
    hangs_up = sorted({e.source for e in audit.edges.values()
                       if e.key == "timeout" and e.target == HANGUP_NODE})
    loops = sorted(
        (e.source, e.target, e.key) for e in audit.edges.values()
        if e.key not in ("timeout", "invalid") and e.target in nodes[e.source].via + [e.source]
        and e.target != HANGUP_NODE
    )
    menus = [n for n in nodes.values() if n.kind == "menu"]
    floor = floor_seconds(audit)
    hold = [n.hold_seconds for n in nodes.values() if n.hold_seconds is not None]
    return {
        "nodes": len(nodes),
        "menus": len(menus),
        "options": sum(len(n.options) for n in menus),
        "max_depth": max((n.depth for n in nodes.values()), default=0),
        "human_reachable": listening is not None,
        "path_to_human": listening.keys if listening else None,
        "time_to_human_seconds": _round(listening.seconds) if listening else None,
        "time_to_human_typeahead_seconds": _round(typeahead.seconds) if typeahead else None,
        "hold_seconds_to_human": _round(sum(
            nodes[e.source].hold_seconds or 0.0 for e in listening.edges)) if listening else None,
        "dead_ends": dead_ends,
        "loops": [list(loop) for loop in loops],
        "hangs_up_on_no_input": hangs_up,
        "max_hold_seconds": _round(max(hold)) if hold else None,
        "unknown": sum(1 for n in nodes.values() if n.kind == "unknown"),
        "calls": len(audit.calls),
        "call_seconds": _round(audit.call_seconds),
        "navigating_seconds": _round(sum(c.navigating_seconds for c in audit.calls)),
        "failed_calls": sum(1 for c in audit.calls if c.outcome != "answered" or c.error),
        "human_calls": audit.human_calls,
        "agent_seconds": _round(sum(c.agent_seconds or 0.0 for c in audit.calls)),
        "wall_seconds": _round(audit.wall_seconds or audit.call_seconds),
        "concurrency": audit.concurrency,
        "floor_seconds": _round(floor) if floor else None,
        "cost_ratio": round(audit.call_seconds / floor, 3) if floor else None,
        "complete": audit.complete,
    }


def floor_seconds(audit: Audit) -> float:
    """The least line time any crawl needs to learn this graph.

    Every distinct prompt heard once; every edge observed once (an invalid edge once per key
    found invalid), with what it costs on the
    line whatever the strategy: the keys, the silence or hold until the next sound (a gap, a
    timeout's wait, a queue), and on a no-input edge back to the same node the prompt the IVR
    replays meanwhile, as many times as it repeats before giving up; and one call, with its
    ringing and the silence before the first prompt, for every caller's action that ends a
    call (:func:`call_ending_actions`). A crawl's ``cost_ratio`` is its call seconds over this
    floor.
    """
    prompts = sum(n.prompt_seconds for n in audit.nodes.values())
    edges = sum(press_seconds(e) + e.lead_in
                + sum(KEY_PRESS_SECONDS * len(k) + e.lead_in for k in e.also_pressed)
                for e in audit.edges.values())
    replays = sum((audit.nodes[e.source].prompt_seconds + e.lead_in)
                  * (audit.nodes[e.source].repeats or 1) - e.lead_in
                  for e in audit.edges.values() if e.key == "timeout" and e.source == e.target)
    calls = max(1, len(call_ending_actions(audit)))
    return prompts + edges + replays + calls * (audit.ring_seconds + audit.answer_lead)


def call_ending_actions(audit: Audit) -> set[tuple[str, str, str]]:
    """The caller's actions (a key at a menu, an entry, waiting) after which the call is
    over whatever the caller does: the line hangs up, a human or voicemail answers, maybe
    after messages and a queue that move on by themselves. Each must be the last action of a
    call of its own, so a crawl makes at least this many calls.

    Counting the edges *into* an ending instead undercounts: every menu's no-input wait
    leads to one shared "goodbye" message, whose one edge into the hangup ends them all.
    A message that has gone on to anything else, or is not known to go on, is not counted.
    """
    ends: dict[str, bool] = {}

    def ending(node_id: str) -> bool:
        if node_id not in ends:
            ends[node_id] = False  # a cycle of automatic moves never ends a call by itself
            node = audit.nodes[node_id]
            after = audit.out_edges(node_id)
            ends[node_id] = node.kind in CALL_ENDING_KINDS or (
                not node.acting and bool(after)
                and all(e.key == "auto" and ending(e.target) for e in after))
        return ends[node_id]

    return {(e.source, e.key, pressed) for e in audit.edges.values()
            if e.key != "auto" and ending(e.target) for pressed in e.keys_pressed}


def to_digraph(audit: Audit) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(audit.nodes)
    graph.add_edges_from((e.source, e.target) for e in audit.edges.values())
    return graph


def _reaches_voicemail(graph: nx.DiGraph, audit: Audit, node_id: str) -> bool:
    return any(audit.nodes[d].kind == "voicemail" for d in nx.descendants(graph, node_id))


def _round(value: float) -> float:
    return round(value, 2)
