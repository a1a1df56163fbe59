"""The HTML report, rendered with jinja2 from ``reports/templates/``.

Autoescaping is on for every template: transcripts are what strangers' phone lines said, and
must reach the page as text, never as markup. The page is self-contained (styles, script,
diagram and, when small enough, the audio are inline) so it can be mailed or archived as
evidence and opened years later without network access.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape

from ivraudit.audit.analysis import add_analysis
from ivraudit.audit.document import AuditDoc, key_order
from ivraudit.audit.findings import preamble_seconds, rules_checked
from ivraudit.report.audio import EMBED_LIMIT_BYTES, audio_sources
from ivraudit.report.diagram import diagram_svg, edge_label, legend
from ivraudit.report.summary import limits_line, people_line, summary
from ivraudit.report.visible import visible, visible_text

__all__ = ["render_report", "render_compare", "template_folder", "format_seconds"]

PUBLISHED = {
    "ivr_average_seconds": 48,
    "hold_average_seconds": 56,
}
"""Published figures the headline compares against (shared/docs/field-notes.md)."""


def template_folder() -> Path:
    """``reports/templates`` beside the package (a checkout) or under the install prefix."""
    candidates = [
        Path(__file__).resolve().parent.parent.parent / "reports" / "templates",
        Path(sys.prefix) / "share" / "ivraudit" / "templates",
    ]
    for folder in candidates:
        if (folder / "report.html.j2").exists():
            return folder
    raise FileNotFoundError("report templates not found (looked in "
                            + ", ".join(str(c) for c in candidates) + ")")


def format_seconds(value: object) -> str:
    """``72 s``, ``3 min 05 s``; an em dash for no value (nothing measured, no human)."""
    if value is None or isinstance(value, Undefined):  # a field an older audit lacks
        return "\u2014"
    if not isinstance(value, (int, float, str)):
        raise TypeError(f"not a number of seconds: {value!r}")
    seconds = float(value)
    if seconds == 0:
        return "0 s"
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def group_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings grouped by rule, most severe rule first: one heading and source per rule,
    then every node that breaks it, so eight menus that hang up read as one problem."""
    order = ("high", "medium", "low")
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        group = groups.setdefault(finding["rule"], {
            "rule": finding["rule"], "title": finding["title"],
            "reference": finding["reference"], "severity": finding["severity"], "entries": []})
        group["entries"].append(finding)
        if order.index(finding["severity"]) < order.index(group["severity"]):
            group["severity"] = finding["severity"]
    return sorted(groups.values(), key=lambda g: order.index(g["severity"]))


def verdict(score: int) -> str:
    """A word for the score band, so a reader need not know the scale."""
    bands = [(20, "straight through"), (40, "a small maze"), (60, "a maze"),
             (80, "a hard maze"), (101, "no way out")]
    return next(word for limit, word in bands if score < limit)


@functools.cache
def _environment() -> Environment:
    """One environment for the process, so each template is compiled once (compiling took
    nine tenths of a report's rendering)."""
    env = Environment(loader=FileSystemLoader(template_folder()),
                      autoescape=select_autoescape(["html", "j2"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["secs"] = format_seconds
    return env


def _node_views(doc: AuditDoc, findings: list[dict[str, Any]],
                sources: dict[str, str]) -> list[dict[str, Any]]:
    """Each node with what its details panel shows: where each key leads, how it is reached,
    its findings and its audio."""
    route = doc.route_to_human()
    on_route = {e["source"] for e in route} | {e["target"] for e in route}
    views = []
    for node in doc.ordered_nodes():
        node_id = node["id"]
        labels = {o["key"]: o["label"] for o in node.get("options", [])}
        leaving = []
        for edge in sorted(doc.out_edges(node_id), key=lambda e: key_order(e["key"])):
            target = doc.nodes[edge["target"]]
            leaving.append({
                "key": edge["key"], "pressed": edge.get("pressed") or "",
                "invalid_keys": [k for k in [edge.get("pressed"), *(edge.get("also_pressed") or [])] if k],
                "shown": edge_label(edge) or "(on its own)",
                "label": labels.get(edge["key"], ""), "probe": edge.get("probe") or "",
                "target": target["id"], "target_kind": target.get("kind", ""),
                "lead_in": edge.get("lead_in_seconds"),
            })
        arriving = [{"source": e["source"], "shown": edge_label(e) or "on its own"}
                    for e in doc.in_edges(node_id)]
        views.append({
            **node,
            "leaving": leaving,
            "arriving": arriving,
            "findings": [f for f in findings if f["node"] == node_id],
            "audio": sources.get(str(node.get("recording"))),
            "music": sources.get(str(node.get("music_recording"))),
            "announcement": sources.get(str(node.get("announcement_recording"))),
            "on_route": node_id in on_route,
            "preamble": preamble_seconds(node) if node.get("kind") == "menu" else None,
        })
    return views


def report_context(document: dict[str, Any], folder: Path | None = None,
                   embed_audio: bool = True) -> dict[str, Any]:
    """Everything the report template shows, computed from the audit document alone (every
    string in it with control and bidi characters made visible first: :mod:`.visible`)."""
    document = add_analysis(visible(document))
    doc = AuditDoc(document)
    sources, audio_mode = audio_sources(document, folder,  # links refused either way
                                        embed_limit=EMBED_LIMIT_BYTES if embed_audio else -1)
    if not embed_audio and folder is not None:
        audio_mode = "linked"
    findings = document["findings"]
    route = doc.route_to_human()
    severities = {s: sum(1 for f in findings if f["severity"] == s)
                  for s in ("high", "medium", "low")}
    return {
        "audit": document,
        "metrics": document["metrics"],
        "score": document["maze_score"],
        "findings": findings,
        "finding_groups": group_findings(findings),
        "summary": summary(document),
        "limits": limits_line(document),
        "people": people_line(document),
        "severities": severities,
        "rules": rules_checked(document),
        "nodes": _node_views(doc, findings, sources),
        "root": doc.root,
        "route": [{"source": e["source"], "target": e["target"], "shown": edge_label(e),
                   "unannounced": e.get("probe") == "escape"} for e in route],
        "diagram": diagram_svg(document),
        "legend": legend(),
        "audio_mode": audio_mode,
        "published": PUBLISHED,
        "verdict": verdict(document["maze_score"]["score"]),
        "kinds": {n["id"]: n.get("kind", "") for n in doc.ordered_nodes()},
        "hangs_up": document["metrics"].get("hangs_up_on_no_input_any", []),
        "fewest_keys": doc.fewest_keys_to_human(),
    }


def render_report(document: dict[str, Any], folder: Path | None = None,
                  embed_audio: bool = True) -> str:
    """The self-contained report page for one ``audit.json`` document.

    With ``folder`` (the audit folder) the recordings are embedded when small enough;
    without it the audio players link to ``recordings/`` beside the page."""
    context = report_context(document, folder, embed_audio)
    return _environment().get_template("report.html.j2").render(**context)


def render_compare(entries: list[tuple[str, dict[str, Any], str | None]]) -> str:
    """A page ranking several audits on the same measures.

    ``entries`` are ``(name, audit document, link to its report or None)``."""
    from ivraudit.report.compare import compare_context

    entries = [(visible_text(name), visible(document), link and visible_text(link))
               for name, document, link in entries]
    return _environment().get_template("compare.html.j2").render(**compare_context(entries))
