"""Adds the findings and the maze score to an ``audit.json`` document.

Kept apart from the writer so the writer stays a serialiser, and so ``ivraudit report`` can
bring an audit written before these fields existed up to date. Additive only: the
``ivraudit.audit/1`` fields are left as they are (shared/docs/audit-format.md).
"""

from __future__ import annotations

from typing import Any

from ivraudit.audit.findings import find_issues, hangs_up_on_no_input
from ivraudit.audit.document import AuditDoc
from ivraudit.audit.score import maze_score


def add_analysis(document: dict[str, Any]) -> dict[str, Any]:
    """The document with ``findings`` (list), ``maze_score`` ({score, parts, formula}) and, in
    ``metrics``, ``findings`` (their count), ``maze_score`` (the number) and
    ``hangs_up_on_no_input_any`` (also counting menus that say goodbye before hanging up).

    Returns a new dict; the metrics dict passed in is not changed (callers reuse it)."""
    result = dict(document)
    findings = find_issues(document)
    score = maze_score(document)
    metrics = dict(document.get("metrics") or {})
    metrics["findings"] = len(findings)
    metrics["maze_score"] = score["score"]
    metrics["hangs_up_on_no_input_any"] = hangs_up_on_no_input(AuditDoc(document))
    result["metrics"] = metrics
    result["findings"] = [f.to_json() for f in findings]
    result["maze_score"] = score
    return result
