"""The outlook: what a probe is likely to do to its call, learned from the crawl so far."""

from __future__ import annotations

import pytest

from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.outlook import ENDS, MOVES, STAYS, Outlook


def test_before_anything_is_seen_a_weak_prior_stands_in():
    outlook = Outlook()
    assert outlook.chances(Probe("m", "invalid", "9"))[STAYS] == 1.0
    assert outlook.chances(Probe("m", "timeout", "timeout"))[ENDS] == 1.0
    assert outlook.chances(Probe("m", "escape", "0"))[ENDS] == 1.0     # an operator, usually
    assert outlook.chances(Probe("m", "escape", "*"))[MOVES] == 1.0    # back, usually
    assert outlook.chances(Probe("m", "announced", "3")) == pytest.approx(
        {STAYS: 1 / 3, MOVES: 1 / 3, ENDS: 1 / 3})


def test_what_a_kind_of_probe_did_outweighs_the_prior():
    """Star was announced as "the main menu" at three menus and went there: at a fourth it
    is expected to move the call; zero did nothing at three menus: no longer an operator."""
    outlook = Outlook()
    for menu in "abc":
        outlook.saw(Probe(menu, "announced", "*"), MOVES)
        outlook.saw(Probe(menu, "escape", "0"), STAYS)
    assert outlook.chances(Probe("d", "announced", "*"))[MOVES] > 0.8
    assert outlook.chances(Probe("d", "escape", "0"))[STAYS] > 0.7
    # another escape key borrows from what escape keys did, before it is seen itself
    assert outlook.chances(Probe("d", "escape", "#"))[STAYS] > 0.7


def test_a_probe_that_may_end_the_call_is_tried_after_one_that_comes_back():
    outlook = Outlook()
    outlook.saw(Probe("a", "escape", "#"), STAYS)
    outlook.saw(Probe("a", "announced", "1"), ENDS)
    outlook.saw(Probe("a", "announced", "2"), MOVES)
    redial, ring = 12.0, 4.0
    back, ends = Probe("b", "escape", "#"), Probe("b", "announced", "1")
    moves = Probe("b", "announced", "2")
    assert outlook.loss(back, redial, ring) < outlook.loss(moves, redial, ring) \
        < outlook.loss(ends, redial, ring)
    # moving costs the walk back (a call without its ringing), ending a new call
    assert outlook.loss(Probe("c", "timeout", "timeout"), redial, ring) == pytest.approx(redial)


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="left"):
        Outlook().saw(Probe("a", "escape", "#"), "left")
