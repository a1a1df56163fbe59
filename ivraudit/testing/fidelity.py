"""How far a crawl's map is from a spec's ground truth, in terms a person can act on.

"Exact" means what the bundled trees are held to: after mapping each crawled node to a spec
node by its audio (:func:`~ivraudit.testing.truth.map_to_spec`), the same set of nodes, each
heard once, of the same kinds, with the same key → target edges. A :class:`Difference` lists
what is not so, and which spec nodes are involved, so a bench over generated trees can count
failures against the patterns those nodes were built from (bench/fidelity.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ivraudit.audit.model import HANGUP_NODE, Audit
from ivraudit.listen.listener import END_SILENCE_SECONDS
from ivraudit.spec.model import TreeSpec
from ivraudit.testing.truth import Truth, silence_between, ground_truth, map_to_spec

Edge = tuple[str, str, str]

BOUNDARY_MARGIN_SECONDS = 0.1
"""How near the silence that ends a prompt (END_SILENCE_SECONDS) the truth may measure the
silence between two prompts and a listener still hear it either way. The truth measures it
on the recordings, through the line, by the quiet frames of each end; a listener counts its
own quiet frames as they come, against a floor it learns from the line's noise. Five frames
either way decided one chain of 0.68 s (a closed-hours message and the voicemail after it,
zoo seed 21057) and one of exactly 0.70 s (20038)."""


@dataclass
class Difference:
    """What a crawl got wrong against the truth. Node ids are the spec's."""

    missing: list[str] = field(default_factory=list)        # never heard (or heard as another)
    copies: dict[str, int] = field(default_factory=dict)    # heard as several nodes: how many
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (crawled, true)
    missing_edges: list[Edge] = field(default_factory=list)
    extra_edges: list[Edge] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.missing or self.copies or self.kinds or self.missing_edges
                    or self.extra_edges)

    def involved(self) -> list[str]:
        """Spec nodes that take part in any difference (hangup left out), in first-seen
        order: an edge involves its source and its target."""
        ids: list[str] = list(self.missing) + list(self.copies) + list(self.kinds)
        for source, target, _ in self.missing_edges + self.extra_edges:
            ids += [source, target]
        seen: dict[str, None] = {}
        for node_id in ids:
            if node_id != HANGUP_NODE:
                seen.setdefault(node_id)
        return list(seen)

    def describe(self, limit: int = 4) -> str:
        """One line: what differs, a few of each."""
        def some(items: list[str]) -> str:
            more = f" +{len(items) - limit}" if len(items) > limit else ""
            return ", ".join(items[:limit]) + more

        parts = []
        if self.missing:
            parts.append(f"missing {some(self.missing)}")
        if self.copies:
            parts.append(f"copies {some([f'{k}x{n}' for k, n in self.copies.items()])}")
        if self.kinds:
            parts.append(f"kinds {some([f'{k} {c}!={t}' for k, (c, t) in self.kinds.items()])}")
        if self.missing_edges:
            parts.append(f"edges missing {some([_edge(e) for e in self.missing_edges])}")
        if self.extra_edges:
            parts.append(f"extra {some([_edge(e) for e in self.extra_edges])}")
        return "; ".join(parts) or "exact"


def _edge(edge: Edge) -> str:
    source, target, key = edge
    return f"{source}-{key}->{target}"


def compare(spec: TreeSpec, truth: Truth, audit: Audit,
            mapping: dict[str, str] | None = None) -> Difference:
    """The difference between a crawl of ``spec`` and its ground truth."""
    mapping = mapping if mapping is not None else map_to_spec(spec, audit)
    counts = Counter(mapping[n] for n in audit.nodes)
    true_kinds = truth.kinds
    diff = Difference()
    diff.missing = [n for n in truth.audit.nodes if n not in counts]
    diff.copies = {n: c for n, c in counts.items() if c > 1}
    for node in audit.nodes.values():
        spec_id = mapping[node.id]
        if spec_id in true_kinds and node.kind != true_kinds[spec_id] and spec_id not in diff.kinds:
            diff.kinds[spec_id] = (node.kind, true_kinds[spec_id])
    crawled = {(mapping[s], mapping[t], k) for s, t, k in audit.edges}
    diff.missing_edges = sorted(truth.edges - crawled)
    diff.extra_edges = sorted(crawled - truth.edges)
    return diff


def judge(spec: TreeSpec, audit: Audit) -> tuple[Truth, dict[str, str], Difference]:
    """The crawl against the truth: its mapping and difference. Where the truth's silence
    between a message and what follows it lies within BOUNDARY_MARGIN_SECONDS of the one that
    ends a prompt, either hearing is right: the crawl is exact if it matches the truth with
    such prompts run together or heard apart, one bound for the whole tree (a listener who
    hears 0.70 s as one prompt hears 0.68 s so too). Else the difference is against the truth
    as measured."""
    judged: list[tuple[Truth, dict[str, str], Difference]] = []
    for apart in _bounds(spec):
        truth = ground_truth(spec, apart)
        mapping = map_to_spec(spec, audit, apart)
        judged.append((truth, mapping, compare(spec, truth, audit, mapping)))
        if judged[-1][2].exact:
            return judged[-1]
    return judged[0]


def _bounds(spec: TreeSpec) -> list[float]:
    """END_SILENCE_SECONDS, then a bound just above and just below each silence near it."""
    near = sorted({silence for silence in
                   (silence_between(spec, node.id, node.next) for node in spec.nodes.values()
                    if node.type == "message" and node.next in spec.nodes)
                   if abs(silence - END_SILENCE_SECONDS) < BOUNDARY_MARGIN_SECONDS})
    return [END_SILENCE_SECONDS, *(bound for silence in near
                                   for bound in (silence + 0.005, silence - 0.005))]
