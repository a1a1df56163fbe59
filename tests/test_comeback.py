"""Actions done again on a new way in, where what followed went back to where the caller
came from (ivraudit.crawl.comeback)."""

from __future__ import annotations

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.comeback import Comebacks, came_from
from ivraudit.crawl.frontier import Frontier, Probe


def _audit() -> Audit:
    audit = Audit(target="t", started="")
    for node_id, kind in (("main", "menu"), ("outages", "menu"), ("entry", "input")):
        audit.nodes[node_id] = NodeRecord(node_id, kind, [], [])
    return audit


def test_the_menu_a_caller_came_from_is_the_last_menu_before_the_node() -> None:
    audit = _audit()
    assert came_from(audit, ["main", "entry"], "entry") == "main"
    assert came_from(audit, ["main", "outages", "entry", "entry"], "entry") == "outages"
    assert came_from(audit, ["main", "outages"], "outages") == "main"
    assert came_from(audit, [], "main") is None


def test_an_action_that_went_back_is_done_again_after_each_other_menu_once() -> None:
    entry = Probe("entry", "input", "1111")
    comebacks = Comebacks()
    assert comebacks.arrived("entry", "main", ("main", "1")) == []  # nothing depends yet
    assert comebacks.went_back(entry, "entry", "main") == []        # no other way in known
    again = comebacks.arrived("entry", "outages", ("outages", "2"))
    assert again == [Probe("entry", "input", "1111", after="outages", way=("outages", "2"))]
    frontier = Frontier()
    assert frontier.push(entry) and frontier.push(again[0])  # another thing than the first
    assert not frontier.push(comebacks.arrived("entry", "outages", ("outages", "5"))[0])
    assert comebacks.went_back(again[0], "entry", "outages") == []  # done after both menus
