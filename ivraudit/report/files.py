"""Reading audit folders and writing report pages, for ``ivraudit report``.

Kept out of the CLI so tests and other tools (a CI job comparing this week's crawl with last
week's) can call the same code. Pages are written to a temporary name and renamed into
place, like the audit writer does, so a failed render never leaves half a report.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ivraudit.errors import IvrauditError


class AuditFolderError(IvrauditError):
    """An audit folder whose audit.json is missing or unreadable."""


def load_audit(folder: Path) -> dict[str, Any]:
    """The ``audit.json`` document of an audit folder."""
    path = folder / "audit.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditFolderError(f"{path}: cannot read ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        raise AuditFolderError(f"{path}: not an ivraudit audit (no nodes)")
    return document


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def rerender(folder: Path, embed_audio: bool = True) -> Path:
    """Write ``folder/report.html`` again from ``folder/audit.json``; returns its path."""
    from ivraudit.report import render_report

    report = folder / "report.html"
    _write(report, render_report(load_audit(folder), folder, embed_audio=embed_audio))
    return report


def audit_name(folder: Path, others: list[Path]) -> str:
    """A short name for an audit in a comparison: its folder name, or parent/name when two
    folders share a name (``acme/2026-01`` vs ``acme/2026-02`` stay distinct the other way)."""
    name = folder.resolve().name
    if sum(1 for f in others if f.resolve().name == name) > 1:
        return f"{folder.resolve().parent.name}/{name}"
    return name


def write_compare(folders: list[Path], out: Path) -> Path:
    """Write a page ranking the audits in ``folders`` to ``out``; returns ``out``."""
    from ivraudit.report import render_compare

    entries = []
    for folder in folders:
        document = load_audit(folder)
        report = folder / "report.html"
        link = None
        if report.exists():
            link = os.path.relpath(report.resolve(), out.resolve().parent).replace(os.sep, "/")
        entries.append((audit_name(folder, folders), document, link))
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(out, render_compare(entries))
    return out
