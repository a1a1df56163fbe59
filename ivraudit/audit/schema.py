"""Checking an ``audit.json`` document's shape before anything reads it.

The report, ``diff`` and ``freeze`` read audits written by any version of ivraudit, by other
tools, or edited by hand; a field of the wrong type (a node ``id`` that is a number, options
that are a string, ``NaN`` seconds) used to surface as a traceback from deep in the report.
Here each field ivraudit reads is checked against what ivraudit writes, and the first one that
is wrong is named (``nodes[3].options[0].key: must be text, not None``). Fields a document
lacks are left to their readers' defaults (older audits lack many), and fields ivraudit does
not know are left alone (the format is additive).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ivraudit.errors import quote

Check = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


_TEXTS = _list_of(_text)
_WHAT = {_text: "text", _number: "a finite number", _whole: "a whole number",
         _flag: "true or false", _TEXTS: "a list of texts"}

NODE_FIELDS: dict[str, Check] = {
    "kind": _text, "path": _TEXTS, "transcript": _text, "prompt_seconds": _optional(_number),
    "recording": _optional(_text), "depth": _whole, "via": _optional(_TEXTS),
    "hold_seconds": _optional(_number), "announcements": _optional(_whole),
    "barge_in": _optional(_flag), "digits": _optional(_whole), "terminator": _optional(_text),
    "truncated": _flag, "repeats": _optional(_whole), "music_recording": _optional(_text),
    "announcement_recording": _optional(_text),
    "announcement_offsets_seconds": _optional(_list_of(_number)),
    "invalid_limit": _optional(_whole), "understood": _flag,
}
EDGE_FIELDS: dict[str, Check] = {
    "key": _text, "pressed": _optional(_text), "also_pressed": _optional(_TEXTS),
    "lead_in_seconds": _optional(_number), "probe": _optional(_text),
}
CALL_FIELDS: dict[str, Check] = {
    "index": _whole, "purpose": _text, "path": _list_of(_text), "outcome": _text,
    "ring_seconds": _optional(_number), "seconds": _optional(_number),
    "navigating_seconds": _optional(_number), "error": _optional(_text),
    "start_seconds": _optional(_number), "started_at": _optional(_text),
    "person_at_seconds": _optional(_number), "agent_seconds": _optional(_number),
}
COURTESY_FIELDS: dict[str, Check] = {
    "hang_up_on_people": _optional(_flag), "max_human_calls": _optional(_whole),
    "apology_seconds": _optional(_number),
}
LIMIT_FIELDS: dict[str, Check] = {
    "calls_per_hour": _optional(_whole), "min_gap_seconds": _optional(_number),
    "quiet_hours": _optional(_text), "timezone": _optional(_text),
    "earlier_calls": _optional(_whole), "waits": _optional(_whole),
    "waited_seconds": _optional(_number), "line_clock": _optional(_text),
}
_NUMBER_METRICS = ("nodes", "menus", "options", "max_depth", "time_to_human_seconds",
                   "time_to_human_typeahead_seconds", "hold_seconds_to_human",
                   "max_hold_seconds", "unknown", "calls", "call_seconds",
                   "navigating_seconds", "failed_calls", "wall_seconds", "concurrency",
                   "floor_seconds", "cost_ratio", "human_calls", "agent_seconds")
METRIC_FIELDS: dict[str, Check] = {
    **{name: _optional(_number) for name in _NUMBER_METRICS},
    "human_reachable": _flag, "complete": _flag, "path_to_human": _optional(_TEXTS),
    "dead_ends": _TEXTS, "loops": _list_of(_TEXTS), "hangs_up_on_no_input": _TEXTS,
}
TOP_FIELDS: dict[str, Check] = {
    "target": _optional(_text), "started": _optional(_text), "finished": _optional(_text),
    "language": _optional(_text), "complete": _flag, "strategy": _optional(_text),
    "ring_seconds": _optional(_number), "answer_lead_seconds": _optional(_number),
    "problems": _TEXTS,
}


MAX_DEPTH = 32
"""How deeply a document's values may nest. ivraudit writes five levels at most (the document,
``nodes``, a node, its ``options``, an option); JSON nested hundreds deep, in a field nobody
reads, would make every reader that walks the document (the report's text escaping) recurse
past Python's limit."""


class SchemaError(ValueError):
    """The document's field ``where`` is not what ivraudit writes there."""


def _check_depth(document: Any) -> None:
    """Raise SchemaError if ``document`` nests deeper than :data:`MAX_DEPTH` (walked without
    recursion, so the check itself cannot overflow)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SchemaError(f"nested more than {MAX_DEPTH} levels deep")
        items = value.values() if isinstance(value, dict) else \
            value if isinstance(value, list) else ()
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))


def _fields(raw: Any, where: str, fields: Mapping[str, Check]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: must be a mapping, not {quote(raw)}")
    for name, check in fields.items():
        if name in raw and not check(raw[name]):
            what = _WHAT.get(check, "a value of the kind ivraudit writes")
            raise SchemaError(f"{where}.{name}: must be {what}, not {quote(raw[name])}"
                              .lstrip("."))
    return raw


def _items(document: dict[str, Any], name: str, *, required: bool) -> list[Any]:
    if name not in document and not required:
        return []
    value = document[name] if name in document else None
    if not isinstance(value, list) or (required and not value):
        raise SchemaError(f"{name}: must be a{' non-empty' if required else ''} list, "
                          f"not {quote(value)}")
    return value


def check_document(document: dict[str, Any]) -> None:
    """Raise SchemaError naming the first field of ``document`` that is not what ivraudit
    writes there (types, finite numbers, edges between nodes that exist)."""
    _check_depth(document)
    _fields(document, "", TOP_FIELDS)
    ids: set[str] = set()
    for index, node in enumerate(_items(document, "nodes", required=True)):
        where = f"nodes[{index}]"
        _fields(node, where, NODE_FIELDS)
        node_id = node.get("id")
        if not isinstance(node_id, str) or node_id in ids or "kind" not in node:
            raise SchemaError(f"{where}: needs a unique text id and a kind, "
                              f"not id {quote(node_id)}")
        ids.add(node_id)
        if not isinstance(node.get("options", []), list):
            raise SchemaError(f"{where}.options: must be a list, not {quote(node['options'])}")
        for number, option in enumerate(node.get("options", [])):
            _fields(option, f"{where}.options[{number}]", {"key": _text, "label": _text})
            if "key" not in option or "label" not in option:
                raise SchemaError(f"{where}.options[{number}]: needs a key and a label")
    for index, edge in enumerate(_items(document, "edges", required=False)):
        where = f"edges[{index}]"
        _fields(edge, where, EDGE_FIELDS)
        for end in ("source", "target"):
            if not isinstance(edge.get(end), str) or edge[end] not in ids:
                raise SchemaError(f"{where}.{end}: {quote(edge.get(end))} is not a node id")
        if "key" not in edge:
            raise SchemaError(f"{where}: needs a key")
    for index, call in enumerate(_items(document, "calls", required=False)):
        _fields(call, f"calls[{index}]", CALL_FIELDS)
    if document.get("metrics") is not None:
        _fields(document["metrics"], "metrics", METRIC_FIELDS)
    if document.get("limits") is not None:
        _fields(document["limits"], "limits", LIMIT_FIELDS)
    if document.get("courtesy") is not None:
        _fields(document["courtesy"], "courtesy", COURTESY_FIELDS)
    if document.get("asr") is not None and not isinstance(document["asr"], dict):
        raise SchemaError(f"asr: must be a mapping, not {quote(document['asr'])}")
