"""Findings: where a crawled phone tree breaks published usability rules.

Pure functions over an ``audit.json`` document (see :mod:`ivraudit.audit.document`), so the same
checks run when a crawl writes its folder and when ``ivraudit report`` re-renders an old one.
Each finding names the node, the keys that reach it and quotes what the line said there: a
finding is evidence that a reader can check against the recording.

The rules come from shared/docs/field-notes.md: ISO/IEC 13714 (at most 4 options, 0 for the
operator, * back, options numbered upward without gaps), the GetHuman standard (0 reaches a
human, never hang up on a caller who said nothing) and Spain's customer-service law (a human
within 3 minutes).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ivraudit.audit.document import HANGUP_NODE, AuditDoc, Node, quote
from ivraudit.kinds import HANGUP_KIND

MAX_OPTIONS = 4
"""ISO/IEC 13714: at most four choices per menu, not counting help, repeat and back."""

PREAMBLE_LIMIT_SECONDS = 8.0
"""This tool's threshold for talk before the first option (no standard gives a number; 8 s is
about two sentences, after which callers start pressing keys blindly)."""

SPAIN_ANSWER_LIMIT_SECONDS = 180.0
"""Spain's customer-service law (approved Dec 2025): calls answered within 3 minutes."""

SEVERITIES = ("high", "medium", "low")

RULES: dict[str, tuple[str, str]] = {
    "no-human": ("No way to reach a human",
                 "GetHuman standard: callers can always reach a person"),
    "no-operator-zero": ("0 does not reach a human",
                         "ISO/IEC 13714 (0 = operator/help); GetHuman standard"),
    "too-many-options": ("More than 4 options in a menu", "ISO/IEC 13714: at most 4 options"),
    "no-repeat": ("No option to hear the menu again", "ISO/IEC 13714: repeat option"),
    "keys-out-of-order": ("Keys not numbered upward from 1",
                          "ISO/IEC 13714: options numbered upward without gaps"),
    "long-preamble": ("Long talk before the first option",
                      f"Options should start early (this tool flags more than "
                      f"{PREAMBLE_LIMIT_SECONDS:.0f} s)"),
    "hangs-up-on-no-input": ("Hangs up on a caller who said nothing",
                             "GetHuman standard: never hang up on no input"),
    "invalid-key": ("Invalid key handled badly",
                    "ISO/IEC 13714: say the key was not valid and return to the menu"),
    "unannounced-escape": ("A key works but is never announced",
                           "ISO/IEC 13714: announce 0 (operator) and * (back)"),
    "announced-key-invalid": ("An announced key is answered as invalid",
                              "ISO/IEC 13714: every option the menu offers works"),
    "spain-answer-limit": ("No human within 3 minutes",
                           "Spain's customer-service law: calls answered within 3 minutes"),
}

_REPEAT = re.compile(r"\brepeat|\b(hear|listen)\b[^.]{0,40}\bagain\b", re.IGNORECASE)
_NOT_A_CHOICE = re.compile(r"\b(repeat|again|main menu|previous menu|go back|return to|help|"
                           r"operator|representative)\b", re.IGNORECASE)
_PRESS = re.compile(r"\b(press|push|select|choose)\b\s+(\w+)", re.IGNORECASE)
"""Where an option is offered ("dial" is left out: "you may dial an extension at any time"
is preamble)."""


@dataclass(frozen=True)
class Finding:
    """One broken rule at one node."""

    rule: str
    severity: str
    node: str
    path: list[str]
    title: str
    detail: str
    quote: str
    reference: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _finding(doc: AuditDoc, rule: str, severity: str, node: Node, detail: str) -> Finding:
    title, reference = RULES[rule]
    return Finding(rule=rule, severity=severity, node=node["id"], path=list(node.get("path", [])),
                   title=title, detail=detail, quote=quote(node.get("transcript", "")),
                   reference=reference)


def _where(node: Node) -> str:
    path = node.get("path") or []
    return "at the answer" if not path else "after " + " ".join(path)


def _key_edges(doc: AuditDoc, node_id: str, key: str) -> list[dict[str, Any]]:
    """Edges taken by pressing exactly ``key`` at the node (announced, escape or invalid)."""
    return [e for e in doc.out_edges(node_id)
            if e.get("pressed") == key and e["key"] not in ("auto", "timeout")]


def _was_probed(doc: AuditDoc, node_id: str) -> bool:
    """Whether the crawl tried escapes at this node (it then left timeout/invalid edges)."""
    return any(e["key"] in ("timeout", "invalid") or e.get("probe") in ("escape", "invalid",
                                                                        "timeout")
               for e in doc.out_edges(node_id))


def _reaches_human_unaided(doc: AuditDoc, node_id: str) -> bool:
    """A human answers from here without the caller doing anything more (auto edges only)."""
    return doc.reaches_kind(node_id, ["human"], keys=["auto"])


def check_no_human(doc: AuditDoc) -> list[Finding]:
    root = doc.root
    if root is None or doc.metrics.get("human_reachable", True):
        return []
    return [_finding(doc, "no-human", "high", doc.nodes[root],
                     "No key sequence the crawl tried reached a person.")]


def check_operator_zero(doc: AuditDoc) -> list[Finding]:
    found = []
    for menu in doc.menus():
        severity = "high" if menu["id"] == doc.root else "medium"
        edges = _key_edges(doc, menu["id"], "0")
        if not edges:
            if _was_probed(doc, menu["id"]):
                found.append(_finding(doc, "no-operator-zero", severity, menu,
                                      f"Pressing 0 in this menu ({_where(menu)}) is rejected like "
                                      "an invalid key: it does not reach an operator."))
            continue
        if any(_reaches_human_unaided(doc, e["target"]) for e in edges):
            continue
        target = doc.nodes[edges[0]["target"]]
        found.append(_finding(doc, "no-operator-zero", severity, menu,
                              f"Pressing 0 in this menu ({_where(menu)}) leads to "
                              f"{target['id']} ({target.get('kind')}), not to a person."))
    return found


def choices(menu: Node) -> list[dict[str, str]]:
    """The menu's real choices: numbered options that are not help, repeat, back or operator."""
    return [o for o in menu.get("options", [])
            if o.get("key", "") in "123456789" and len(o.get("key", "")) == 1
            and not _NOT_A_CHOICE.search(o.get("label", ""))]


def check_too_many_options(doc: AuditDoc) -> list[Finding]:
    found = []
    for menu in doc.menus():
        count = len(choices(menu))
        if count > MAX_OPTIONS:
            severity = "medium" if count <= MAX_OPTIONS + 2 else "high"
            found.append(_finding(doc, "too-many-options", severity, menu,
                                  f"{count} choices in one menu ({_where(menu)}); a caller has "
                                  f"to hold {count} options in mind before choosing."))
    return found


def check_repeat(doc: AuditDoc) -> list[Finding]:
    found = []
    for menu in doc.menus():
        if any(_REPEAT.search(o.get("label", "")) for o in menu.get("options", [])):
            continue
        if _REPEAT.search(menu.get("transcript", "")):
            continue
        silent = any(e["key"] == "timeout" and e["target"] == menu["id"]
                     for e in doc.out_edges(menu["id"]))
        detail = f"No key is announced to hear this menu ({_where(menu)}) again"
        detail += (": only waiting in silence repeats it." if silent else ".")
        found.append(_finding(doc, "no-repeat", "low", menu, detail))
    return found


def check_key_order(doc: AuditDoc) -> list[Finding]:
    found = []
    for menu in doc.menus():
        digits = [int(o["key"]) for o in choices(menu)]  # 9 for "repeat" is no gap
        if not digits:
            continue
        expected = list(range(1, len(digits) + 1))
        if digits == expected:
            continue
        heard = ", ".join(str(d) for d in digits)
        if sorted(digits) != digits:
            why = f"keys are announced in the order {heard}"
        elif digits[0] != 1:
            why = f"the first key announced is {digits[0]}, not 1 (keys: {heard})"
        else:
            why = f"the keys skip numbers ({heard})"
        found.append(_finding(doc, "keys-out-of-order", "low", menu,
                              f"In this menu ({_where(menu)}) {why}."))
    return found


def preamble_seconds(menu: Node) -> float | None:
    """Estimated seconds of speech before the first option is offered.

    The transcript has no word times, so the estimate is proportional to characters: speech
    runs at a near-constant rate. The first option starts at the first "press N" or at the
    first option label (with its "to"/"for"), whichever comes first, since recognisers move
    sentence boundaries ("... at any time to establish a sales partnership. Press one")."""
    text = menu.get("transcript") or ""
    seconds = float(menu.get("prompt_seconds") or 0.0)
    if not text or seconds <= 0:
        return None
    starts = [m.start() for m in [_PRESS.search(text)] if m]
    lowered = text.lower()
    for option in menu.get("options", []):
        label = (option.get("label") or "").strip().lower()
        if len(label) < 3:
            continue
        at = lowered.find(label)
        if at >= 0:
            lead = re.search(r"\b(to|for)\s+$", lowered[:at])
            starts.append(lead.start() if lead else at)
    if not starts:
        return None
    return round(seconds * min(starts) / len(text), 1)


def check_preamble(doc: AuditDoc) -> list[Finding]:
    found = []
    for menu in doc.menus():
        before = preamble_seconds(menu)
        if before is not None and before > PREAMBLE_LIMIT_SECONDS:
            severity = "medium" if before <= 2 * PREAMBLE_LIMIT_SECONDS else "high"
            found.append(_finding(doc, "long-preamble", severity, menu,
                                  f"About {before:.0f} s of talk before the first option "
                                  f"({_where(menu)}, prompt {menu.get('prompt_seconds', 0):.0f} s "
                                  "in all)."))
    return found


def hangs_up_on_no_input(doc: AuditDoc) -> list[str]:
    """Nodes that wait for the caller and, given silence, end the call: their timeout leads
    to the hangup node directly or through messages ("Goodbye.") that hang up on their own.

    ``metrics.hangs_up_on_no_input`` counts only the direct case; this is a superset."""
    ids = []
    for node in doc.acting():
        for edge in doc.out_edges(node["id"]):
            if edge["key"] != "timeout" or edge["target"] == node["id"]:
                continue
            if doc.follow_auto(edge["target"])[-1] == HANGUP_NODE:
                ids.append(node["id"])
                break
    return ids


def check_hangs_up(doc: AuditDoc) -> list[Finding]:
    found = []
    for node_id in hangs_up_on_no_input(doc):
        node = doc.nodes[node_id]
        timeouts = [e for e in doc.out_edges(node_id) if e["key"] == "timeout"]
        repeats = any(e["target"] == node_id for e in timeouts)
        final = next(e for e in timeouts if e["target"] != node_id
                     and doc.follow_auto(e["target"])[-1] == HANGUP_NODE)
        said = doc.nodes[final["target"]]
        wait = float(final.get("lead_in_seconds") or 0)
        end = ("the line goes dead" if said["id"] == HANGUP_NODE else
               f"it says \u201c{quote(said.get('transcript', ''), 60)}\u201d and hangs up")
        detail = (f"A caller who presses nothing ({_where(node)}) "
                  + ("hears the prompt again; still silent, " if repeats else "")
                  + f"after {wait:.0f} s {end}.")
        severity = "high" if node_id == doc.root else "medium"
        found.append(_finding(doc, "hangs-up-on-no-input", severity, node, detail))
    return found


def check_invalid_key(doc: AuditDoc) -> list[Finding]:
    found = []
    for menu in doc.menus():
        invalid = [e for e in doc.out_edges(menu["id"]) if e["key"] == "invalid"]
        if not invalid:
            continue
        edge = invalid[0]
        target = edge["target"]
        back = doc.reachable(target, keys=["auto"])
        pressed = edge.get("pressed") or "an invalid key"
        if menu["id"] in back:
            continue
        if any(doc.nodes[n].get("kind") == HANGUP_KIND for n in back):
            found.append(_finding(doc, "invalid-key", "high", menu,
                                  f"Pressing {pressed}, a key this menu ({_where(menu)}) does "
                                  "not offer, ends the call."))
        elif doc.nodes[target].get("kind") in ("human", "hold"):
            continue  # an invalid key sends the caller to a person: harmless
        else:
            lands = doc.nodes[target]
            found.append(_finding(doc, "invalid-key", "medium", menu,
                                  f"Pressing {pressed}, a key this menu ({_where(menu)}) does not "
                                  f"offer, leads to {lands['id']} ({lands.get('kind')}) instead "
                                  "of back to this menu: the caller loses their place."))
    return found


def check_unannounced(doc: AuditDoc) -> list[Finding]:
    found = []
    for edge in doc.edges:
        if edge.get("probe") != "escape":
            continue
        node = doc.nodes[edge["source"]]
        target = doc.nodes[edge["target"]]
        to_human = _reaches_human_unaided(doc, target["id"])
        what = "a person" if to_human else f"{target['id']} ({target.get('kind')})"
        found.append(_finding(doc, "unannounced-escape", "medium" if to_human else "low", node,
                              f"Pressing {edge.get('pressed') or edge['key']} here "
                              f"({_where(node)}) reaches {what}, but the prompt never says so."))
    return found


def check_announced_invalid(doc: AuditDoc) -> list[Finding]:
    """Keys the menu was heard to offer that the line answers as it answers keys it does not
    offer (ivraudit.crawl.hidden.judge_escape_keys): a broken option, or one the speech
    recogniser misheard, which the prompt's recording tells."""
    found = []
    for menu in doc.menus():
        offered = {o.get("key") for o in menu.get("options", [])}
        for edge in doc.out_edges(menu["id"]):
            if edge["key"] != "invalid":
                continue
            for key in [k for k in [edge.get("pressed"), *edge.get("also_pressed", [])]
                        if k in offered]:
                found.append(_finding(doc, "announced-key-invalid", "high", menu,
                                      f"The prompt ({_where(menu)}) was heard to offer {key}, "
                                      f"and {key} is answered as a key the menu does not offer. "
                                      "(If the recording does not say it, the speech "
                                      "recogniser misheard it.)"))
    return found


def check_spain(doc: AuditDoc) -> list[Finding]:
    root = doc.root
    if not doc.language.lower().startswith("es") or root is None:
        return []
    seconds = doc.metrics.get("time_to_human_seconds")
    if seconds is not None and seconds <= SPAIN_ANSWER_LIMIT_SECONDS:
        return []
    detail = ("No human was reached at all." if seconds is None else
              f"The fastest way to a person takes {seconds:.0f} s, over the 180 s limit.")
    return [_finding(doc, "spain-answer-limit", "high", doc.nodes[root], detail)]


CHECKS = (check_no_human, check_operator_zero, check_hangs_up, check_too_many_options,
          check_preamble, check_invalid_key, check_unannounced, check_announced_invalid,
          check_key_order, check_repeat, check_spain)


def find_issues(document: dict[str, Any]) -> list[Finding]:
    """Every finding for an audit document, most severe first, then in node order."""
    doc = AuditDoc(document)
    order = {node_id: i for i, node_id in enumerate(n["id"] for n in doc.ordered_nodes())}
    found = [f for check in CHECKS for f in check(doc)]
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), order.get(f.node, 0)))


def rules_checked(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each rule with how many findings it produced (0 = passed), for the report's checklist."""
    doc = AuditDoc(document)
    counts: dict[str, int] = {}
    for finding in find_issues(document):
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    rows = []
    for rule, (title, reference) in RULES.items():
        if rule == "spain-answer-limit" and not doc.language.lower().startswith("es"):
            continue
        rows.append({"rule": rule, "title": title, "reference": reference,
                     "findings": counts.get(rule, 0)})
    return rows
