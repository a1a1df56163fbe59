"""One menu recording under two branches (ivraudit.crawl.lookalikes): an action of a known
menu reached by a new way is done again there, and the answer decides whether that way
reaches a twin. The crawls that show it end to end are zoo seeds 20052 and 24046
(tests/test_zoo_crawls.py)."""

from __future__ import annotations

from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord, Option
from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.lookalikes import Lookalikes
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.crawl.twins import Twins


def _crawl() -> tuple[Audit, Lookalikes, Scheduler]:
    """main: 1 -> sales (a menu), 2 -> support (a menu); sales: 1 -> offer (a callback offer);
    the offer: 1 -> entry, timeout -> sales_queue. Support's 1 has just reached the offer's
    recording too."""
    audit = Audit(target="t", started="")
    nodes = [("main", "menu", [], []), ("sales", "menu", ["1"], ["main"]),
             ("support", "menu", ["2"], ["main"]), ("offer", "menu", ["1", "1"], ["main", "sales"]),
             ("entry", "input", ["1", "1", "1"], ["main", "sales", "offer"]),
             ("sales_queue", "hold", ["1", "1", "timeout"], ["main", "sales", "offer"]),
             ("support_queue", "hold", ["2", "1", "timeout"], ["main", "support", "offer"])]
    for node_id, kind, path, via in nodes:
        audit.nodes[node_id] = NodeRecord(node_id, kind, path, via)
    audit.nodes["offer"].options = [Option("1", "a call back")]
    for source, target, key, role in (("main", "sales", "1", "announced"),
                                      ("main", "support", "2", "announced"),
                                      ("sales", "offer", "1", "announced"),
                                      ("offer", "entry", "1", "announced"),
                                      ("offer", "sales_queue", "timeout", "timeout"),
                                      ("support", "offer", "1", "announced")):
        audit.add_edge(EdgeRecord(source, target, key, "" if key == "timeout" else key, 0.0, role))
    mapper = Mapper(audit, None, "en", lambda line: None)
    scheduler = Scheduler(audit, CrawlPolicy(), now=lambda: 0.0, heard_seconds=lambda n: 0.0)
    return audit, Lookalikes(audit, mapper, scheduler, Twins(audit, mapper, Expectations(audit))), \
        scheduler


def _checking() -> tuple[Audit, Lookalikes, Scheduler, Probe]:
    """The crawl of :func:`_crawl` with support's 1 just found to reach the offer, and the
    action queued to do again there taken off the frontier (a call is about to do it)."""
    audit, lookalikes, scheduler = _crawl()
    lookalikes.arrived("offer", ("support", "1", "announced"), "support", new_way=True)
    return audit, lookalikes, scheduler, scheduler.frontier.pop()


def _check(scheduler: Scheduler) -> Probe:
    (probe,) = scheduler.frontier.pending()
    return probe


def test_a_known_menu_reached_a_new_way_has_one_action_done_again_there() -> None:
    audit, lookalikes, scheduler = _crawl()
    lookalikes.arrived("offer", ("support", "1", "announced"), "support", new_way=True)
    # the first action known whose answer goes on by itself: the wait, not the entry
    assert _check(scheduler) == Probe("offer", "timeout", "timeout", after="support",
                                      way=("support", "1"))


def test_loops_back_up_and_ways_seen_before_are_not_checked() -> None:
    audit, lookalikes, scheduler = _crawl()
    lookalikes.arrived("offer", ("support", "1", "announced"), "support", new_way=False)
    lookalikes.arrived("sales", ("offer", "*", "escape"), "offer", new_way=True)  # up a level
    lookalikes.arrived("offer", ("offer", "9", "announced"), "offer", new_way=True)  # itself
    assert scheduler.frontier.pending() == []


def test_another_answer_makes_a_twin_with_its_own_actions_to_explore() -> None:
    audit, lookalikes, scheduler, probe = _checking()
    twin = lookalikes.verdict(probe, "offer", "a_new_message")
    assert twin is not None and twin not in ("offer", None)
    assert ("support", twin, "1") in audit.edges and ("support", "offer", "1") not in audit.edges
    assert audit.nodes[twin].path == ["2", "1"] and audit.nodes[twin].via == ["main", "support"]
    assert [o.key for o in audit.nodes[twin].options] == ["1"]
    pending = {(p.node, p.keys) for p in scheduler.frontier.pending()}
    assert (twin, "1") in pending and (twin, "timeout") not in pending  # that one is done
    assert ("sales", "offer", "1") in audit.edges  # the first offer keeps its way in


def test_the_same_queues_prompt_is_a_twin_on_trial_taken_back_when_the_queue_is_the_same() -> None:
    audit, lookalikes, scheduler, probe = _checking()
    twin = lookalikes.verdict(probe, "offer", "sales_queue")
    assert twin is not None and ("support", twin, "1") in audit.edges
    audit.add_edge(EdgeRecord(twin, "sales_queue", "timeout", "", 0.0, "timeout"))
    lookalikes.settle(probe)  # the queue's own sound said it is the same queue
    assert twin not in audit.nodes and ("support", "offer", "1") in audit.edges
    assert not any(twin in (e.source, e.target) for e in audit.edges.values())
    assert scheduler.frontier.pending() == []


def test_a_queue_of_its_own_keeps_the_twin() -> None:
    audit, lookalikes, scheduler, probe = _checking()
    twin = lookalikes.verdict(probe, "offer", "sales_queue")
    assert twin is not None
    audit.add_edge(EdgeRecord(twin, "support_queue", "timeout", "", 0.0, "timeout"))
    lookalikes.settle(probe)
    assert twin in audit.nodes and ("support", twin, "1") in audit.edges
    assert (twin, "1") in {(p.node, p.keys) for p in scheduler.frontier.pending()}


def test_a_check_cut_short_is_taken_back_and_done_again() -> None:
    audit, lookalikes, scheduler, probe = _checking()
    twin = lookalikes.verdict(probe, "offer", "sales_queue")
    lookalikes.settle(probe)  # the call dropped before the queue told itself
    assert twin not in audit.nodes and ("support", "offer", "1") in audit.edges
    again = lookalikes.verdict(probe, "offer", "sales_queue")
    assert again is not None and again != twin  # a new id: the one taken back is not reused
