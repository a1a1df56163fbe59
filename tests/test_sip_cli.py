"""The SIP commands as a user runs them: ``ivraudit simulate`` in one process, ``ivraudit crawl
sip:...`` in another, talking real SIP and RTP over 127.0.0.1; and ``ivraudit demo --sip``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, tree_path

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def ivraudit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ivraudit", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, env={**ENV, **(env or {})})


@pytest.fixture
def simulator():
    """``ivraudit simulate tiny --paced`` on a free port; yields (uri prefix, process)."""
    process = subprocess.Popen([sys.executable, "-m", "ivraudit", "simulate",
                                str(tree_path("tiny")), "--port", "0", "--paced"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, env=ENV)
    assert process.stdout is not None
    banner = process.stdout.readline()
    match = re.search(r"sip:ivr@127\.0\.0\.1:(\d+)", banner)
    assert match, banner + process.stderr.read() if process.stderr else banner
    yield f"127.0.0.1:{match.group(1)}", process
    process.terminate()   # our own child, by its handle
    process.wait(timeout=10)


@pytest.mark.slow
def test_crawl_over_sip_from_the_command_line(simulator, tmp_path: Path) -> None:
    hostport, process = simulator
    account = tmp_path / "account.toml"
    account.write_text('[sip]\nuser = "tester"\npace_by_reading = true\n')
    result = ivraudit("crawl", f"sip:ivr@{hostport}", "--out", str(tmp_path / "audit"),
                      "--account", str(account), "--asr", "whisper", "-q")
    assert result.returncode == 0, result.stderr
    assert "4 nodes, 1 menus" in result.stdout
    document = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert document["target"] == f"sip:ivr@{hostport}"
    assert {c["outcome"] for c in document["calls"]} == {"answered"}
    assert document["strategy"] == "reuse,hangup"   # no typing ahead on real lines by default yet


@pytest.mark.slow
def test_a_busy_line_is_recorded_not_crashed(simulator, tmp_path: Path) -> None:
    hostport, _ = simulator
    result = ivraudit("crawl", f"sip:busy@{hostport}", "--out", str(tmp_path / "audit"),
                      "--asr", "whisper", "--dtmf", "inband", "-q")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "incomplete" in result.stderr and "busy" in result.stderr
    document = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert [c["outcome"] for c in document["calls"]] == ["busy"]
    assert "more than was measured" not in result.stderr


@pytest.mark.slow
def test_more_calls_at_once_than_measured_are_warned_about(simulator, tmp_path: Path) -> None:
    """Nine calls at once over SIP: a warning, even with -q, and the crawl goes on (its busy
    line stops it after three calls in a row fail, never more than nine at once)."""
    hostport, _ = simulator
    result = ivraudit("crawl", f"sip:busy@{hostport}", "--out", str(tmp_path / "audit"),
                      "--asr", "whisper", "--concurrency", "9", "-q")
    assert "9 calls at once over SIP is more than was measured (8" in result.stderr
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_password_in_the_account_file_is_refused(tmp_path: Path) -> None:
    account = tmp_path / "account.toml"
    account.write_text('user = "1001"\npassword = "hunter2"\n')
    result = ivraudit("crawl", "sip:ivr@127.0.0.1:9", "--out", str(tmp_path / "a"),
                      "--account", str(account))
    assert result.returncode == 1 and "passwords are not read from files" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_sip_options_on_a_spec_target_are_a_usage_error(tmp_path: Path) -> None:
    result = ivraudit("crawl", str(tree_path("tiny")), "--out", str(tmp_path / "a"), "--dtmf", "inband")
    assert result.returncode == 2 and "sip: targets" in result.stderr


def test_wrong_registration_password_stops_before_any_call(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "ivraudit", "simulate", str(tree_path("tiny")),
                                "--port", "0", "--auth-user", "alice"], stdout=subprocess.PIPE,
                               text=True, cwd=ROOT, env={**ENV, "IVRAUDIT_SIMULATOR_PASSWORD": "right"})
    try:
        assert process.stdout is not None
        port = re.search(r":(\d+) \(UDP\)", process.stdout.readline()).group(1)  # type: ignore[union-attr]
        account = tmp_path / "account.toml"
        account.write_text(f'user = "alice"\nregistrar = "127.0.0.1:{port}"\n')
        result = ivraudit("crawl", f"sip:ivr@127.0.0.1:{port}", "--out", str(tmp_path / "a"),
                          "--account", str(account), env={"IVRAUDIT_SIP_PASSWORD": "wrong-pw"})
        assert result.returncode == 1
        assert "registration at 127.0.0.1" in result.stderr and "wrong user or password" in result.stderr
        assert "wrong-pw" not in result.stderr + result.stdout
        assert not (tmp_path / "a").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_demo_over_sip(tmp_path: Path) -> None:
    """The demo tree through the simulator, cut to one call to stay quick."""
    result = ivraudit("demo", "--sip", "--out", str(tmp_path / "demo"), "--asr", "whisper",
                      "--max-calls", "1")
    assert "simulator: sip:ivr@127.0.0.1:" in result.stderr and "Traceback" not in result.stderr
    document = json.loads((tmp_path / "demo" / "audit.json").read_text())
    assert document["target"].startswith("sip:ivr@127.0.0.1:")
    assert [c["outcome"] for c in document["calls"]] == ["answered"]
    assert len(document["nodes"]) >= 3   # the main menu and what the first call reached
    assert (tmp_path / "demo" / "report.html").exists()
