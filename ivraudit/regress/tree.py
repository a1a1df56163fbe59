"""A caller's view of an audited phone tree, for tests that read like the caller's experience.

    ivr.press("0").reaches_human(within=60)
    ivr.press("1").says("press 1 to pay")

A :class:`Walk` is a call in progress: the keys pressed so far, every prompt heard since the
last key (a message and the menu it returns to are both heard), and the line time spent,
added up from the audit's own measurements with the formulas of ivraudit.audit.metrics, so a
test's "71.7 s" is the report's "71.7 s". Failed expectations raise :class:`IvrExpectation`
(an AssertionError) whose message shows what the caller hears instead, step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ivraudit.audit.metrics import (
    fastest_route, listening_weight, root_of, takes_typeahead, typeahead_weight,
)
from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord, NodeRecord
from ivraudit.audit.reader import LoadedAudit, read_audit
from ivraudit.kinds import ACTING_KINDS, CALL_ENDING_KINDS
from ivraudit.regress.expectation import IvrExpectation
from ivraudit.regress.words import closest_phrase, find_phrase
from ivraudit.telephony.constants import DTMF_KEYS

MAX_AUTO_STEPS = 20


def describe(node: NodeRecord, size: int = 60) -> str:
    """``menu n2 "Press 5 to leave a message…"`` — how failure messages name a node."""
    if node.id == HANGUP_NODE:
        return "the line hanging up"
    text = node.transcript.strip()
    words = f'"{text[:size]}…"' if len(text) > size else f'"{text}"' if text else "(no words)"
    return f"{node.kind} {node.id} {words}"


@dataclass(frozen=True)
class Step:
    """One thing that happened on the call: an edge taken and when its target was first heard."""

    edge: EdgeRecord | None   # None for the answer
    node: NodeRecord
    seconds: float            # listening: call start (ringing included) to the node's first sound
    typeahead_seconds: float  # the same for a caller who presses keys as early as accepted
    action: str = ""          # what the caller did to get here, as a test said it


@dataclass
class Walk:
    """A call in progress through an audited tree (immutable: each action returns a new walk)."""

    tree: "IvrTree"
    steps: list[Step]
    keys: list[str] = field(default_factory=list)
    since_key: int = 0   # index in steps of the first prompt heard after the last action

    # -- where the call is ----------------------------------------------------------------

    @property
    def node(self) -> NodeRecord:
        """The last prompt heard (where the line now waits, or what it ended on)."""
        return self.steps[-1].node

    @property
    def heard(self) -> list[NodeRecord]:
        """Every prompt heard since the last key (or since the answer)."""
        return [s.node for s in self.steps[self.since_key:]]

    @property
    def seconds(self) -> float:
        """Line seconds from dialling to the first sound of :attr:`node`, listening in full."""
        return self.steps[-1].seconds

    @property
    def typeahead_seconds(self) -> float:
        """The same for a caller who presses each key as early as the line takes it."""
        return self.steps[-1].typeahead_seconds

    @property
    def options(self) -> dict[str, NodeRecord]:
        """The keys the current menu takes, and the first node each one leads to."""
        return {e.key: self.tree.audit.nodes[e.target] for e in self._out() if e.key in DTMF_KEYS}

    def _out(self) -> list[EdgeRecord]:
        return self.tree.audit.out_edges(self.node.id)

    def _where(self) -> str:
        return ("at the answer" if not self.keys
                else "after " + " ".join("(wait)" if k == "timeout" else k for k in self.keys))

    def fail(self, problem: str) -> IvrExpectation:
        """An expectation error that ends with the call so far, step by step."""
        return IvrExpectation(f"{problem}\n{self.tree.name}, {self._where()}:\n{self.timeline()}")

    def timeline(self) -> str:
        lines = []
        for step in self.steps:
            action = ""
            if step.edge is not None:
                done = step.action or step.edge.pressed
                action = {"auto": "then", "timeout": "no input →", "input": f"enter {done} →",
                          "invalid": f"key {done} (invalid) →"}.get(step.edge.key, f"key {done} →")
            note = ""
            if step.edge is not None and step.edge.key == "auto":
                source = self.tree.audit.nodes[step.edge.source]
                if source.kind == "hold" and source.hold_seconds is not None:
                    note = f"  (after {source.hold_seconds:.1f} s on hold)"
            lines.append(f"  {step.seconds:7.1f} s  {action + ' ' if action else ''}"
                         f"{describe(step.node)}{note}")
        return "\n".join(lines)

    # -- actions --------------------------------------------------------------------------

    def press(self, *keys: str) -> "Walk":
        """Press keys one at a time, each at the node the line waits at: ``press("3", "1")``
        or ``press("31")``. A key a menu does not take is an invalid key; at an input node a
        whole argument is one entry (``press("3", "1", "5551234567")``)."""
        walk = self
        for key in map(str, keys):
            if walk.node.kind == "menu" and len(key) > 1:
                walk = walk.press(key[0], key[1:])
            else:
                walk = walk._act(key)
        return walk

    def enter(self, digits: str) -> "Walk":
        """Enter digits at an input node (any entry: the audit knows one way on)."""
        return self._act(digits, entry=True)

    def wait(self, *, until_it_gives_up: bool = False) -> "Walk":
        """Press nothing: the menu repeats, or (``until_it_gives_up``) does what it does when
        the repeats run out."""
        timeouts = [e for e in self._out() if e.key == "timeout"]
        if not timeouts:
            raise self.fail(f"{describe(self.node)} was never heard timing out")
        repeat = [e for e in timeouts if e.target == self.node.id]
        other = [e for e in timeouts if e.target != self.node.id]
        edge = (other or repeat)[0] if until_it_gives_up else (repeat or other)[0]
        return self._take(edge, "timeout")

    def _act(self, key: str, *, entry: bool = False) -> "Walk":
        node = self.node
        if node.kind not in ACTING_KINDS:
            raise self.fail(f"cannot press {key}: {describe(node)} does not wait for keys")
        out = self._out()
        if node.kind == "input" or entry:
            edge = next((e for e in out if e.key == "input"), None)
            if edge is None:
                raise self.fail(f"no entry at {describe(node)} was explored")
            return self._take(edge, key)
        edge = next((e for e in out if e.key == key), None)
        if edge is None and key in DTMF_KEYS:
            edge = next((e for e in out if e.key == "invalid"), None)
        if edge is None:
            raise self.fail(f"key {key!r} at {describe(node)}: not an option and no invalid-key "
                            f"handling was heard; options: {', '.join(self.options) or 'none'}")
        return self._take(edge, key)

    def _take(self, edge: EdgeRecord, key: str) -> "Walk":
        steps = list(self.steps)
        first = len(steps)
        steps.append(self._arrive(steps[-1], edge, key))
        seen = {steps[-1].node.id}
        for _ in range(MAX_AUTO_STEPS):
            node = steps[-1].node
            if node.kind in ACTING_KINDS or node.kind in CALL_ENDING_KINDS:
                break
            autos = [e for e in self.tree.audit.out_edges(node.id) if e.key == "auto"]
            if len(autos) > 1:  # 'back': to the menu the caller came from
                menus = [s.node.id for s in steps if s.node.kind == "menu"]
                autos = [e for e in autos if menus and e.target == menus[-1]] or autos[:1]
            if not autos or autos[0].target in seen:
                break
            seen.add(autos[0].target)
            steps.append(self._arrive(steps[-1], autos[0]))
        return Walk(self.tree, steps, self.keys + [key], first)

    def _arrive(self, last: Step, edge: EdgeRecord, action: str = "") -> Step:
        audit = self.tree.audit
        return Step(edge, audit.nodes[edge.target],
                    last.seconds + listening_weight(audit, edge),
                    last.typeahead_seconds + typeahead_weight(audit, edge), action)

    # -- expectations ---------------------------------------------------------------------

    def says(self, phrase: str) -> "Walk":
        """Expect the prompts heard since the last key to contain these words, in order
        (case, punctuation and "one" versus "1" do not matter)."""
        for node in self.heard:
            if find_phrase(node.transcript, phrase) is not None:
                return self
        best = max(((closest_phrase(n.transcript, phrase), n) for n in self.heard),
                   key=lambda x: x[0][1])
        (closest, score), node = best
        raise self.fail(f'expected the caller to hear "{phrase}"; closest words: "{closest}" '
                        f"({score:.0%} alike) in {describe(node, 200)}")

    def does_not_say(self, phrase: str) -> "Walk":
        for node in self.heard:
            if find_phrase(node.transcript, phrase) is not None:
                raise self.fail(f'expected the caller not to hear "{phrase}", but '
                                f"{describe(node, 200)} says it")
        return self

    def is_a(self, kind: str) -> "Walk":
        """Expect the line to have ended up at a node of this kind (menu, human, hangup, ...)."""
        if self.node.kind != kind:
            raise self.fail(f"expected a {kind}, the line is at {describe(self.node)}")
        return self

    def offers(self, *keys: str) -> "Walk":
        """Expect the current menu to take each of these keys (announced or not)."""
        missing = [k for k in keys if k not in self.options]
        if missing:
            have = ", ".join(f"{k} → {describe(n, 30)}" for k, n in self.options.items())
            raise self.fail(f"expected {describe(self.node)} to take key(s) {', '.join(missing)}; "
                            f"it takes: {have or 'none'}")
        return self

    def reaches_human(self, *, within: float | None = None, typeahead: bool = False) -> "Walk":
        """Expect a human on the fastest way on from here (any further keys allowed), in at
        most ``within`` seconds from dialling. Returns the walk along that way."""
        weight: Callable[[Audit, EdgeRecord], float] = (
            typeahead_weight if typeahead else listening_weight)
        start = self.steps[-1].typeahead_seconds if typeahead else self.seconds
        route = fastest_route(self.tree.audit, self.node.id, lambda n: n.kind == "human",
                              weight, start)
        if route is None:
            raise self.fail("expected a human to be reachable from here; none is")
        steps, keys = list(self.steps), list(self.keys)
        for edge in route.edges:
            steps.append(self._arrive(steps[-1], edge))
            if edge.key != "auto":
                keys.append(edge.pressed or edge.key)
        walk = Walk(self.tree, steps, keys, self.since_key)
        seconds = route.seconds
        if within is not None and seconds > within:
            mode = "typing ahead" if typeahead else "listening to every prompt"
            raise walk.fail(f"expected a human within {within:g} s; the fastest way takes "
                            f"{seconds:.1f} s ({mode})")
        return walk


class IvrTree:
    """An audit as a tree a test can call into."""

    def __init__(self, loaded: LoadedAudit, name: str | None = None) -> None:
        self.loaded = loaded
        self.audit = loaded.audit
        self.name = name or str(loaded.folder)
        root = root_of(self.audit)
        if root is None:
            raise ValueError(f"{self.name}: the audit heard nothing")
        self.root = self.audit.nodes[root]

    @classmethod
    def load(cls, where: Path | str) -> "IvrTree":
        return cls(read_audit(where))

    @property
    def metrics(self) -> dict[str, object]:
        return self.loaded.metrics

    def call(self) -> Walk:
        """The call answered: the first prompt (and any that follow by themselves)."""
        audit = self.audit
        listening = audit.ring_seconds + audit.answer_lead
        typeahead = audit.ring_seconds + (0.0 if takes_typeahead(self.root) else audit.answer_lead)
        walk = Walk(self, [Step(None, self.root, listening, typeahead)])
        return walk

    def press(self, *keys: str) -> Walk:
        """Call, then press keys (``ivr.press("1", "2")``)."""
        return self.call().press(*keys)

    def find(self, phrase: str) -> NodeRecord:
        """The one node whose prompt says ``phrase``."""
        found = [n for n in self.audit.nodes.values() if find_phrase(n.transcript, phrase) is not None]
        if len(found) != 1:
            listing = "\n".join(f"  {describe(n)}" for n in found) or "  (none)"
            raise IvrExpectation(f'{self.name}: {len(found)} prompts say "{phrase}" '
                                 f"(expected exactly one):\n{listing}")
        return found[0]

    def reach(self, phrase: str) -> Walk:
        """Call and take the crawl's first way to the one node that says ``phrase`` (wherever
        a change of keys moved it): ``ivr.reach("for billing").offers("1")``."""
        node = self.find(phrase)
        walk = self.call()
        for token in node.path:
            walk = walk.wait() if token == "timeout" else walk.press(token)
        if node.id not in {n.id for n in walk.heard}:
            raise walk.fail(f"the crawl's path to {describe(node)} does not lead there")
        return walk

    def unchanged_since(self, baseline: "IvrTree | Path | str", *, ignore: tuple[str, ...] = (),
                        tolerance: float = 2.0) -> None:
        """Expect no change from ``baseline`` (an audit), except the ``ignore`` kinds."""
        from ivraudit.regress.diff import diff_audits, format_diff

        old = baseline if isinstance(baseline, IvrTree) else IvrTree.load(baseline)
        result = diff_audits(old.loaded, self.loaded, ignore=ignore, tolerance=tolerance)
        if result.changed:
            raise IvrExpectation(format_diff(result))
