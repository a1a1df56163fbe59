"""Crawl strategies, the frontier, known routes, the cost floor, and calls that fail."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import tree_path

from ivraudit.audit.metrics import call_ending_actions, compute_metrics, floor_seconds
from ivraudit.audit.model import Audit, CallRecord, EdgeRecord, NodeRecord
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.frontier import Frontier, Probe
from ivraudit.crawl.hangup import RESULT_MARGIN_SECONDS, RESULT_MIN_SECONDS
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.recognition import NAVIGATION_MIN_SECONDS, RETURN_MARGIN_SECONDS
from ivraudit.crawl.routes import known_routes
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.crawl.typeahead import typed_through
from ivraudit.identity import fingerprint
from ivraudit.lines.base import CallFailed, CallOutcome
from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.listener import Ending, Listener
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.testing.lines import DelayedLine, FlakyLine, RecordingLine
from ivraudit.testing.truth import ground_truth, map_to_spec


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


def test_an_invalid_edge_keeps_every_key_found_invalid_in_keypad_order():
    audit = Audit(target="t", started="")
    kept = audit.add_edge(EdgeRecord("m", "inv", "invalid", "9", 1.0, "invalid"))
    for key in ("#", "0", "*", "0", "9"):
        assert audit.add_edge(EdgeRecord("m", "inv", "invalid", key, 1.5, "invalid")) is kept
    assert kept.keys_pressed == ["9", "0", "*", "#"] and kept.lead_in == 1.0
    audit.add_edge(EdgeRecord("m", "s", "1", "1", 1.0, "announced"))
    audit.add_edge(EdgeRecord("m", "s", "1", "1", 2.0, "announced"))
    assert audit.edges[("m", "s", "1")].also_pressed == []
    # each key found invalid was an observation of its own: its key and its lead-in
    audit.nodes.update({n: NodeRecord(n, k, [], []) for n, k in
                        (("m", "menu"), ("s", "menu"), ("inv", "message"))})
    assert floor_seconds(audit) == pytest.approx(4 * (0.1 + 1.0) + (0.1 + 1.0))


def test_floor_counts_a_call_for_every_action_that_ends_one():
    """Two menus whose no-input waits both end in one shared goodbye need two calls, not the
    one edge from the goodbye to the hangup; a key to a queue that goes on to a human ends a
    call too; a shared message that returns to a menu does not."""
    audit = Audit(target="t", started="")
    audit.ring_seconds, audit.answer_lead = 3.0, 0.5
    for node_id, kind in (("m", "menu"), ("s", "menu"), ("bye", "message"), ("inv", "message"),
                          ("q", "hold"), ("h", "human"), ("hangup", "hangup")):
        audit.nodes[node_id] = NodeRecord(node_id, kind, [], [], prompt_seconds=1.0)
    for source, target, key, role in (
            ("m", "s", "1", "announced"), ("m", "bye", "timeout", "timeout"),
            ("s", "bye", "timeout", "timeout"), ("bye", "hangup", "auto", "auto"),
            ("m", "inv", "invalid", "invalid"), ("s", "inv", "invalid", "invalid"),
            ("inv", "m", "auto", "auto"), ("inv", "s", "auto", "auto"),
            ("s", "q", "0", "escape"), ("q", "h", "auto", "auto"), ("s", "t", "2", "announced")):
        pressed = {"auto": "", "invalid": "9"}.get(key, key)
        audit.add_edge(EdgeRecord(source, target, key, pressed, 0.0, role))
    audit.nodes["t"] = NodeRecord("t", "menu", [], [], prompt_seconds=1.0)
    for key in "9#":  # a menu that says goodbye to a wrong key: each wrong key ends a call
        audit.add_edge(EdgeRecord("t", "bye", "invalid", key, 0.0, "invalid"))
    assert call_ending_actions(audit) == {("m", "timeout", "timeout"), ("s", "timeout", "timeout"),
                                          ("s", "0", "0"), ("t", "invalid", "9"),
                                          ("t", "invalid", "#")}
    prompts, edges = 8 * 1.0, 7 * 0.1   # keys: 1, 0, 2, an invalid key at each menu, and #
    assert floor_seconds(audit) == pytest.approx(prompts + edges + 5 * 3.5)


@pytest.mark.parametrize("operator_lead_in, keys", [(1.08, ["2"]), (1.12, ["2"]), (0.5, ["0"])])
def test_two_keys_to_one_queue_name_the_first_announced_unless_one_is_plainly_faster(
        operator_lead_in, keys):
    """"2 for an advocate" and "0 for an operator" lead to one queue: measured over SIP their
    lead-ins differ by a frame, and the way to a human named is the first one announced (as
    the spec's ground truth names it); a key faster by more than a key press is named."""
    from ivraudit.audit.model import Option

    audit = Audit(target="t", started="")
    audit.ring_seconds = 2.0
    audit.nodes["m"] = NodeRecord("m", "menu", [], [], prompt_seconds=10.0,
                                  options=[Option("1", "sales"), Option("2", "advocate"),
                                           Option("0", "operator")])
    audit.nodes["q"] = NodeRecord("q", "hold", ["2"], ["m"], prompt_seconds=2.0, hold_seconds=40.0)
    audit.nodes["h"] = NodeRecord("h", "human", ["2", "auto"], ["m", "q"], prompt_seconds=3.0)
    audit.add_edge(EdgeRecord("m", "q", "2", "2", 1.10, "announced"))
    audit.add_edge(EdgeRecord("m", "q", "0", "0", operator_lead_in, "announced"))
    audit.add_edge(EdgeRecord("q", "h", "auto", "", 41.0, "auto"))
    assert compute_metrics(audit)["path_to_human"] == keys


def test_ground_truth_floor_is_below_any_crawl():
    truth = ground_truth(load_spec(tree_path("tiny"))).metrics
    assert 20.0 < truth["floor_seconds"] < 40.0


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["naive", "all"])
def test_a_busy_call_loses_nothing(recognizer, strategy):
    spec = load_spec(tree_path("tiny"))
    audit = Explorer(FlakyLine(ReplayLine(spec), {2}), recognizer,
                     strategy=CrawlStrategy.parse(strategy)).crawl()
    assert [c.outcome for c in audit.calls].count("busy") == 1
    assert audit.complete
    mapping = map_to_spec(spec, audit)
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges


@pytest.mark.slow
def test_a_line_that_stays_busy_ends_the_crawl_with_what_was_learned(recognizer):
    spec = load_spec(tree_path("tiny"))
    audit = Explorer(FlakyLine(ReplayLine(spec), set(range(2, 100))), recognizer,
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


@pytest.mark.slow
@pytest.mark.parametrize("name, delay", [("synthetic-voices", 0.1), ("synthetic-voices", 0.3),
                                         ("acme-pbx", 0.3)])
def test_typing_ahead_through_a_line_with_delay_maps_the_same_graph(recognizer, name, delay):
    """A prompt stopped by a key is still heard for a moment on a line with delay; that tail
    must not pass for the next prompt, nor the stop for no barge-in."""
    spec = load_spec(tree_path(name))
    audit = Explorer(DelayedLine(ReplayLine(spec), delay), recognizer).crawl()
    mapping = map_to_spec(spec, audit)
    assert audit.complete, audit.problems
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges
    root = next(n for n in audit.nodes.values() if n.path == [] and n.kind == "menu")
    assert root.barge_in is True


def _crawl_recorded(spec, recognizer):  # type: ignore[no-untyped-def]
    line = RecordingLine(ReplayLine(spec))
    audit = Explorer(line, recognizer).crawl()
    assert audit.complete and not audit.problems, audit.problems
    mapping = map_to_spec(spec, audit)
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges
    events = [[(e.what, e.detail) for e in session.events] for session in line.sessions]
    through = [ev for ev in events if ("prompt", "account_number") in ev]
    return events, through


@pytest.mark.slow
def test_a_known_path_is_typed_in_one_burst_where_each_menu_keeps_early_keys(recognizer):
    """Calls back to the account-number entry (3, then 1) type both keys at once: the
    accounting menu takes its key before it speaks, so its prompt is never played."""
    events, through = _crawl_recorded(load_spec(tree_path("acme-pbx")), recognizer)
    assert len(through) >= 3
    assert any(("prompt", "accounting") not in ev for ev in through)
    assert not any(what == "ignored" for ev in events for what, _ in ev)


@pytest.mark.slow
def test_a_menu_that_drops_early_keys_is_typed_into_once_and_then_waited_for(recognizer):
    """A menu that clears its digit buffer on entry (``typeahead: false``) drops the key typed
    ahead for it once; the crawl hears it out, presses again, maps the same graph, and types
    no key ahead into it again."""
    from dataclasses import replace

    spec = load_spec(tree_path("acme-pbx"))
    spec.nodes["accounting"] = replace(spec.nodes["accounting"], typeahead=False)
    events, through = _crawl_recorded(spec, recognizer)
    assert len(through) >= 3
    assert all(("prompt", "accounting") in ev for ev in through)
    assert sum(what == "ignored" for ev in events for what, _ in ev) == 1


def _typed_into_a_pause(events: list[list[tuple[str, str]]], message: str = "invalid") -> list[str]:
    """Keys the IVR took right after ``message``, before any other prompt began."""
    return [ev[i + 1][1] for ev in events for i in range(len(ev) - 1)
            if ev[i] == ("prompt", message) and ev[i + 1][0] == "key"]


@pytest.mark.slow
def test_wrong_keys_go_in_during_the_pause_after_the_invalid_message(recognizer):
    """Where "invalid option, please try again" is known to go back to its menu, the next
    wrong key goes in during the pause after it, before the menu speaks again; the crawl
    still maps the ground truth, and no key is lost."""
    events, _ = _crawl_recorded(load_spec(tree_path("acme-pbx")), recognizer)
    typed = _typed_into_a_pause(events)
    assert len(typed) >= 3 and set(typed) <= {"#", "*", "0"}
    assert not any(what == "ignored" for ev in events for what, _ in ev)


@pytest.mark.parametrize("name", ["tiny", "acme-pbx"])
@pytest.mark.slow
def test_a_menus_invalid_entry_limit_is_looked_for_on_the_calls_already_there(recognizer, name):
    """Wrong keys at a menu that bring the caller back are counted in a row on the call that
    presses them (the invalid key, then the unannounced escapes); a menu that took the
    policy's ``max_wrong_keys`` of them has no limit that low, and where it took fewer the
    invalid key is pressed again on that call, while it is still there. No call is made to
    look for a limit alone: one a menu (tiny: 4 calls, 60 s of line time; now 3 and 46 s, as
    before the limit was looked for)."""
    spec = load_spec(tree_path(name))
    audit = Explorer(ReplayLine(spec), recognizer, strategy=CrawlStrategy.parse("all")).crawl()
    mapping = map_to_spec(spec, audit)
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges
    assert not [c.purpose for c in audit.calls if c.purpose == "limit"]


@pytest.mark.slow
def test_a_menu_that_drops_keys_typed_before_it_speaks_is_found_out_in_the_pause(recognizer):
    """The directory clears its digits on entry: the key typed into the pause after the
    invalid message is dropped, once; the directory is heard and pressed into from then on,
    and the crawl maps the same graph."""
    from dataclasses import replace

    spec = load_spec(tree_path("acme-pbx"))
    spec.nodes["directory"] = replace(spec.nodes["directory"], typeahead=False)
    events, _ = _crawl_recorded(spec, recognizer)
    assert sum(what == "ignored" for ev in events for what, _ in ev) == 1


@pytest.mark.slow
def test_a_wrong_key_that_is_an_option_there_is_not_believed_when_typed_into_a_pause(recognizer):
    """At the directory, # quietly hangs up (an option nobody announces). Typed into the pause
    after the invalid message, it does not bring the message back: the call ends there, the
    key is tried again on a call that hears the directory first, and the graph is the truth."""
    from dataclasses import replace

    spec = load_spec(tree_path("acme-pbx"))
    directory = spec.nodes["directory"]
    spec.nodes["directory"] = replace(directory, options={**directory.options, "#": "goodbye"})
    events, _ = _crawl_recorded(spec, recognizer)

    def has(run: list[tuple[str, str]]) -> list[int]:
        return [n for n, ev in enumerate(events)
                if any(ev[i:i + len(run)] == run for i in range(len(ev)))]
    typed = has([("prompt", "directory"), ("key", "9"), ("prompt", "invalid"), ("key", "#"),
                 ("prompt", "goodbye")])
    heard_first = has([("prompt", "directory"), ("key", "#"), ("prompt", "goodbye")])
    assert typed and heard_first and typed[0] < heard_first[0]


# -- how much of a known prompt a caller hears --------------------------------------------------


def _session(call) -> CallSession:  # type: ignore[no-untyped-def]
    """A call as the crawl's strategies use it, outside a crawl."""
    return CallSession(Listener(call), CallRecord(index=1, purpose="test", path=[], outcome="answered"),
                       max_wait=20.0)


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


def test_a_return_to_a_node_of_this_call_is_taken_once_it_matched_alone_for_a_margin():
    """After an invalid key or a message the line goes back to a menu the caller was at:
    that return is taken once it has matched that menu alone for RETURN_MARGIN_SECONDS
    (from its first second on), any other known prompt only after 2.5 s and a margin of
    1.5 s."""
    explorer, line, first = _explorer_knowing_the_main_menu("synthetic-voices")
    returning = explorer.strategies.results.hear(_session(line.dial()), frozenset({"n0"}))
    elsewhere = explorer.strategies.results.hear(_session(line.dial()), frozenset({"n5"}))
    assert returning.ending is Ending.CUT and elsewhere.ending is Ending.CUT
    soonest = NAVIGATION_MIN_SECONDS + RETURN_MARGIN_SECONDS
    assert soonest <= returning.seconds < soonest + 0.5
    assert elsewhere.seconds >= RESULT_MIN_SECONDS + RESULT_MARGIN_SECONDS
    assert explorer.mapper.identify(returning) == explorer.mapper.identify(elsewhere) == "n0"


def test_where_a_message_went_on_from_the_same_menu_before_is_taken_on_its_first_second():
    """The "invalid entry" message went back to the menu that played it: after the next
    wrong key there, that menu's return is a step of a mapped path, taken on its first
    second. Seen to go on elsewhere too, or to nowhere, nothing is expected."""
    explorer, line, first = _explorer_knowing_the_main_menu("synthetic-voices")
    explorer.expectations.continued("n0", "inv", "n0")
    explorer.expectations.continued("n0", "inv", "n0")
    expect = explorer.expectations.continuations[("n0", "inv")]
    assert expect == "n0"
    expected = explorer.strategies.results.hear(_session(line.dial()), frozenset({"n0"}), expect)
    returning = explorer.strategies.results.hear(_session(line.dial()), frozenset({"n0"}))
    assert expected.ending is Ending.CUT and explorer.mapper.identify(expected) == "n0"
    assert NAVIGATION_MIN_SECONDS <= expected.seconds < NAVIGATION_MIN_SECONDS + 0.3
    assert expected.seconds < returning.seconds
    explorer.expectations.continued("n0", "inv", "n5")
    explorer.expectations.continued("n1", "inv", None)
    explorer.expectations.continued("n1", "inv", "n1")
    assert explorer.expectations.continuations == {("n0", "inv"): None, ("n1", "inv"): None}


def test_a_message_that_went_back_to_every_menu_is_expected_back_at_a_new_one():
    """Seen to go back to the menu that played it from two menus, the "invalid entry"
    message is expected back at a third on its first hearing there; once it went elsewhere
    from any menu, nowhere new."""
    explorer, line, first = _explorer_knowing_the_main_menu("synthetic-voices")
    explorer.expectations.continued("n3", "inv", "n3")
    assert explorer.expectations.after_message("n6", "inv") is None       # one menu proves little
    explorer.expectations.continued("n5", "inv", "n5")
    assert explorer.expectations.after_message("n6", "inv") == "n6"
    assert explorer.expectations.after_message("n3", "inv") == "n3"
    assert explorer.expectations.after_message("n6", "bye") is None        # another message
    explorer.expectations.continued("n7", "inv", "n0")
    assert explorer.expectations.after_message("n6", "inv") is None
    assert explorer.expectations.after_message("n7", "inv") == "n0"        # where it went from there


def test_a_new_message_is_expected_back_where_messages_on_this_line_go_back():
    """A message never heard going on is expected back at the menu it was reached from once
    two messages went back to theirs and none went on to another prompt; a goodbye that
    hung up is no evidence against it, a queue's agent is not a message, and a message that
    went elsewhere ends the expectation."""
    explorer, line, first = _explorer_knowing_the_main_menu("synthetic-voices")
    for node_id, kind in [("inv", "message"), ("thanks", "message"), ("bye", "message"),
                          ("new", "message"), ("queue", "hold"), ("agent", "human")]:
        explorer.audit.nodes[node_id] = NodeRecord(node_id, kind, [], [])
    explorer.expectations.continued("n3", "inv", "n3")
    explorer.expectations.continued("n5", "inv", "n5")
    assert explorer.expectations.after_message("n6", "new") is None        # one message proves little
    explorer.expectations.continued("n3", "thanks", "n3")
    explorer.expectations.continued("n0", "bye", "hangup")
    explorer.expectations.continued("n0", "queue", "agent")
    assert explorer.expectations.after_message("n6", "new") == "n6"
    explorer.expectations.continued("n4", "thanks", "n0")
    assert explorer.expectations.after_message("n6", "new") is None


def test_an_announced_key_is_expected_where_it_led_at_every_other_menu():
    """Star led back to the main menu from two menus: at a third it is expected there (a
    head start, taken on the first second); once it led anywhere else, or as a key a menu
    did not announce, it does not count."""
    explorer, line, first = _explorer_knowing_the_main_menu("synthetic-voices")
    for node_id in ("n1", "n2", "n3", "n4"):
        explorer.audit.nodes[node_id] = NodeRecord(node_id, "menu", [], [])
    explorer.audit.add_edge(EdgeRecord("n1", "n0", "*", "*", 1.0, "announced"))
    explorer.audit.add_edge(EdgeRecord("n0", "n9", "invalid", "*", 1.0, "escape"))
    assert explorer.expectations.after_press("n3", "*") is None
    explorer.audit.add_edge(EdgeRecord("n2", "n0", "*", "*", 1.0, "announced"))
    assert explorer.expectations.after_press("n3", "*") == "n0"
    assert explorer.expectations.after_press("n3", "1") is None
    explorer.audit.add_edge(EdgeRecord("n4", "n1", "*", "*", 1.0, "announced"))
    assert explorer.expectations.after_press("n3", "*") is None


def test_typing_ahead_through_a_known_node_presses_as_it_begins():
    """On the way through a node that takes keys while it speaks, the key goes in 0.3 s into
    its prompt (the listener asks then, not at its next 0.2 s), once the prompt begins as that
    node's does; a prompt that begins otherwise is heard until it is recognised or heard
    out."""
    explorer, line, first = _explorer_knowing_the_main_menu("acme-pbx")
    through = explorer.strategies.typing.hear_known(_session(line.dial()), explorer.audit.nodes["n0"])
    assert through.ending is Ending.CUT and 0.3 <= through.seconds < 0.36
    assert typed_through(through)
    stopping = explorer.strategies.typing.hear_known(_session(line.dial()))
    assert stopping.ending is Ending.CUT and stopping.seconds >= 1.0
    other = load_spec(tree_path("tiny"))
    stranger = _session(ReplayLine(other).dial())
    heard = explorer.strategies.typing.hear_known(stranger, explorer.audit.nodes["n0"])
    assert not typed_through(heard)
    assert heard.ending is not Ending.CUT  # not the main menu: heard out


_DEBIAN_SOUNDS = "/usr/share/asterisk/sounds/en/"


def _spliced(*names: str) -> np.ndarray:
    """Debian's human-recorded words one after another, as the generated maze splices them."""
    from ivraudit.telephony.wav import read_telephone_audio

    gap = np.zeros(400, dtype=np.int16)
    return np.concatenate([part for name in names
                           for part in (read_telephone_audio(f"{_DEBIAN_SOUNDS}{name}.wav"), gap)])


def _menu_named(first: str, second: str) -> np.ndarray:
    return _spliced(f"phonetic/{first}_p", f"phonetic/{second}_p", "vm-press", "digits/1", "for",
                    "phonetic/t_p", "phonetic/e_p", "vm-press", "digits/2", "for", "phonetic/l_p",
                    "phonetic/d_p", "vm-starmain")


@pytest.mark.parametrize("playing,taken", [("mike", True), ("quebec", False)])
def test_a_new_prompt_that_begins_like_a_menu_of_this_call_is_not_taken_for_a_return(
        tmp_path, playing, taken):
    """ "Whiskey quebec..." begins like "Whiskey mike..." for its first second (the generated
    200-node maze has such pairs): heard where a return to "Whiskey mike" may come, it is
    heard out, while "Whiskey mike" itself is taken for the return it is."""
    from ivraudit.telephony.g711 import ulaw_round_trip
    from ivraudit.telephony.wav import write_wav

    write_wav(tmp_path / "playing.wav", _menu_named("w", playing[0]))
    (tmp_path / "tree.yaml").write_text(
        "format: ivraudit.tree/1\nname: one menu\nlanguage: en\nstart: menu\nanswer_after: 1.0\n"
        "nodes:\n  menu:\n    type: menu\n    prompt: playing.wav\n"
        "    options: {\"1\": menu}\n")
    spec = load_spec(tmp_path / "tree.yaml")
    explorer = Explorer(ReplayLine(spec), recognizer=None)
    known = ulaw_round_trip(_menu_named("w", "m"))
    explorer.audit.nodes["n0"] = NodeRecord("n0", "menu", [], [], transcript="Whiskey mike.",
                                            prompt_seconds=len(known) / SAMPLE_RATE, audio=known)
    explorer.index.add("n0", fingerprint(known), "Whiskey mike.")
    heard = explorer.strategies.results.hear(_session(ReplayLine(spec).dial()), frozenset({"n0"}))
    if taken:
        assert heard.ending is Ending.CUT and explorer.mapper.identify(heard) == "n0"
        assert heard.seconds < NAVIGATION_MIN_SECONDS + RETURN_MARGIN_SECONDS + 0.5
    else:
        assert heard.seconds > 6.0
        assert heard.ending is not Ending.CUT or explorer.mapper.identify(heard) is None


@pytest.mark.parametrize("left", [1.0, 1.6])
def test_a_prompt_that_ignores_a_key_near_its_end_is_not_heard_going_on_past_it(
        tmp_path, left):
    """A prompt recognised only near its end, at a menu that does not take keys while it
    speaks: a key pressed into it then went on through the check (BARGE_IN_CHECK_SECONDS),
    fell silent in the confirmation (BARGE_IN_CONFIRM_SECONDS) at its own end as if the key
    had stopped it, and the menu was taken to take keys; its timeout's message was filed
    under the key (zoo seed 29954, 0.9 s left). The confirmation stops where the prompt
    would: the menu ignores keys, and the key is pressed again after the prompt."""
    folder = tmp_path / "tree"
    shutil.copytree(tree_path("synthetic-voices").parent, folder)
    spec_path = folder / "tree.yaml"
    spec_path.write_text(spec_path.read_text().replace(
        '    prompt: main-slt.wav\n', '    prompt: main-slt.wav\n    barge_in: false\n', 1))
    line = ReplayLine(load_spec(spec_path))
    first = Listener(line.dial()).hear()
    node = NodeRecord("n0", "menu", [], [], transcript="", prompt_seconds=first.seconds,
                      audio=first.audio)
    session = _session(line.dial())
    cut = first.seconds - left
    heard = session.listener.hear(stop_when=lambda audio: len(audio) >= cut * SAMPLE_RATE)
    assert heard.ending is Ending.CUT and heard.seconds < first.seconds - left + 0.3
    pressed = session.press_at(node, heard, "9", fingerprint(first.audio))
    assert node.barge_in is False
    assert pressed >= heard.onset + first.seconds  # after the prompt's end


def test_a_result_known_by_its_beginning_is_heard_out_where_the_call_would_end_there():
    """A known voicemail whose prompt was two the line ran together (a notice 0.3 s before
    the greeting), and the notice alone reached another way, going on to something else
    (zoo seed 30067: "Our offices are now closed..." before a voicemail behind one key, back
    to its menu behind another). Taken for the voicemail from its first 4 s, the second
    branch was never mapped: where the call would end with the known prompt, what a probe
    led to is taken for it only once it has matched all of it but its last second."""
    from ivraudit.crawl.recognition import WHOLE_BUT_SECONDS, recognised
    from ivraudit.identity import CERTAIN_AUDIO, PromptIndex
    from ivraudit.telephony.wav import read_telephone_audio

    def prompt(name: str) -> np.ndarray:
        audio = read_telephone_audio(f"/usr/share/asterisk/sounds/en/{name}.wav")
        return audio[int(np.argmax(np.abs(audio) > 500)):]

    notice, pause = prompt("vm-intro"), np.zeros(round(0.3 * SAMPLE_RATE), np.int16)
    voicemail = np.concatenate([notice, pause, prompt("vm-nobodyavail")])
    elsewhere = np.concatenate([notice, pause, prompt("vm-options")])
    index = PromptIndex()
    index.add("box", fingerprint(voicemail), "")

    def stopped_at(audio: np.ndarray, whole: bool) -> float | None:
        stop = recognised(index, RESULT_MIN_SECONDS, RESULT_MARGIN_SECONDS, CERTAIN_AUDIO,
                          whole=lambda node_id: whole)
        for end in range(round(0.2 * SAMPLE_RATE), len(audio) + 1, round(0.2 * SAMPLE_RATE)):
            verdict = stop(audio[:end])
            if verdict:
                return end / SAMPLE_RATE
            if verdict is None:
                return None
        return None

    early = stopped_at(elsewhere, whole=False)  # (a prompt after which the call goes on)
    assert early is not None and early < len(notice) / SAMPLE_RATE
    assert stopped_at(elsewhere, whole=True) is None
    heard_out = stopped_at(voicemail, whole=True)
    assert heard_out is not None
    assert heard_out >= len(voicemail) / SAMPLE_RATE - WHOLE_BUT_SECONDS - 0.2

    # which known prompts the early hangup hears so: those the call ends with
    from ivraudit.crawl.hangup import EarlyHangup
    from ivraudit.crawl.mapper import Mapper

    audit = _audit()
    audit.nodes["box"] = NodeRecord("box", "voicemail", ["2"], ["m"])
    audit.nodes["bye"] = NodeRecord("bye", "message", ["3"], ["m"])
    audit.add_edge(EdgeRecord("bye", "hangup", "auto", "", 0.5, "auto"))
    results = EarlyHangup(Mapper(audit, None, "en", lambda line: None))
    assert [results._ends_the_call(n) for n in ("box", "bye", "m", "gone")] == \
        [True, True, False, False]
