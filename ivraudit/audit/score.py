"""The maze score: one 0–100 number for how hard a phone tree makes it to reach a person.

0 is a line a person answers at once; 100 is a maze with no way out. It is a weighted sum of
seven parts, each scaled to 0..1 and capped, so one terrible measure cannot hide the others and
the number can be recomputed by hand from the headline figures. The report prints the formula
with each part's value; the compare page ranks audits by it. A pure function of the audit
document, like the findings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ivraudit.audit.document import AuditDoc
from ivraudit.audit.findings import choices, find_issues, hangs_up_on_no_input

FULL_TIME_SECONDS = 180.0
"""Time to a human (listening) that scores the full 40 points: 3 minutes, the limit Spain's
customer-service law sets for answering a call."""
FULL_KEYS = 6
FULL_DEPTH = 6
FULL_EXTRA_OPTIONS = 4
"""Choices above 4 in the largest menu that score the full 10 points (8 choices)."""
FULL_DEAD_ENDS = 3


@dataclass(frozen=True)
class Part:
    """One term of the score: ``points = weight * min(1, measure / full)``."""

    name: str
    weight: int
    measure: float | None
    full: float
    unit: str
    fraction: float
    points: float
    why: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _part(name: str, weight: int, measure: float | None, full: float, unit: str,
          why: str) -> Part:
    fraction = 1.0 if measure is None else max(0.0, min(1.0, measure / full))
    return Part(name, weight, measure, full, unit, round(fraction, 3),
                round(weight * fraction, 1), why)


def score_parts(document: dict[str, Any]) -> list[Part]:
    """The seven parts of the maze score for an audit document."""
    doc = AuditDoc(document)
    metrics = doc.metrics
    reached = bool(metrics.get("human_reachable"))
    seconds = metrics.get("time_to_human_seconds") if reached else None
    keys = len(metrics.get("path_to_human") or []) if reached else None
    largest = max((len(choices(m)) for m in doc.menus()), default=0)
    waiting = doc.acting()
    hangs = len(hangs_up_on_no_input(doc))
    menus = doc.menus()
    no_zero = sum(1 for f in find_issues(document) if f.rule == "no-operator-zero")
    return [
        _part("time to a human", 40, seconds, FULL_TIME_SECONDS, "s",
              "listening to every prompt, hold included; no human scores the full 40"),
        _part("keys to a human", 10, keys, FULL_KEYS, "keys",
              "fewest key presses to a person; no human scores the full 10"),
        _part("depth", 10, float(metrics.get("max_depth") or 0), FULL_DEPTH, "levels",
              "deepest node, in keys pressed"),
        _part("menu size", 10, float(max(0, largest - 4)), FULL_EXTRA_OPTIONS, "choices over 4",
              "choices beyond 4 in the largest menu (ISO/IEC 13714)"),
        _part("dead ends", 5, float(len(metrics.get("dead_ends") or [])), FULL_DEAD_ENDS,
              "nodes", "nodes from which neither a person nor voicemail can be reached"),
        _part("hangs up on silence", 15,
              hangs / len(waiting) if waiting else 0.0, 1.0, "share of waiting nodes",
              "share of menus and entries that hang up on a caller who says nothing"),
        _part("0 without operator", 10,
              no_zero / len(menus) if menus else 0.0, 1.0, "share of menus",
              "share of menus where 0 does not reach a person"),
    ]


def maze_score(document: dict[str, Any]) -> dict[str, Any]:
    """``{"score": 0..100, "parts": [...], "formula": "..."}`` for an audit document."""
    parts = score_parts(document)
    total = round(sum(p.points for p in parts))
    formula = " + ".join(f"{p.weight}\u00b7min(1, {p.name} / {p.full:g})" for p in parts)
    return {"score": int(total), "parts": [p.to_json() for p in parts],
            "formula": f"maze score = {formula}"}
