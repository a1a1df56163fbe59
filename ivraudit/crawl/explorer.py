"""The explorer: the engine that drives calls over a line and maps the tree breadth-first.

Each probe is one call: dial, walk the known path to a node (hearing each prompt, confirming
it is the node expected), do one thing there (press an announced key, an escape key, an
invalid key, enter digits, or wait), and follow what happens until the line waits for the
caller again, a human or voicemail answers, or it hangs up. New menus put their probes on the
frontier. Prompts heard before are recognised, so loops and merges become edges to known nodes.

The engine only runs lanes, calls, retries and the budget; the work is done by objects with
one job each, as Scrapy has an engine, a scheduler, downloaders and spiders:

- :class:`~ivraudit.crawl.scheduler.Scheduler`: the frontier, its order and the costs;
- :class:`~ivraudit.crawl.session.CallSession`: one call's listener and record, pressing keys;
- :class:`~ivraudit.crawl.mapper.Mapper`: prompt → node, edges, paths;
- :class:`~ivraudit.crawl.walker.Walker`: walking known paths;
- :class:`~ivraudit.crawl.prober.Prober`: a probe, and following the line after it;
- the strategies the ``--strategy`` choice composes (ivraudit.crawl.strategy): how known
  prompts are heard on the way (typeahead), how results are heard (hangup), what happens in
  the pause after a message (pause), and whether a call goes on after its probe (reuse).

Nothing a call does can lose what earlier calls learned: a failed call, a divergent path or an
interrupted crawl is recorded and the audit keeps every node and edge found so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from ivraudit.asr.base import Recognizer
from ivraudit.audit.model import Audit, CallRecord
from ivraudit.crawl.bargein import measure_barge_in
from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.frontier import Frontier, Probe
from ivraudit.crawl.gate import DialGate, StoppedWaiting
from ivraudit.crawl.hidden import judge_escape_keys, judge_invalid_keys
from ivraudit.crawl.rehearing import Rehearing
from ivraudit.crawl.lanes import CallBudgetExceeded, Conductor, LaneCall, LaneThreads
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.pacing import Pacer
from ivraudit.crawl.people import person_test
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.prober import Prober
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.crawl.samequeues import merge_same_queues
from ivraudit.crawl.session import CallSession, KeyTooLate
from ivraudit.crawl.strategy import CrawlStrategy, Strategies
from ivraudit.crawl.walker import Diverged, Walker
from ivraudit.identity import PromptIndex
from ivraudit.lines.base import CallFailed, CallOutcome, Line
from ivraudit.listen.listener import Listener
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

MAX_FAILED_CALLS_IN_A_ROW = 3
"""A line that fails this many calls in a row (busy, no answer...) ends the crawl."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


LANES_STOP_SECONDS = 10.0
"""How long a stopped crawl waits for its other lanes to end their calls."""


class Explorer:
    """Crawls one line into an :class:`~ivraudit.audit.model.Audit`."""

    def __init__(self, line: Line, recognizer: Recognizer | None, *,
                 policy: CrawlPolicy | None = None, strategy: CrawlStrategy | None = None,
                 language: str = "en", concurrency: int = 1,
                 progress: Callable[[str], None] | None = None,
                 pacer: Pacer | None = None, apology: Pcm | None = None) -> None:
        """``pacer`` keeps the line owner's politeness limits (ivraudit.crawl.pacing); seed
        it with an earlier crawl's call starts to keep them across the two. ``apology``:
        audio said to a person before hanging up on them (ivraudit.crawl.people)."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.line = line
        self.policy = policy or CrawlPolicy()
        self._line_floor: float | None = None  # the line's own noise, once a call heard it
        self.strategy = strategy or CrawlStrategy()
        self.language = language
        self.apology = apology
        self.concurrency = concurrency
        self.progress = progress or (lambda message: None)
        self.audit = Audit(target=line.target, started=_now(), language=language)
        self._failed_in_a_row = 0
        self._stopping = False
        self._live: set[LaneCall] = set()  # the calls up now, on every lane
        self.conductor = Conductor(concurrency, virtual=line.virtual_clock,
                                   has_work=lambda: bool(self.frontier) and not self._stopping)
        self.gate = DialGate(pacer, self.conductor, self.progress, lambda: self._stopping,
                             elapsed=getattr(line, "crawl_seconds", None))
        self.mapper = Mapper(self.audit, recognizer, language, self.progress)
        self.expectations = Expectations(self.audit)
        self.strategies, self.scheduler = Strategies.compose(
            self.strategy, self.audit, self.policy, self.mapper, self.expectations,
            now=lambda: self.conductor.clock[self.conductor.lane])
        self.prober = Prober(self.audit, self.policy, self.mapper, self.scheduler,
                             self.expectations, self.strategies.results, self.strategies.pause)
        self.walker = Walker(self.audit, self.mapper, self.strategies.typing)
        self.rehearing = Rehearing(self.audit, self.mapper, self.scheduler)
        self.mapper.on_rename += [self.scheduler.renamed, self.expectations.renamed,
                                  self.strategies.typing.renamed, self.strategies.pause.renamed]

    @property
    def index(self) -> PromptIndex:
        """The prompts heard so far, by fingerprint and transcript."""
        return self.mapper.index

    @property
    def frontier(self) -> Frontier:
        return self.scheduler.frontier

    # -- the crawl ------------------------------------------------------------------------

    def crawl(self) -> Audit:
        """Map the tree; whatever happens, return the audit of what was learned."""
        lock = self.conductor.lock
        started = time.monotonic()
        lanes: LaneThreads | None = None
        try:
            if self.concurrency == 1:
                self._lane(0)
            else:
                lanes = LaneThreads(self._lane, self.concurrency, "ivraudit-lane")
                lanes.start()
                lanes.wait()
            with lock:
                if self.audit.complete and self.audit.nodes:
                    measure_barge_in(self.audit, self.mapper, self._call, self.policy.max_calls,
                                     self.prober.queues.reached_people,
                                     self.prober.queues.people)
        except KeyboardInterrupt:
            with lock:
                self._stopping = True
                self._stop_early("interrupted")
                lock.notify_all()
            # The other lanes' calls end now, and the lanes with them: a lane left inside
            # the speech engine as the process exits crashed it in the engine's teardown
            # (SIGSEGV, not exit 1), and one whose call went on kept crawling after the stop.
            for call in list(self._live):
                call.end_from_outside()
            if lanes is not None:
                lanes.wait(LANES_STOP_SECONDS)
        finally:
            with lock:
                judge_invalid_keys(self.mapper)
                judge_escape_keys(self.mapper)
                same = merge_same_queues(self.mapper, self.prober.twins)
                queues = self.prober.queues
                queues.passed_by = [(call, same.get(q, q)) for call, q in queues.passed_by]
                self.mapper.settle_paths()
                self.audit.finished = _now()
                self.audit.strategy = self.strategy.name
                self.audit.concurrency = self.concurrency
                self.audit.limits = self.gate.limits_json()
                self.audit.courtesy = self._courtesy_json()
                self.audit.wall_seconds = round(
                    max(self.conductor.clock) if self.conductor.virtual
                    else self.gate.elapsed(started), 3)
                recognizer = self.mapper.recognizer
                self.audit.asr = {"engine": recognizer.engine if recognizer else "?",
                                  "seconds": round(self.mapper.asr_seconds, 3)}
        return self.audit

    def _courtesy_json(self) -> dict[str, object]:
        """How the crawl treated the people who answered (audit.json's ``courtesy``)."""
        return {"hang_up_on_people": self.policy.courtesy,
                "max_human_calls": self.policy.max_human_calls,
                "apology_seconds": round(len(self.apology) / SAMPLE_RATE, 3)
                if self.apology is not None else None,
                "queues_passed_by": [{"call": call, "queue": queue}
                                     for call, queue in self.prober.queues.passed_by]}

    def _lane(self, lane: int) -> None:
        """One lane: take probes from the shared frontier and call, until nothing is left."""
        conductor = self.conductor
        conductor.enter(lane)
        # Idle before taking the lock, so a busy replay lane yields at its next frame.
        conductor.idle[lane] = lane > 0
        with conductor.lock:
            if lane == 0:
                try:
                    self._session(None)  # the answer: the root, and the first things to try
                except StoppedWaiting:
                    return
            conductor.idle[lane] = True
            while True:
                conductor.wait_for_work(
                    lambda: self._stopping or bool(self.frontier) or not any(conductor.busy))
                if not self._stopping and not self.frontier and self.rehearing.judge():
                    conductor.lock.notify_all()  # (options heard again: ivraudit.crawl.rehearing)
                if self._stopping or not self.frontier:
                    break
                if len(self.audit.calls) >= self.policy.max_calls:
                    self._stop_early(f"call budget reached (--max-calls {self.policy.max_calls})")
                elif self._failed_in_a_row >= MAX_FAILED_CALLS_IN_A_ROW:
                    self._stop_early(f"{self._failed_in_a_row} calls in a row failed")
                else:
                    probe = self.strategies.reuse.opening(self.frontier.pop())
                    try:
                        self._session(probe)
                    except StoppedWaiting:  # it waited for its turn to dial (the limits)
                        self.audit.nodes[probe.node].truncated = True
                        break
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
              ) -> Iterator[CallSession | None]:
        """Dial for ``purpose``; yields the call's session, or None when it failed (recorded).
        A call that ran over its budget or off its known path ends with what it learned."""
        if self.line.virtual_clock or not getattr(self.line, "serves_next", bool)():
            # the politeness limits (ivraudit.crawl.gate); a real line's call a resume serves
            # from its journal (ivraudit.lines.journal) is no call on the line: no wait
            not_before = self.gate.turn(not_before)
        record = CallRecord(index=len(self.audit.calls) + 1, purpose=purpose, path=list(path),
                            outcome=CallOutcome.ANSWERED.value)
        self.progress(f"call {record.index}: {purpose} {' '.join(path) or '(answer)'}"
                      f" — {len(self.audit.nodes)} nodes, {len(self.frontier)} to try")
        conductor = self.conductor
        conductor.begin(not_before)
        started = conductor.clock[conductor.lane]
        record.start_seconds, record.started_at = self.gate.stamp(started)
        record.index = len(self.audit.calls) + 1
        self.audit.calls.append(record)  # stamped first: a stop in between lists no half call
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
        dialled_at = float(getattr(raw, "dialled_at", 0.0))
        if dialled_at and not conductor.virtual:  # served from a journal: when it was made
            record.started_at = datetime.fromtimestamp(dialled_at, timezone.utc).isoformat(
                timespec="milliseconds").replace("+00:00", "Z")
            served_start = getattr(raw, "crawl_start", None)
            if served_start is not None:  # and how far into the crawl (its first part's clock)
                record.start_seconds = round(served_start, 3)
        call = LaneCall(raw, conductor, started, limit=self.policy.max_call_seconds)
        self._live.add(call)
        record.ring_seconds = raw.ring_seconds
        self.audit.ring_seconds = self.audit.ring_seconds or raw.ring_seconds
        listener = Listener(call, line_floor=self._line_floor)
        session = CallSession(listener, record, self.policy.max_wait, self.policy.max_hold)
        if self.policy.courtesy:  # people known by their first words (ivraudit.crawl.people)
            session.people = lambda: person_test(self.mapper.transcribe, expected=False,
                                                 begins_like=self.mapper.begins_like)
            session.apology = self.apology
        try:
            yield session
        except (CallBudgetExceeded, Diverged) as problem:
            record.error = str(problem)
            self.audit.problems.append(f"call {record.index} ({' '.join(path)}): {problem}")
        except KeyTooLate as late:  # the probe goes back to the frontier, nothing mapped
            record.error = str(late)
        finally:
            if listener.sound.line_floor is not None:  # the line's noise: known on every call
                self._line_floor = min(listener.sound.line_floor, self._line_floor or 0.0)
            record.seconds = round(raw.seconds, 3)
            record.navigating_seconds = round(record.navigating_seconds, 3)
            if record.person_at is not None:  # a person's time: to the hang-up, now
                # (over SIP the far end may have played on past what was read: that too)
                line_time = raw.seconds + call.backlog_seconds
                record.agent_seconds = round(max(0.0, line_time - record.person_at), 3)
            call.hangup()
            self._live.discard(call)
            conductor.end()

    def _session(self, probe: Probe | None) -> None:
        """One call: the answer (``probe`` None) or a walk to a probe's node and the probe.

        Where the reuse strategy has the call go on after its probe, it does the next probe
        there, or one a known route reaches more cheaply than a new call would. A probe the
        call could not finish goes back to the frontier.
        """
        node = self.audit.nodes[probe.node] if probe else None
        purpose, path = (probe.role, node.path + [probe.keys]) if probe and node else ("answer", [])
        if probe and probe.way[0]:  # done again by another way in (ivraudit.crawl.comeback)
            path = self.audit.nodes[probe.way[0]].path + [probe.way[1], probe.keys]
        not_before = self.scheduler.found_at(probe) if probe else 0.0
        with self._call(purpose, path, not_before) as session:
            if session is None:
                self._failed_in_a_row += 1
                if probe is None:
                    self.audit.complete = False
                else:
                    self.scheduler.retry_later(probe)
                return
            self._failed_in_a_row = 0
            done = probe is None
            try:
                if probe is None or node is None:
                    stop = self.prober.answer(session)
                else:
                    with session.navigating():
                        heard = self.walker.to_node(session, node, probe.way)
                    stop = self.prober.try_probe(session, probe, heard)
                    done = True
                while stop is not None:
                    chosen = self.strategies.reuse.next_from(
                        *stop, len(session.wrong_keys.get(stop[0], [])), session.acted)
                    if chosen is None:
                        break
                    probe, route = chosen
                    done = False
                    with session.navigating():
                        walked = self.walker.along(session, stop[1], route)
                    if walked is None:
                        break
                    stop = self.prober.try_probe(session, probe, walked)
                    done = True
            finally:
                if not done and probe is not None:
                    self.scheduler.retry_later(probe)
