"""Crawling a tree spec into an audit folder from Python, with one recognizer per process.

The pytest plugin and the regression tests replay frozen trees many times in one process;
loading the speech model once (:func:`shared_recognizer`) and letting its transcript cache
answer repeated prompts is what keeps a replay of a small tree to a few seconds.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ivraudit.asr.cache import CachedRecognizer
from ivraudit.audit.reader import LoadedAudit, read_audit


@functools.cache
def shared_recognizer(engine: str = "auto", language: str = "en") -> CachedRecognizer:
    """One recognizer per engine and language for the whole process (its crawls replay, and
    decode on ``DECODE_THREADS``)."""
    from ivraudit.asr import DECODE_THREADS, open_recognizer

    return open_recognizer(engine, language=language, cpu_threads=DECODE_THREADS)


def crawl_spec(spec: Path | str, out: Path | str, *, engine: str = "auto",
               recognizer: CachedRecognizer | None = None) -> LoadedAudit:
    """Crawl the tree spec ``spec`` by ear over the replay line; write and read back ``out``."""
    from ivraudit.audit.writer import write_audit
    from ivraudit.crawl.explorer import Explorer
    from ivraudit.lines.replay import ReplayLine
    from ivraudit.report.files import write_report
    from ivraudit.spec import load_spec

    tree = load_spec(spec)
    language = tree.language or "en"
    recognizer = recognizer or shared_recognizer(engine, language)
    audit = Explorer(ReplayLine(tree), recognizer, language=language).crawl()
    write_report(Path(out), write_audit(audit, Path(out)))
    return read_audit(out)
