"""Resuming a crawl from its journal (issue 17): nothing completed is dialled again, and the
audit is the one an uninterrupted crawl writes.

The in-process tests crawl a bundled tree over the real replay line and journal line, with
the FingerprintRecognizer (no model), and cut the journal where a kill would have left it.
The slow ones kill real ``ivraudit crawl`` processes (SIGKILL, SIGTERM, Ctrl-C's SIGINT) and
resume them with ``--resume``, as a user would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import ROOT, tree_path, write_queue_tree
from click.testing import CliRunner

from ivraudit import __version__
from ivraudit.cli import main
from ivraudit.audit.writer import audit_to_json
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.lines.journal import JournalLine
from ivraudit.lines.journal_store import Journal, JournalError, crawl_header, redact
from ivraudit.lines.replay import ReplayLine
from ivraudit.lines.sip import SipAccount, SipLine
from ivraudit.simulator import Simulator
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.spec import load_spec
from ivraudit.testing.recognizers import FingerprintRecognizer

TREE = "synthetic-voices"
OPTIONS = {"strategy": "all"}
VOLATILE = ("started", "finished", "asr")
"""What differs between two crawls of one tree however they went: the clock and ASR time."""


def same_audit(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in VOLATILE}


def crawl_in_process(folder: Path, *, resume: bool, concurrency: int = 1, tree: Path | None = None,
                     options: dict[str, Any] | None = None, **explorer: Any
                     ) -> tuple[dict[str, Any], JournalLine]:
    spec = load_spec(tree or tree_path(TREE))
    header = crawl_header(str(spec.path), spec, __version__, options or OPTIONS,
                          "2026-12-05T00:00:00Z")
    journal = Journal.open(folder, header, resume=resume)
    journal.start()
    line = JournalLine(ReplayLine(spec), journal)
    try:
        explorer = Explorer(line, FingerprintRecognizer.from_spec(spec), concurrency=concurrency,
                            **explorer)
        explorer.gate.set_origin(journal.origin)  # as the command line does on a replay line
        audit = explorer.crawl()
    finally:
        line.close()
    return audit_to_json(audit), line


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """An uninterrupted crawl and its journal."""
    folder = tmp_path_factory.mktemp("reference") / "journal"
    document, line = crawl_in_process(folder, resume=False)
    assert document["complete"] and line.dialled == len(document["calls"])
    return document, folder


def cut_journal(source: Path, dest: Path, calls: int, torn: bytes = b"") -> Path:
    """The journal as a kill after ``calls`` calls leaves it (``torn``: half a line more)."""
    shutil.copytree(source, dest)
    lines = (dest / "journal.jsonl").read_bytes().split(b"\n")
    (dest / "journal.jsonl").write_bytes(b"\n".join(lines[: 1 + calls]) + b"\n" + torn)
    return dest


@pytest.mark.parametrize("calls", [1, 7])
def test_resume_between_calls_gives_the_uninterrupted_audit(reference, tmp_path: Path,
                                                            calls: int):
    document, journal = reference
    total = len(document["calls"])
    folder = cut_journal(journal, tmp_path / "journal", calls)
    resumed, line = crawl_in_process(folder, resume=True)
    assert same_audit(resumed) == same_audit(document)
    assert (line.replayed, line.dialled, line.went_live) == (calls, total - calls, [])
    if calls != 7:
        return
    # the journal now holds the whole crawl again: a second resume dials nothing
    again, line = crawl_in_process(folder, resume=True)
    assert same_audit(again) == same_audit(document)
    assert (line.replayed, line.dialled) == (total, 0)


def test_resume_of_a_concurrent_crawl(tmp_path: Path):
    """Two lanes end their calls out of order, so a kill can leave, say, calls 1, 2 and 4
    but not 3 (in progress): the resume serves those it holds and dials the others."""
    document, _line = crawl_in_process(tmp_path / "whole", resume=False, concurrency=2)
    lines = (tmp_path / "whole" / "journal.jsonl").read_text().splitlines()
    ended = [json.loads(line)["call"] for line in lines[1:]]
    assert ended != sorted(ended)  # the case this test is about
    folder = cut_journal(tmp_path / "whole", tmp_path / "cut", 5)
    resumed, line = crawl_in_process(folder, resume=True, concurrency=2)
    assert same_audit(resumed) == same_audit(document)
    assert (line.replayed, line.dialled) == (5, len(document["calls"]) - 5)


def test_a_resumed_crawl_goes_on_counting_the_calls_that_reached_a_person(tmp_path: Path):
    """--max-human-calls 1 with an apology, cut right after the call that reached the agent
    behind a queue: the resumed part knows that call reached a person (the journal's record
    says so, its apology included), so it passes the known queue by on the barge-in call as
    the uninterrupted crawl did."""
    polite = {"tree": write_queue_tree(tmp_path), "options": {"strategy": "reuse", "max_human_calls": 1},
              "strategy": CrawlStrategy.parse("reuse"),
              "policy": CrawlPolicy(max_human_calls=1), "apology": np.full(800, 2000, np.int16)}
    document, _ = crawl_in_process(tmp_path / "reference", resume=False, **polite)
    [reached] = [c["index"] for c in document["calls"] if c["person_at_seconds"] is not None]
    assert document["courtesy"]["queues_passed_by"], document["courtesy"]
    assert reached < len(document["calls"]) and document["metrics"]["human_calls"] == 1
    folder = cut_journal(tmp_path / "reference", tmp_path / "journal", reached)
    resumed, line = crawl_in_process(folder, resume=True, **polite)
    assert same_audit(resumed) == same_audit(document)
    assert (line.replayed, line.went_live) == (reached, [])


def test_a_torn_last_line_and_chunk_are_dropped(reference, tmp_path: Path):
    document, journal = reference
    full = (journal / "journal.jsonl").read_bytes().split(b"\n")
    folder = cut_journal(journal, tmp_path / "journal", 5, torn=full[6][: len(full[6]) // 2])
    with (folder / "audio.pack").open("ab") as pack:
        pack.write(b"\x00\x00\x10\x00" + b"\x01" * 40)  # a chunk the crash cut
    resumed, line = crawl_in_process(folder, resume=True)
    assert same_audit(resumed) == same_audit(document)
    assert (line.replayed, line.dialled) == (5, len(document["calls"]) - 5)
    for raw in (folder / "journal.jsonl").read_bytes().splitlines():
        json.loads(raw)  # the torn line was cut off before anything was appended


def test_a_record_whose_audio_is_damaged_is_dialled_again(reference, tmp_path: Path):
    """Damage found only when a call is served (its audio short of what its reads returned)
    does not stop the crawl: that call and the rest are dialled."""
    document, journal = reference
    folder = cut_journal(journal, tmp_path / "journal", 6)
    lines = (folder / "journal.jsonl").read_text().splitlines()
    record = json.loads(lines[4])
    record["chunks"] = record["chunks"][:-1]
    lines[4] = json.dumps(record)
    (folder / "journal.jsonl").write_text("\n".join(lines) + "\n")
    resumed, line = crawl_in_process(folder, resume=True)
    assert same_audit(resumed) == same_audit(document)
    assert (line.replayed, line.went_live) == (3, [4])
    assert line.dialled == len(document["calls"]) - 3


def test_damage_before_the_last_line_is_refused(reference, tmp_path: Path):
    _document, journal = reference
    folder = cut_journal(journal, tmp_path / "journal", 4)
    lines = (folder / "journal.jsonl").read_bytes().split(b"\n")
    lines[2] = lines[2][:30]
    (folder / "journal.jsonl").write_bytes(b"\n".join(lines))
    with pytest.raises(JournalError, match="line 3 is damaged"):
        crawl_in_process(folder, resume=True)
    lines[2] = json.dumps({**json.loads(lines[3]), "outcome": "maybe"}).encode()
    (folder / "journal.jsonl").write_bytes(b"\n".join(lines))
    with pytest.raises(JournalError, match=r"line 3: not a call record \(outcome\)"):
        crawl_in_process(folder, resume=True)
    lines[2] = json.dumps({**json.loads(lines[3]), "crawl_seconds": [1.0, "later"]}).encode()
    (folder / "journal.jsonl").write_bytes(b"\n".join(lines))
    with pytest.raises(JournalError, match=r"line 3: not a call record \(crawl_seconds\)"):
        crawl_in_process(folder, resume=True)


def test_a_journal_without_crawl_seconds_still_resumes(reference, tmp_path: Path):
    """Records written before the crawl's clock was kept have no ``crawl_seconds``: they are
    served all the same, and the calls journalled after them have it."""
    document, journal = reference
    folder = cut_journal(journal, tmp_path / "journal", 7)
    header, *calls = (folder / "journal.jsonl").read_text().splitlines()
    old = [{k: v for k, v in json.loads(c).items() if k != "crawl_seconds"} for c in calls]
    (folder / "journal.jsonl").write_text("\n".join([header, *map(json.dumps, old)]) + "\n")
    resumed, line = crawl_in_process(folder, resume=True)
    assert same_audit(resumed) == same_audit(document) and line.replayed == 7
    records = [json.loads(c) for c in (folder / "journal.jsonl").read_text().splitlines()[1:]]
    assert ["crawl_seconds" in r for r in records] == [False] * 7 + [True] * (len(records) - 7)


def test_a_call_cut_by_an_interrupt_goes_live_where_its_record_ends(reference, tmp_path: Path):
    """A record written at the hang-up Ctrl-C forced ends early: the resumed crawl dials the
    line there, does the call so far again on it, and goes on."""
    document, journal = reference
    folder = cut_journal(journal, tmp_path / "journal", 4)
    with (journal / "journal.jsonl").open() as full:
        record = json.loads(full.read().splitlines()[5])
    heard = sum(op[2] * op[3] for op in record["ops"] if op[0] == "r")
    keep = heard // 2 // 8000 * 8000  # the call stops half way (at a chunk's end) and hangs up
    assert keep > 0
    ops, samples = [], 0
    for op in record["ops"]:
        if op[0] == "r" and samples < keep:
            times = min(op[3], (keep - samples) // op[2]) if op[2] else op[3]
            ops.append([*op[:3], times])
            samples += op[2] * times
        elif op[0] == "p" and samples < keep:
            ops.append(op)
    assert samples == keep
    record["ops"] = [*ops, ["h", 0.0]]
    record["chunks"] = record["chunks"][: keep // 8000]
    with (folder / "journal.jsonl").open("a") as out:
        out.write(json.dumps(record) + "\n")
    resumed, line = crawl_in_process(folder, resume=True)
    assert same_audit(resumed) == same_audit(document)
    assert line.went_live == [5]
    assert (line.replayed, line.dialled) == (5, len(document["calls"]) - 4)


def test_a_resume_says_which_dials_the_journal_serves(reference, tmp_path: Path):
    """What politeness limits need of a resume: which dials are no call on the line, and
    when the journal's calls were really made."""
    _document, journal = reference
    folder = cut_journal(journal, tmp_path / "journal", 3)
    spec = load_spec(tree_path(TREE))
    header = crawl_header(str(spec.path), spec, __version__, OPTIONS, "")
    resumed = Journal.open(folder, header, resume=True)
    resumed.start()
    line = JournalLine(ReplayLine(spec), resumed)
    times = line.dial_times()
    assert len(times) == 3 and times == sorted(times) and times[0] > 1.7e9
    served = []
    for _ in range(4):
        served.append(line.serves_next())
        line.dial()
    line.close()
    assert served == [True, True, True, False] and (line.replayed, line.dialled) == (3, 1)


def test_the_journal_never_holds_a_sip_password():
    assert redact("sip:alice:hunter2@pbx.example.com:5060") == "sip:alice@pbx.example.com:5060"
    assert redact("sip:+18005550100@trunk.example.com") == "sip:+18005550100@trunk.example.com"
    header = crawl_header("sip:alice:hunter2@pbx.example.com", None, __version__, {}, "")
    assert "hunter2" not in json.dumps(header) and header["spec_sha256"] is None


def sip_crawl_in_process(folder: Path, sim: Simulator, recognizer, *, resume: bool
                         ) -> tuple[dict[str, Any], JournalLine]:
    """A crawl of the simulator over real SIP and RTP, journalled, as the command line runs it."""
    header = crawl_header(sim.uri(), None, __version__, {"strategy": "reuse,hangup"},
                          "2026-12-05T00:00:00Z")
    journal = Journal.open(folder, header, resume=resume)
    journal.start()
    line = JournalLine(SipLine(sim.uri(), SipAccount(pace_by_reading=True)), journal)
    try:
        audit = Explorer(line, recognizer, strategy=CrawlStrategy.parse("reuse,hangup")).crawl()
    finally:
        line.close()
    return audit_to_json(audit), line


@pytest.mark.slow
def test_a_resumed_sip_crawl_counts_the_time_of_both_parts(recognizer, tmp_path: Path):
    """Before: a SIP crawl resumed after a kill had ``wall_seconds`` (and its calls'
    ``start_seconds``) counted from the resume, as if the first part had taken no time (6.9 s
    crawled whole, 3.1 s resumed). Now the journal keeps each call's crawl seconds, and the
    resumed crawl goes on from the first part's clock, as the uninterrupted crawl would."""
    with Simulator(load_spec(tree_path("tiny")), paced=True) as sim:
        whole, _line = sip_crawl_in_process(tmp_path / "journal", sim, recognizer, resume=False)
        lines = (tmp_path / "journal" / "journal.jsonl").read_text().splitlines()
        done = len(whole["calls"]) - 1                        # a kill before the last call
        assert done >= 2, whole["calls"]
        kept = [json.loads(line) for line in lines[1:1 + done]]
        (tmp_path / "journal" / "journal.jsonl").write_text("\n".join(lines[:1 + done]) + "\n")
        resumed, line = sip_crawl_in_process(tmp_path / "journal", sim, recognizer, resume=True)
    assert (line.replayed, line.dialled) == (done, 1) and resumed["complete"]
    starts = [c["start_seconds"] for c in resumed["calls"]]
    assert starts[:done] == [r["crawl_seconds"][0] for r in kept]    # the first part's clock
    first_part = kept[-1]["crawl_seconds"][1]
    assert first_part <= starts[done] < first_part + 0.5 and starts == sorted(starts)
    assert starts == pytest.approx([c["start_seconds"] for c in whole["calls"]], abs=1.0)
    wall = resumed["metrics"]["wall_seconds"]
    assert wall == pytest.approx(whole["metrics"]["wall_seconds"], abs=1.5) and wall > starts[-1]


# -- real processes ------------------------------------------------------------------------

def ivraudit_cmd(target: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ivraudit", "crawl", str(target), "--out", str(out),
            "--cache", str(cache), *extra]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


def records(out: Path) -> int:
    try:
        return max(0, (out / "journal" / "journal.jsonl").read_bytes().count(b"\n") - 1)
    except OSError:
        return 0


def interrupted(args: list[str], stderr: Path, ready, sig: int) -> subprocess.Popen[bytes]:
    """Start ``args``, send ``sig`` once ``ready()`` holds, and wait for the process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with stderr.open("wb") as err:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT, env=env)
        deadline = time.monotonic() + 240
        while process.poll() is None and not ready() and time.monotonic() < deadline:
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(sig)
        process.wait(timeout=120)
    return process


@pytest.fixture(scope="module")
def cli_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """An uninterrupted crawl by the command line; its transcripts cache serves the others."""
    base = tmp_path_factory.mktemp("cli")
    cache, out = base / "cache", base / "reference"
    result = run(ivraudit_cmd(tree_path(TREE), out, cache))
    assert result.returncode == 0, result.stderr
    calls = len(json.loads((out / "audit.json").read_text())["calls"])
    return out, cache, calls


def check_resumed(reference: Path, out: Path, cache: Path, total: int, first_part: str) -> None:
    """--resume completes the crawl: ``diff`` finds nothing, and at most one call was made
    twice over both parts."""
    result = run(ivraudit_cmd(tree_path(TREE), out, cache, "--resume"))
    assert result.returncode == 0, result.stderr
    assert run([sys.executable, "-m", "ivraudit", "diff", str(reference), str(out)]).returncode == 0
    ours, theirs = (json.loads((f / "audit.json").read_text()) for f in (out, reference))
    assert [{**c, "started_at": None} for c in ours["calls"]] == \
        [{**c, "started_at": None} for c in theirs["calls"]]  # two crawls: two wall clocks
    replayed, dialled = map(int, re.search(r"resumed: (\d+) calls from the journal, (\d+) dialled",
                                           result.stderr).groups())
    started = max(map(int, re.findall(r"^call (\d+):", first_part, re.M)), default=0)
    assert replayed + dialled >= total and replayed + dialled <= total + 1
    assert started + dialled - total <= 1, (started, replayed, dialled)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["early", "late", "writing the audit"])
def test_sigkill_then_resume_gives_the_uninterrupted_audit(cli_reference, tmp_path: Path,
                                                          point: str):
    reference, cache, total = cli_reference
    out = tmp_path / "out"
    ready = {"early": lambda: records(out) >= 2,
             "late": lambda: records(out) >= total - 3,
             "writing the audit": lambda: (out / "recordings").exists()}[point]
    process = interrupted(ivraudit_cmd(tree_path(TREE), out, cache), tmp_path / "err", ready,
                          signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    if point != "writing the audit":
        assert not (out / "audit.json").exists()
    check_resumed(reference, out, cache, total, (tmp_path / "err").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_crawl_writes_its_partial_audit_and_resume_completes_it(
        cli_reference, tmp_path: Path, sig: signal.Signals):
    reference, cache, total = cli_reference
    out = tmp_path / "out"
    process = interrupted(ivraudit_cmd(tree_path(TREE), out, cache), tmp_path / "err",
                          lambda: records(out) >= 4, sig)
    assert process.returncode == 1
    partial = json.loads((out / "audit.json").read_text())
    assert not partial["complete"] and len(partial["calls"]) < total
    check_resumed(reference, out, cache, total, (tmp_path / "err").read_text())
    whole = json.loads((out / "audit.json").read_text())["calls"]
    assert [c["started_at"] for c in partial["calls"]] == \
        [c["started_at"] for c in whole[: len(partial["calls"])]]  # the first part's stamps


@pytest.mark.slow
def test_resume_refuses_another_crawls_journal(cli_reference, tmp_path: Path):
    _reference, cache, _total = cli_reference
    tiny = tmp_path / "tiny"
    shutil.copytree(tree_path("tiny").parent, tiny)
    out = tmp_path / "out"
    assert run(ivraudit_cmd(tiny / "tree.yaml", out, cache)).returncode == 0
    written = (out / "audit.json").read_bytes()

    def refused(*args: str, target: Path = tiny / "tree.yaml") -> str:
        result = run(ivraudit_cmd(target, out, cache, "--resume", *args))
        assert result.returncode == 2, result.stderr
        assert (out / "audit.json").read_bytes() == written
        assert "Traceback" not in result.stderr
        return result.stderr

    assert "--strategy" in refused("--strategy", "naive")
    assert "--max-human-calls" in refused("--max-human-calls", "1")
    assert "is a crawl of" in refused(target=tree_path("tiny"))
    spec = tiny / "tree.yaml"
    spec.write_text(spec.read_text() + "\n# re-recorded\n")
    assert "changed since the crawl began" in refused()
    header, *rest = (out / "journal" / "journal.jsonl").read_text().splitlines()
    (out / "journal" / "journal.jsonl").write_text(
        "\n".join([header.replace(f'"{__version__}"', '"0.0.1"'), *rest]) + "\n")
    assert "written by ivraudit '0.0.1', this is " in refused()
    shutil.rmtree(out / "journal")
    assert "no journal to resume" in refused()


@pytest.mark.parametrize("link, resume", [("journal", False), ("journal/audio.pack", False),
                                          ("journal/journal.jsonl", True),
                                          ("journal/transcripts/ab/cd.json", True)])
def test_a_journal_that_is_or_holds_a_link_is_refused(tmp_path: Path, link: str, resume: bool):
    """Before: a journal/ linked elsewhere was written there, and a linked audio.pack had
    the file it named truncated and overwritten with audio (a private key, say). Now either
    is refused, naming the link, before anything is read or written (exit 2)."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_key").write_bytes(b"PRIVATE KEY")
    out = tmp_path / "out"
    (out / "journal" / "transcripts" / "ab").mkdir(parents=True)
    (out / "audit.json").write_text("{}")  # an earlier audit, which must stay as it was
    if link == "journal":
        shutil.rmtree(out / "journal")
    (out / link).symlink_to(secret if link == "journal" else secret / "id_key")
    result = CliRunner().invoke(main, ivraudit_cmd(tree_path("tiny"), out, tmp_path / "cache",
                                                   "--asr", "whisper",
                                                   *(["--resume"] if resume else []))[3:])
    assert result.exit_code == 2, result.output
    assert f"{out / link} is a symbolic link (to '{secret}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in secret.iterdir()) == ["id_key"]
    assert (secret / "id_key").read_bytes() == b"PRIVATE KEY"
    assert (out / "audit.json").read_text() == "{}" and not (out / "report.html").exists()


@pytest.mark.slow
def test_a_sip_crawl_resumes_from_its_journal_without_dialling(tmp_path: Path):
    """Over real SIP and RTP (the simulator, paced): the journal holds no password, and a
    resume of the finished crawl plays every call back from it and dials nothing, without
    waiting for the politeness limits (no call is made) and keeping each call's start."""
    GAP = 5.0  # --min-gap: longer than a call of tiny takes here, read as fast as it comes

    def posix(stamp: str) -> float:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    simulator = subprocess.Popen([sys.executable, "-m", "ivraudit", "simulate",
                                  str(tree_path("tiny")), "--port", "0", "--paced"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 cwd=ROOT, env=env)
    try:
        assert simulator.stdout is not None
        port = re.search(r"127\.0\.0\.1:(\d+)", simulator.stdout.readline())
        assert port, "the simulator did not start"
        account = tmp_path / "account.toml"
        account.write_text('[sip]\nuser = "tester"\npace_by_reading = true\n')
        out = tmp_path / "audit"
        args = [sys.executable, "-m", "ivraudit", "crawl", f"sip:ivr@127.0.0.1:{port.group(1)}",
                "--out", str(out), "--account", str(account), "--asr", "whisper",
                "--min-gap", str(GAP)]
        secret = {**env, "IVRAUDIT_SIP_PASSWORD": "hunter2-not-stored"}
        first = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=secret,
                               timeout=300)
        assert first.returncode == 0, first.stderr
        starts = [c["started_at"] for c in json.loads((out / "audit.json").read_text())["calls"]]
        gaps = [posix(b) - posix(a) for a, b in zip(starts, starts[1:])]
        assert gaps and min(gaps) >= GAP - 0.05, gaps  # kept between the real calls (a slow
        # machine may need no wait for it: "waiting" is said only where one was needed)
        second = subprocess.run([*args, "--resume"], capture_output=True, text=True, cwd=ROOT,
                                env=secret, timeout=300)
        assert second.returncode == 0, second.stderr
    finally:
        simulator.terminate()  # our own child, by its handle
        simulator.wait(timeout=10)
    resumed = json.loads((out / "audit.json").read_text())["calls"]
    assert f"resumed: {len(resumed)} calls from the journal, 0 dialled" in second.stderr
    assert "waiting" not in second.stderr
    # the first part's starts (the gate stamps them, the journal notes the dial: ms apart)
    assert len(resumed) == len(starts)
    assert all(abs(posix(c["started_at"]) - posix(s)) < 0.5 for c, s in zip(resumed, starts))
    for path in (out / "journal").rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path
