"""Ground truth from a spec: the graph a perfect crawl would map, and its times to a human.

The expected graph uses the crawler's vocabulary (edge keys ``"1"``, ``"invalid"``,
``"timeout"``, ``"input"``, ``"auto"``) and the crawler's probing rules: at every menu it
presses each announced key, the escape keys 0, * and #, one invalid key (the first digit of
987654321 the menu does not announce) and waits for a timeout; at every input node it enters
digits and waits. A spec's options are taken to be announced; unannounced working keys are
found when they are escape keys, which is the case in the bundled trees.

The truth is built as an :class:`~ivraudit.audit.model.Audit` with the spec's durations, so
its times come from the very formulas (ivraudit.audit.metrics) the crawl's times come from.

It lives here, above the crawl, rather than with the spec: what a perfect crawl maps depends on
the crawler's probing rules (ivraudit.crawl.probes), and the spec, which the replay line and the
simulator stand on, must not depend on the crawler.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ivraudit.audit.metrics import compute_metrics
from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord, NodeRecord, Option
from ivraudit.crawl.probes import entry_for, invalid_key
from ivraudit.identity import fingerprint, prefix_similarity, text_similarity
from ivraudit.kinds import ACTING_KINDS, HANGUP_KIND
from ivraudit.spec.behaviour import frames_for, split_frames
from ivraudit.spec.model import BACK, HANGUP, REPEAT, NodeSpec, TreeSpec
from ivraudit.telephony.constants import ESCAPE_KEYS, FRAME_SECONDS
from ivraudit.telephony.g711 import ulaw_round_trip


def _seconds(spec: TreeSpec, node: NodeSpec) -> float:
    return len(split_frames(spec.prompt_audio(node))) * FRAME_SECONDS if node.prompt else 0.0


def expected_audit(spec: TreeSpec) -> Audit:
    """The audit a perfect crawl of ``spec`` yields (node ids are the spec's own)."""
    audit = Audit(target=str(spec.path), started="", language=spec.language,
                  ring_seconds=spec.answer_after)
    gap = frames_for(spec.gap) * FRAME_SECONDS

    def node(node_id: str, path: list[str], via: list[str]) -> None:
        if node_id in audit.nodes:
            return
        if node_id == HANGUP:
            audit.nodes[HANGUP_NODE] = NodeRecord(HANGUP_NODE, HANGUP_KIND, path, via)
            return
        s = spec.nodes[node_id]
        audit.nodes[node_id] = NodeRecord(
            node_id, s.type, path, via, transcript=s.text or "",
            options=[Option(k, t) for k, t in s.options.items()],
            prompt_seconds=_seconds(spec, s),
            hold_seconds=(frames_for(s.seconds) * FRAME_SECONDS + gap) if s.type == "hold" else None,
            barge_in=s.barge_in if s.type in ACTING_KINDS else None,
            digits=s.digits, terminator=s.terminator, language=spec.language,
            repeats=(s.repeats if s.on_timeout == REPEAT else 0) if s.type in ACTING_KINDS else None,
        )

    def edge(source: str, target: str, key: str, pressed: str, lead_in: float) -> None:
        audit.add_edge(EdgeRecord(source, _id(target), key, pressed, round(lead_in, 3)))

    node(spec.start, [], [])
    queue: deque[tuple[str, str | None]] = deque([(spec.start, None)])
    visited: set[tuple[str, str | None]] = set()
    while queue:
        node_id, last_menu = queue.popleft()
        if (node_id, last_menu) in visited or node_id == HANGUP:
            continue
        visited.add((node_id, last_menu))
        s = spec.nodes[node_id]
        here = audit.nodes[node_id]
        steps: list[tuple[str, str, str, float]] = []  # target, key, pressed, lead-in
        if s.type == "menu":
            last_menu = node_id
            announced = list(s.options)
            invalid = invalid_key(announced) or "9"
            invalid_target = node_id if s.on_invalid == REPEAT else s.on_invalid
            steps.append((invalid_target, "invalid", invalid, gap))
            steps += [(t, k, k, gap) for k, t in s.options.items()]
            steps += [(invalid_target, "invalid", k, gap) for k in ESCAPE_KEYS if k not in announced]
        if s.type == "input":
            steps.append((s.next or HANGUP, "input", entry_for(s.digits, s.terminator), gap))
        if s.type in ACTING_KINDS:
            wait = frames_for(s.wait) * FRAME_SECONDS + gap
            if s.on_timeout != REPEAT:
                steps.append((s.on_timeout, "timeout", "timeout", wait))
            else:
                if s.repeats >= 1:
                    steps.append((node_id, "timeout", "timeout", wait))
                steps.append((s.on_exhausted, "timeout", "timeout", wait))
        if s.type == "message":
            target = (last_menu or HANGUP) if s.next == BACK else s.next
            steps.append((target or HANGUP, "auto", "", gap))
        if s.type == "hold":
            steps.append((s.next or HANGUP, "auto", "", here.hold_seconds or 0.0))
        for target, key, pressed, lead_in in steps:
            child_path = here.path + ([pressed] if key != "auto" else [])
            child_via = here.via + ([node_id] if key != "auto" else [])
            node(target, child_path, child_via)
            edge(node_id, target, key, pressed, lead_in if target != HANGUP else 0.0)
            queue.append((target, last_menu))
    return audit


def _id(spec_target: str) -> str:
    return HANGUP_NODE if spec_target == HANGUP else spec_target


@dataclass(frozen=True)
class Truth:
    audit: Audit
    metrics: dict[str, object]

    @property
    def edges(self) -> set[tuple[str, str, str]]:
        return set(self.audit.edges)

    @property
    def kinds(self) -> dict[str, str]:
        return {n.id: n.kind for n in self.audit.nodes.values()}


def ground_truth(spec: TreeSpec) -> Truth:
    audit = expected_audit(spec)
    return Truth(audit, compute_metrics(audit))


def map_to_spec(spec: TreeSpec, audit: Audit) -> dict[str, str]:
    """Which spec node each crawled node is, by the audio it recorded and, to break near-ties,
    its transcript against the spec's ``text`` (hangup maps to hangup)."""
    prints = {
        s.id: fingerprint(ulaw_round_trip(spec.prompt_audio(s)))
        for s in spec.nodes.values() if s.prompt
    }
    mapping: dict[str, str] = {}
    for node in audit.nodes.values():
        if node.id == HANGUP_NODE or len(node.audio) == 0:
            mapping[node.id] = node.id
            continue
        heard = fingerprint(node.audio)
        # Audio first; the words break near-ties (prompts that differ in one word sound alike).
        scores = {sid: prefix_similarity(heard, p)
                  + 0.5 * text_similarity(node.transcript, spec.nodes[sid].text or "")
                  for sid, p in prints.items()}
        mapping[node.id] = max(scores, key=scores.__getitem__)
    return mapping
