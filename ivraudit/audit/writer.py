"""Writing an audit folder: ``audit.json``, ``graph.graphml``, ``recordings/``.

The folder layout and the JSON fields are the contract of ``ivraudit.audit/1``
(shared/docs/audit-format.md). Files are written to a temporary name and renamed into place
(:func:`write_atomically`), so an interrupted write never leaves a half file where a good one
was.

The folder's ``report.html`` is not written here: the report is a layer above the audit (it
reads audits; the audit knows nothing of pages), so whoever writes an audit renders its report
next, from the document :func:`write_audit` returns (:func:`ivraudit.report.files.write_report`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import networkx as nx

from ivraudit.audit.analysis import add_analysis
from ivraudit.audit.destination import AuditWriteError, remove_quietly
from ivraudit.audit.document import FORMAT
from ivraudit.audit.hold import hold_json, hold_recordings
from ivraudit.audit.metrics import compute_metrics
from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.telephony.wav import write_wav


def audit_to_json(audit: Audit, metrics: dict[str, object] | None = None) -> dict[str, object]:
    """The ``audit.json`` document."""
    metrics = metrics if metrics is not None else compute_metrics(audit)
    document = {
        "format": FORMAT,
        "target": audit.target,
        "started": audit.started,
        "finished": audit.finished,
        "language": audit.language,
        "complete": audit.complete,
        "strategy": audit.strategy,
        "ring_seconds": audit.ring_seconds,
        "answer_lead_seconds": audit.answer_lead,
        "nodes": [
            {
                "id": n.id,
                "kind": n.kind,
                "path": n.path,
                "transcript": n.transcript,
                "options": [{"key": o.key, "label": o.label} for o in n.options],
                "prompt_seconds": n.prompt_seconds,
                "recording": f"recordings/{n.id}.wav" if len(n.audio) else None,
                "depth": n.depth,
                "via": n.via,
                "hold_seconds": n.hold_seconds,
                "announcements": n.announcements,
                "barge_in": n.barge_in,
                "digits": n.digits,
                "terminator": n.terminator,
                "truncated": n.truncated,
                "repeats": n.repeats,
                **hold_json(n),  # hold music and announcement samples (ivraudit.audit.hold)
                **node_extensions(n),
            }
            for n in audit.nodes.values()
        ],
        "edges": [
            {"source": e.source, "target": e.target, "key": e.key, "pressed": e.pressed,
             "also_pressed": e.also_pressed, "lead_in_seconds": e.lead_in, "probe": e.probe}
            for e in audit.edges.values()
        ],
        "calls": [
            {"index": c.index, "purpose": c.purpose, "path": c.path, "outcome": c.outcome,
             "ring_seconds": c.ring_seconds, "seconds": c.seconds,
             "navigating_seconds": c.navigating_seconds, "error": c.error,
             "start_seconds": c.start_seconds, "started_at": c.started_at,
             "person_at_seconds": c.person_at, "agent_seconds": c.agent_seconds}
            for c in audit.calls
        ],
        **({"limits": audit.limits} if audit.limits else {}),  # only where limits applied
        **({"courtesy": audit.courtesy} if audit.courtesy else {}),  # crawls since issue 17
        "problems": audit.problems,
        "asr": audit.asr,
        "metrics": metrics,
    }
    return add_analysis(document)  # findings and maze score: additive fields


def node_extensions(node: NodeRecord) -> dict[str, object]:
    """Node fields beyond the contract that only some nodes have, written only there so
    every other audit reads as before: ``invalid_limit`` (invalid entries in a row after
    which a menu goes elsewhere) and ``understood: false`` (a prompt heard and not understood,
    as one in another language)."""
    extra: dict[str, object] = {}
    if node.invalid_limit is not None:
        extra["invalid_limit"] = node.invalid_limit
    if not node.understood:
        extra["understood"] = False
    return extra


def audit_to_graph(audit: Audit) -> nx.MultiDiGraph[str]:
    """The audit as a networkx graph whose attributes GraphML can hold (text, numbers)."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(target=audit.target, format=FORMAT)
    for n in audit.nodes.values():
        graph.add_node(n.id, kind=n.kind, depth=n.depth, path=" ".join(n.path),
                       transcript=n.transcript, prompt_seconds=n.prompt_seconds,
                       options=json.dumps([[o.key, o.label] for o in n.options]))
    for e in audit.edges.values():
        graph.add_edge(e.source, e.target, key=e.key, label=e.key, pressed=e.pressed,
                       also_pressed=" ".join(e.also_pressed), lead_in_seconds=e.lead_in)
    return graph


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` write ``path``'s content to a temporary file beside it, then rename that
    into place: readers see the old file or the new one, never half of one. When the write
    fails (a full disk), the temporary file is removed and AuditWriteError names ``path``."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException as exc:
        remove_quietly(temporary)
        if isinstance(exc, OSError):
            raise AuditWriteError(f"cannot write {path} ({exc.strerror or exc})") from None
        raise


def write_audit(audit: Audit, folder: Path) -> dict[str, object]:
    """Write the audit folder (recordings, ``audit.json``, ``graph.graphml``); returns the
    ``audit.json`` document, which the report is rendered from.

    If the folder cannot be written to the end (the disk filled during the crawl), the
    document is saved in the system's temporary folder instead, so what the crawl learned is
    not lost, and AuditWriteError says where."""
    document = audit_to_json(audit)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_files(audit, folder, document)
    except (OSError, AuditWriteError) as exc:
        reason = str(exc) if isinstance(exc, AuditWriteError) else \
            f"cannot write {folder} ({exc.strerror or exc})"
        raise AuditWriteError(f"{reason}; {_rescue(document)}") from None
    return document


def _rescue(document: dict[str, object]) -> str:
    """Save ``document`` where a full audit folder's disk may not be; say where, or that not."""
    name = ""
    try:
        handle, name = tempfile.mkstemp(prefix="ivraudit-audit-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, ensure_ascii=False)
    except OSError as exc:
        if name:
            remove_quietly(Path(name))
        return f"the audit could not be saved elsewhere either ({exc.strerror or exc})"
    return (f"the audit document (all but the recordings) was saved to {name}; "
            "free some space and copy it back as audit.json")


def _write_files(audit: Audit, folder: Path, document: dict[str, object]) -> None:
    recordings = folder / "recordings"
    recordings.mkdir(exist_ok=True)
    kept: set[str] = set()
    for node in audit.nodes.values():
        if len(node.audio):
            kept.add(f"{node.id}.wav")
            write_atomically(recordings / f"{node.id}.wav", partial(write_wav, pcm=node.audio))
        for name, pcm in hold_recordings(node).items():
            kept.add(Path(name).name)
            write_atomically(folder / name, partial(write_wav, pcm=pcm))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomically(folder / "audit.json", lambda p: p.write_text(text, encoding="utf-8"))
    write_atomically(folder / "graph.graphml",
                     lambda p: nx.write_graphml(audit_to_graph(audit), p))
    for stale in recordings.glob("n*.wav"):  # an earlier audit's nodes, now replaced
        if stale.name not in kept:
            stale.unlink()
