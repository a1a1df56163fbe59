"""Reading and cross-checking a menu's fields: options, hidden keys, digits, invalid limit.

A menu is the node with the most ways to be wrong, and the extensions of issue 16 add more
(a hidden key that is no option, a limit whose caller never comes back to be counted), so its
fields are read here and the loader only hands the mapping over.
"""

from __future__ import annotations

from typing import Any

from ivraudit.errors import quote
from ivraudit.spec.checker import Checker
from ivraudit.spec.model import BACK, DIGIT_TIMEOUT_SECONDS, HANGUP, REPEAT, NodeSpec

MENU_FIELDS = {"options", "barge_in", "typeahead", "wait", "on_timeout", "repeats", "on_exhausted",
               "on_invalid", "hidden", "digit_timeout", "invalid_limit", "on_invalid_limit"}


def read_menu(check: Checker, where: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The menu-only fields of ``raw`` as NodeSpec keyword arguments (targets unchecked)."""
    options = raw.get("options")
    if not isinstance(options, dict) or not options:
        raise check.fail(f"{where}.options", "a menu needs at least one key → target")
    parsed: dict[str, str] = {}
    for key, target in options.items():
        key = check.option_key(key, f"{where}.options.{key}")
        if key in parsed:
            raise check.fail(f"{where}.options.{key}", "the key is given twice")
        if not isinstance(target, str):
            raise check.fail(f"{where}.options.{key}", f"target must be a node id, not {quote(target)}")
        parsed[key] = target
    hidden = raw.get("hidden", [])
    if not isinstance(hidden, list):
        raise check.fail(f"{where}.hidden", f"must be a list of option keys, not {quote(hidden)}")
    hidden_keys: list[str] = []
    for index, value in enumerate(hidden):
        key = check.option_key(value, f"{where}.hidden.{index}")
        if key not in parsed:
            raise check.fail(f"{where}.hidden.{index}", f"{quote(key)} is not one of this menu's options")
        hidden_keys.append(key)
    fields: dict[str, Any] = {
        "options": parsed,
        "hidden": tuple(hidden_keys),
        "on_invalid": check.text(raw, "on_invalid", where, REPEAT),
        "digit_timeout": check.number(raw, "digit_timeout", where, DIGIT_TIMEOUT_SECONDS,
                                      minimum=0.1),
        "invalid_limit": check.integer(raw, "invalid_limit", where, None, minimum=2),
    }
    if "on_invalid_limit" in raw and fields["invalid_limit"] is None:
        raise check.fail(f"{where}.on_invalid_limit", "needs invalid_limit (how many invalid "
                                                       "entries in a row lead there)")
    fields["on_invalid_limit"] = check.text(raw, "on_invalid_limit", where, HANGUP)
    return fields


def check_menu_targets(check: Checker, node: NodeSpec, nodes: dict[str, NodeSpec]) -> None:
    """What a menu's invalid handling names exists and can work as the format says."""
    where = f"nodes.{node.id}"
    if node.on_invalid != REPEAT and node.on_invalid not in nodes:
        raise check.fail(f"{where}.on_invalid", f"{quote(node.on_invalid)} is not a node id or repeat")
    if node.on_invalid in nodes and nodes[node.on_invalid].type != "message":
        raise check.fail(f"{where}.on_invalid", "must name a message node (or repeat)")
    if node.invalid_limit is None:
        return
    limit = node.on_invalid_limit
    if limit != HANGUP and limit not in nodes:
        raise check.fail(f"{where}.on_invalid_limit", f"{quote(limit)} is not a node id or hangup")
    once = node.id if node.on_invalid == REPEAT else node.on_invalid
    if limit == once:
        raise check.fail(f"{where}.on_invalid_limit",
                         f"{quote(limit)} is where one invalid entry goes already; drop invalid_limit")
    if node.on_invalid != REPEAT and nodes[node.on_invalid].next not in (BACK, node.id):
        raise check.fail(f"{where}.invalid_limit",
                         f"invalid entries are counted while the caller comes back to this menu, "
                         f"but {quote(node.on_invalid)} goes on to {quote(nodes[node.on_invalid].next)}, "
                         "not back")
