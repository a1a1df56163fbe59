"""`ivraudit freeze`: an audit becomes a tree spec that replays, by ear, to the same graph."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord
from ivraudit.audit.reader import LoadedAudit
from ivraudit.cli import main
from ivraudit.regress.diff import diff_audits
from ivraudit.regress.freeze import build_spec
from ivraudit.regress.timing import estimate_timing
from ivraudit.spec.loader import load_spec
from ivraudit.telephony.constants import SAMPLE_RATE
from regress_support import frozen, graph, original, replayed


def _loops_and_dead_ends(loaded: LoadedAudit) -> tuple[list, list]:
    """The metrics' loops and dead ends by node path (node ids are discovery order)."""
    paths = {n.id: tuple(n.path) for n in loaded.audit.nodes.values()}
    return (sorted((paths[s], paths[t], k) for s, t, k in loaded.metrics["loops"]),
            sorted(paths[n] for n in loaded.metrics["dead_ends"]))


def _same_graph(tree: str, *, loops: bool = True) -> None:
    before, after = original(tree), replayed(tree)
    nodes_a, edges_a = graph(before)
    nodes_b, edges_b = graph(after)
    assert nodes_b == nodes_a
    assert edges_b == edges_a
    assert _loops_and_dead_ends(after) == _loops_and_dead_ends(before)
    assert bool(_loops_and_dead_ends(before)[0]) == loops
    # the replay measures the same times (within two 20 ms frames per step)
    for field in ("time_to_human_seconds", "time_to_human_typeahead_seconds"):
        assert after.metrics[field] == pytest.approx(before.metrics[field], abs=0.3)
    result = diff_audits(before, after)
    assert not result.changed, [c.summary for c in result.changes]


@pytest.mark.slow
def test_tiny_replays_to_the_same_graph() -> None:
    _same_graph("tiny", loops=False)


@pytest.mark.slow
def test_synthetic_voices_replays_with_its_hold_queue() -> None:
    _same_graph("synthetic-voices")
    before, after = original("synthetic-voices"), replayed("synthetic-voices")
    hold_a = next(n for n in before.audit.nodes.values() if n.kind == "hold")
    hold_b = next(n for n in after.audit.nodes.values() if n.kind == "hold")
    assert hold_b.hold_seconds == pytest.approx(hold_a.hold_seconds, abs=0.3)
    assert hold_b.announcements == hold_a.announcements == 1
    assert hold_b.prompt_seconds == pytest.approx(hold_a.prompt_seconds, abs=0.05)


@pytest.mark.slow
def test_acme_pbx_replays_to_the_same_graph() -> None:
    _same_graph("acme-pbx")
    spec = yaml.safe_load(frozen("acme-pbx").spec_path.read_text())
    kinds = {body["type"] for body in spec["nodes"].values()}
    assert kinds == {"menu", "message", "hold", "human", "voicemail", "input"}
    entries = [b for b in spec["nodes"].values() if b["type"] == "input"]
    assert sorted(str(b.get("digits", b.get("terminator"))) for b in entries) == ["#", "10", "3"]
    invalid = {b["prompt"] for b in spec["nodes"].values()
               if b["type"] == "message" and b.get("next") == "back"}
    assert len(invalid) == 1  # "That option is invalid" returns to whichever menu sent it


@pytest.mark.slow
def test_frozen_folder_is_self_contained(tmp_path: Path) -> None:
    result = frozen("tiny")
    copy = tmp_path / "moved"
    import shutil

    shutil.copytree(result.spec_path.parent, copy)
    spec = load_spec(copy / "tree.yaml")
    assert spec.start == "n0" and spec.nodes["n0"].options == {"1": "n1", "2": "n2"}
    assert spec.nodes["n0"].text == original("tiny").audit.nodes["n0"].transcript


# -- the rules, on hand-made audits (no speech recognition) --------------------------------

def _pcm(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (3000 * np.sin(2 * np.pi * 300 * t) * (1 + np.sin(2 * np.pi * 4 * t))).astype(np.int16)


def _audit() -> Audit:
    audit = Audit(target="hand-made", started="", ring_seconds=1.0, answer_lead=0.2)
    nodes = [NodeRecord("n0", "menu", [], [], "Press 1 or 2.", audio=_pcm(2)),
             NodeRecord("n1", "message", ["9"], ["n0"], "Wrong key.", audio=_pcm(1)),
             NodeRecord("n2", "menu", ["1"], ["n0"], "Press 5.", audio=_pcm(1)),
             NodeRecord("n3", "input", ["2"], ["n0"], "Enter your pin then pound.", audio=_pcm(1)),
             NodeRecord("n4", "message", ["2", "1234#"], ["n0", "n3"], "Bye.", audio=_pcm(1)),
             NodeRecord("hangup", "hangup", ["1", "timeout"], ["n0", "n2"])]
    for node in nodes:
        audit.nodes[node.id] = node
    for edge in [EdgeRecord("n0", "n1", "invalid", "9", 1.2), EdgeRecord("n1", "n0", "auto", "", 1.5),
                 EdgeRecord("n0", "n2", "1", "1", 1.1), EdgeRecord("n0", "n3", "2", "2", 1.0),
                 EdgeRecord("n2", "n1", "invalid", "9", 1.2), EdgeRecord("n1", "n2", "auto", "", 1.3),
                 EdgeRecord("n2", "hangup", "5", "5", 0.0),
                 EdgeRecord("n2", "hangup", "timeout", "timeout", 3.0),
                 EdgeRecord("n0", "n0", "timeout", "timeout", 6.2),
                 EdgeRecord("n3", "n4", "input", "1234#", 1.0),
                 EdgeRecord("n4", "hangup", "auto", "", 0.3)]:
        audit.add_edge(edge)
    return audit


def test_timing_is_split_into_gap_and_leading_silences() -> None:
    timing = estimate_timing(_audit(), "n0")
    assert timing.gap == pytest.approx(1.0)       # the quickest arrival (n3, n4) has no lead
    assert timing.lead["n0"] == pytest.approx(0.2)  # the answer's lead
    assert timing.lead["n1"] == pytest.approx(0.2)
    assert timing.lead["n2"] == pytest.approx(0.1)
    assert timing.trail["n1"] == pytest.approx(0.25, abs=0.03)  # 1.5/1.3 - gap - lead
    assert timing.trail["n4"] == pytest.approx(0.3)


def test_each_observed_behaviour_becomes_its_spec_field() -> None:
    document, files, warnings, _ = build_spec(_audit())
    nodes = document["nodes"]
    assert document["start"] == "n0" and document["answer_after"] == 1.0
    assert nodes["n0"]["options"] == {"1": "n2", "2": "n3"}
    assert nodes["n0"]["on_invalid"] == "n1"
    assert nodes["n0"]["repeats"] == 99          # only ever repeated: never gives up
    assert nodes["n0"]["wait"] == pytest.approx(6.2 - 1.0 - 0.2)
    assert nodes["n1"]["next"] == "back"         # returns to two menus
    assert nodes["n2"]["options"] == {"5": "hangup"}
    assert nodes["n2"]["wait"] == pytest.approx(3.0) and nodes["n2"]["on_timeout"] == "hangup"
    assert nodes["n3"]["terminator"] == "#" and nodes["n3"]["next"] == "n4"
    assert nodes["n3"]["on_timeout"] == "hangup" and nodes["n3"]["wait"] == 3600.0
    assert nodes["n4"]["next"] == "hangup"
    assert len(files["prompts/n0.wav"]) == int((0.2 + 2.0) * SAMPLE_RATE)  # leading silence kept


def test_repeats_heard_by_the_crawl_are_kept() -> None:
    audit = _audit()
    audit.add_edge(EdgeRecord("n0", "n4", "timeout", "timeout", 6.2))
    audit.nodes["n0"].repeats = 3
    document, _, warnings, _ = build_spec(audit)
    assert document["nodes"]["n0"]["repeats"] == 3
    assert document["nodes"]["n0"]["on_exhausted"] == "n4"
    assert not any("repeat" in w for w in warnings)


def test_invalid_key_that_hangs_up_is_frozen_as_options() -> None:
    audit = _audit()
    del audit.edges[("n0", "n1", "invalid")]
    audit.add_edge(EdgeRecord("n0", "hangup", "invalid", "9", 0.0))
    nodes = build_spec(audit)[0]["nodes"]
    assert nodes["n0"]["options"]["9"] == "hangup" and nodes["n0"]["options"]["1"] == "n2"
    assert "on_invalid" not in nodes["n0"]


def test_hold_without_music_sample_is_refused(tmp_path: Path) -> None:
    audit = _audit()
    audit.nodes["n4"].kind = "hold"
    with pytest.raises(Exception, match="music sample"):
        build_spec(audit)


def test_cli_freeze_refuses_what_is_not_an_audit(tmp_path: Path) -> None:
    (tmp_path / "audit.json").write_text(json.dumps({"format": "something/1"}))
    result = CliRunner().invoke(main, ["freeze", str(tmp_path), "--to", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "format must be 'ivraudit.audit/1'" in result.output
    result = CliRunner().invoke(main, ["freeze", str(tmp_path / "nowhere"), "--to",
                                       str(tmp_path / "out")])
    assert result.exit_code == 2 and "not an audit folder" in result.output


@pytest.mark.slow
def test_a_sip_crawl_freezes_and_replays_to_the_same_graph(recognizer) -> None:
    """Any audit freezes, not only replays: crawl the tiny tree over SIP (the simulator, paced
    like a live line), freeze that audit, replay it offline."""
    from ivraudit.audit.writer import write_audit
    from ivraudit.crawl.explorer import Explorer
    from ivraudit.crawl.policy import CrawlPolicy
    from ivraudit.lines import open_line
    from ivraudit.lines.sip import SipAccount
    from ivraudit.regress.freeze import freeze
    from ivraudit.audit.reader import read_audit
    from ivraudit.regress.replay import crawl_spec
    from ivraudit.report.files import write_report
    from ivraudit.simulator import Simulator
    from regress_support import FIXTURES, WORK

    with Simulator(load_spec(FIXTURES / "tiny" / "tree.yaml"), paced=True) as sim:
        line = open_line(sim.uri(), account=SipAccount(media_timeout=2.0, pace_by_reading=True))
        try:
            audit = Explorer(line, recognizer, policy=CrawlPolicy()).crawl()
        finally:
            line.close()
    assert audit.complete and audit.target.startswith("sip:")
    write_report(WORK / "sip-tiny", write_audit(audit, WORK / "sip-tiny"))
    sip = read_audit(WORK / "sip-tiny")
    result = freeze(sip.folder, WORK / "sip-tiny-frozen")
    replay = crawl_spec(result.spec_path, WORK / "sip-tiny-replay")
    assert graph(replay) == graph(sip)
    outcome = diff_audits(sip, replay, tolerance=0.3)
    assert not outcome.changed, [c.summary for c in outcome.changes]
