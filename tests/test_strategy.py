"""Crawl strategies, the frontier, known routes, the cost floor, and calls that fail."""

from __future__ import annotations

import numpy as np
import pytest

from ivraudit.asr import open_recognizer
from ivraudit.audit.metrics import compute_metrics, floor_seconds
from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.identity import fingerprint
from ivraudit.crawl.frontier import Frontier, Probe
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.routes import known_routes
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.lines.base import CallFailed, CallOutcome
from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.listener import Ending, Listener
from ivraudit.spec import load_spec
from ivraudit.spec.truth import ground_truth, map_to_spec

from conftest import tree_path


def test_strategy_names():
    assert CrawlStrategy.parse("naive") == CrawlStrategy(False, False, False)
    assert CrawlStrategy.parse("all") == CrawlStrategy()
    assert CrawlStrategy.parse("reuse, typeahead") == CrawlStrategy(True, True, False)
    assert CrawlStrategy.parse("typeahead").name == "typeahead"
    assert CrawlStrategy().name == "all" and CrawlStrategy.parse("naive").name == "naive"
    with pytest.raises(ValueError, match="fast"):
        CrawlStrategy.parse("fast")


def test_frontier_takes_puts_back_and_filters_duplicates():
    frontier = Frontier()
    a, b, c = Probe("n0", "announced", "1"), Probe("n0", "announced", "2"), Probe("n1", "timeout", "timeout")
    assert frontier.push(a) and frontier.push(b) and frontier.push(c)
    assert not frontier.push(Probe("n0", "escape", "1"))   # the same keys at the same node
    assert frontier.at("n0") == [a, b]
    assert frontier.take(b) == b and frontier.pending() == [a, c]
    frontier.put_back(b)
    assert frontier.pop() == b and len(frontier) == 2


def _audit() -> Audit:
    audit = Audit(target="t", started="")
    for node_id, kind in (("m", "menu"), ("s", "menu"), ("i", "message"), ("x", "input")):
        audit.nodes[node_id] = NodeRecord(node_id, kind, [], [], prompt_seconds=10.0)
    audit.add_edge(EdgeRecord("m", "s", "1", "1", 1.0, "announced"))
    audit.add_edge(EdgeRecord("s", "m", "*", "*", 1.0, "announced"))
    audit.add_edge(EdgeRecord("m", "i", "invalid", "9", 1.0, "invalid"))
    audit.add_edge(EdgeRecord("i", "x", "auto", "", 1.0, "auto"))
    audit.add_edge(EdgeRecord("s", "x", "2", "2", 1.0, "announced"))
    audit.add_edge(EdgeRecord("m", "m", "timeout", "timeout", 5.0, "timeout"))
    return audit


def test_known_routes_walk_keys_only():
    routes = known_routes(_audit(), "m", lambda edge: 2.0)
    assert set(routes) == {"m", "s", "x"}
    assert [e.pressed for e in routes["x"][1]] == ["1", "2"]   # not via the invalid key's message
    assert routes["x"][0] == 4.0
    assert [e.pressed for e in known_routes(_audit(), "s", lambda e: 1.0)["m"][1]] == ["*"]


def test_floor_counts_each_prompt_once_and_each_edge_once():
    audit = _audit()
    audit.ring_seconds, audit.answer_lead = 2.0, 0.5
    audit.nodes["m"].repeats = 2
    audit.nodes["h"] = NodeRecord("h", "hangup", [], [])
    audit.add_edge(EdgeRecord("m", "h", "timeout", "timeout", 0.0, "timeout"))
    prompts = 4 * 10.0
    edges = 4 * (1.0 + 0.1) + 1.0 + 5.0 + 0.0
    replays = 2 * (10.0 + 5.0) - 5.0            # the menu twice more, and a wait per repeat
    calls = 1 * (2.0 + 0.5)                      # one edge ends a call
    assert floor_seconds(audit) == pytest.approx(prompts + edges + replays + calls)


def test_ground_truth_floor_is_below_any_crawl():
    truth = ground_truth(load_spec(tree_path("tiny"))).metrics
    assert 20.0 < truth["floor_seconds"] < 40.0


class FlakyLine(ReplayLine):
    """A replay line whose chosen calls are busy (a stand-in for a real line's bad moments)."""

    def __init__(self, spec, busy: set[int]) -> None:
        super().__init__(spec)
        self.busy = busy
        self.attempts = 0

    def dial(self):
        self.attempts += 1
        if self.attempts in self.busy:
            raise CallFailed(CallOutcome.BUSY, "486 Busy Here", ring_seconds=0.0)
        return super().dial()


@pytest.fixture(scope="module")
def recognizer():
    return open_recognizer("whisper", model=None, language="en", cache_dir=None)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["naive", "all"])
def test_a_busy_call_loses_nothing(recognizer, strategy):
    spec = load_spec(tree_path("tiny"))
    audit = Explorer(FlakyLine(spec, {2}), recognizer,
                     strategy=CrawlStrategy.parse(strategy)).crawl()
    assert [c.outcome for c in audit.calls].count("busy") == 1
    assert audit.complete
    mapping = map_to_spec(spec, audit)
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges


@pytest.mark.slow
def test_a_line_that_stays_busy_ends_the_crawl_with_what_was_learned(recognizer):
    spec = load_spec(tree_path("tiny"))
    audit = Explorer(FlakyLine(spec, set(range(2, 100))), recognizer,
                     strategy=CrawlStrategy.parse("naive")).crawl()
    assert not audit.complete
    assert len(audit.calls) == 4                      # the answer, then three busy calls
    assert any("3 calls in a row failed" in p for p in audit.problems)
    assert compute_metrics(audit)["menus"] == 1      # the main menu, heard on the first call
    assert all(n.truncated for n in audit.nodes.values() if n.kind == "menu")


@pytest.mark.slow
def test_no_call_runs_past_its_time_limit(recognizer):
    spec = load_spec(tree_path("tiny"))
    audit = Explorer(ReplayLine(spec), recognizer, policy=CrawlPolicy(max_call_seconds=10.0)).crawl()
    assert max(c.seconds for c in audit.calls) <= 10.0 + 0.02
    assert any("--max-call-seconds (10 s)" in p for p in audit.problems)
    assert not audit.complete                 # the no-input probe needs longer than 10 s
    assert {n.kind for n in audit.nodes.values()} >= {"menu", "message", "human"}


class DelayedLine(ReplayLine):
    """The replay line heard through a delay (network and jitter buffer): the caller hears
    each frame ``delay`` seconds after the IVR sent it, and its keys arrive at once."""

    def __init__(self, spec, delay: float) -> None:
        super().__init__(spec)
        self.frames = round(delay / 0.02)

    def dial(self):
        return _DelayedCall(super().dial(), self.frames)


class _DelayedCall:
    def __init__(self, call, frames: int) -> None:  # type: ignore[no-untyped-def]
        self._call = call
        self._queue = [np.zeros(160, dtype=np.int16)] * frames
        self._read = 0
        self.ring_seconds = call.ring_seconds

    @property
    def seconds(self) -> float:
        return self._read * 0.02

    @property
    def ended(self) -> bool:
        return self._call.ended and not self._queue

    def read(self, frames: int = 1) -> np.ndarray:
        out = []
        for _ in range(frames):
            fresh = self._call.read(1)
            if len(fresh):
                self._queue.append(fresh)
            if not self._queue:
                break
            out.append(self._queue.pop(0))
            self._read += 1
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)

    def press(self, keys: str) -> None:
        self._call.press(keys)

    def hangup(self) -> None:
        self._call.hangup()


@pytest.mark.slow
@pytest.mark.parametrize("name, delay", [("synthetic-voices", 0.1), ("synthetic-voices", 0.3),
                                         ("acme-pbx", 0.3)])
def test_typing_ahead_through_a_line_with_delay_maps_the_same_graph(recognizer, name, delay):
    """A prompt stopped by a key is still heard for a moment on a line with delay; that tail
    must not pass for the next prompt, nor the stop for no barge-in."""
    spec = load_spec(tree_path(name))
    audit = Explorer(DelayedLine(spec, delay), recognizer).crawl()
    mapping = map_to_spec(spec, audit)
    assert audit.complete, audit.problems
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges
    root = next(n for n in audit.nodes.values() if n.path == [] and n.kind == "menu")
    assert root.barge_in is True


# -- how much of a known prompt a caller hears --------------------------------------------------


def _explorer_knowing_the_main_menu(name: str, strategy: str = "all"):
    """An explorer whose index holds one tree's main menu as heard on a first call."""
    spec = load_spec(tree_path(name))
    line = ReplayLine(spec)
    explorer = Explorer(line, recognizer=None, strategy=CrawlStrategy.parse(strategy))
    first = Listener(line.dial()).hear()
    node = NodeRecord("n0", "menu", [], [], transcript=spec.nodes[spec.start].text,
                      prompt_seconds=first.seconds, audio=first.audio, barge_in=True)
    explorer.audit.nodes["n0"] = node
    explorer.index.add("n0", fingerprint(first.audio), node.transcript)
    return explorer, line, first


def test_a_return_to_a_node_of_this_call_is_taken_a_second_after_it_is_unmistakable():
    """After an invalid key or a message the line goes back to a menu the caller was at:
    that return is taken once it has matched that menu alone for a second (from its first
    second on), any other known prompt only after 2.5 s and a margin of 1.5 s."""
    explorer, line, first = _explorer_knowing_the_main_menu("synthetic-voices")
    returning = explorer._hear_result(Listener(line.dial()), frozenset({"n0"}))
    elsewhere = explorer._hear_result(Listener(line.dial()), frozenset({"n5"}))
    assert returning.ending is Ending.CUT and elsewhere.ending is Ending.CUT
    assert 2.0 <= returning.seconds < 2.5
    assert elsewhere.seconds >= 3.0
    assert explorer._identify(returning) == explorer._identify(elsewhere) == "n0"


def test_typing_ahead_through_a_known_node_presses_as_it_begins():
    """On the way through a node that takes keys while it speaks, the key goes in 0.3 to
    0.5 s into its prompt, once the prompt begins as that node's does; a prompt that begins
    otherwise is heard until it is recognised or heard out."""
    explorer, line, first = _explorer_knowing_the_main_menu("acme-pbx")
    through = explorer._hear_known(Listener(line.dial()), passing="n0")
    assert through.ending is Ending.CUT and 0.3 <= through.seconds < 0.5
    assert explorer._typed_through(through)
    stopping = explorer._hear_known(Listener(line.dial()))
    assert stopping.ending is Ending.CUT and stopping.seconds >= 1.0
    other = load_spec(tree_path("tiny"))
    stranger = Listener(ReplayLine(other).dial())
    heard = explorer._hear_known(stranger, passing="n0")
    assert not explorer._typed_through(heard)
    assert heard.ending is not Ending.CUT  # not the main menu: heard out
