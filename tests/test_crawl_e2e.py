"""End to end: crawl every bundled tree by ear and compare the map with the spec's ground truth.

Real parts only: the replay line plays the fixtures' real audio (Debian human-recorded prompts,
flite and espeak-ng voices, hold music) through a μ-law round trip, whisper tiny.en transcribes
it, and the explorer decides everything from what it hears. The truth is computed from the spec
(ivraudit.testing.truth); crawled nodes are mapped to spec nodes by their recorded audio only.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from ivraudit.audit.metrics import call_ending_actions, compute_metrics
from ivraudit.audit.model import Audit
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.interpret import interpret
from ivraudit.lines import open_line
from ivraudit.spec import load_spec
from ivraudit.testing.truth import ground_truth, map_to_spec

from conftest import TREES, tree_path

pytestmark = pytest.mark.slow


def crawl(name: str, recognizer, strategy: str = "all", concurrency: int = 1, **policy) -> Audit:
    line = open_line(str(tree_path(name)))
    return Explorer(line, recognizer, policy=CrawlPolicy(**policy),
                    strategy=CrawlStrategy.parse(strategy), language="en",
                    concurrency=concurrency).crawl()


@pytest.fixture(scope="module")
def crawled(recognizer):
    """Each bundled tree crawled once per strategy and concurrency (shared by the tests)."""
    cache: dict[tuple[str, str, int], Audit] = {}

    def get(name: str, strategy: str = "all", concurrency: int = 1) -> Audit:
        if (name, strategy, concurrency) not in cache:
            cache[name, strategy, concurrency] = crawl(name, recognizer, strategy, concurrency)
        return cache[name, strategy, concurrency]

    return get


STRATEGIES = [(name, "naive", 1) for name in TREES] + [(name, "all", 1) for name in TREES] + [
    ("synthetic-voices", "typeahead", 1), ("synthetic-voices", "reuse", 1), ("acme-pbx", "hangup", 1),
    ("acme-pbx", "all", 4), ("synthetic-voices", "all", 4), ("synthetic-voices", "naive", 3),
]


@pytest.mark.parametrize("name, strategy, concurrency", STRATEGIES)
def test_crawl_maps_exactly_the_specs_reachable_graph(name, strategy, concurrency, crawled):
    """Every strategy, alone or all together, at any concurrency, maps exactly the graph the
    naive crawl maps: the spec's reachable graph."""
    spec = load_spec(tree_path(name))
    truth = ground_truth(spec)
    audit = crawled(name, strategy, concurrency)
    assert audit.complete, audit.problems
    assert audit.problems == []

    mapping = map_to_spec(spec, audit)
    assert sorted(mapping.values()) == sorted(truth.kinds), "crawled nodes are not the spec's nodes"
    assert len(set(mapping.values())) == len(mapping), f"two crawled nodes are one prompt: {mapping}"
    kinds = {mapping[n.id]: n.kind for n in audit.nodes.values()}
    assert kinds == truth.kinds
    edges = {(mapping[s], mapping[t], k) for s, t, k in audit.edges}
    assert edges - truth.edges == set(), "edges the spec does not have"
    assert truth.edges - edges == set(), "edges of the spec the crawl missed"
    # every key found invalid at a menu is kept on its invalid edge, the escape keys among them
    invalid = {(mapping[e.source], mapping[e.target]): e.keys_pressed
               for e in audit.edges.values() if e.key == "invalid"}
    assert invalid == {(e.source, e.target): e.keys_pressed
                       for e in truth.audit.edges.values() if e.key == "invalid"}


@pytest.mark.parametrize("name", TREES)
def test_menu_options_read_from_audio_match_the_true_text(name, crawled):
    """What the crawl read from the heard prompt is what the prompt's true words say."""
    spec = load_spec(tree_path(name))
    audit = crawled(name)
    mapping = map_to_spec(spec, audit)
    menus = [n for n in audit.nodes.values() if n.kind == "menu"]
    assert menus
    for node in menus:
        true = spec.nodes[mapping[node.id]]
        expected = {o.key: o.label for o in interpret(true.text, spec.language).options}
        assert set(expected) <= set(true.options)
        assert {o.key for o in node.options} == set(expected), node.transcript


@pytest.mark.parametrize("name", TREES)
@pytest.mark.parametrize("figure", ["time_to_human_seconds", "time_to_human_typeahead_seconds"])
def test_time_to_human_is_within_ten_percent_of_truth(name, figure, crawled):
    truth = ground_truth(load_spec(tree_path(name))).metrics
    got = compute_metrics(crawled(name))
    assert truth[figure] is not None
    assert got[figure] == pytest.approx(truth[figure], rel=0.10)
    assert got["path_to_human"] == truth["path_to_human"]
    assert got["max_depth"] == truth["max_depth"]


@pytest.mark.parametrize("name", TREES)
def test_optimised_crawl_costs_less_line_time_than_naive(name, crawled):
    naive, optimised = compute_metrics(crawled(name, "naive")), compute_metrics(crawled(name))
    assert optimised["floor_seconds"] == pytest.approx(naive["floor_seconds"], rel=0.05)
    assert optimised["call_seconds"] < 0.7 * naive["call_seconds"]
    assert optimised["calls"] < naive["calls"]
    assert 1.0 < optimised["cost_ratio"] < naive["cost_ratio"]


@pytest.mark.parametrize("name", TREES)
def test_the_optimised_crawl_makes_at_most_one_call_more_than_the_tree_needs(name, crawled):
    """Every action that ends a call (a goodbye, a human, the hangup after no input) needs a
    call of its own, so no crawl makes fewer calls. At each menu the probes that gave the
    line back elsewhere go first (ivraudit.crawl.outlook), so calls rarely end with work left
    at their menu: before that ordering acme-pbx took 17 calls for its 15 endings."""
    audit = crawled(name)
    needed = len(call_ending_actions(audit))
    assert needed <= len(audit.calls) <= needed + 1, [c.purpose for c in audit.calls]


@pytest.mark.parametrize("name", ["acme-pbx", "synthetic-voices"])
def test_parallel_calls_overlap_on_the_line_clock(name, crawled):
    """At concurrency 4 calls overlap: the crawl takes far less line time than its calls add
    up to, and no call starts before the answer that made it possible."""
    audit = crawled(name, "all", 4)
    metrics = compute_metrics(audit)
    assert metrics["concurrency"] == 4
    assert metrics["wall_seconds"] < 0.6 * metrics["call_seconds"]
    assert len(audit.calls) <= len(crawled(name, "naive").calls)
    single = compute_metrics(crawled(name))
    assert single["wall_seconds"] == pytest.approx(single["call_seconds"], abs=0.5)


def test_typing_ahead_is_measured_not_assumed(crawled):
    """The demo's main menu takes keys while it speaks; the crawl found that out on a call."""
    audit = crawled("acme-pbx")
    root = next(n for n in audit.nodes.values() if n.path == [] and n.kind == "menu")
    assert root.barge_in is True
    # The naive crawl measures it on a call of its own; with type-ahead, walking known paths
    # measures it on the way.
    naive = crawled("acme-pbx", "naive")
    assert [c.purpose for c in naive.calls].count("type-ahead") == 1
    assert next(n for n in naive.nodes.values() if n.path == [] and n.kind == "menu").barge_in
    metrics = compute_metrics(audit)
    assert metrics["time_to_human_typeahead_seconds"] < metrics["time_to_human_seconds"] - 15


def test_unannounced_working_key_is_found(crawled):
    """synthetic-voices: 0 reaches an operator but no prompt says so."""
    audit = crawled("synthetic-voices")
    spec = load_spec(tree_path("synthetic-voices"))
    mapping = map_to_spec(spec, audit)
    zero = [e for e in audit.edges.values() if e.key == "0" and mapping[e.source] == "main"]
    assert [mapping[e.target] for e in zero] == ["operator"]
    assert zero[0].probe == "escape"
    root = audit.nodes[zero[0].source]
    assert "0" not in {o.key for o in root.options}


def test_call_budget_stops_the_crawl_and_keeps_what_was_learned(recognizer):
    audit = crawl("synthetic-voices", recognizer, max_calls=4)
    assert len(audit.calls) == 4
    assert not audit.complete
    assert any("--max-calls" in p for p in audit.problems)
    assert len(audit.nodes) >= 3          # root, the invalid message and what 1 led to
    assert any(n.truncated for n in audit.nodes.values())


def test_forbidden_keys_are_never_pressed(recognizer):
    audit = crawl("tiny", recognizer, forbid=frozenset("2#"))
    pressed = "".join(e.pressed for e in audit.edges.values() if e.pressed != "timeout")
    pressed += "".join("".join(c.path) for c in audit.calls if "timeout" not in c.path)
    assert "2" not in pressed and "#" not in pressed
    assert compute_metrics(audit)["human_reachable"] is False


def test_max_depth_leaves_deeper_nodes_unexplored(recognizer):
    audit = crawl("acme-pbx", recognizer, max_depth=1)
    assert max(n.depth for n in audit.nodes.values()) <= 2
    depth_one_menus = [n for n in audit.nodes.values() if n.kind == "menu" and n.depth == 1]
    assert depth_one_menus and all(n.truncated for n in depth_one_menus)
    assert not any(e.source in {n.id for n in depth_one_menus} and e.probe == "announced"
                   for e in audit.edges.values())


def test_cli_crawl_writes_the_audit_folder(tmp_path: Path):
    from click.testing import CliRunner

    from ivraudit.cli import main

    out = tmp_path / "audit"
    result = CliRunner().invoke(main, ["crawl", str(tree_path("tiny")), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "audit.json").read_text())
    assert document["format"] == "ivraudit.audit/1"
    assert document["strategy"] == "all"
    assert {n["kind"] for n in document["nodes"]} == {"menu", "message", "human", "hangup"}
    for node in document["nodes"]:
        if node["recording"]:
            assert (out / node["recording"]).stat().st_size > 1000
    assert {"time_to_human_seconds", "time_to_human_typeahead_seconds", "calls",
            "call_seconds", "max_depth", "path_to_human"} <= set(document["metrics"])
    graph = nx.read_graphml(out / "graph.graphml")
    assert graph.number_of_nodes() == len(document["nodes"])
    assert graph.number_of_edges() == len(document["edges"])
    assert "Press 1 for goodbye" in (out / "report.html").read_text()
    assert "time to a human: 4." in result.output
