"""The explorer: drives calls over a line and maps the tree breadth-first.

Each probe is one call: dial, walk the known path to a node (hearing each prompt, confirming
it is the node expected), do one thing there (press an announced key, an escape key, an
invalid key, enter digits, or wait), and follow what happens until the line waits for the
caller again, a human or voicemail answers, or it hangs up. New menus put their probes on the
frontier. Prompts heard before are recognised (ivraudit.crawl.identity), so loops and merges
become edges to known nodes.

Nothing a call does can lose what earlier calls learned: a failed call, a divergent path or an
interrupted crawl is recorded and the audit keeps every node and edge found so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from ivraudit.asr.base import Recognizer
from ivraudit.audit.model import (
    HANGUP_NODE, Audit, CallRecord, EdgeRecord, NodeRecord, Option,
)
from ivraudit.crawl.frontier import Frontier, Probe
from ivraudit.crawl.identity import PromptIndex, fingerprint
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.probes import (
    DIGIT_PATIENCE_SECONDS, MAX_ENTRY_DIGITS, UNKNOWN_ENTRY, entry_for, invalid_key,
)
from ivraudit.interpret import interpret
from ivraudit.lines.base import Call, CallFailed, CallOutcome, Line
from ivraudit.listen.listener import Ending, Heard, Listener
from ivraudit.listen.sound import Sound, classify
from ivraudit.telephony.constants import ESCAPE_KEYS, KEY_PRESS_SECONDS
from ivraudit.telephony.g711 import Pcm

TYPEAHEAD_PRESS_DELAY = 0.3
"""How far into a prompt the type-ahead call presses its key."""
MAX_PROMPTS_TO_REACH = 12


class CallBudgetExceeded(Exception):
    """A call ran past --max-call-seconds."""


class Diverged(Exception):
    """A known path did not lead where it led before (the tree changed, or is not deterministic)."""


class _BudgetedCall:
    """A call that refuses to go on past the policy's time limit."""

    def __init__(self, call: Call, limit: float) -> None:
        self._call = call
        self._limit = limit
        self.ring_seconds = call.ring_seconds

    @property
    def seconds(self) -> float:
        return self._call.seconds

    @property
    def ended(self) -> bool:
        return self._call.ended

    def read(self, frames: int = 1) -> Pcm:
        if self._call.seconds >= self._limit:
            raise CallBudgetExceeded(f"call reached --max-call-seconds ({self._limit:g} s)")
        return self._call.read(frames)

    def press(self, keys: str) -> None:
        self._call.press(keys)

    def hangup(self) -> None:
        self._call.hangup()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Explorer:
    """Crawls one line into an :class:`~ivraudit.audit.model.Audit`."""

    def __init__(self, line: Line, recognizer: Recognizer, *, policy: CrawlPolicy | None = None,
                 language: str = "en", progress: Callable[[str], None] | None = None) -> None:
        self.line = line
        self.recognizer = recognizer
        self.policy = policy or CrawlPolicy()
        self.language = language
        self.progress = progress or (lambda message: None)
        self.audit = Audit(target=line.target, started=_now(), language=language)
        self.index = PromptIndex()
        self.frontier = Frontier()
        self._first_target: dict[tuple[str, str], str] = {}
        self._transcripts: dict[str, str] = {}
        self._asr_seconds = 0.0

    # -- the crawl ------------------------------------------------------------------------

    def crawl(self) -> Audit:
        """Map the tree; whatever happens, return the audit of what was learned."""
        try:
            self._first_call()
            while self.frontier:
                if len(self.audit.calls) >= self.policy.max_calls:
                    self._stop_early(f"call budget reached (--max-calls {self.policy.max_calls})")
                    break
                self._probe(self.frontier.pop())
            if self.audit.complete:
                self._measure_typeahead()
        except KeyboardInterrupt:
            self._stop_early("interrupted")
        finally:
            self._judge_escape_keys()
            self.audit.finished = _now()
            self.audit.asr = {"engine": getattr(self.recognizer, "engine", "?"),
                              "seconds": round(self._asr_seconds, 3)}
        return self.audit

    def _stop_early(self, why: str) -> None:
        self.audit.complete = False
        self.audit.problems.append(f"crawl stopped early: {why}")
        for probe in self.frontier.drain():
            self.audit.nodes[probe.node].truncated = True
        self.progress(f"stopped: {why}")

    @contextmanager
    def _call(self, purpose: str, path: list[str]) -> Iterator[Listener | None]:
        record = CallRecord(index=len(self.audit.calls) + 1, purpose=purpose, path=list(path),
                            outcome=CallOutcome.ANSWERED.value)
        self.audit.calls.append(record)
        self.progress(f"call {record.index}: {purpose} {' '.join(path) or '(answer)'}"
                      f" — {len(self.audit.nodes)} nodes, {len(self.frontier)} to try")
        try:
            raw = self.line.dial()
        except CallFailed as failed:
            record.outcome = failed.outcome.value
            record.ring_seconds = failed.ring_seconds
            record.error = str(failed)
            self.audit.problems.append(f"call {record.index}: {failed}")
            yield None
            return
        call = _BudgetedCall(raw, self.policy.max_call_seconds)
        record.ring_seconds = raw.ring_seconds
        self.audit.ring_seconds = self.audit.ring_seconds or raw.ring_seconds
        try:
            yield Listener(call)
        except (CallBudgetExceeded, Diverged) as problem:
            record.error = str(problem)
            self.audit.problems.append(f"call {record.index} ({' '.join(path)}): {problem}")
        finally:
            record.seconds = round(raw.seconds, 3)
            raw.hangup()

    def _first_call(self) -> None:
        with self._call("answer", []) as listener:
            if listener is None:
                self.audit.complete = False
                return
            heard = listener.hear(max_wait=self.policy.max_wait)
            if heard.empty:
                self.audit.problems.append(f"nothing heard after the answer ({heard.ending.value})")
                self.audit.complete = False
                return
            self.audit.answer_lead = round(heard.onset, 3)
            root, _ = self._node_for(heard, [], [])
            assert root is not None
            self._after_arrival(listener, root, True, heard, [], [])

    def _probe(self, probe: Probe) -> None:
        node = self.audit.nodes[probe.node]
        with self._call(probe.role, node.path + [probe.keys]) as listener:
            if listener is None:
                return
            heard = self._navigate(listener, node)
            keys = probe.keys
            if probe.role == "timeout":
                action_at = heard.end
                nxt = listener.hear(max_wait=self.policy.max_wait)
            elif keys == UNKNOWN_ENTRY:
                keys, nxt, action_at = self._enter_digits(listener)
            else:
                listener.call.press(keys)
                action_at = listener.call.seconds + KEY_PRESS_SECONDS * len(keys)
                nxt = listener.hear(max_wait=self.policy.max_wait)
            path, via = node.path + [keys], node.via + [node.id]
            repeats = 0
            while probe.role == "timeout" and repeats < self.policy.max_repeats:
                if self._known(nxt) != node.id:
                    break
                self._edge(node.id, node.id, "timeout", "timeout", nxt.onset - action_at, "timeout")
                repeats += 1
                action_at = nxt.end
                nxt = listener.hear(max_wait=self.policy.max_wait)
            self._follow(listener, node.id, probe.label, keys, probe.role, nxt, action_at,
                         path, via)

    def _enter_digits(self, listener: Listener) -> tuple[str, Heard, float]:
        """Enter digits one by one until the input node moves on; then the pound key.

        Only keys the policy allows go out: the digit is the first allowed one, and the pound
        key is left out when it is forbidden.
        """
        digit = next(d for d in "1234567890" if self.policy.allows(d))
        entered = ""
        for _ in range(MAX_ENTRY_DIGITS):
            entered += digit
            listener.call.press(digit)
            action_at = listener.call.seconds + KEY_PRESS_SECONDS
            heard = listener.hear(max_wait=DIGIT_PATIENCE_SECONDS)
            if heard.ending is not Ending.QUIET:
                return entered, heard, action_at
        if not self.policy.allows("#"):
            action_at = listener.call.seconds
            return entered, listener.hear(max_wait=self.policy.max_wait), action_at
        listener.call.press("#")
        action_at = listener.call.seconds + KEY_PRESS_SECONDS
        return entered + "#", listener.hear(max_wait=self.policy.max_wait), action_at

    # -- following what a line does -------------------------------------------------------

    def _follow(self, listener: Listener, source: str, key: str, pressed: str, role: str,
                heard: Heard, action_at: float, path: list[str], via: list[str]) -> None:
        """From an action at ``source``, follow the line until it waits for the caller again."""
        first = True
        while True:
            target, new = self._node_for(heard, path, via)
            if target is None:
                if first:
                    self._first_target[(source, role)] = "(nothing)"
                self.audit.problems.append(
                    f"{source} {pressed or key}: nothing heard for {self.policy.max_wait:g} s")
                return
            self._edge(source, target, key, pressed, heard.onset - action_at, role)
            if first:
                self._first_target.setdefault((source, role if role != "escape" else pressed),
                                              target)
                first = False
            node = self.audit.nodes[target]
            if not self._after_arrival(listener, target, new, heard, path, via):
                return
            if node.kind == "hold":
                _, announcements, nxt = listener.through_hold(max_wait=self.policy.max_wait)
                if new:
                    node.hold_seconds = round(nxt.onset - heard.end, 3)
                    node.announcements = len(announcements)
            else:
                nxt = listener.hear(max_wait=self.policy.max_wait)
            source, key, pressed, role, action_at = target, "auto", "", "auto", heard.end
            heard = nxt

    def _after_arrival(self, listener: Listener, node_id: str, new: bool, heard: Heard,
                       path: list[str], via: list[str]) -> bool:
        """Queue a new node's probes; True if the line moves on by itself from here."""
        node = self.audit.nodes[node_id]
        if node.acting:
            if new:
                self._queue_probes(node)
            return False
        if node.kind in ("human", "voicemail", "hangup") or heard.ending is Ending.HANGUP:
            return node.kind not in ("human", "voicemail", "hangup")
        if node.kind == "hold" and not new and any(e.key == "auto" for e in self.audit.out_edges(node_id)):
            return False  # a known queue: no need to sit through it again
        return True

    def _queue_probes(self, node: NodeRecord) -> None:
        if node.depth >= self.policy.max_depth:
            node.truncated = True
            return
        probes: list[Probe] = []
        if node.kind == "menu":
            announced = [o.key for o in node.options]
            invalid = invalid_key(announced, self.policy.allows)
            if self.policy.probe_escapes and invalid:
                probes.append(Probe(node.id, "invalid", invalid))
            probes += [Probe(node.id, "announced", k) for k in announced]
            if self.policy.probe_escapes:
                probes += [Probe(node.id, "escape", k) for k in ESCAPE_KEYS if k not in announced]
        else:
            probes.append(Probe(node.id, "input", entry_for(node.digits, node.terminator)))
        if self.policy.probe_escapes:
            probes.append(Probe(node.id, "timeout", "timeout"))
        for probe in probes:
            if probe.keys == UNKNOWN_ENTRY and not any(map(self.policy.allows, "1234567890")):
                continue  # every digit is forbidden: this input cannot be answered
            if probe.role == "timeout" or self.policy.allows(probe.keys):
                self.frontier.push(probe)

    # -- walking known paths -------------------------------------------------------------

    def _navigate(self, listener: Listener, node: NodeRecord) -> Heard:
        """Walk ``node``'s path, hearing each prompt in full; returns ``node``'s prompt."""
        for expect, token in zip(node.via, node.path):
            self._reach(listener, expect)
            if token != "timeout":
                listener.call.press(token)
        return self._reach(listener, node.id)

    def _reach(self, listener: Listener, expect: str) -> Heard:
        heard = listener.hear(max_wait=self.policy.max_wait)
        for _ in range(MAX_PROMPTS_TO_REACH):
            if heard.empty:
                raise Diverged(f"expected {expect}, the line gave {heard.ending.value}")
            known = self._known(heard)
            if known == expect:
                return heard
            if known is None:
                raise Diverged(f"expected {expect}, heard an unknown prompt")
            if self.audit.nodes[known].kind == "hold":
                heard = listener.through_hold(max_wait=self.policy.max_wait)[2]
            else:
                heard = listener.hear(max_wait=self.policy.max_wait)
        raise Diverged(f"{expect} not reached after {MAX_PROMPTS_TO_REACH} prompts")

    # -- nodes and edges ------------------------------------------------------------------

    def _transcribe(self, audio: Pcm) -> str:
        digest = fingerprint_key(audio)
        if digest not in self._transcripts:
            started = time.perf_counter()
            self._transcripts[digest] = self.recognizer.transcribe(audio, 8000).text.strip()
            self._asr_seconds += time.perf_counter() - started
        return self._transcripts[digest]

    def _known(self, heard: Heard) -> str | None:
        if heard.empty:
            return HANGUP_NODE if heard.ending is Ending.HANGUP else None
        return self.index.match(fingerprint(heard.audio), lambda: self._transcribe(heard.audio))

    def _node_for(self, heard: Heard, path: list[str], via: list[str]) -> tuple[str | None, bool]:
        """The node this prompt is: a known one, a new one, or the hangup node."""
        if heard.empty:
            if heard.ending is not Ending.HANGUP:
                return None, False
            if HANGUP_NODE in self.audit.nodes:
                return HANGUP_NODE, False
            self.audit.nodes[HANGUP_NODE] = NodeRecord(HANGUP_NODE, "hangup", list(path), list(via),
                                                       language=self.language)
            return HANGUP_NODE, True
        print_ = fingerprint(heard.audio)
        known = self.index.match(print_, lambda: self._transcribe(heard.audio))
        if known is not None:
            return known, False
        text = self._transcribe(heard.audio)
        reading = interpret(text, self.language)
        node = NodeRecord(
            id=f"n{sum(1 for n in self.audit.nodes if n != HANGUP_NODE)}",
            kind=kind_of(heard, reading.kind, text),
            path=list(path), via=list(via), transcript=text,
            options=[Option(o.key, o.label) for o in reading.options],
            prompt_seconds=round(heard.seconds, 3), audio=heard.audio,
            digits=reading.digits, terminator=reading.terminator, language=self.language,
        )
        if node.kind != "menu":
            node.options = []
        self.audit.nodes[node.id] = node
        self.index.add(node.id, print_, text)
        self.progress(f"  new {node.kind} {node.id} at [{' '.join(path)}]: {text[:70]}")
        return node.id, True

    def _edge(self, source: str, target: str, key: str, pressed: str, lead_in: float,
              role: str) -> None:
        self.audit.add_edge(EdgeRecord(source, target, key, pressed, round(max(0.0, lead_in), 3),
                                       role))

    def _judge_escape_keys(self) -> None:
        """An escape key that does what the invalid key does is invalid, not an option."""
        for (source, target, key), edge in list(self.audit.edges.items()):
            if edge.probe != "escape":
                continue
            if self._first_target.get((source, "invalid")) == target:
                del self.audit.edges[(source, target, key)]
                self.audit.add_edge(EdgeRecord(source, target, "invalid", edge.pressed,
                                               edge.lead_in, "invalid"))

    # -- typing ahead ---------------------------------------------------------------------

    def _measure_typeahead(self) -> None:
        """One call down the fastest path to a human, pressing each key into the prompt.

        A node whose prompt stops when its key goes in takes keys while it speaks (barge-in);
        that is what makes typing ahead faster, so it is measured, never assumed.
        """
        from ivraudit.audit.metrics import fastest_route, listening_weight, root_of

        root = root_of(self.audit)
        if root is None:
            return
        route = fastest_route(self.audit, root, lambda n: n.kind == "human", listening_weight, 0.0)
        if route is None or len(self.audit.calls) >= self.policy.max_calls:
            return
        measured: dict[str, bool] = {}
        with self._call("type-ahead", route.keys) as listener:
            if listener is None:
                return
            current: Heard | None = None  # the prompt of the route's current node, once heard
            for edge in route.edges:
                node = self.audit.nodes[edge.source]
                if node.acting and edge.key != "timeout":
                    if current is None:
                        current = listener.hear(max_wait=self.policy.max_wait,
                                                press_after_onset=(edge.pressed,
                                                                   TYPEAHEAD_PRESS_DELAY))
                    cut_short = current.seconds < 0.6 * node.prompt_seconds
                    if node.prompt_seconds >= 1.5 and current.pressed_at is not None:
                        measured[node.id] = cut_short
                    if not cut_short:
                        listener.call.press(edge.pressed)
                    current = None
                elif node.kind == "hold":
                    if current is None:
                        listener.hear(max_wait=self.policy.max_wait)  # its prompt, into music
                    current = listener.through_hold(max_wait=self.policy.max_wait)[2]
                else:  # a message moves on by itself; a timeout edge waits the line out
                    if current is None:
                        listener.hear(max_wait=self.policy.max_wait)
                    current = None
            final = current if current is not None else listener.hear(max_wait=self.policy.max_wait)
            if self._known(final) != route.edges[-1].target:
                self.audit.problems.append("type-ahead call did not reach the human; "
                                           "barge-in left unmeasured")
                return
        for node_id, barge_in in measured.items():
            self.audit.nodes[node_id].barge_in = barge_in


def kind_of(heard: Heard, said: str, text: str) -> str:
    """A node's kind from what was heard (music, a beep) and what the words say."""
    if heard.ending is Ending.MUSIC:
        return "hold"
    if heard.ending is Ending.TONE or _ends_in_tone(heard.audio):
        return "voicemail"
    if said == "hold":
        return "message"  # says "please hold" but no music followed
    if said in ("menu", "input", "human", "voicemail", "message"):
        return said if text else "unknown"
    return "unknown"


def _ends_in_tone(audio: Pcm) -> bool:
    tail = audio[-4000:]
    return len(tail) >= 2400 and classify(tail) is Sound.TONE


def fingerprint_key(audio: Pcm) -> str:
    import hashlib

    return hashlib.sha256(audio.tobytes()).hexdigest()
