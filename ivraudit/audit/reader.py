"""Reading an audit folder (``ivraudit.audit/1``): its ``audit.json`` document, or the model.

One reader for every command that reads audits back, written by any crawl (replay or SIP,
today's or a year-old one): ``ivraudit report`` renders pages from the document
(:func:`read_document`); ``freeze``, ``diff`` and the pytest plugin work on the
:class:`~ivraudit.audit.model.Audit` it describes, recordings included (:func:`read_audit`).
Everything a user can get wrong (a path that is not an audit, broken JSON, another format, a
missing recording) is an :class:`AuditInputError` with a message naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ivraudit.audit.document import FORMAT
from ivraudit.audit.metrics import compute_metrics
from ivraudit.audit.model import Audit, CallRecord, EdgeRecord, NodeRecord, Option
from ivraudit.audit.recordings import checked_file, safe_recording
from ivraudit.audit.schema import SchemaError, check_document
from ivraudit.errors import AudioError, AuditInputError, InputFileError, quote
from ivraudit.files import read_regular
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.wav import read_telephone_audio


@dataclass
class LoadedAudit:
    """An audit as read from disk: the model, its metrics and where it came from."""

    folder: Path
    document: dict[str, Any]
    audit: Audit
    metrics: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what could not be read (lenient reads)

    @property
    def name(self) -> str:
        return str(self.folder)


MAX_AUDIT_BYTES = 256 * 1024 * 1024
"""The largest audit.json read: a crawl of a 200-node maze writes about a megabyte, so this is
room for trees far larger than any crawl budget reaches, and a wrong file (a disk image named
audit.json) is refused instead of read into memory."""


def _empty() -> Pcm:
    return np.zeros(0, dtype=np.int16)


def audit_file(where: Path | str) -> Path:
    """``where``'s audit.json: ``where`` may be the folder or the file itself."""
    path = Path(where)
    if path.is_dir():
        path = path / "audit.json"
    if not path.exists():
        raise AuditInputError(f"{where}: not an audit folder (no audit.json); "
                              "give the folder `ivraudit crawl --out` wrote")
    return path


def read_document(where: Path | str) -> dict[str, Any]:
    """The ``audit.json`` document of an audit folder (``where`` may be the folder or the
    file), checked to be an ``ivraudit.audit/1`` document with a list of nodes."""
    return _document(audit_file(where))


def _document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(read_regular(path, MAX_AUDIT_BYTES).decode("utf-8"))
    except InputFileError as exc:
        raise AuditInputError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditInputError(f"{path}: cannot read ({exc})") from None
    except ValueError as exc:
        raise AuditInputError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise AuditInputError(f"{path}: not a valid audit (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise AuditInputError(f"{path}: format must be {FORMAT!r}, not {quote(found)}")
    if not isinstance(document.get("nodes"), list):
        raise AuditInputError(f"{path}: not a valid audit (nodes must be a list)")
    try:
        check_document(document)
    except SchemaError as exc:
        raise AuditInputError(f"{path}: not a valid audit ({exc})") from None
    return document


def read_audit(where: Path | str, *, audio: bool = True,
               missing_audio_ok: bool = False) -> LoadedAudit:
    """Read an audit folder; with ``audio`` the recordings are decoded too. A missing or
    broken recording is an error, or with ``missing_audio_ok`` a note (diff can still compare
    transcripts; freeze cannot play what is not there)."""
    path = audit_file(where)
    document = _document(path)
    folder = path.parent
    notes: list[str] = []
    try:
        audit = _to_audit(document, folder if audio else None,
                          notes if missing_audio_ok else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditInputError(f"{path}: not a valid audit ({type(exc).__name__}: {exc})") from None
    metrics = document.get("metrics")
    if not isinstance(metrics, dict) or "time_to_human_seconds" not in metrics:
        metrics = compute_metrics(audit)
    return LoadedAudit(folder, document, audit, metrics, notes)


def _to_audit(doc: dict[str, Any], folder: Path | None, notes: list[str] | None) -> Audit:
    def _wav(relative: str | None, where: str) -> Pcm:
        if folder is None or not relative:
            return _empty()
        safe = safe_recording(relative)
        if safe is None:
            raise AuditInputError(f"{folder / 'audit.json'}: {where}: {quote(relative)} is not "
                                  "a WAV path inside the audit folder")
        try:
            return read_telephone_audio(checked_file(folder, safe))
        except AudioError as exc:
            if notes is None:
                raise AuditInputError(f"{folder / 'audit.json'}: {where}: {exc}") from None
            notes.append(f"{where}: {exc}")
            return _empty()

    audit = Audit(
        target=str(doc.get("target", "")), started=str(doc.get("started", "")),
        finished=str(doc.get("finished", "")), language=str(doc.get("language") or "en"),
        ring_seconds=float(doc.get("ring_seconds") or 0.0),
        answer_lead=float(doc.get("answer_lead_seconds") or 0.0),
        complete=bool(doc.get("complete", True)),
        problems=[str(p) for p in doc.get("problems", [])],
        asr=dict(doc.get("asr") or {}),
    )
    nodes = doc["nodes"]
    if not isinstance(nodes, list) or not nodes:
        raise ValueError("nodes must be a non-empty list")
    for raw in nodes:
        node_id = str(raw["id"])
        where = f"node {node_id}"
        audit.nodes[node_id] = NodeRecord(
            id=node_id, kind=str(raw["kind"]), path=[str(k) for k in raw["path"]],
            via=[str(v) for v in raw.get("via") or []],
            transcript=str(raw.get("transcript") or ""),
            options=[Option(str(o["key"]), str(o.get("label", ""))) for o in raw.get("options", [])],
            prompt_seconds=float(raw.get("prompt_seconds") or 0.0),
            audio=_wav(raw.get("recording"), f"{where} recording"),
            hold_seconds=_float_or_none(raw.get("hold_seconds")),
            announcements=int(raw.get("announcements") or 0),
            barge_in=raw.get("barge_in"),
            digits=raw.get("digits"), terminator=raw.get("terminator"),
            language=audit.language, truncated=bool(raw.get("truncated", False)),
            music=_wav(raw.get("music_recording"), f"{where} music_recording"),
            announcement=_wav(raw.get("announcement_recording"),
                              f"{where} announcement_recording"),
            announcement_offsets=[float(x) for x in raw.get("announcement_offsets_seconds") or []],
            invalid_limit=_int_or_none(raw.get("invalid_limit")),  # extensions: on some nodes
            understood=raw.get("understood", True) is not False,
        )
        repeats = raw.get("repeats")  # heard on the no-input probe (newer audits only)
        if repeats is not None and hasattr(audit.nodes[node_id], "repeats"):
            audit.nodes[node_id].repeats = int(repeats)
    for raw in doc["edges"]:
        edge = EdgeRecord(str(raw["source"]), str(raw["target"]), str(raw["key"]),
                          str(raw.get("pressed", "")), float(raw.get("lead_in_seconds") or 0.0),
                          str(raw.get("probe", "")),
                          [str(k) for k in raw.get("also_pressed") or []])  # newer audits only
        for end in (edge.source, edge.target):
            if end not in audit.nodes:
                raise ValueError(f"edge {edge.source}->{edge.target} names unknown node {end!r}")
        audit.add_edge(edge)
    for raw in doc.get("calls", []):
        audit.calls.append(CallRecord(int(raw.get("index", 0)), str(raw.get("purpose", "")),
                                      list(raw.get("path", [])), str(raw.get("outcome", "")),
                                      float(raw.get("ring_seconds") or 0.0),
                                      float(raw.get("seconds") or 0.0), raw.get("error"),
                                      float(raw.get("navigating_seconds") or 0.0),
                                      _float_or_none(raw.get("start_seconds")),
                                      raw.get("started_at"),
                                      _float_or_none(raw.get("person_at_seconds")),  # newer
                                      _float_or_none(raw.get("agent_seconds"))))
    audit.limits = dict(doc["limits"]) if isinstance(doc.get("limits"), dict) else None
    audit.courtesy = dict(doc["courtesy"]) if isinstance(doc.get("courtesy"), dict) else None
    return audit


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
