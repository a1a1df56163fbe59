"""Freezing an audit into a tree spec (``ivraudit.tree/1``) that replays to the same graph.

A team records its IVR once (a SIP crawl, or a replay), freezes the audit and replays the
frozen tree in CI with no call. The crawler never reads a spec: it hears audio and presses
keys, so the frozen tree must *sound* like the audit. Every node plays its recording, and
every behaviour the audit observed is written back as the spec field that produces it:

- keys: every edge labelled with a phone key becomes an option (announced or not);
- invalid key: back to the menu (``on_invalid: repeat``), to a message (``on_invalid``), or,
  where the spec has no field for it (a hangup, a transfer), every unlisted key as an option;
- timeouts: repeat then ``on_exhausted``, straight to a node, or never (no timeout heard);
- input: ``digits`` or ``terminator`` from the entry the IVR accepted;
- messages: one next node, or ``back`` when they return to several menus;
- hold: the music and announcement samples the audit keeps (ivraudit.audit.hold);
- times: the silences the audit measured (``lead_in`` of the edges, the answer's lead) are
  split into one ``gap`` for the tree, leading silence in each prompt file, trailing silence
  after messages, menu waits and hold lengths. Hold prompts are calibrated by running the
  listener on the frozen audio, because where a prompt ends in music is decided by it.

What the audit cannot know is said in the freeze's warnings (e.g. how many times a menu
repeats before it gives up: the graph is the same whatever the number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ivraudit.audit.metrics import root_of
from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord, NodeRecord
from ivraudit.audit.reader import AuditInputError, read_audit
from ivraudit.kinds import ACTING_KINDS
from ivraudit.regress.hold_calibration import calibrate_hold
from ivraudit.regress.timing import estimate_timing, frames, median, silence
from ivraudit.spec.loader import FORMAT as SPEC_FORMAT
from ivraudit.spec.loader import load_spec
from ivraudit.spec.model import HANGUP as SPEC_HANGUP
from ivraudit.telephony.constants import DTMF_KEYS
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.wav import write_wav

NEVER_SECONDS = 3600.0
"""A wait or hold that no crawl sits out: how 'nothing happened' is frozen."""
ENDLESS_REPEATS = 99
"""A menu whose timeouts only ever repeated it (the crawl gave up first)."""
SINK = "silence"
"""Node id of the silent queue that stands for 'nothing more was heard'."""


@dataclass
class FreezeResult:
    """What ``freeze`` wrote and what it could not know."""

    spec_path: Path
    nodes: int
    gap: float
    warnings: list[str] = field(default_factory=list)


class _Freezer:
    """Builds the spec's node mappings and prompt files for one audit."""

    def __init__(self, audit: Audit, root: str) -> None:
        self.audit = audit
        self.root = root
        self.timing = estimate_timing(audit, root)
        self.files: dict[str, Pcm] = {}
        self.warnings: list[str] = []
        self.needs_sink = False
        self.repeats_guessed: list[str] = []  # nodes whose repeat count the audit lacks

    # -- helpers --------------------------------------------------------------------------

    def _target(self, node_id: str) -> str:
        return SPEC_HANGUP if node_id == HANGUP_NODE else node_id

    def _edges(self, node: NodeRecord, *keys: str) -> list[EdgeRecord]:
        return [e for e in self.audit.out_edges(node.id) if e.key in keys]

    def _prompt(self, node: NodeRecord, *, tail: float = 0.0) -> str | None:
        if len(node.audio) == 0:
            return None
        name = f"prompts/{node.id}.wav"
        self.files[name] = np.concatenate(
            [silence(self.timing.lead.get(node.id, 0.0)), node.audio, silence(tail)])
        return name

    def _sink(self) -> str:
        self.needs_sink = True
        return SINK

    # -- node kinds -----------------------------------------------------------------------

    def node(self, node: NodeRecord) -> dict[str, object]:
        kind = node.kind
        body: dict[str, object]
        if kind in ACTING_KINDS:
            body = self._acting(node)
        elif kind == "hold":
            body = self._hold(node)
        elif kind in ("human", "voicemail"):
            body = {"type": kind}
        else:  # message, unknown (heard, not understood; moved on by itself)
            body = {"type": "message", "next": self._next(node)}
            if kind == "unknown":
                self.warnings.append(f"{node.id}: kind unknown, frozen as a message")
        prompt = self._prompt(node, tail=self.timing.trail.get(node.id, 0.0))
        if prompt is None and body["type"] != "hold":
            raise AuditInputError(f"{node.id}: no recording to play; freeze needs the audit's "
                                  "recordings/ folder")
        ordered: dict[str, object] = {"type": body.pop("type")}
        if prompt:
            ordered["prompt"] = prompt
        if node.transcript:
            ordered["text"] = node.transcript
        ordered.update(body)
        return ordered

    def _next(self, node: NodeRecord) -> str:
        targets = sorted({e.target for e in self._edges(node, "auto")})
        if not targets:
            if node.truncated:
                self.warnings.append(f"{node.id}: not explored (crawl limit); frozen as hanging up")
                return SPEC_HANGUP
            return self._sink()
        if len(targets) == 1:
            return self._target(targets[0])
        not_menus = [t for t in targets if self.audit.nodes[t].kind != "menu"]
        if not_menus:
            self.warnings.append(f"{node.id}: returns to {', '.join(targets)}; frozen as `back` "
                                 "(back to the last menu), which cannot return to non-menus")
        return "back"

    def _acting(self, node: NodeRecord) -> dict[str, object]:
        body: dict[str, object] = {"type": node.kind}
        if node.kind == "menu":
            options = {e.key: self._target(e.target) for e in self.audit.out_edges(node.id)
                       if e.key in DTMF_KEYS}
            self._invalid(node, options, body)
            if not options:
                self.warnings.append(f"{node.id}: no option was explored (crawl limit); "
                                     "frozen as hanging up on every key")
                options = {k: SPEC_HANGUP for k in "123456789"}
            body["options"] = dict(sorted(options.items(), key=lambda kv: DTMF_KEYS.index(kv[0])))
        else:
            self._entry(node, body)
        if node.barge_in is False:
            body["barge_in"] = False
        self._timeouts(node, body)
        return body

    def _invalid(self, node: NodeRecord, options: dict[str, str], body: dict[str, object]) -> None:
        targets = sorted({e.target for e in self._edges(node, "invalid")},
                         key=lambda t: t != node.id)
        if not targets or targets[0] == node.id:
            return  # on_invalid: repeat (the default)
        target = targets[0]
        if len(targets) > 1:
            self.warnings.append(f"{node.id}: invalid keys led to {', '.join(targets)}; "
                                 f"frozen as {target}")
        if self.audit.nodes[target].kind in ("message", "unknown"):
            body["on_invalid"] = target
            return
        for key in DTMF_KEYS:  # the spec has no "invalid -> hangup/transfer": list the keys
            options.setdefault(key, self._target(target))

    def _entry(self, node: NodeRecord, body: dict[str, object]) -> None:
        entries = self._edges(node, "input")
        if entries:
            pressed = entries[0].pressed
            body["next"] = self._target(entries[0].target)
            if pressed and pressed[-1] in "*#" and not pressed[:-1].count(pressed[-1]):
                body["terminator"] = pressed[-1]
            else:
                body["digits"] = max(1, len(pressed))
        else:
            self.warnings.append(f"{node.id}: no entry was explored; frozen as hanging up")
            body["next"] = SPEC_HANGUP
            if node.terminator:
                body["terminator"] = node.terminator
            else:
                body["digits"] = node.digits or 1

    def _timeouts(self, node: NodeRecord, body: dict[str, object]) -> None:
        edges = self._edges(node, "timeout")
        if not edges:
            body["wait"] = NEVER_SECONDS
            body["on_timeout"] = SPEC_HANGUP
            return
        waits = [e.lead_in - self.timing.arrive(e.target) for e in edges]
        body["wait"] = round(max(0.1, frames(median(waits, 5.0))), 2)
        others = sorted({e.target for e in edges if e.target != node.id})
        repeats = any(e.target == node.id for e in edges)
        heard = getattr(node, "repeats", None)  # how often the no-input probe heard it again
        if repeats and others:
            if others[0] != HANGUP_NODE:
                body["on_exhausted"] = others[0]
            if heard:
                body["repeats"] = heard
            else:
                self.repeats_guessed.append(node.id)
        elif repeats:
            body["repeats"] = ENDLESS_REPEATS
        else:
            body["on_timeout"] = self._target(others[0])

    def _hold(self, node: NodeRecord) -> dict[str, object]:
        if len(node.music) == 0:
            raise AuditInputError(
                f"{node.id}: a hold queue without a music sample (an audit from before "
                "ivraudit kept hold audio); crawl the line again, then freeze")
        nxt = self._next(node)
        self.files[f"prompts/{node.id}-music.wav"] = node.music
        body: dict[str, object] = {"type": "hold", "music": f"prompts/{node.id}-music.wav",
                                   "seconds": 0.0}
        if len(node.announcement):
            self.files[f"prompts/{node.id}-announcement.wav"] = node.announcement
            body["announce"] = f"prompts/{node.id}-announcement.wav"
            body["announce_every"] = 1.0
        body["next"] = nxt
        return body


def build_spec(audit: Audit, *, name: str | None = None) -> tuple[dict[str, object],
                                                                 dict[str, Pcm], list[str], float]:
    """The spec document, its audio files (relative path -> PCM), warnings and the gap."""
    root = root_of(audit)
    if root is None:
        raise AuditInputError(f"{audit.target}: the audit heard no prompt, nothing to freeze")
    freezer = _Freezer(audit, root)
    if not audit.complete:
        freezer.warnings.append("the audit is incomplete (" + "; ".join(audit.problems[-2:])
                                + "); the frozen tree has only what it found")
    nodes: dict[str, dict[str, object]] = {}
    ordered = [n for n in audit.nodes.values() if n.id != HANGUP_NODE]
    for node in ordered:
        if node.kind != "hold":
            nodes[node.id] = freezer.node(node)
    for node in ordered:
        if node.kind == "hold":
            body = freezer.node(node)
            calibrate_hold(node, body, freezer.timing, freezer.files, freezer.warnings)
            nodes[node.id] = body
    if freezer.repeats_guessed:
        freezer.warnings.append(
            f"{', '.join(freezer.repeats_guessed)}: repeat on no input before giving up; the "
            "audit does not say how often, frozen as 2 (the graph is the same)")
    if freezer.needs_sink:
        freezer.files[f"prompts/{SINK}.wav"] = silence(1.0)
        nodes[SINK] = {"type": "hold", "music": f"prompts/{SINK}.wav",
                       "seconds": NEVER_SECONDS, "next": SPEC_HANGUP}
        freezer.warnings.append("nothing was heard after some nodes; they lead to a silent "
                                f"queue ({SINK})")
    document: dict[str, object] = {
        "format": SPEC_FORMAT,
        "name": name or f"Frozen: {audit.target}",
        "language": audit.language,
        "start": root,
        "answer_after": round(frames(audit.ring_seconds), 2),
        "gap": round(freezer.timing.gap, 2),
        "nodes": {node_id: nodes[node_id] for node_id in
                  [n.id for n in ordered] + ([SINK] if freezer.needs_sink else [])},
    }
    return document, freezer.files, freezer.warnings, freezer.timing.gap


def freeze(source: Path | str, dest: Path | str, *, force: bool = False) -> FreezeResult:
    """Freeze the audit folder ``source`` into ``dest/tree.yaml`` plus ``dest/prompts/``.

    The written spec is loaded back with the spec loader before returning, so a freeze never
    leaves a tree the replay line would refuse.
    """
    loaded = read_audit(source)
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()) and not force:
        if not (dest / "tree.yaml").exists():
            raise AuditInputError(f"{dest}: exists and is not empty; choose a new folder "
                                  "(or --force to write into it)")
    document, files, warnings, gap = build_spec(loaded.audit)
    (dest / "prompts").mkdir(parents=True, exist_ok=True)
    for old in (dest / "prompts").glob("*.wav"):
        old.unlink()
    for relative, pcm in files.items():
        write_wav(dest / relative, pcm)
    header = (f"# Frozen by `ivraudit freeze` from the audit {loaded.folder}\n"
              f"# of {loaded.audit.target} (crawled {loaded.audit.started}).\n"
              "# Replay it with: ivraudit crawl tree.yaml --out AUDIT\n")
    spec_path = dest / "tree.yaml"
    spec_path.write_text(header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True,
                                                 width=100), encoding="utf-8")
    load_spec(spec_path)  # refuse to hand back a spec the line would not play
    nodes = document["nodes"]
    assert isinstance(nodes, dict)
    return FreezeResult(spec_path, len(nodes), gap, warnings)
