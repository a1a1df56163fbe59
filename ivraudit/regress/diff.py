"""What changed between two audits of one phone tree, change by change.

Nodes are matched across the audits by path and by prompt identity (ivraudit.regress.matching).
Unmatched nodes are added or removed. A prompt counts as reworded only when its recording
changed too: the same audio transcribed into slightly different words (a prompt cut 60 ms
earlier by the listener) is the recogniser's difference, reported as a note, not a change.
On matched nodes and their edges the changes are of the kinds in
:data:`CHANGE_KINDS`; a team accepts kinds with ``--ignore`` (the exit status ignores them; the
answer to "have our menu options changed?" is a fact about both trees and does not). Times are
compared with a tolerance: two crawls of an unchanged SIP line never measure exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ivraudit.audit.model import HANGUP_NODE, EdgeRecord, NodeRecord
from ivraudit.audit.reader import AuditInputError, LoadedAudit
from ivraudit.identity import SAME_AUDIO, audio_similarity
from ivraudit.regress.matching import Side, match_nodes
from ivraudit.regress.words import same_words, word_diff, words
from ivraudit.report.visible import visible_text
from ivraudit.telephony.constants import DTMF_KEYS

CHANGE_KINDS: dict[str, str] = {
    "prompt-reworded": "a prompt says different words",
    "prompt-rerecorded": "a prompt says the same words in a different recording",
    "option-added": "a menu key that did nothing now leads somewhere",
    "option-removed": "a menu key that led somewhere no longer does",
    "option-rekeyed": "a destination moved to another key",
    "option-retargeted": "a key now leads to a different place",
    "handling-changed": "an invalid key, no input, an entry or an automatic step leads elsewhere",
    "node-added": "a prompt heard only in the new audit",
    "node-removed": "a prompt heard only in the old audit",
    "node-moved": "a prompt is reached from a different place or depth",
    "kind-changed": "a node became another kind (menu, message, hold, ...)",
    "hold-changed": "a hold queue got longer or shorter, or announces differently",
    "dead-end-added": "a new node from which no human or voicemail can be reached",
    "dead-end-removed": "a dead end that now leads somewhere",
    "loop-added": "a new way back to an earlier menu",
    "loop-removed": "a way back that is gone",
    "time-to-human": "the fastest way to a human got longer, shorter, or appeared/vanished",
    "depth": "the deepest node is at a different depth",
}
OPTION_KINDS = ("option-added", "option-removed", "option-rekeyed", "option-retargeted")
DEFAULT_TOLERANCE = 2.0
"""Seconds two measurements of one time may differ by and still count as the same."""


@dataclass
class Change:
    """One difference, said for people (``summary``) and for machines (``detail``)."""

    kind: str
    where: str
    summary: str
    old_node: str | None = None
    new_node: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class DiffResult:
    """All changes between two audits; ``changes`` excludes the ignored kinds."""

    old: str
    new: str
    matches: dict[str, str]
    changes: list[Change]
    ignored: list[Change]
    menu_options_changed: bool
    menu_option_reasons: list[str]
    metrics: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def exit_code(self) -> int:
        return 1 if self.changed else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "ivraudit.diff/1",
            "old": self.old,
            "new": self.new,
            "changed": self.changed,
            "menu_options_changed": self.menu_options_changed,
            "menu_option_reasons": self.menu_option_reasons,
            "changes": [asdict(c) for c in self.changes],
            "ignored": [asdict(c) for c in self.ignored],
            "notes": self.notes,
            "matches": self.matches,
            "metrics": self.metrics,
        }


# -- describing ------------------------------------------------------------------------------

def _snippet(node: NodeRecord, size: int = 48) -> str:
    text = node.transcript.strip()
    return f'"{text[:size]}…"' if len(text) > size else f'"{text}"' if text else "(no words)"


def _where(node: NodeRecord) -> str:
    if node.id == HANGUP_NODE:
        return "hang-up"
    at = "at the answer" if not node.path else "after " + " ".join(node.path)
    return f"{node.kind} {node.id} ({at}) {_snippet(node)}"


def _step(key: str, pressed: str = "") -> str:
    return {"invalid": f"an invalid key{f' ({pressed})' if pressed else ''}",
            "timeout": "no input", "input": f"entering {pressed or 'digits'}",
            "auto": "when it ends"}.get(key, f"key {key}")


# -- comparing -------------------------------------------------------------------------------

class _Comparer:
    def __init__(self, a: LoadedAudit, b: LoadedAudit, tolerance: float) -> None:
        self.la, self.lb = a, b
        self.a, self.b = Side.of(a.audit), Side.of(b.audit)
        self.tolerance = tolerance
        self.matches = match_nodes(self.a, self.b)
        self.back = {y: x for x, y in self.matches.items()}
        self.changes: list[Change] = []
        self.option_reasons: list[str] = []
        self.notes: list[str] = []  # differences that are not changes of the tree

    def add(self, kind: str, where: str, summary: str, old_node: str | None = None,
            new_node: str | None = None, /, **detail: Any) -> None:
        self.changes.append(Change(kind, where, summary, old_node, new_node, detail))

    def mapped(self, old_id: str) -> str | None:
        return self.matches.get(old_id)

    def name_new(self, node_id: str) -> str:
        node = self.b.node(node_id)
        fresh = "" if node_id in self.back else " [new]"
        return f"{node.kind} {node_id}{fresh} {_snippet(node, 32)}" if node_id != HANGUP_NODE \
            else "a hang-up"

    def name_old(self, node_id: str) -> str:
        node = self.a.node(node_id)
        return f"{node.kind} {node_id} {_snippet(node, 32)}" if node_id != HANGUP_NODE \
            else "a hang-up"

    # nodes

    def nodes(self) -> None:
        for x, node in self.a.audit.nodes.items():
            if x not in self.matches:
                self.add("node-removed", _where(node), "no longer heard", x)
                if node.kind == "menu":
                    self.option_reasons.append(f"menu {x} {_snippet(node)} is gone")
        for y, node in self.b.audit.nodes.items():
            if y not in self.back:
                self.add("node-added", _where(node), "heard only in the new audit", None, y)
                if node.kind == "menu":
                    self.option_reasons.append(f"new menu {y} {_snippet(node)}")
        for x, y in self.matches.items():
            if x != HANGUP_NODE:
                self.node_pair(self.a.node(x), self.b.node(y))

    def node_pair(self, o: NodeRecord, n: NodeRecord) -> None:
        where = _where(n)
        if o.kind != n.kind:
            self.add("kind-changed", where, f"{_where(o)} is now a {n.kind}", o.id, n.id,
                     old=o.kind, new=n.kind)
        score = (audio_similarity(self.a.prints[o.id], self.b.prints[n.id])
                 if o.id in self.a.prints and n.id in self.b.prints else None)
        if not same_words(o.transcript, n.transcript):
            if score is not None and score >= SAME_AUDIO:
                # the same recording heard twice: the recogniser, not the IVR, differs
                self.notes.append(f"{n.id}: same recording (audio similarity {score:.2f}), "
                                  f"transcribed differently: "
                                  f"{word_diff(o.transcript, n.transcript)}")
            else:
                self.add("prompt-reworded", where,
                         f"reworded: {word_diff(o.transcript, n.transcript)}", o.id, n.id,
                         old=o.transcript, new=n.transcript,
                         words=word_diff(o.transcript, n.transcript))
                if o.kind == "menu" and n.kind == "menu" and self._labels(o) != self._labels(n):
                    self.option_reasons.append(f"menu {n.id} announces its options differently")
        elif score is not None and score < SAME_AUDIO:
            self.add("prompt-rerecorded", where,
                     f"same words, new recording (audio similarity {score:.2f})",
                     o.id, n.id, audio_similarity=round(score, 3))
        parent_o = o.via[-1] if o.via else None
        parent_n = n.via[-1] if n.via else None
        moved_parent = parent_o is not None and self.mapped(parent_o) != parent_n
        if len(o.path) != len(n.path) or moved_parent:
            self.add("node-moved", where,
                     f"moved from [{' '.join(o.path) or 'answer'}] to [{' '.join(n.path) or 'answer'}]"
                     f" (depth {len(o.path)} → {len(n.path)})",
                     o.id, n.id, old_path=o.path, new_path=n.path)
        if o.kind == n.kind == "hold":
            self.hold_pair(o, n, where)

    def _labels(self, node: NodeRecord) -> set[tuple[str, tuple[str, ...]]]:
        return {(opt.key, tuple(words(opt.label))) for opt in node.options}

    def hold_pair(self, o: NodeRecord, n: NodeRecord, where: str) -> None:
        before, after = o.hold_seconds or 0.0, n.hold_seconds or 0.0
        if abs(after - before) > self.tolerance:
            self.add("hold-changed", where,
                     f"hold {'longer' if after > before else 'shorter'}: {before:.1f} s → "
                     f"{after:.1f} s ({after - before:+.1f} s)", o.id, n.id,
                     old_seconds=before, new_seconds=after)
        elif o.announcements != n.announcements:
            self.add("hold-changed", where,
                     f"announcements on hold: {o.announcements} → {n.announcements}",
                     o.id, n.id, old_announcements=o.announcements,
                     new_announcements=n.announcements)

    # edges

    def edges(self) -> None:
        for x, y in self.matches.items():
            if x == HANGUP_NODE:
                continue
            old_edges = self.a.audit.out_edges(x)
            new_edges = self.b.audit.out_edges(y)
            self.options(self.a.node(x), self.b.node(y), old_edges, new_edges)
            self.handling(self.a.node(x), self.b.node(y), old_edges, new_edges)

    def options(self, o: NodeRecord, n: NodeRecord, old_edges: list[EdgeRecord],
                new_edges: list[EdgeRecord]) -> None:
        old = {e.key: e.target for e in old_edges if e.key in DTMF_KEYS}
        new = {e.key: e.target for e in new_edges if e.key in DTMF_KEYS}
        where = _where(n)
        for key in sorted(old.keys() & new.keys(), key=DTMF_KEYS.index):
            if self.mapped(old[key]) != new[key]:
                text = (f"key {key} led to {self.name_old(old[key])}, now to "
                        f"{self.name_new(new[key])}")
                self.add("option-retargeted", where, text, o.id, n.id, key=key,
                         old_target=old[key], new_target=new[key])
                self.option_reasons.append(f"at {n.id}: {text}")
        removed = [k for k in old if k not in new]
        added = [k for k in new if k not in old]
        for key in list(removed):
            to = next((k for k in added if self.mapped(old[key]) == new[k]), None)
            if to is not None:
                text = f"{self.name_new(new[to])}: key {key} → key {to}"
                self.add("option-rekeyed", where, text, o.id, n.id, old_key=key, new_key=to,
                         target=new[to])
                self.option_reasons.append(f"at {n.id}: {text}")
                removed.remove(key)
                added.remove(to)
        for key in removed:
            text = f"key {key} no longer leads to {self.name_old(old[key])}"
            self.add("option-removed", where, text, o.id, n.id, key=key, old_target=old[key])
            self.option_reasons.append(f"at {n.id}: {text}")
        for key in added:
            text = f"key {key} now leads to {self.name_new(new[key])}"
            self.add("option-added", where, text, o.id, n.id, key=key, new_target=new[key])
            self.option_reasons.append(f"at {n.id}: {text}")

    def handling(self, o: NodeRecord, n: NodeRecord, old_edges: list[EdgeRecord],
                 new_edges: list[EdgeRecord]) -> None:
        for key in ("invalid", "timeout", "input", "auto"):
            old = {self.mapped(e.target) or f"old:{e.target}": e for e in old_edges if e.key == key}
            new = {e.target: e for e in new_edges if e.key == key}
            if set(old) == set(new):
                continue
            before = ", ".join(self.name_old(e.target) for e in old.values()) or "nothing"
            after = ", ".join(self.name_new(e.target) for e in new.values()) or "nothing"
            self.add("handling-changed", _where(n),
                     f"{_step(key)} led to {before}; now to {after}", o.id, n.id, step=key,
                     old_targets=[e.target for e in old.values()],
                     new_targets=[e.target for e in new.values()])

    # whole graph

    def graph(self) -> None:
        ma, mb = self.la.metrics, self.lb.metrics
        old_dead = {self.mapped(x) or f"old:{x}" for x in ma.get("dead_ends") or []}
        new_dead = set(mb.get("dead_ends") or [])
        for y in sorted(new_dead - old_dead):
            self.add("dead-end-added", _where(self.b.node(y)),
                     "a dead end: no human or voicemail can be reached from here",
                     self.back.get(y), y)
        for x in sorted(ma.get("dead_ends") or []):
            if x in self.matches and self.matches[x] not in new_dead:  # gone: node-removed
                self.add("dead-end-removed", _where(self.a.node(x)),
                         "no longer a dead end", x, self.mapped(x))
        old_loops = {(self.mapped(s), self.mapped(t), k) for s, t, k in ma.get("loops") or []}
        new_loops = {tuple(loop) for loop in mb.get("loops") or []}
        for s, t, k in sorted(new_loops - old_loops):
            self.add("loop-added", _where(self.b.node(s)),
                     f"{_step(k)} at {s} goes back to {self.name_new(t)}", self.back.get(s), s,
                     key=k, target=t)
        for s, t, k in sorted(ma.get("loops") or []):
            if (self.mapped(s), self.mapped(t), k) not in new_loops:
                self.add("loop-removed", _where(self.a.node(s)),
                         f"{_step(k)} at {s} no longer goes back to {self.name_old(t)}", s,
                         self.mapped(s), key=k, target=t)
        self.times(ma, mb)
        if ma.get("max_depth") != mb.get("max_depth"):
            self.add("depth", "tree", f"deepest node at depth {ma.get('max_depth')} → "
                     f"{mb.get('max_depth')}", old=ma.get("max_depth"), new=mb.get("max_depth"))

    def times(self, ma: dict[str, Any], mb: dict[str, Any]) -> None:
        for field_, label in (("time_to_human_seconds", "listening"),
                              ("time_to_human_typeahead_seconds", "typing ahead")):
            before, after = ma.get(field_), mb.get(field_)
            if before is None and after is None:
                continue
            if before is None or after is None:
                text = (f"a human is no longer reachable ({label}; was {before:.1f} s)"
                        if after is None else f"a human is now reachable ({label}: {after:.1f} s)")
            elif abs(after - before) > self.tolerance:
                text = (f"time to a human ({label}): {before:.1f} s → {after:.1f} s "
                        f"({after - before:+.1f} s)")
            else:
                continue
            self.add("time-to-human", "tree", text, old=before, new=after, measure=label,
                     old_path=ma.get("path_to_human"), new_path=mb.get("path_to_human"))


def diff_audits(old: LoadedAudit, new: LoadedAudit, *, ignore: Iterable[str] = (),
                tolerance: float = DEFAULT_TOLERANCE) -> DiffResult:
    """Compare two audits; changes of the ``ignore`` kinds are kept apart, not dropped."""
    ignore = set(ignore)
    unknown = ignore - set(CHANGE_KINDS)
    if unknown:
        raise AuditInputError(f"--ignore: unknown change kind(s) {', '.join(sorted(unknown))}; "
                              f"known: {', '.join(CHANGE_KINDS)}")
    comparer = _Comparer(old, new, tolerance)
    comparer.nodes()
    comparer.edges()
    comparer.graph()
    kept = [c for c in comparer.changes if c.kind not in ignore]
    dropped = [c for c in comparer.changes if c.kind in ignore]
    keys = ("nodes", "menus", "max_depth", "time_to_human_seconds",
            "time_to_human_typeahead_seconds", "path_to_human", "dead_ends", "loops")
    return DiffResult(
        old=old.name, new=new.name, matches=dict(comparer.matches), changes=kept,
        ignored=dropped, menu_options_changed=bool(comparer.option_reasons),
        menu_option_reasons=comparer.option_reasons,
        metrics={"old": {k: old.metrics.get(k) for k in keys},
                 "new": {k: new.metrics.get(k) for k in keys}},
        notes=comparer.notes,
    )


def format_diff(result: DiffResult) -> str:
    """The human-readable report ``ivraudit diff`` prints, with control and bidi characters
    in what the lines said made visible (an ESC sequence would drive the reader's terminal)."""
    lines = [f"ivraudit diff: {result.old} → {result.new}"]
    if not result.changes:
        lines.append("unchanged" + (f" ({len(result.ignored)} ignored change(s))"
                                    if result.ignored else ""))
    else:
        lines.append(f"{len(result.changes)} change(s)"
                     + (f", {len(result.ignored)} ignored" if result.ignored else "") + ":")
        width = max(len(c.kind) for c in result.changes)
        for change in result.changes:
            lines.append(f"  {change.kind:<{width}}  {change.where}")
            lines.append(f"  {'':<{width}}    {change.summary}")
    verdict = "yes" if result.menu_options_changed else "no"
    lines.append(f'"Please listen carefully, as our menu options have changed": {verdict}'
                 + ("" if result.menu_options_changed else
                    " — every menu offers the same keys to the same places"))
    for reason in result.menu_option_reasons:
        lines.append(f"  - {reason}")
    old, new = result.metrics["old"], result.metrics["new"]

    def seconds(value: Any) -> str:
        return "no human" if value is None else f"{value:.1f} s"

    lines.append(f"time to a human: {seconds(old['time_to_human_seconds'])} → "
                 f"{seconds(new['time_to_human_seconds'])}; depth {old['max_depth']} → "
                 f"{new['max_depth']}; nodes {old['nodes']} → {new['nodes']}")
    lines += [f"note: {note}" for note in result.notes]
    return visible_text("\n".join(lines))  # transcripts quoted: no ESC reaches the terminal
