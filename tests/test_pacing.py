"""Politeness limits as a pacer keeps them: calls per hour, a gap between calls, quiet hours in
the owner's time zone (summer time included), seeding with an earlier crawl's calls, and the
command line refusing values that are no limit (exit 2, nothing written)."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivraudit.audit.schema import SchemaError, check_document
from ivraudit.cli import main
from ivraudit.crawl.pacing import HOUR_SECONDS, Limits, Pacer, earlier_starts, format_wait
from ivraudit.crawl.quiet import QuietHours

from conftest import tree_path

PARIS = ZoneInfo("Europe/Paris")


def at(text: str, zone: ZoneInfo = PARIS) -> float:
    """POSIX seconds of a local wall time in ``zone``."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def test_min_gap_and_calls_per_hour_space_out_back_to_back_requests() -> None:
    pacer = Pacer(Limits(calls_per_hour=3, min_gap=60))
    starts = [pacer.reserve(1000.0).start for _ in range(7)]
    assert starts == [1000, 1060, 1120, 4600, 4660, 4720, 8200]
    assert pacer.to_json()["waits"] == 6


def test_every_hour_long_window_holds_at_most_the_allowed_calls() -> None:
    """Requests at irregular times: no 3600 s window ever holds more than N starts."""
    pacer = Pacer(Limits(calls_per_hour=4))
    asked = [0, 5, 900, 901, 1800, 2000, 3500, 3700, 7300, 7301, 7302, 20000]
    starts = [pacer.reserve(t).start for t in asked]
    assert all(s >= t for s, t in zip(starts, asked))
    assert starts == sorted(starts)
    assert all(later - earlier >= HOUR_SECONDS for earlier, later in zip(starts, starts[4:]))
    assert starts[-1] == 20000   # a request that breaks no limit is not held back


def test_lanes_asking_at_once_each_get_their_own_slot() -> None:
    """One pacer shared by threads (the crawl's lanes): reservations never overlap."""
    pacer = Pacer(Limits(min_gap=10))
    starts: list[float] = []
    lock = threading.Lock()

    def lane() -> None:
        for _ in range(25):
            slot = pacer.reserve(0.0)
            with lock:
                starts.append(slot.start)

    threads = [threading.Thread(target=lane) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(starts) == [10.0 * i for i in range(100)]


def test_seeded_calls_of_an_earlier_crawl_count_against_the_limits() -> None:
    earlier = Pacer(Limits(calls_per_hour=2, min_gap=30), clock=lambda: 0.0)
    first = [earlier.reserve(t).start for t in (100.0, 110.0)]
    document = {"calls": [{"started_at": datetime.fromtimestamp(t, timezone.utc)
                           .isoformat(timespec="milliseconds").replace("+00:00", "Z")}
                          for t in first] + [{"index": 3}]}   # an older call: no start kept
    assert earlier_starts(document) == first

    resumed = Pacer(Limits(calls_per_hour=2, min_gap=30))
    resumed.seed(earlier_starts(document))
    slot = resumed.reserve(200.0)
    assert slot.start == first[0] + HOUR_SECONDS and slot.reason == "calls per hour: 2"
    assert resumed.to_json()["earlier_calls"] == 2


def test_quiet_hours_across_midnight_end_at_the_local_morning() -> None:
    quiet = QuietHours.parse("20:00-08:00", "Europe/Paris")
    assert not quiet.contains(at("2026-06-10T19:59:59"))
    assert quiet.next_allowed(at("2026-06-10T19:59:59")) == at("2026-06-10T19:59:59")
    assert quiet.next_allowed(at("2026-06-10T20:00:00")) == at("2026-06-11T08:00:00")
    assert quiet.next_allowed(at("2026-06-11T03:00:00")) == at("2026-06-11T08:00:00")
    day = QuietHours.parse("12:00-14:00", "UTC")
    noon = datetime(2026, 6, 10, 12, 30, tzinfo=timezone.utc).timestamp()
    assert day.next_allowed(noon) == noon + 5400


def test_quiet_hours_follow_summer_time() -> None:
    """08:00 in Paris is 07:00 UTC the morning before the clocks go forward and 06:00 UTC
    after: the night of 28 to 29 March 2026 is an hour shorter."""
    quiet = QuietHours.parse("20:00-08:00", "Europe/Paris")
    end = quiet.next_allowed(at("2026-03-28T21:00:00"))
    assert datetime.fromtimestamp(end, timezone.utc) == datetime(2026, 3, 29, 6, 0, tzinfo=timezone.utc)
    pacer = Pacer(Limits(min_gap=600, quiet=quiet))
    slots = [pacer.reserve(at("2026-03-28T19:45:00")) for _ in range(3)]
    assert [datetime.fromtimestamp(s.start, PARIS).strftime("%d %H:%M") for s in slots] == \
        ["28 19:45", "28 19:55", "29 08:00"]
    assert slots[2].reason == "quiet hours 20:00-08:00 Europe/Paris"


@pytest.mark.parametrize("window, why", [
    ("20-08", "is not HH:MM-HH:MM"), ("25:00-08:00", "not on a clock"),
    ("20:00-08:61", "not on a clock"), ("08:00-08:00", "same time"), ("", "is not HH:MM-HH:MM"),
])
def test_malformed_quiet_hours_are_refused(window: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        QuietHours.parse(window, "UTC")


def test_a_wait_reads_as_a_person_says_it() -> None:
    assert [format_wait(s) for s in (2.04, 870, 7500)] == ["2.0 s", "14 m 30 s", "2 h 5 m"]


def _crawl(tmp_path: Path, *options: str):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["crawl", str(tree_path("tiny")), "--out", str(out),
                                       *options])
    return result, out


@pytest.mark.parametrize("options, said", [
    (["--calls-per-hour", "0"], "--calls-per-hour"),
    (["--calls-per-hour", "-3"], "1 or more"),
    (["--calls-per-hour", "nan"], "--calls-per-hour"),
    (["--min-gap", "0"], "above 0"),
    (["--min-gap", "-5"], "above 0"),
    (["--min-gap", "nan"], "above 0"),
    (["--min-gap", "inf"], "above 0"),
    (["--min-gap", "90000"], "more than a day"),
    (["--quiet-hours", "20:00-08:00"], "go together"),
    (["--timezone", "Europe/Paris"], "go together"),
    (["--quiet-hours", "8pm-8am", "--timezone", "Europe/Paris"], "HH:MM-HH:MM"),
    (["--quiet-hours", "20:00-08:00", "--timezone", "Mars/Olympus_Mons"], "unknown time zone"),
    (["--quiet-hours", "20:00-08:00", "--timezone", "../../etc/passwd"], "unknown time zone"),
])
def test_bad_limits_are_refused_before_anything_is_written(tmp_path: Path, options: list[str],
                                                           said: str) -> None:
    result, out = _crawl(tmp_path, *options)
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert not out.exists()


@pytest.mark.parametrize("field, value, said", [
    ("limits", {"calls_per_hour": "four"}, "limits.calls_per_hour: must be"),
    ("limits", {"min_gap_seconds": float("nan")}, "limits.min_gap_seconds: must be"),
    ("calls", [{"index": 1, "purpose": "answer", "path": [], "outcome": "answered",
                "started_at": 17}], "calls[0].started_at: must be"),
])
def test_an_audit_whose_limit_fields_are_not_what_ivraudit_writes_is_refused(
        field: str, value: object, said: str) -> None:
    document = {"nodes": [{"id": "n0", "kind": "menu", "path": []}], field: value}
    with pytest.raises(SchemaError, match=re.escape(said)):
        check_document(document)
