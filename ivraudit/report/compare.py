"""Several audits side by side: brands against each other, or versions of one tree.

Ranked by maze score (lower is an easier line), then by time to a human; every audit is
measured with the same formulas, recomputed from its document, so audits written by older
versions rank on today's rules.
"""

from __future__ import annotations

from typing import Any

from ivraudit.audit.analysis import add_analysis
from ivraudit.audit.document import AuditDoc

MEASURES: list[tuple[str, str, str]] = [
    # (metrics key, column heading, how to show it)
    ("time_to_human_seconds", "To a human, listening", "secs"),
    ("time_to_human_typeahead_seconds", "To a human, typing ahead", "secs"),
    ("hold_seconds_to_human", "On hold", "secs"),
    ("path_to_human", "Keys to a human", "keys"),
    ("max_depth", "Depth", "number"),
    ("menus", "Menus", "number"),
    ("options", "Options", "number"),
    ("dead_ends", "Dead ends", "count"),
    ("loops", "Loops", "count"),
    ("hangs_up_on_no_input_any", "Hangs up on silence", "count"),
    ("findings", "Findings", "number"),
]


def _sort_key(row: dict[str, Any]) -> tuple[float, float, str]:
    seconds = row["metrics"].get("time_to_human_seconds")
    return (row["score"], float("inf") if seconds is None else float(seconds), row["name"])


def compare_context(entries: list[tuple[str, dict[str, Any], str | None]]) -> dict[str, Any]:
    """The ranking table's rows, best (lowest maze score) first, with bar widths for the
    time-to-human chart scaled to the slowest audit."""
    rows = []
    for name, document, link in entries:
        document = add_analysis(document)
        doc = AuditDoc(document)
        rows.append({
            "name": name,
            "link": link,
            "target": document.get("target", ""),
            "finished": document.get("finished", ""),
            "complete": document.get("complete", True),
            "score": document["maze_score"]["score"],
            "parts": document["maze_score"]["parts"],
            "metrics": document["metrics"],
            "high": sum(1 for f in document["findings"] if f["severity"] == "high"),
            "nodes": len(doc.nodes),
        })
    rows.sort(key=_sort_key)
    slowest = max((float(r["metrics"].get("time_to_human_seconds") or 0) for r in rows),
                  default=0.0) or 1.0
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        listening = row["metrics"].get("time_to_human_seconds")
        typeahead = row["metrics"].get("time_to_human_typeahead_seconds")
        row["bar_listening"] = round(85 * float(listening) / slowest, 1) if listening else 0
        row["bar_typeahead"] = round(85 * float(typeahead) / slowest, 1) if typeahead else 0
    formula = rows[0]["parts"] if rows else []
    return {"rows": rows, "measures": MEASURES, "parts": formula}
