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

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import numpy as np

from ivraudit.asr.base import Recognizer
from ivraudit.audit.hold import keep_hold_audio
from ivraudit.audit.metrics import root_of
from ivraudit.audit.model import (
    HANGUP_NODE, Audit, CallRecord, EdgeRecord, NodeRecord, Option,
)
from ivraudit.crawl.frontier import Frontier, Probe
from ivraudit.identity import (
    CERTAIN_AUDIO, SAME_AUDIO, PrefixWatch, PromptIndex, audio_similarity, centred,
    continues_prompt, fingerprint, unique_prefix,
)
from ivraudit.crawl.lanes import CallBudgetExceeded, Conductor, LaneCall
from ivraudit.crawl.outlook import ENDS, MOVES, STAYS, Outlook
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.routes import known_routes
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.crawl.probes import (
    DIGIT_PATIENCE_SECONDS, MAX_ENTRY_DIGITS, UNKNOWN_ENTRY, entry_for, invalid_key,
)
from ivraudit.interpret import interpret
from ivraudit.lines.base import CallFailed, CallOutcome, Line
from ivraudit.listen.listener import Ending, Heard, Listener
from ivraudit.listen.sound import Sound, classify
from ivraudit.telephony.constants import (
    ESCAPE_KEYS, FRAME_SAMPLES, FRAME_SECONDS, KEY_PRESS_SECONDS, SAMPLE_RATE,
)
from ivraudit.telephony.g711 import Pcm

TYPEAHEAD_PRESS_DELAY = 0.3
"""How far into a prompt a caller typing ahead presses its key."""
TYPED_LAG_FRAMES = 3
"""Alignment allowed when a prompt's first 0.3 s are compared with a known prompt's: both
start at their first sound, and a wide search would find a fit in so little audio."""
MAX_PROMPTS_TO_REACH = 12
MAX_FAILED_CALLS_IN_A_ROW = 3
"""A line that fails this many calls in a row (busy, no answer...) ends the crawl."""
MAX_ATTEMPTS_PER_PROBE = 2

NAVIGATION_MIN_SECONDS = 1.0
"""On a mapped path a prompt is recognised from its first second (longer while it begins
like another known prompt)."""
RESULT_MIN_SECONDS = 2.5
RESULT_MARGIN_SECONDS = 1.5
"""What a probe led to is only taken for a known prompt after 2.5 s, and 1.5 s past the point
where it matched exactly one known prompt."""
RETURN_MARGIN_SECONDS = 0.6
"""A return to a menu of this call is taken after matching it alone for this long, from its
first second on: a new prompt can begin like a menu on the path. "Whiskey quebec..." after
"Whiskey mike..." (the generated 200-node maze has such pairs) scores 0.95 at 1.2 s, 0.90 at
1.4 s and 0.68 at 1.6 s, when the half second after the first has a window of its own; at
0.4 s the test in tests/test_strategy.py takes it for a return."""
RECOGNISE_WITHIN_SECONDS = 6.0
"""A prompt not recognised by then is new (or too like another), and heard out."""
BARGE_IN_CHECK_SECONDS = 0.8
BARGE_IN_JUDGED_SECONDS = 0.3
WRONG_KEY_ROLES = ("invalid", "escape")
"""Probes of keys a menu did not announce: most bring its "invalid entry" message."""
PAUSE_MATCH_SECONDS = 0.3
"""A message is taken as heard to its end when it lasted this close to its known length."""
STOP_LATENCY_SECONDS = 0.1
"""After keys went in early: how long to listen for the prompt going on (over the 0.1 s a key
takes, under the pause IVRs leave before the next prompt)."""


class Diverged(Exception):
    """A known path did not lead where it led before (the tree changed, or is not deterministic)."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Explorer:
    """Crawls one line into an :class:`~ivraudit.audit.model.Audit`."""

    def __init__(self, line: Line, recognizer: Recognizer, *, policy: CrawlPolicy | None = None,
                 strategy: CrawlStrategy | None = None, language: str = "en",
                 concurrency: int = 1, progress: Callable[[str], None] | None = None) -> None:
        self.line = line
        self.recognizer = recognizer
        self.policy = policy or CrawlPolicy()
        self.strategy = strategy or CrawlStrategy()
        self.language = language
        self.progress = progress or (lambda message: None)
        self.audit = Audit(target=line.target, started=_now(), language=language)
        self.index = PromptIndex()
        self.frontier = Frontier()
        self._first_target: dict[tuple[str, str], str] = {}
        self._transcripts: dict[str, str] = {}
        self._asr_seconds = 0.0
        self._failed_in_a_row = 0
        self._attempts: dict[Probe, int] = {}
        self._derivations: dict[str, list[tuple[str, str, str]]] = {}
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.conductor = Conductor(concurrency, virtual=getattr(line, "virtual_clock", False),
                                   has_work=lambda: bool(self.frontier) and not self._stopping)
        self._found_at: dict[Probe, float] = {}   # line time a probe became known
        self._stopping = False
        self._records: dict[Listener, CallRecord] = {}  # the record of each call going on
        self.outlook = Outlook()  # what probes of each kind did to their calls so far
        # (start, message) -> what the message went on to after an action at start
        self._continuations: dict[tuple[str, str], str | None] = {}
        # typing ahead in bursts (_typed_run): nodes found to drop keys typed before they
        # spoke, and nodes a burst typed from went astray
        self._drops_typed: set[str] = set()
        self._burst_astray: set[str] = set()
        # typing into the pause after a message (_through_pause): menus where it went wrong
        self._pause_astray: set[str] = set()

    # -- the crawl ------------------------------------------------------------------------

    def crawl(self) -> Audit:
        """Map the tree; whatever happens, return the audit of what was learned."""
        lock = self.conductor.lock
        started = time.monotonic()
        try:
            if self.concurrency == 1:
                self._lane(0)
            else:
                lanes = [threading.Thread(target=self._lane, args=(i,), daemon=True,
                                          name=f"ivraudit-lane-{i}")
                         for i in range(self.concurrency)]
                for lane in lanes:
                    lane.start()
                for lane in lanes:
                    while lane.is_alive():
                        lane.join(0.2)
            with lock:
                if self.audit.complete and self.audit.nodes:
                    self._measure_typeahead()
        except KeyboardInterrupt:
            with lock:
                self._stopping = True
                self._stop_early("interrupted")
                lock.notify_all()
        finally:
            with lock:
                self._judge_escape_keys()
                self._settle_paths()
                self.audit.finished = _now()
                self.audit.strategy = self.strategy.name
                self.audit.concurrency = self.concurrency
                self.audit.wall_seconds = round(
                    max(self.conductor.clock) if self.conductor.virtual
                    else time.monotonic() - started, 3)
                self.audit.asr = {"engine": getattr(self.recognizer, "engine", "?"),
                                  "seconds": round(self._asr_seconds, 3)}
        return self.audit

    def _lane(self, lane: int) -> None:
        """One lane: take probes from the shared frontier and call, until nothing is left."""
        conductor = self.conductor
        conductor.enter(lane)
        # Idle before taking the lock, so a busy replay lane yields at its next frame.
        conductor.idle[lane] = lane > 0
        with conductor.lock:
            if lane == 0:
                self._session(None)  # the answer: the root, and the first things to try
            conductor.idle[lane] = True
            while True:
                conductor.wait_for_work(
                    lambda: self._stopping or bool(self.frontier) or not any(conductor.busy))
                if self._stopping or not self.frontier:
                    break
                if len(self.audit.calls) >= self.policy.max_calls:
                    self._stop_early(f"call budget reached (--max-calls {self.policy.max_calls})")
                elif self._failed_in_a_row >= MAX_FAILED_CALLS_IN_A_ROW:
                    self._stop_early(f"{self._failed_in_a_row} calls in a row failed")
                else:
                    self._session(self._opening(self.frontier.pop()))
                    continue
                self._stopping = True
                conductor.lock.notify_all()
                break

    def _stop_early(self, why: str) -> None:
        self.audit.complete = False
        self.audit.problems.append(f"crawl stopped early: {why}")
        for probe in self.frontier.drain():
            self.audit.nodes[probe.node].truncated = True
        self.progress(f"stopped: {why}")

    @contextmanager
    def _call(self, purpose: str, path: list[str], not_before: float = 0.0
              ) -> Iterator[Listener | None]:
        record = CallRecord(index=len(self.audit.calls) + 1, purpose=purpose, path=list(path),
                            outcome=CallOutcome.ANSWERED.value)
        self.audit.calls.append(record)
        self.progress(f"call {record.index}: {purpose} {' '.join(path) or '(answer)'}"
                      f" — {len(self.audit.nodes)} nodes, {len(self.frontier)} to try")
        conductor = self.conductor
        conductor.begin(not_before)
        started = conductor.clock[conductor.lane]
        try:
            with conductor.outside():
                raw = self.line.dial()
        except CallFailed as failed:
            record.outcome = failed.outcome.value
            record.ring_seconds = failed.ring_seconds
            record.error = str(failed)
            self.audit.problems.append(f"call {record.index}: {failed}")
            if conductor.virtual:
                conductor.reached(started + failed.ring_seconds)
            conductor.end()
            yield None
            return
        call = LaneCall(raw, conductor, started, limit=self.policy.max_call_seconds)
        record.ring_seconds = raw.ring_seconds
        self.audit.ring_seconds = self.audit.ring_seconds or raw.ring_seconds
        listener = Listener(call)
        self._records[listener] = record
        try:
            yield listener
        except (CallBudgetExceeded, Diverged) as problem:
            record.error = str(problem)
            self.audit.problems.append(f"call {record.index} ({' '.join(path)}): {problem}")
        finally:
            record.seconds = round(raw.seconds, 3)
            record.navigating_seconds = round(record.navigating_seconds, 3)
            self._records.pop(listener, None)
            call.hangup()
            conductor.end()

    def _session(self, probe: Probe | None) -> None:
        """One call: the answer (``probe`` None) or a walk to a probe's node and the probe.

        With the ``reuse`` strategy the call goes on where the probe leaves the line waiting
        at a menu: the next probe there, or one a known route reaches more cheaply than a new
        call would. A probe the call could not finish goes back to the frontier.
        """
        node = self.audit.nodes[probe.node] if probe else None
        purpose, path = (probe.role, node.path + [probe.keys]) if probe and node else ("answer", [])
        with self._call(purpose, path, self._found_at.pop(probe, 0.0) if probe else 0.0) as listener:
            if listener is None:
                self._failed_in_a_row += 1
                if probe is None:
                    self.audit.complete = False
                else:
                    self._retry_later(probe)
                return
            self._failed_in_a_row = 0
            done = probe is None
            try:
                if probe is None or node is None:
                    stop = self._answer(listener)
                else:
                    with self._navigating(listener):
                        heard = self._navigate(listener, node)
                    stop = self._tried(listener, probe, heard)
                    done = True
                while stop is not None and self.strategy.reuse:
                    chosen = self._next_from(*stop)
                    if chosen is None:
                        break
                    probe, route = chosen
                    done = False
                    with self._navigating(listener):
                        heard = self._walk(listener, stop[1], route)
                    if heard is None:
                        break
                    stop = self._tried(listener, probe, heard)
                    done = True
            finally:
                if not done and probe is not None:
                    self._retry_later(probe)

    @contextmanager
    def _navigating(self, listener: Listener) -> Iterator[None]:
        """Count the line time of a walk on known paths in the call's navigating seconds:
        the part of a crawl's cost the floor leaves out (the floor hears each prompt once)."""
        started = listener.call.seconds
        try:
            yield
        finally:
            self._records[listener].navigating_seconds += listener.call.seconds - started

    def _retry_later(self, probe: Probe) -> None:
        """Put an unfinished probe back, unless it has failed twice already."""
        self._attempts[probe] = self._attempts.get(probe, 0) + 1
        if self._attempts[probe] < MAX_ATTEMPTS_PER_PROBE:
            self.frontier.put_back(probe)
        else:
            self.audit.nodes[probe.node].truncated = True
            self.audit.complete = False
            self.audit.problems.append(f"gave up on {probe.node} {probe.keys} ({probe.role}) "
                                       f"after {MAX_ATTEMPTS_PER_PROBE} attempts")

    def _answer(self, listener: Listener) -> tuple[str, Heard] | None:
        """The first call: hear what the line says first; that prompt is the root."""
        heard = listener.hear(max_wait=self.policy.max_wait)
        if heard.empty:
            self.audit.problems.append(f"nothing heard after the answer ({heard.ending.value})")
            self.audit.complete = False
            return None
        self.audit.answer_lead = round(heard.onset, 3)
        root, _ = self._node_for(heard, [], [])
        assert root is not None
        self._after_arrival(listener, root, True, heard, [], [])
        return (root, heard) if self.audit.nodes[root].acting else None

    def _tried(self, listener: Listener, probe: Probe, heard: Heard) -> tuple[str, Heard] | None:
        """:meth:`_try`, and what it did to the call noted in the outlook."""
        stop = self._try(listener, probe, heard)
        self.outlook.saw(probe, ENDS if stop is None else STAYS if stop[0] == probe.node else MOVES)
        return stop

    def _try(self, listener: Listener, probe: Probe, heard: Heard) -> tuple[str, Heard] | None:
        """Do ``probe`` at its node, whose prompt ``heard`` is playing or over, and follow
        what happens; returns where the line then waits for the caller, if it does."""
        node = self.audit.nodes[probe.node]
        keys = probe.keys
        been = frozenset(node.via + [node.id])
        if probe.role == "timeout":
            heard = listener.resume(heard)
            action_at = heard.end
            nxt = self._hear_result(listener, been)
        elif keys == UNKNOWN_ENTRY:
            listener.resume(heard)
            keys, nxt, action_at = self._enter_digits(listener)
        else:
            action_at = self._press_at(listener, node, heard, keys)
            nxt = self._hear_result(listener, been, self._expected_press(node.id, keys)
                                    if probe.role == "announced" else None)
        path, via = node.path + [keys], node.via + [node.id]
        repeats = 0
        while probe.role == "timeout" and repeats < self.policy.max_repeats:
            if self._identify(nxt) != node.id:
                break
            self._edge(node.id, node.id, "timeout", "timeout", nxt.onset - action_at, "timeout")
            repeats += 1
            action_at = listener.resume(nxt).end
            nxt = self._hear_result(listener, been)
        if probe.role == "timeout":
            node.repeats = repeats
        return self._follow(listener, node.id, probe.label, keys, probe.role, nxt, action_at,
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
                heard: Heard, action_at: float, path: list[str], via: list[str]
                ) -> tuple[str, Heard] | None:
        """From an action at ``source``, follow the line until it waits for the caller again.

        Returns the node where it waits and its prompt as heard (maybe only its beginning),
        or None when the call is over (hangup, a human, voicemail, nothing heard, a known
        queue not worth sitting through again).
        """
        first = True
        origin = (source, pressed or key, role)  # the caller's action this chain follows from
        while True:
            target, new = self._node_for(heard, path, via)
            if not first:  # ``source`` moved on by itself: note where, after ``origin``'s node
                self._continued(origin[0], source, target)
            if target is None:
                if first:
                    self._first_target[(source, role)] = "(nothing)"
                self.audit.problems.append(
                    f"{source} {pressed or key}: nothing heard for {self.policy.max_wait:g} s")
                return None
            self._edge(source, target, key, pressed, heard.onset - action_at, role)
            self._derived(target, *origin)
            if first:
                self._first_target.setdefault((source, role if role != "escape" else pressed),
                                              target)
                first = False
            node = self.audit.nodes[target]
            if not self._after_arrival(listener, target, new, heard, path, via):
                return (target, heard) if node.acting and heard.ending is not Ending.HANGUP else None
            expected = None if node.kind == "hold" else self._expected_after(origin[0], target)
            heard = listener.resume(heard, known_seconds=node.prompt_seconds if expected else None)
            if node.kind == "hold":
                _, announcements, nxt = listener.through_hold(max_wait=self.policy.max_wait)
                if new:
                    node.hold_seconds = round(nxt.onset - heard.end, 3)
                    node.announcements = len(announcements)
                    keep_hold_audio(node, listener.music, heard.end, announcements)
            else:
                paused = self._through_pause(listener, origin, target, heard, via, expected)
                if paused is None:
                    return None
                heard, nxt = paused
            source, key, pressed, role, action_at = target, "auto", "", "auto", heard.end
            heard = nxt

    def _through_pause(self, listener: Listener, origin: tuple[str, str, str], message: str,
                       heard: Heard, via: list[str], expected: str | None
                       ) -> tuple[Heard, Heard] | None:
        """Hear what ``message`` (reached by the action ``origin``, heard to its end as
        ``heard``) goes on to; returns the message as last heard and the next prompt, or None
        when the call is to end here.

        Typing into the pause: where the message is known to go back to ``start`` (an
        "invalid entry, please try again"), the next wrong key to try there goes in during
        the pause after it, before ``start`` speaks again, instead of after hearing its first
        second (see :meth:`_pause_probe` for where). Each such key must bring the same
        message back; the chain of them is believed only once ``start`` is then heard again
        on its first second, as it is after every message. A key the line did not take there
        (``start`` speaks instead), or any other result, goes back to the frontier, ``start``
        is not typed into like this again, and a result that cannot be placed ends the call.
        """
        start, _, role = origin
        wrong = role in WRONG_KEY_ROLES or self._first_target.get((start, "invalid")) == message
        typed: list[tuple[Probe, Heard, float]] = []
        been = frozenset(via)
        lasts = self.audit.nodes[message].prompt_seconds
        try:
            while wrong and (probe := self._pause_probe(start, expected, heard, message)):
                self.frontier.take(probe)
                listener.call.press(probe.keys)
                action_at = listener.call.seconds + KEY_PRESS_SECONDS * len(probe.keys)
                result = self._hear_result(listener, been, message)
                landed = self._identify(result)
                if landed != message:
                    self.frontier.put_back(probe)
                    if landed != start:
                        self._pause_astray.add(start)
                        return None  # the line is somewhere the typed keys cannot account for
                    # start speaks: it dropped the key typed before it spoke (see _typed_run)
                    self._drops_typed.add(start)
                    self._typed_into_pause(start, message, typed)  # at start, as believed
                    typed.clear()
                    return heard, result
                typed.append((probe, result, action_at))
                heard = listener.resume(result, known_seconds=lasts)
            nxt = self._hear_result(listener, been, expected)
            if typed and self._identify(nxt) == start:
                self._typed_into_pause(start, message, typed)
                typed.clear()
            elif typed:
                self._pause_astray.add(start)
            return heard, nxt
        finally:
            for probe, _, _ in reversed(typed):  # not confirmed: tried again later
                self.frontier.put_back(probe)

    def _pause_probe(self, start: str, expected: str | None, heard: Heard,
                     message: str) -> Probe | None:
        """The probe to type into the pause after ``message`` (what a wrong key did at
        ``start``), heard to its end as ``heard``, if any: ``message`` goes back to
        ``start``; ``start`` is not known to ignore keys while it speaks nor to drop keys
        typed before it speaks (one that does is found out at the cost of hearing its first
        second, as without typing); and a wrong key (the invalid key, an escape key) is left
        there that is more likely than not to do what the last one did
        (ivraudit.crawl.outlook)."""
        if not (self.strategy.typeahead and self.strategy.reuse) or expected != start:
            return None
        node = self.audit.nodes[start]
        if node.barge_in is False or start in self._drops_typed or start in self._pause_astray:
            return None
        lasts = self.audit.nodes[message].prompt_seconds
        if heard.ending is not Ending.SILENCE or abs(heard.seconds - lasts) > PAUSE_MATCH_SECONDS:
            return None  # not heard to the end it is known to have
        wrong = [p for p in self.frontier.at(start) if p.role in WRONG_KEY_ROLES
                 and self.outlook.chances(p)[STAYS] > 0.5]
        return self._least_loss(wrong) if wrong else None

    def _typed_into_pause(self, start: str, message: str,
                          typed: list[tuple[Probe, Heard, float]]) -> None:
        """Record the keys typed into pauses at ``start``, each of which brought ``message``,
        now that the line is known to have been back there each time."""
        for probe, heard, action_at in typed:
            self._edge(start, message, probe.label, probe.keys, heard.onset - action_at, probe.role)
            self._derived(message, start, probe.keys, probe.role)
            self._first_target.setdefault((start, probe.role if probe.role != "escape"
                                           else probe.keys), message)
            self._continued(start, message, start)
            self.outlook.saw(probe, STAYS)

    def _continued(self, start: str, node_id: str, then: str | None) -> None:
        """Note that ``node_id``, reached by an action at ``start``, went on to ``then``.

        Where a message goes on by itself can depend on where the caller came from (one
        "invalid entry" message returns to whichever menu played it), so it is noted per
        starting node. Seen to go on somewhere else another time, it is not expected at all.
        """
        key = (start, node_id)
        if then is None or self._continuations.get(key, then) != then:
            self._continuations[key] = None
        elif key not in self._continuations:
            self._continuations[key] = then

    def _expected_after(self, start: str, node_id: str) -> str | None:
        """Where ``node_id`` (a message), reached by an action at ``start``, is expected to
        go on: where it went from ``start`` before; else, if from every other start (two at
        least) it went back to that start, as "invalid entry, please try again" does, back to
        ``start``; else, for a message never heard going on, back to ``start`` if on this
        line messages do that (two at least did, and every one that went on to a prompt
        went back where it was reached from). Only ever a head start: a prompt that is not
        the expected one is heard on and recognised as usual."""
        if (start, node_id) in self._continuations:
            return self._continuations[(start, node_id)]
        seen = [(where, then) for (where, message), then in self._continuations.items()
                if message == node_id]
        if seen:
            return start if len(seen) >= 2 and all(then == where for where, then in seen) else None
        went_on = [(where, message, then) for (where, message), then in self._continuations.items()
                   if then != HANGUP_NODE and self._is_message(message)]
        if (len({message for _, message, _ in went_on}) >= 2
                and all(then == where for where, _, then in went_on)):
            return start
        return None

    def _is_message(self, node_id: str) -> bool:
        node = self.audit.nodes.get(node_id)
        return node is not None and node.kind == "message"

    def _expected_press(self, start: str, keys: str) -> str | None:
        """Where announced ``keys`` are expected to lead from ``start``, where they were not
        pressed yet: where they led as an announced option at every other menu (two at
        least), as "star for the main menu" does. A head start only, as for messages."""
        sources, targets = set(), set()
        for edge in self.audit.edges.values():
            if edge.probe == "announced" and edge.pressed == keys and edge.source != start:
                sources.add(edge.source)
                targets.add(edge.target)
        if len(sources) >= 2 and len(targets) == 1:
            target = targets.pop()
            return target if self.audit.nodes[target].acting else None
        return None

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
            if (probe.role == "timeout" or self.policy.allows(probe.keys)) and self.frontier.push(probe):
                self._found_at[probe] = self.conductor.clock[self.conductor.lane]

    # -- walking known paths -------------------------------------------------------------

    def _navigate(self, listener: Listener, node: NodeRecord) -> Heard:
        """Walk ``node``'s known path from the answer; returns ``node``'s prompt as heard."""
        return self._go(listener, None, node.via + [node.id], node.path, strict=False)

    def _walk(self, listener: Listener, heard: Heard, route: list[EdgeRecord]) -> Heard | None:
        """Follow known key edges within a call; None if the line went somewhere else."""
        if not route:
            return heard
        stops = [route[0].source] + [edge.target for edge in route]
        try:
            return self._go(listener, heard, stops, [edge.pressed for edge in route], strict=True)
        except Diverged:
            return None

    def _go(self, listener: Listener, heard: Heard | None, stops: list[str], tokens: list[str],
            *, strict: bool) -> Heard:
        """Take the known steps ``tokens[i]`` at ``stops[i]`` (which led to ``stops[i + 1]``)
        from ``stops[0]``, whose prompt is ``heard`` (None: not heard yet); returns the last
        stop's prompt as heard. Keys that can go in together are typed as one burst (see
        :meth:`_typed_run`). ``strict``: known prompts on the way (a message, a queue) are not
        passed through either. Raises :class:`Diverged` when the line goes elsewhere."""
        if heard is None:
            heard = self._reach(listener, stops[0], self._passing(tokens, 0), strict=strict)
        at = 0
        while at < len(tokens):
            end = self._typed_run(stops, tokens, at)
            self._act(listener, self.audit.nodes[stops[at]], heard, "".join(tokens[at:end]))
            skipped = stops[at + 1:end]
            try:
                heard = self._reach(listener, stops[end], self._passing(tokens, end),
                                    strict=strict, skipped=skipped)
            except Diverged:
                if skipped:
                    self._burst_astray.add(stops[at])
                raise
            landed = stops[end] if self._typed_through(heard) else self._identify(heard)
            if landed in skipped:
                # That node had not taken the key typed for it before it spoke: it is
                # waiting for it now, and gets it, like any later key, one at a time.
                self._drops_typed.add(landed)
                at = stops.index(landed, at + 1)
            else:
                at = end
        return heard

    @staticmethod
    def _passing(tokens: list[str], at: int) -> bool:
        """Does the walk only pass through its ``at``-th stop, pressing keys there?"""
        return at < len(tokens) and tokens[at] != "timeout"

    def _typed_run(self, stops: list[str], tokens: list[str], at: int) -> int:
        """Where the burst of keys typed at ``stops[at]`` ends: the steps ``at`` to the
        returned index (exclusive) are pressed together.

        Typing ahead means pressing each key as soon as the line takes it. A menu that takes
        keys while it speaks usually takes one typed before it spoke too (IVRs keep a caller's
        early digits), so the keys of several steps can go in one after the other, 0.1 s each,
        without waiting to hear each menu begin. That is only done where it is known to work:
        each later step's node took keys while it spoke (``barge_in``), the key before it led
        straight there (no message in between, which would swallow the key), no step waits for
        a timeout, and no burst has gone wrong there. The walk still confirms where it lands;
        a node found waiting for a key typed for it (it dropped the key) is not typed into
        again, and a burst that led astray is not tried again from where it was typed.
        """
        end = at + 1
        if not self.strategy.typeahead or tokens[at] == "timeout" or stops[at] in self._burst_astray:
            return end
        while (end < len(tokens) and tokens[end] != "timeout"
               and self.audit.nodes[stops[end]].barge_in is True
               and stops[end] not in self._drops_typed
               and any(edge.target == stops[end] and edge.pressed == tokens[end - 1]
                       for edge in self.audit.out_edges(stops[end - 1]))):
            end += 1
        return end

    def _act(self, listener: Listener, node: NodeRecord, heard: Heard, token: str) -> float:
        """Do one step of a known path at ``node``: press keys, or wait (``timeout``)."""
        if token == "timeout":
            return listener.resume(heard).end
        return self._press_at(listener, node, heard, token)

    def _reach(self, listener: Listener, expect: str, passing: bool = False, *,
               strict: bool = False, skipped: list[str] | None = None) -> Heard:
        """Hear prompts until ``expect``'s; known prompts on the way (a message, a queue) are
        passed through (unless ``strict``), anything else means the path no longer leads there.
        A node of ``skipped`` (keys typed for it went in before it spoke) is also where the
        line may be: there, the prompt is returned as it is.

        ``passing``: the caller only passes through ``expect`` on the way to a node further
        down, so where it takes keys while it speaks, its key can go in as soon as it starts
        (see :meth:`_typed_through`)."""
        heard = self._hear_known(listener, expect if passing else None)
        for _ in range(MAX_PROMPTS_TO_REACH):
            if heard.empty:
                raise Diverged(f"expected {expect}, the line gave {heard.ending.value}")
            if self._typed_through(heard):
                return heard
            known = self._identify(heard)
            if known == expect or (skipped and known in skipped):
                return heard
            if known is None:
                raise Diverged(f"expected {expect}, heard an unknown prompt")
            if strict:
                raise Diverged(f"expected {expect}, heard {known}")
            heard = listener.resume(heard)
            if self.audit.nodes[known].kind == "hold":
                heard = listener.through_hold(max_wait=self.policy.max_wait)[2]
            else:
                heard = self._hear_known(listener)
        raise Diverged(f"{expect} not reached after {MAX_PROMPTS_TO_REACH} prompts")

    # -- typing ahead on known paths ------------------------------------------------------

    def _hear_known(self, listener: Listener, passing: str | None = None) -> Heard:
        """Hear a prompt on a mapped path: with ``typeahead``, only until it is recognised,
        or, at a node the caller is ``passing`` through that takes keys while it speaks, only
        until it has begun as that node's prompt does."""
        if not self.strategy.typeahead:
            return listener.hear(max_wait=self.policy.max_wait)
        recognised = self._recognised(NAVIGATION_MIN_SECONDS, 0.0, SAME_AUDIO)
        node = self.audit.nodes.get(passing) if passing else None
        if node is None or node.barge_in is not True:
            return listener.hear(max_wait=self.policy.max_wait, stop_when=recognised)
        early = round(TYPEAHEAD_PRESS_DELAY * SAMPLE_RATE)

        def stop(audio: Pcm) -> bool | None:
            if len(audio) >= early and len(audio) - early < FRAME_SAMPLES * 10 \
                    and self._begins_as(audio, node.id):
                return True
            return recognised(audio)  # False before the first second
        return listener.hear(max_wait=self.policy.max_wait, stop_when=stop,
                             ask_from=TYPEAHEAD_PRESS_DELAY)

    def _begins_as(self, audio: Pcm, node_id: str) -> bool:
        """Does ``audio`` (the first fraction of a second of a prompt) begin as ``node_id``'s
        prompt does? Weak evidence alone; a walk that acts on it is confirmed at its end."""
        known = self.index.prints.get(node_id)
        heard = fingerprint(audio)
        if known is None or len(heard) == 0 or len(known) < len(heard):
            return False
        return audio_similarity(heard, centred(known[: len(heard)]),
                                max_lag=TYPED_LAG_FRAMES) >= SAME_AUDIO

    @staticmethod
    def _typed_through(heard: Heard) -> bool:
        """Was ``heard`` cut as soon as it began like the node the caller is passing through?

        Only :meth:`_hear_known`'s early test cuts a prompt before its first second, and only
        once it begins as that node's prompt does. Pressing into a prompt the moment it begins
        is what typing ahead is; it is done only where the node takes keys while it speaks
        and only on the way to a node further down: that node is then confirmed on the full
        evidence, and a wrong turn on the way ends the walk there (Diverged).
        """
        return heard.ending is Ending.CUT and heard.seconds < NAVIGATION_MIN_SECONDS

    def _hear_result(self, listener: Listener, been: frozenset[str] = frozenset(),
                     expect: str | None = None) -> Heard:
        """Hear what a probe led to. With ``hangup``, a known prompt is recognised by its
        beginning, with a margin: listening goes on ``RESULT_MARGIN_SECONDS`` past the point
        where it became unmistakable among the known prompts, as a new prompt may begin like
        a known one (the demo's directory and accounting menus share their first 1.5 s).

        A return to a node this call has ``been`` at (the probe's node, a menu on its path,
        the main menu) is what IVRs do after an invalid key, a message, "star for the
        previous menu": one of those is taken once it has matched that prompt alone among the
        known ones (at SAME_AUDIO, as on a mapped path) for ``RETURN_MARGIN_SECONDS``.

        What a known message goes on to, where it went on to that node before from the same
        start (``expect``: the "invalid entry" message back to the menu that played it), is a
        step of a mapped path, and taken as one: on its first second.
        """
        if not self.strategy.hangup:
            return listener.hear(max_wait=self.policy.max_wait)
        return listener.hear(max_wait=self.policy.max_wait,
                             stop_when=self._recognised(RESULT_MIN_SECONDS, RESULT_MARGIN_SECONDS,
                                                        CERTAIN_AUDIO, been, expect))

    def _recognised(self, min_seconds: float, margin: float, threshold: float,
                    been: frozenset[str] = frozenset(), expect: str | None = None
                    ) -> Callable[[Pcm], bool | None]:
        """A ``stop_when`` test: the audio so far begins exactly one known prompt (at
        SAME_AUDIO and for ``RETURN_MARGIN_SECONDS`` from the first second on, if that prompt
        is one of ``been``; at SAME_AUDIO from the first second on if it is ``expect``)."""
        unique_from: float | None = None
        return_from: tuple[float, str] | None = None  # since when it has matched a node of been
        watch = PrefixWatch(self.index)
        first = min(min_seconds, NAVIGATION_MIN_SECONDS) if been or expect else min_seconds

        def stop(audio: Pcm) -> bool | None:
            nonlocal unique_from, return_from
            seconds = len(audio) / SAMPLE_RATE
            if unique_from is None and return_from is None and seconds > RECOGNISE_WITHIN_SECONDS:
                return None  # a new prompt, or one too like another: hear it out, stop asking
            if seconds < first:
                return False
            scores = watch.scores(fingerprint(audio))
            if expect is not None and unique_prefix(scores, SAME_AUDIO) == expect:
                return True
            if been:
                returning = unique_prefix(scores, SAME_AUDIO)
                if returning not in been:
                    return_from = None
                elif return_from is None or returning != return_from[1]:
                    return_from = (seconds, returning)
                elif seconds >= return_from[0] + RETURN_MARGIN_SECONDS:
                    return True
            if seconds < min_seconds or (unique_from is not None
                                         and seconds < unique_from + margin):
                return False
            unique = unique_prefix(scores, threshold) is not None
            if unique and unique_from is None:
                unique_from = seconds
                return margin == 0.0
            return unique and seconds >= unique_from + margin
        return stop

    def _press_at(self, listener: Listener, node: NodeRecord, heard: Heard, keys: str) -> float:
        """Press ``keys`` at ``node``; returns the line time the press ended.

        If its prompt was cut short (recognised by its beginning) the keys go in at once,
        unless the node is known not to take keys while it speaks. Whether it does is seen
        right there: a prompt that goes on after the keys ignored them, so it is heard out
        and the keys pressed again.
        """
        if heard.ending is Ending.CUT and node.barge_in is not False:
            listener.call.press(keys)
            pressed = listener.call.seconds + KEY_PRESS_SECONDS * len(keys)
            # The prompt plays on while the keys go out, and on a line with delay it is heard
            # a while longer: judge by the end of the check, where a stopped prompt is silent.
            # A burst of typed keys (see _typed_run) is judged once its last key went out.
            sending = KEY_PRESS_SECONDS * len(keys) + STOP_LATENCY_SECONDS
            skip = round(sending / FRAME_SECONDS)
            check = max(BARGE_IN_CHECK_SECONDS, sending + BARGE_IN_JUDGED_SECONDS)
            after = listener.listen_on(heard, check)[skip * FRAME_SAMPLES:]
            last = after[-round(BARGE_IN_JUDGED_SECONDS / FRAME_SECONDS) * FRAME_SAMPLES:]
            at = skip + (len(after) - len(last)) // FRAME_SAMPLES
            if not self._goes_on(node, heard, last, at):
                if node.barge_in is None:
                    node.barge_in = True
                begun = _sounding_at_the_end(after)
                if _sounding(begun):
                    listener.unread(begun)  # the next prompt began within the check
                return pressed
            if node.barge_in is None:
                node.barge_in = False
        listener.resume(heard)
        listener.call.press(keys)
        return listener.call.seconds + KEY_PRESS_SECONDS * len(keys)

    def _goes_on(self, node: NodeRecord, heard: Heard, after: Pcm, skipped: int) -> bool:
        """Is ``after`` (heard ``skipped`` frames after keys went in) the rest of ``node``'s
        prompt, rather than silence or the next prompt?"""
        if not _sounding(after):
            return False
        known = self.index.prints.get(node.id)
        if known is None:
            return True
        at = len(heard.audio) // FRAME_SAMPLES + skipped
        return continues_prompt(fingerprint(after), known, at)

    def _identify(self, heard: Heard) -> str | None:
        """The known node a prompt is: by its beginning if it was cut short, else in full."""
        if heard.ending is Ending.CUT:
            return self.index.match_prefix(fingerprint(heard.audio))
        return self._known(heard)

    # -- choosing what a call does next ---------------------------------------------------

    def _next_from(self, at: str, heard: Heard) -> tuple[Probe, list[EdgeRecord]] | None:
        """The probe this call does next from ``at``, and the known route there, if any is
        cheaper than dialling again."""
        here = self.frontier.at(at)
        if here:
            waiting = next((p for p in here if p.role == "timeout"), None)
            if waiting is not None and heard.ending is not Ending.CUT and (
                    len(here) == 1
                    or self.audit.nodes[at].prompt_seconds >= self._redial_cost(self.audit.nodes[at])):
                # The prompt was just heard out, which is where a no-input probe starts: doing
                # it now saves hearing the prompt again, if that costs more than coming back.
                return self.frontier.take(waiting), []
            return self.frontier.take(self._least_loss(here)), []
        routes = known_routes(self.audit, at, self._step_cost)
        best: tuple[float, Probe, list[EdgeRecord]] | None = None
        for probe in self.frontier.pending():
            if probe.node not in routes:
                continue
            cost, route = routes[probe.node]
            saving = self._redial_cost(self.audit.nodes[probe.node]) - cost
            if saving > 0 and (best is None or saving > best[0]):
                best = (saving, probe, route)
        if best is None:
            return None
        return self.frontier.take(best[1]), best[2]

    def _opening(self, probe: Probe) -> Probe:
        """The probe a new call to ``probe``'s node starts with: with ``reuse``, the one there
        least likely to end the call or take it elsewhere (ivraudit.crawl.outlook)."""
        here = self.frontier.at(probe.node)
        if not self.strategy.reuse or not here:
            return probe
        best = self._least_loss([probe, *here])
        if best is not probe:
            self.frontier.take(best)
            self.frontier.put_back(probe)
        return best

    def _least_loss(self, here: list[Probe]) -> Probe:
        """Of the probes pending at one node, the one to try first: the one a call is least
        likely to lose by (a no-input probe only when nothing else is left; ties in queue
        order)."""
        candidates = [p for p in here if p.role != "timeout"] or here
        node = self.audit.nodes[candidates[0].node]
        redial = self._redial_cost(node)
        return min(candidates, key=lambda p: self.outlook.loss(p, redial, self.audit.ring_seconds))

    def _step_cost(self, edge: EdgeRecord) -> float:
        """Expected line seconds of one known step (hear or recognise, press, wait)."""
        source = self.audit.nodes[edge.source]
        typing = self.strategy.typeahead and source.barge_in is not False
        hear = min(source.prompt_seconds, NAVIGATION_MIN_SECONDS) if typing else source.prompt_seconds
        return hear + KEY_PRESS_SECONDS * len(edge.pressed) + edge.lead_in

    def _redial_cost(self, node: NodeRecord) -> float:
        """Line seconds of a new call to ``node``, its path taken one step at a time: typed
        bursts make it cheaper, but valuing them here makes crawls redial more and cost more
        (maze-50: 39 calls and 1.35 x floor against 29 and 1.335)."""
        cost = self.audit.ring_seconds + self.audit.answer_lead
        for expect, token in zip(node.via, node.path):
            step = next((e for e in self.audit.out_edges(expect) if e.pressed == token), None)
            cost += self._step_cost(step) if step else self.audit.nodes[expect].prompt_seconds
        return cost

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
        if heard.ending is Ending.CUT:  # cut short only once recognised
            known = self.index.match_prefix(fingerprint(heard.audio))
            if known is not None:
                return known, False
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

    def _derived(self, target: str, source: str, action: str, role: str) -> None:
        """Note that doing ``action`` at ``source`` led to ``target`` (maybe through messages
        and queues); a shorter way there than the node's path so far becomes its path."""
        ways = self._derivations.setdefault(target, [])
        if (source, action, role) not in ways:
            ways.append((source, action, role))
        node, origin = self.audit.nodes[target], self.audit.nodes[source]
        if target != source and len(origin.path) + 1 < len(node.path):
            node.path, node.via = origin.path + [action], origin.via + [source]

    def _settle_paths(self) -> None:
        """Each node's path: its shortest way from the answer among the ways calls saw,
        found breadth-first in the order the naive crawl probes (so the same whatever order
        this crawl went in). Each way is an action at a node that led here on a real call."""
        root = root_of(self.audit)
        if root is None:
            return
        order = {"invalid": 0, "announced": 1, "escape": 2, "timeout": 3, "input": 4}
        leads: dict[str, list[tuple[int, int, str, str]]] = {}
        for target, ways in self._derivations.items():
            for source, action, role in ways:
                rank = self._option_rank(source, action)
                leads.setdefault(source, []).append((order.get(role, 9), rank, action, target))
        found = {root: ([], [])}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            path, via = found[node]
            for _, _, action, target in sorted(leads.get(node, [])):
                if target not in found:
                    found[target] = (path + [action], via + [node])
                    queue.append(target)
        for node_id, (path, via) in found.items():
            self.audit.nodes[node_id].path, self.audit.nodes[node_id].via = path, via

    def _option_rank(self, node_id: str, key: str) -> int:
        keys = [o.key for o in self.audit.nodes[node_id].options]
        return keys.index(key) if key in keys else len(keys)

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
        if all(self.audit.nodes[e.source].barge_in is not None for e in route.edges
               if self.audit.nodes[e.source].acting and e.key != "timeout"):
            return  # typing ahead on the crawl's own calls measured it already
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


def _sounding_at_the_end(audio: Pcm) -> Pcm:
    """The run of sound that reaches the end of ``audio`` (empty if it ends in silence).

    After keys stop a prompt, a line with delay still brings a moment of it, maybe with a
    pause inside; only sound still going at the end of the check can be the next prompt."""
    frames = len(audio) // FRAME_SAMPLES
    if frames == 0:
        return audio[:0]
    power = (audio[: frames * FRAME_SAMPLES].astype(np.float64).reshape(frames, -1) ** 2).mean(axis=1)
    quiet = np.flatnonzero(power <= SOUNDING_POWER)
    start = quiet[-1] + 1 if len(quiet) else 0
    return audio[start * FRAME_SAMPLES: frames * FRAME_SAMPLES]


def _sounding(audio: Pcm) -> bool:
    """Whether audio holds sound worth a look (at least 0.1 s above line noise)."""
    frames = len(audio) // FRAME_SAMPLES
    if frames == 0:
        return False
    power = (audio[: frames * FRAME_SAMPLES].astype(np.float64).reshape(frames, -1) ** 2).mean(axis=1)
    return int((power > SOUNDING_POWER).sum()) >= 5


SOUNDING_POWER = (32768 * 10 ** (-45 / 20)) ** 2
"""-45 dBFS: above μ-law's idle noise and line hiss, below any prompt's speech."""


def _ends_in_tone(audio: Pcm) -> bool:
    tail = audio[-4000:]
    return len(tail) >= 2400 and classify(tail) is Sound.TONE


def fingerprint_key(audio: Pcm) -> str:
    import hashlib

    return hashlib.sha256(audio.tobytes()).hexdigest()
