"""The report's opening sentences: the audit in words, for a reader who stops after them.

Plain text built from the metrics and findings (the template escapes it like everything else).
"""

from __future__ import annotations

from typing import Any

from ivraudit.audit.document import AuditDoc


def _seconds(value: float) -> str:
    if value < 90:
        return f"{value:.0f} seconds"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest:02d} s"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(document: dict[str, Any]) -> list[str]:
    """Two to four sentences: the way to a person, the size of the maze, the worst findings.

    ``document`` must already carry ``findings`` (see :func:`ivraudit.audit.analysis.add_analysis`)."""
    metrics = document.get("metrics") or {}
    sentences = []
    seconds = metrics.get("time_to_human_seconds")
    keys = metrics.get("path_to_human") or []
    if seconds is None or not metrics.get("human_reachable", seconds is not None):
        sentences.append("No key sequence the crawl tried reached a person.")
    else:
        how = "by pressing " + " then ".join(keys) if keys else "without pressing anything"
        secret = [str(e.get("pressed") or e["key"]) for e in AuditDoc(document).route_to_human()
                  if e.get("probe") == "escape"]
        if secret:
            how += f" ({' and '.join(secret)} never announced)"
        hold = metrics.get("hold_seconds_to_human") or 0
        held = f", {_seconds(hold)} of it on hold" if hold >= 1 else ""
        ahead = metrics.get("time_to_human_typeahead_seconds")
        sentences.append(
            f"A caller who listens to every prompt reaches a person after {_seconds(seconds)} "
            f"{how}{held}" + (f"; typing ahead, after {_seconds(ahead)}." if ahead else "."))
    menus, options = int(metrics.get("menus") or 0), int(metrics.get("options") or 0)
    depth = int(metrics.get("max_depth") or 0)
    sentences.append(f"The tree has {_plural(menus, 'menu')} offering {_plural(options, 'option')}, "
                     f"{_plural(depth, 'level')} deep.")
    high = [f for f in document.get("findings", []) if f.get("severity") == "high"]
    if high:
        titles = sorted({f["title"].lower() for f in high})
        sentences.append(f"Most serious: {'; '.join(titles)}.")
    return sentences


def people_line(document: dict[str, Any]) -> str:
    """The people the crawl reached and how much of their time it used (the metrics'
    ``human_calls`` and ``agent_seconds``, the audit's ``courtesy``), in a sentence; "" for
    an audit that does not count them (written before issue 17) or reached nobody."""
    metrics = document.get("metrics") or {}
    calls = metrics.get("human_calls")
    if not isinstance(calls, int) or isinstance(calls, bool) or calls <= 0:
        return ""
    seconds = float(metrics.get("agent_seconds") or 0.0)
    line = (f"People: {_plural(calls, 'call')} reached a person, {seconds:.1f} s of "
            "their time in all")
    courtesy = document.get("courtesy")
    if isinstance(courtesy, dict):
        hung_up = courtesy.get("hang_up_on_people") is not False
        line += " (hung up as soon as known" if hung_up else " (heard out"
        if courtesy.get("apology_seconds"):
            line += ", after a recorded apology"
        passed = courtesy.get("queues_passed_by")
        if isinstance(passed, list) and passed:
            line += (f"; {_plural(len(passed), 'call')} left a known queue before anyone "
                     "answered, its answer taken from earlier calls")
        line += ")"
    return line + "."


def limits_line(document: dict[str, Any]) -> str:
    """The politeness limits the crawl kept (the audit's ``limits``), in a few words; "" when
    it kept none. Shown small: they say how the line was called, not what it does."""
    limits = document.get("limits")
    if not isinstance(limits, dict):
        return ""
    parts = []
    if limits.get("calls_per_hour"):
        parts.append(f"at most {_plural(int(limits['calls_per_hour']), 'call')} an hour")
    if limits.get("min_gap_seconds"):
        parts.append(f"{_seconds(float(limits['min_gap_seconds']))} between calls")
    if limits.get("quiet_hours"):
        parts.append(f"none {limits['quiet_hours']} {limits.get('timezone') or ''}".rstrip())
    return "Politeness limits: " + ", ".join(parts) if parts else ""
