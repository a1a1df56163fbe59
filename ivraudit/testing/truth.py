"""Ground truth from a spec: the graph a perfect crawl would map, and its times to a human.

The expected graph uses the crawler's vocabulary (edge keys ``"1"``, ``"invalid"``,
``"timeout"``, ``"input"``, ``"auto"``) and the crawler's probing rules. The crawl cannot read
the spec, only hear it, so the truth holds what a crawler that hears perfectly learns:

- **Menus.** It presses each announced key (``options`` less ``hidden``), the escape keys 0,
  * and # where not announced, and one invalid key, the first of 9, 8, 7 ... 1 not announced,
  and it waits for a timeout. A hidden option it presses (an escape key, or the invalid
  candidate) is an option edge with its own key, as an announced one is; when the invalid
  candidate turns out to be a hidden option, the next candidate not announced is pressed as
  the invalid key, and so on. Hidden options it never presses are not in the truth, and the
  node's ``options`` are the announced ones only. Escape keys that are no option do what the
  invalid key does (one ``invalid`` edge, the keys in ``also_pressed``).
- **Multi-digit options.** Edge key and ``pressed`` are the whole digit string (``"600"``);
  the keys take 0.1 s each like any burst. The lead-in is the gap, plus ``digit_timeout``
  where the digits pressed could still begin a longer option (the menu waits for more), the
  invalid key and the escape keys included.
- **Invalid limit.** The ``invalid`` edge goes where one invalid key goes (its message, or the
  menu again). With ``invalid_limit`` N there is also an edge ``(menu, on_invalid_limit,
  "invalid")`` whose ``pressed`` is the invalid key N times, and the menu's node records
  ``invalid_limit = N``. Its lead-in is everything from the end of the first key to the
  target's first sound but the other keys: N-1 times the invalid handling (any
  ``digit_timeout``, the gap and message, the gap and the menu's prompt heard in full), then
  what one invalid key's lead-in is. So the listening time along it is the line's; the
  typing-ahead formula counts those N-1 returns as heard in full too (one lead-in an edge).
- **Another language.** A node whose ``language`` differs from the tree's is kind
  ``unknown`` with ``understood = False``: the crawler hears it and cannot tell what it is,
  but for a person, who is known by what they do (greet, then wait for the caller): kind
  ``human``, still ``understood = False``. A
  menu or input like that is not probed (no edge leaves it: what it offers is unknown); a
  message or hold goes on by itself, and its automatic edge is followed as usual.
- **Holds** are kind ``hold`` with ``hold_seconds`` = ``seconds`` plus the gap before the
  next prompt, with music or without (silence on hold still sends frames). A hold without a
  prompt starts its music at once: the edge into it has no lead-in.
- **Input nodes**: digits entered (``input``), and waiting (``timeout``).
- **Prompts a caller cannot hear apart.** A message whose next prompt follows it with less
  silence than ends a prompt (``END_SILENCE_SECONDS``: the wav's own silences and the gap)
  runs into it, and where that next prompt is never heard any other way (the message's
  automatic edge is its only way in) nothing can ever tell where one ends and the other
  begins: "Welcome to X. [0.4 s] This call may be recorded." is one prompt to any listener.
  Such a chain is one node: the later node's kind, options and edges under the first one's
  id and path, the words of both, and the time of both and the gap. A silence measured
  within a few frames of END_SILENCE_SECONDS may be heard either way: judged so by
  :func:`ivraudit.testing.fidelity.judge`, which builds the truth with other bounds
  (``apart``).
- **Nodes a caller cannot tell apart**: one recording and one behaviour (two dead ends saying
  the same goodbye) are one node, the one reached first (ivraudit.testing.twins).

Keys the crawler is told to never press, depth limits and budgets are not modelled: this is
the whole reachable graph.

The truth is built as an :class:`~ivraudit.audit.model.Audit` with the spec's durations, so
its times come from the very formulas (ivraudit.audit.metrics) the crawl's times come from.

It lives here, above the crawl, rather than with the spec: what a perfect crawl maps depends on
the crawler's probing rules (ivraudit.crawl.probes), and the spec, which the replay line and the
simulator stand on, must not depend on the crawler.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from ivraudit.audit.metrics import compute_metrics
from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord, NodeRecord, Option
from ivraudit.crawl.probes import entry_for
from ivraudit.identity import fingerprint, prefix_similarity, text_similarity
from ivraudit.identity.fingerprint import (
    MAX_LAG_FRAMES,
    MAYBE_SAME_AUDIO,
    SAME_AUDIO,
    WINDOW_FRAMES,
    Fingerprint,
)
from ivraudit.kinds import ACTING_KINDS, HANGUP_KIND
from ivraudit.listen.activity import quiet_frames
from ivraudit.listen.listener import END_SILENCE_SECONDS
from ivraudit.spec.effects import LineEffects, line_audio
from ivraudit.spec.model import BACK, HANGUP, REPEAT, TreeSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm
from ivraudit.testing.menu_truth import Step, line_seconds, menu_steps, prompt_seconds
from ivraudit.testing.twins import merge_twins

UNKNOWN_KIND = "unknown"
"""The kind of a node heard and not understood (the interpreter's word for it)."""


def expected_audit(spec: TreeSpec, apart: float = END_SILENCE_SECONDS) -> Audit:
    """The audit a perfect crawl of ``spec`` yields (node ids are the spec's own); prompts
    with less silence than ``apart`` between them run into each other (see above)."""
    audit = Audit(target=str(spec.path), started="", language=spec.language,
                  ring_seconds=spec.answer_after)
    gap = line_seconds(spec.gap)

    def understood(node_id: str) -> bool:
        return spec.language_of(spec.nodes[node_id]) == spec.language

    def node(node_id: str, path: list[str], via: list[str]) -> None:
        if node_id in audit.nodes:
            return
        if node_id == HANGUP:
            audit.nodes[HANGUP_NODE] = NodeRecord(HANGUP_NODE, HANGUP_KIND, path, via)
            return
        s = spec.nodes[node_id]
        acting = s.type in ACTING_KINDS and understood(node_id)
        audit.nodes[node_id] = NodeRecord(
            node_id, s.type if understood(node_id) or s.type == "human" else UNKNOWN_KIND,
            path, via,
            transcript=s.text or "",
            options=[Option(k, s.options[k]) for k in s.announced] if acting else [],
            prompt_seconds=prompt_seconds(spec, s),
            hold_seconds=(line_seconds(s.seconds) + gap) if s.type == "hold" else None,
            barge_in=s.barge_in if acting else None,
            digits=s.digits if acting else None, terminator=s.terminator if acting else None,
            language=spec.language_of(s),
            repeats=(s.repeats if s.on_timeout == REPEAT else 0) if acting else None,
            invalid_limit=s.invalid_limit if acting else None,
            understood=understood(node_id),
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
        steps: list[Step] = []
        if s.type == "menu":
            last_menu = node_id
        probed = s.type in ACTING_KINDS and here.understood  # else what it offers is unknown
        if probed and s.type == "menu":
            steps += menu_steps(spec, s)
        if probed and s.type == "input":
            steps.append(Step(s.next or HANGUP, "input", entry_for(s.digits, s.terminator), gap))
        if probed:
            wait = line_seconds(s.wait) + gap
            if s.on_timeout != REPEAT:
                steps.append(Step(s.on_timeout, "timeout", "timeout", wait))
            else:
                if s.repeats >= 1:
                    steps.append(Step(node_id, "timeout", "timeout", wait))
                steps.append(Step(s.on_exhausted, "timeout", "timeout", wait))
        if s.type == "message":
            target = (last_menu or HANGUP) if s.next == BACK else s.next
            steps.append(Step(target or HANGUP, "auto", "", gap))
        if s.type == "hold":
            steps.append(Step(s.next or HANGUP, "auto", "", here.hold_seconds or 0.0))
        for step in steps:
            child_path = here.path + ([step.pressed] if step.key != "auto" else [])
            child_via = here.via + ([node_id] if step.key != "auto" else [])
            node(step.target, child_path, child_via)
            edge(node_id, step.target, step.key, step.pressed,
                 _lead_in(spec, step) if step.target != HANGUP else 0.0)
            queue.append((step.target, last_menu))
    chains = join_unheard_boundaries(spec, audit, apart)
    merge_twins(spec, audit, chains)
    return audit


def silence_between(spec: TreeSpec, first: str, then: str) -> float:
    """The silence a listener hears from the end of ``first``'s speech to ``then``'s, on the
    line with its noise: there, the quietest ends of words are under the noise and count as
    silence, as they do for a listener (zoo seed 18026: 0.68 s without the noise, 0.70 s with
    it, and a listener that knows the noise heard the greeting and the notice apart)."""
    def quiet(node_id: str) -> list[bool]:
        return quiet_frames(LineEffects(spec.line).apply(spec.prompt_audio(spec.nodes[node_id])))

    tail, head = quiet(first), quiet(then)
    return (_run(tail[::-1]) + _run(head)) * FRAME_SECONDS + line_seconds(spec.gap)


def _run(quiet: list[bool]) -> int:
    """How many quiet frames ``quiet`` begins with."""
    return next((i for i, q in enumerate(quiet) if not q), len(quiet))


def join_unheard_boundaries(spec: TreeSpec, audit: Audit,
                            apart: float = END_SILENCE_SECONDS) -> dict[str, list[str]]:
    """Make each chain of prompts a caller cannot hear apart one node (see above); returns
    each node's spec nodes, in the order it plays them (one but for a chain)."""
    chains = {node_id: [node_id] for node_id in audit.nodes}
    ends: dict[str, str] = {}  # a joined node -> the spec node whose audio it ends with
    while True:
        chained = next((e for e in audit.edges.values()
                        if _runs_into(spec, audit, e, ends, apart)), None)
        if chained is None:
            return chains
        first, then = audit.nodes[chained.source], audit.nodes.pop(chained.target)
        ends[first.id] = ends.get(then.id, then.id)
        chains[first.id] += chains.pop(then.id)
        del audit.edges[(chained.source, chained.target, chained.key)]
        audit.nodes[first.id] = replace(
            then, id=first.id, path=first.path, via=first.via,
            transcript=f"{first.transcript} {then.transcript}".strip(),
            prompt_seconds=round(first.prompt_seconds + chained.lead_in + then.prompt_seconds, 3))
        for key in [k for k in audit.edges if then.id in k[:2]]:
            edge = audit.edges.pop(key)
            source = first.id if edge.source == then.id else edge.source
            target = first.id if edge.target == then.id else edge.target
            audit.edges[(source, target, edge.key)] = replace(edge, source=source, target=target)


def _runs_into(spec: TreeSpec, audit: Audit, edge: EdgeRecord, ends: dict[str, str],
               apart: float) -> bool:
    if edge.key != "auto" or edge.target == HANGUP_NODE or edge.target == edge.source:
        return False
    if audit.nodes[edge.source].kind != "message" or edge.target == spec.start:
        return False
    if any(e.target == edge.target and e is not edge for e in audit.edges.values()):
        return False  # heard some other way too: there it is heard alone
    if _recording_heard_alone(spec, audit, edge.target):
        return False  # the same recording is: a caller can tell where it begins
    last = ends.get(edge.source, edge.source)  # (a joined chain ends with its last prompt)
    return silence_between(spec, last, edge.target) < apart


def _recording_heard_alone(spec: TreeSpec, audit: Audit, node_id: str) -> bool:
    """Does another node play ``node_id``'s very recording, reached by a key or a wait (so
    heard from its start, alone)? One voicemail greeting behind a closed-hours message here
    and straight behind a key there: the message is heard apart from it."""
    audio = spec.prompt_audio(spec.nodes[node_id])
    return len(audio) > 0 and any(
        e.key != "auto" and e.target not in (node_id, HANGUP_NODE) and e.target in spec.nodes
        and np.array_equal(spec.prompt_audio(spec.nodes[e.target]), audio)
        for e in audit.edges.values())


def _lead_in(spec: TreeSpec, step: Step) -> float:
    """A step's lead-in, but none into a hold without a prompt: its music starts at once."""
    target = spec.nodes.get(step.target)
    if target is not None and target.type == "hold" and not target.prompt:
        return step.lead_in - line_seconds(spec.gap)
    return step.lead_in


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


def ground_truth(spec: TreeSpec, apart: float = END_SILENCE_SECONDS) -> Truth:
    audit = expected_audit(spec, apart)
    return Truth(audit, compute_metrics(audit))


SAME_SOUND = 0.02
"""Spec nodes scoring within this of the best sound alike to a crawled node (two queues with
one intro recording, say): the crawled node's path then tells them apart."""


def map_to_spec(spec: TreeSpec, audit: Audit, apart: float = END_SILENCE_SECONDS
                ) -> dict[str, str]:
    """Which spec node each crawled node is, by the audio it recorded and, to break near-ties,
    its transcript against the truth's (hangup maps to hangup). Only nodes of the truth are
    candidates: a prompt chained into the one before it beyond hearing is part of that one.
    Spec nodes that sound the same (one recording used twice) are told apart by the path the
    crawl first reached the node by, which is the truth's path of the right one: both are
    breadth-first."""
    truth_audit = expected_audit(spec, apart)
    truth = truth_audit.nodes
    paths = {n.id: n.path for n in truth.values()}
    texts = {n.id: n.transcript for n in truth.values()}
    heard_nodes = [s for s in spec.nodes.values() if s.id in truth]
    prints = {
        s.id: fingerprint(_from_first_sound(line_audio(spec.line, spec.prompt_audio(s))))
        for s in heard_nodes if s.prompt
    }
    # A queue with no announcement is known by how its music or ring begins.
    prints.update({
        s.id: fingerprint(line_audio(spec.line, spec.audio[s.music]))
        for s in heard_nodes if s.type == "hold" and not s.prompt and s.music
    })
    mapping: dict[str, str] = {}
    for node in audit.nodes.values():
        if node.id == HANGUP_NODE or len(node.audio) == 0:
            mapping[node.id] = node.id
            continue
        heard = fingerprint(node.audio)
        # The recordings are compared from their first sound, and so is what was heard: the
        # lead of silence the crawl keeps before a prompt is lag the alignment must absorb, and
        # a short prompt has too little to spare (a crawl's "Goodbye!", 8 quiet frames then 23
        # of sound, scored 0.44 against its own recording and 0.64 against "One moment,
        # please.", whose first word is as short, and took that queue's name: zoo seed 29380;
        # from its first sound, 1.0 against its own, 0.56 against that one). As heard too: a
        # queue with no prompt is known by its music, whose print is not cut.
        first = fingerprint(_from_first_sound(node.audio))
        # Audio first; the words break near-ties (prompts that differ in one word sound alike).
        # A weak match of the audio is no evidence: a greeting heard without its first word
        # ("This is Anna", the "Hi," lost to the queue's music) matches no recording from its
        # start, and chance decided between two agents; there the words decide.
        # A prompt heard from its middle (an agent who answers over the queue's last words is
        # heard from where the words end) is evidence where it is found, whole, inside one.
        # It is looked for only where no recording begins like it.
        audio = {sid: _evidence(max(prefix_similarity(heard, p), prefix_similarity(first, p)))
                 for sid, p in prints.items()}
        if max(audio.values(), default=0.0) < SAME_AUDIO:
            audio = {sid: max(score, _heard_inside(heard, prints[sid]))
                     for sid, score in audio.items()}
        scores = {sid: audio[sid] + 0.5 * text_similarity(node.transcript, texts[sid])
                  for sid in prints}
        best = max(scores.values())
        alike = [sid for sid, score in scores.items() if score >= best - SAME_SOUND]
        on_path = [sid for sid in alike if paths.get(sid) == node.path]
        for reached in ([] if len(on_path) == 1 else _reached(truth_audit, spec.start, node.path)):
            on_path = [sid for sid in alike if sid in reached]
            if on_path:
                break
        mapping[node.id] = on_path[0] if len(on_path) == 1 else \
            max(scores, key=scores.__getitem__)
    return mapping


def _reached(truth: Audit, start: str, path: list[str]) -> list[set[str]]:
    """The truth's nodes a caller is at after the actions of ``path`` (a crawled node's): those
    its last action leads to, then those that follow them by themselves. Two queues with one
    announcement ("Please hold while I try that extension"), or none, reached first by other
    ways than the truth's breadth-first paths, are told apart by where their way leads (zoo
    seeds 21047, 20007). Empty where an action is not one of the truth's (an invalid key the
    truth records under another)."""
    def onward(nodes: set[str]) -> set[str]:
        todo, seen = list(nodes), set(nodes)
        while todo:
            for e in truth.out_edges(todo.pop()):
                if e.key == "auto" and e.target not in seen:
                    seen.add(e.target)
                    todo.append(e.target)
        return seen

    here, last = onward({start}), {start}
    for action in path:
        last = {e.target for source in here for e in truth.out_edges(source)
                if e.key != "auto" and (e.key == action or action in e.keys_pressed)}
        here = onward(last)
    return [last, here]


def _from_first_sound(audio: Pcm) -> Pcm:
    """A recording from its first sound, as a listener hears it: the silence a recording
    begins with is lag the fingerprints' alignment must absorb, and a short prompt has
    little to spare (a crawl's "Goodbye.", 29 frames heard from 0.16 s into its recording,
    scored 0.29 against it from its start, 0.60 against another recording, and was named
    after that one: zoo seed 20022)."""
    quiet = quiet_frames(audio)
    first = _run(quiet)
    return audio[first * FRAME_SAMPLES:] if first < len(quiet) else audio


def _evidence(audio_score: float) -> float:
    return audio_score if audio_score >= MAYBE_SAME_AUDIO else 0.0


def _heard_inside(heard: Fingerprint, known: Fingerprint) -> float:
    """How well ``heard`` is a later part of the recording ``known``, if it is surely that
    (at least :data:`SAME_AUDIO`), else 0. The offset is searched in steps of two lags, each
    with the lag search of :func:`prefix_similarity`. Chance finds less: a 1.5 s greeting cut
    0-1.1 s into it scored 0.70-1.0 against its own recording and at most 0.68 against the
    others of its tree (tests/test_unheard_lines.py), where the prefix score of its own had
    fallen to 0.25 and another's risen to 0.70."""
    best = 0.0
    for shift in range(2 * MAX_LAG_FRAMES, len(known) - WINDOW_FRAMES // 2, 2 * MAX_LAG_FRAMES):
        best = max(best, prefix_similarity(heard, known[shift:]))
    return best if best >= SAME_AUDIO else 0.0
