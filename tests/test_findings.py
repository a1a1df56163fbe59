"""Findings, the maze score and the additive audit.json fields, on small hand-built documents.

Each rule is tested both ways (a tree that breaks it and the same tree fixed), so a check that
always or never fires fails here.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ivraudit.audit.analysis import add_analysis
from ivraudit.audit.document import AuditDoc
from ivraudit.audit.findings import find_issues, hangs_up_on_no_input, preamble_seconds, rules_checked
from ivraudit.audit.score import maze_score


def node(node_id: str, kind: str, path: list[str], transcript: str = "", options=(),
         seconds: float = 3.0, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "path": path, "transcript": transcript,
            "options": [{"key": k, "label": label} for k, label in options],
            "prompt_seconds": seconds, "recording": None, "depth": len(path), **extra}


def edge(source: str, target: str, key: str, pressed: str | None = None,
         probe: str = "announced", lead_in: float = 1.0) -> dict[str, Any]:
    if pressed is None:
        pressed = "" if key == "auto" else key
    return {"source": source, "target": target, "key": key, "pressed": pressed,
            "lead_in_seconds": lead_in, "probe": probe}


MENU_TEXT = ("Press 1 for billing. Press 2 for sales. Press 0 for an operator. "
             "Press 9 to repeat these options.")


def good_tree(language: str = "en") -> dict[str, Any]:
    """A tree that keeps every rule: 2 choices, 0 to a person, repeat, invalid key handled,
    silence repeats then transfers to a person."""
    nodes = [
        node("n0", "menu", [], MENU_TEXT, [("1", "billing"), ("2", "sales"), ("0", "an operator"),
                                           ("9", "repeat these options")], seconds=7.0),
        node("n1", "message", ["1"], "Billing is closed. Transferring you.", seconds=2.0),
        node("n2", "hold", ["0"], "Please hold.", hold_seconds=20.0),
        node("n3", "human", ["0"], "Hi, this is Sam."),
        node("n4", "message", ["8"], "That is not a valid choice.", seconds=2.0),
        node("n5", "voicemail", ["2"], "Leave a message."),
    ]
    edges = [
        edge("n0", "n1", "1"), edge("n1", "n2", "auto"), edge("n0", "n5", "2"),
        edge("n0", "n2", "0"), edge("n2", "n3", "auto", lead_in=20.0),
        edge("n0", "n0", "9"),
        edge("n0", "n4", "invalid", "8", "invalid"), edge("n4", "n0", "auto"),
        edge("n0", "n0", "timeout", "timeout", "timeout"),
        edge("n0", "n2", "timeout", "timeout", "timeout"),
    ]
    return {"format": "ivraudit.audit/1", "target": "test", "language": language,
            "nodes": nodes, "edges": edges,
            "metrics": {"human_reachable": True, "path_to_human": ["0"], "max_depth": 1,
                        "time_to_human_seconds": 32.0, "time_to_human_typeahead_seconds": 25.0,
                        "dead_ends": [], "loops": [["n4", "n0", "auto"]], "menus": 1,
                        "options": 4, "hold_seconds_to_human": 20.0}}


def rules(document: dict[str, Any]) -> dict[str, list[str]]:
    """{rule: [node ids]} of a document's findings."""
    found: dict[str, list[str]] = {}
    for f in find_issues(document):
        found.setdefault(f.rule, []).append(f.node)
    return found


def test_a_tree_that_keeps_every_rule_has_no_findings():
    assert rules(good_tree()) == {}
    assert rules(good_tree("es")) == {}  # 32 s to a human is within Spain's 3 minutes


def test_more_than_four_choices_is_a_finding_but_operator_and_repeat_do_not_count():
    doc = good_tree()
    menu = doc["nodes"][0]
    menu["options"] = [{"key": str(k), "label": f"choice {k}"} for k in range(1, 5)] + \
        [{"key": "0", "label": "an operator"}, {"key": "9", "label": "repeat the menu"}]
    assert "too-many-options" not in rules(doc)
    menu["options"].insert(4, {"key": "5", "label": "choice 5"})
    found = [f for f in find_issues(doc) if f.rule == "too-many-options"]
    assert [f.node for f in found] == ["n0"]
    assert "5 choices" in found[0].detail
    assert found[0].quote.startswith("Press 1 for billing.")  # quotes what the line said


def test_zero_must_reach_a_person():
    doc = good_tree()
    assert "no-operator-zero" not in rules(doc)
    # 0 goes back to a menu instead of to the hold queue: a finding at that menu
    doc["edges"] = [e for e in doc["edges"] if not (e["source"] == "n0" and e["key"] == "0")]
    doc["edges"].append(edge("n0", "n5", "0"))
    found = [f for f in find_issues(doc) if f.rule == "no-operator-zero"]
    assert [(f.node, f.severity) for f in found] == [("n0", "high")]
    assert "n5 (voicemail)" in found[0].detail
    # 0 not accepted at all, in a menu the crawl probed: a finding
    doc["edges"] = [e for e in doc["edges"] if e["pressed"] != "0"]
    assert rules(doc)["no-operator-zero"] == ["n0"]
    # a menu the crawl never probed (--no-escapes): no evidence, no finding
    doc["edges"] = [e for e in doc["edges"] if e["key"] not in ("invalid", "timeout")]
    assert "no-operator-zero" not in rules(doc)


def test_a_menu_without_a_repeat_option_is_a_low_finding():
    doc = good_tree()
    doc["nodes"][0]["options"].pop()
    doc["nodes"][0]["transcript"] = "Press 1 for billing. Press 2 for sales. Press 0 for an operator."
    found = [f for f in find_issues(doc) if f.rule == "no-repeat"]
    assert [(f.node, f.severity) for f in found] == [("n0", "low")]
    assert "only waiting in silence repeats it" in found[0].detail


@pytest.mark.parametrize("keys, says", [
    (["1", "2", "3"], None),
    (["1", "2", "3", "0"], None),
    (["5", "0", "*"], "first key announced is 5"),
    (["1", "3"], "skip numbers"),
    (["2", "1"], "order 2, 1"),
])
def test_keys_numbered_upward_from_one(keys, says):
    doc = good_tree()
    doc["nodes"][0]["options"] = [{"key": k, "label": f"option {k}"} for k in keys]
    found = [f for f in find_issues(doc) if f.rule == "keys-out-of-order"]
    if says is None:
        assert found == []
    else:
        assert len(found) == 1 and says in found[0].detail


def test_preamble_is_estimated_from_where_the_first_option_starts():
    menu = node("n0", "menu", [], "Welcome. " * 10 + "For billing, press 1.",
                [("1", "billing")], seconds=20.0)
    before = preamble_seconds(menu)
    assert before is not None and 15.0 < before < 19.0  # 90 of 111 characters
    doc = good_tree()
    doc["nodes"][0].update(transcript=menu["transcript"], prompt_seconds=20.0)
    assert rules(doc)["long-preamble"] == ["n0"]
    doc["nodes"][0].update(transcript="For billing, press 1. " + "Thanks. " * 10)
    assert "long-preamble" not in rules(doc)


def test_recogniser_moving_the_sentence_boundary_does_not_hide_the_first_option():
    # Whisper: "... at any time to establish a sales partnership. Press one ..." (field notes)
    text = ("Thank you for calling. If you know the extension, you may dial it at any time to "
            "establish a sales partnership. Press one to speak with an advocate.")
    menu = node("n0", "menu", [], text, [("1", "establish a sales partnership")], seconds=10.0)
    expected = 10.0 * text.index("to establish") / len(text)
    assert preamble_seconds(menu) == pytest.approx(expected, abs=0.1)


def test_hanging_up_on_silence_directly_or_after_a_goodbye():
    doc = good_tree()
    assert hangs_up_on_no_input(AuditDoc(doc)) == []
    doc["edges"] = [e for e in doc["edges"] if not (e["key"] == "timeout" and e["target"] == "n2")]
    doc["nodes"] += [node("n6", "message", ["timeout"], "Goodbye.", seconds=1.0),
                     node("hangup", "hangup", ["timeout"], "", seconds=0.0)]
    doc["edges"] += [edge("n0", "n6", "timeout", "timeout", "timeout", lead_in=6.0),
                     edge("n6", "hangup", "auto")]
    found = [f for f in find_issues(doc) if f.rule == "hangs-up-on-no-input"]
    assert [(f.node, f.severity) for f in found] == [("n0", "high")]
    assert "\u201cGoodbye.\u201d" in found[0].detail and "hears the prompt again" in found[0].detail
    doc["edges"][-2] = edge("n0", "hangup", "timeout", "timeout", "timeout")
    assert hangs_up_on_no_input(AuditDoc(doc)) == ["n0"]


def test_invalid_key_must_lead_back_to_the_menu():
    doc = good_tree()
    doc["nodes"].append(node("hangup", "hangup", ["8"], "", seconds=0.0))
    doc["edges"] = [e for e in doc["edges"] if not (e["source"] == "n4" and e["key"] == "auto")]
    doc["edges"].append(edge("n4", "hangup", "auto"))
    found = [f for f in find_issues(doc) if f.rule == "invalid-key"]
    assert [(f.node, f.severity) for f in found] == [("n0", "high")]
    assert "Pressing 8" in found[0].detail and "ends the call" in found[0].detail
    doc["edges"][-1] = edge("n4", "n5", "auto")
    assert [f.severity for f in find_issues(doc) if f.rule == "invalid-key"] == ["medium"]


def test_a_working_key_that_is_never_announced():
    doc = good_tree()
    doc["edges"].append(edge("n0", "n3", "*", "*", "escape"))
    found = [f for f in find_issues(doc) if f.rule == "unannounced-escape"]
    assert [(f.node, f.severity) for f in found] == [("n0", "medium")]
    assert "reaches a person, but the prompt never says so" in found[0].detail


def test_an_announced_key_answered_as_invalid():
    """The menu offers 2 (heard so), and 2 plays "That is not a valid choice." as 8 does:
    the crawl files it under the invalid edge (ivraudit.crawl.hidden) and the finding says
    the offer does not work."""
    doc = good_tree()
    doc["edges"] = [e for e in doc["edges"] if not (e["source"] == "n0" and e["key"] == "2")]
    next(e for e in doc["edges"] if e["key"] == "invalid")["also_pressed"] = ["2"]
    found = [f for f in find_issues(doc) if f.rule == "announced-key-invalid"]
    assert [(f.node, f.severity) for f in found] == [("n0", "high")]
    assert "offer 2, and 2 is answered as a key the menu does not offer" in found[0].detail
    assert [f for f in find_issues(good_tree()) if f.rule == "announced-key-invalid"] == []


def test_spanish_lines_must_reach_a_human_within_three_minutes():
    doc = good_tree("es")
    doc["metrics"]["time_to_human_seconds"] = 200.0
    found = [f for f in find_issues(doc) if f.rule == "spain-answer-limit"]
    assert [(f.node, f.severity) for f in found] == [("n0", "high")]
    assert "200 s" in found[0].detail
    assert "spain-answer-limit" in [r["rule"] for r in rules_checked(doc)]
    english = good_tree("en")
    english["metrics"]["time_to_human_seconds"] = 200.0
    assert "spain-answer-limit" not in rules(english)
    assert "spain-answer-limit" not in [r["rule"] for r in rules_checked(english)]


def test_no_human_at_all():
    doc = good_tree()
    doc["metrics"].update(human_reachable=False, path_to_human=None, time_to_human_seconds=None)
    assert rules(doc)["no-human"] == ["n0"]


def test_findings_are_ordered_by_severity():
    doc = good_tree()
    doc["edges"].append(edge("n0", "n3", "*", "*", "escape"))     # medium
    doc["nodes"][0]["options"] = doc["nodes"][0]["options"][:3]     # no repeat: low
    doc["nodes"][0]["transcript"] = "Press 1 for billing. Press 2 for sales."
    doc["metrics"]["human_reachable"] = False                       # high
    severities = [f.severity for f in find_issues(doc)]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    assert severities[0] == "high" and severities[-1] == "low"


def test_maze_score_parts_add_up_and_stay_in_range():
    good = maze_score(good_tree())
    assert sum(p["weight"] for p in good["parts"]) == 100
    assert good["score"] == round(sum(p["points"] for p in good["parts"]))
    assert 0 <= good["score"] <= 15
    assert "40\u00b7min(1, time to a human / 180)" in good["formula"]

    bad = good_tree()
    bad["metrics"].update(human_reachable=False, path_to_human=None, time_to_human_seconds=None,
                          max_depth=9, dead_ends=["a", "b", "c", "d"])
    worse = maze_score(bad)
    assert worse["score"] > 60 and worse["score"] <= 100
    time_part = next(p for p in worse["parts"] if p["name"] == "time to a human")
    assert time_part["measure"] is None and time_part["points"] == 40


def test_maze_score_grows_with_time_to_a_human():
    quick, slow = good_tree(), good_tree()
    slow["metrics"]["time_to_human_seconds"] = 150.0
    assert maze_score(slow)["score"] > maze_score(quick)["score"]


def test_analysis_only_adds_fields():
    doc = good_tree()
    before = copy.deepcopy(doc)
    result = add_analysis(doc)
    assert doc == before  # the input, metrics included, is left alone
    for key, value in before.items():
        if key != "metrics":
            assert result[key] == value
    for key, value in before["metrics"].items():
        assert result["metrics"][key] == value
    assert result["metrics"]["maze_score"] == result["maze_score"]["score"]
    assert result["metrics"]["findings"] == len(result["findings"]) == 0


def test_fewest_keys_can_differ_from_the_fastest_route():
    doc = good_tree()
    # a direct but slow key: 3 goes to a long message then a human; fastest is still 0
    doc["nodes"].append(node("n7", "human", ["1", "3"], "Hello."))
    doc["nodes"][1]["kind"] = "menu"
    doc["edges"].append(edge("n1", "n7", "3"))
    view = AuditDoc(doc)
    assert view.fewest_keys_to_human() == ["0"]
    assert [e["target"] for e in view.route_to_human()] == ["n2", "n3"]
