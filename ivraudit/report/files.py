"""Writing report pages into audit folders, for ``ivraudit crawl`` and ``ivraudit report``.

Kept out of the CLI so tests and other tools (a CI job comparing this week's crawl with last
week's) can call the same code. A crawl writes its audit folder (ivraudit.audit.writer) and
then its page here (:func:`write_report`); ``ivraudit report`` renders the page again from the
folder's ``audit.json`` (:func:`rerender`). Pages are written to a temporary name and renamed
into place by the audit writer's :func:`~ivraudit.audit.writer.write_atomically`, so a failed
render never leaves half a report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ivraudit.audit.reader import AuditInputError, read_document
from ivraudit.audit.writer import write_atomically
from ivraudit.report import render_compare, render_report


class AuditFolderError(AuditInputError):
    """An audit folder ``ivraudit report`` cannot read (the reader's message, unchanged).

    Exit status 1, what ``ivraudit report`` has always returned for it: the command has no
    other failure to tell it from, unlike ``ivraudit diff``, whose 1 means "changed"."""

    exit_code = 1


def load_audit(folder: Path) -> dict[str, Any]:
    """The ``audit.json`` document of an audit folder, read by
    :func:`ivraudit.audit.reader.read_document`."""
    try:
        return read_document(folder)
    except AuditInputError as exc:
        raise AuditFolderError(str(exc)) from None


def _write(path: Path, text: str) -> None:
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_report(folder: Path, document: dict[str, Any], embed_audio: bool = True) -> Path:
    """Write ``folder/report.html`` for the audit ``document`` (the folder's ``audit.json``, as
    :func:`~ivraudit.audit.writer.write_audit` returns it); returns the page's path."""
    report = folder / "report.html"
    try:
        page = render_report(document, folder, embed_audio=embed_audio)
    except AuditInputError as exc:  # a recording refused (a link, outside the folder)
        raise AuditFolderError(str(exc)) from None
    _write(report, page)
    return report


def rerender(folder: Path, embed_audio: bool = True) -> Path:
    """Write ``folder/report.html`` again from ``folder/audit.json``; returns its path."""
    return write_report(folder, load_audit(folder), embed_audio=embed_audio)


def audit_name(folder: Path, others: list[Path]) -> str:
    """A short name for an audit in a comparison: its folder name, or parent/name when two
    folders share a name (``acme/2026-01`` vs ``acme/2026-02`` stay distinct the other way)."""
    name = folder.resolve().name
    if sum(1 for f in others if f.resolve().name == name) > 1:
        return f"{folder.resolve().parent.name}/{name}"
    return name


def write_compare(folders: list[Path], out: Path) -> Path:
    """Write a page ranking the audits in ``folders`` to ``out``; returns ``out``."""
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
