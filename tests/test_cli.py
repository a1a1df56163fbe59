"""The command line on bad input: one clear line naming what is wrong, a non-zero exit, nothing lost.

These run the installed ``ivraudit`` console script in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, tree_path


def ivraudit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout, wherever the test runs
    return subprocess.run([sys.executable, "-m", "ivraudit", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=600, env=env)


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    return folder


def test_invalid_spec_names_node_and_field(tiny_copy: Path, tmp_path: Path):
    spec = tiny_copy / "tree.yaml"
    spec.write_text(spec.read_text().replace('"2": agent', '"2": nowhere'))
    result = ivraudit("crawl", str(spec), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "nodes.main.options.2" in result.stderr and "nowhere" in result.stderr
    assert not (tmp_path / "out").exists()


def test_yaml_syntax_error_is_located(tiny_copy: Path, tmp_path: Path):
    spec = tiny_copy / "tree.yaml"
    spec.write_text(spec.read_text().replace("start: main", "start: [main"))
    result = ivraudit("crawl", str(spec), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "tree.yaml" in result.stderr and "line" in result.stderr


def test_corrupt_wav_names_the_file(tiny_copy: Path, tmp_path: Path):
    (tiny_copy / "bye.wav").write_bytes((tiny_copy / "bye.wav").read_bytes()[:100])
    result = ivraudit("crawl", str(tiny_copy / "tree.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "nodes.bye.prompt" in result.stderr and "bye.wav" in result.stderr
    assert "corrupt" in result.stderr


def test_missing_wav_names_the_file(tiny_copy: Path, tmp_path: Path):
    (tiny_copy / "agent.wav").unlink()
    result = ivraudit("crawl", str(tiny_copy / "tree.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "agent.wav" in result.stderr and "not found" in result.stderr


def test_missing_spec_file(tmp_path: Path):
    result = ivraudit("crawl", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr


def test_vosk_without_a_model_says_how_to_get_one(tmp_path: Path):
    result = ivraudit("crawl", str(tree_path("tiny")), "--out", str(tmp_path / "out"),
                      "--asr", "vosk")
    assert result.returncode == 2
    assert "ivraudit models download vosk-model-small-en-us-0.15" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_model_folder(tmp_path: Path):
    result = ivraudit("crawl", str(tree_path("tiny")), "--out", str(tmp_path / "out"),
                      "--asr", "whisper", "--model", str(tmp_path / "no-model"))
    assert result.returncode == 2
    assert "no-model" in result.stderr and "not found" in result.stderr


@pytest.mark.slow
def test_failed_crawl_keeps_an_earlier_audit(tiny_copy: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert ivraudit("crawl", str(tree_path("tiny")), "--out", str(out), "-q").returncode == 0
    before = (out / "audit.json").read_bytes()
    (tiny_copy / "main.wav").write_bytes(b"RIFF")
    result = ivraudit("crawl", str(tiny_copy / "tree.yaml"), "--out", str(out))
    assert result.returncode == 2
    assert (out / "audit.json").read_bytes() == before
    assert (out / "report.html").exists()


@pytest.mark.slow
def test_incomplete_crawl_writes_what_it_learned_and_exits_1(tmp_path: Path):
    out = tmp_path / "out"
    result = ivraudit("crawl", str(tree_path("tiny")), "--out", str(out), "--max-calls", "2", "-q")
    assert result.returncode == 1
    assert "incomplete" in result.stderr and "--max-calls 2" in result.stderr
    document = json.loads((out / "audit.json").read_text())
    assert document["complete"] is False
    assert len(document["calls"]) == 2
    assert {n["kind"] for n in document["nodes"]} >= {"menu", "message"}


def test_bad_forbid_keys_are_refused(tmp_path: Path):
    result = ivraudit("crawl", str(tree_path("tiny")), "--out", str(tmp_path / "o"), "--forbid", "1x")
    assert result.returncode == 2
    assert "not phone keys" in result.stderr


@pytest.mark.slow
def test_demo_crawls_the_bundled_tree_and_says_where_the_report_is(tmp_path: Path):
    result = ivraudit("demo", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"report: {tmp_path / 'demo' / 'report.html'}" in result.stdout
    document = json.loads((tmp_path / "demo" / "audit.json").read_text())
    assert document["metrics"]["nodes"] == 17
    assert document["metrics"]["human_reachable"] is True


def test_courtesy_options_reach_the_audit_and_the_report(tmp_path: Path):
    """--courtesy-message alone says the bundled apology (3.3 s, counted in the person's
    time); the options are recorded in audit.json and the report says who was reached."""
    out = tmp_path / "out"
    result = ivraudit("crawl", str(FIXTURES / "tiny" / "tree.yaml"), "--out", str(out),
                      "--asr", "whisper", "-q", "--courtesy-message", "--max-human-calls", "2")
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "audit.json").read_text())
    assert document["courtesy"] == {"hang_up_on_people": True, "max_human_calls": 2,
                                    "apology_seconds": 3.295, "queues_passed_by": []}
    [person] = [c for c in document["calls"] if c["person_at_seconds"] is not None]
    assert person["agent_seconds"] >= 3.295
    assert document["metrics"]["human_calls"] == 1
    assert document["metrics"]["agent_seconds"] == person["agent_seconds"]
    page = (out / "report.html").read_text()
    assert "1 call reached a person" in page and "after a recorded apology" in page


def test_an_apology_too_long_or_not_a_wav_is_refused(tiny_copy: Path, tmp_path: Path):
    from ivraudit.telephony.tones import tone
    from ivraudit.telephony.wav import write_wav

    long = tmp_path / "speech.wav"
    write_wav(long, tone(440.0, 12.0, dbfs=-20))
    for message, says in ((long, "12.0 s is too long for an apology"),
                          (tiny_copy / "tree.yaml", "tree.yaml")):
        result = ivraudit("crawl", str(tiny_copy / "tree.yaml"), "--out", str(tmp_path / "out"),
                          "--courtesy-message", str(message))
        assert result.returncode == 2, result.stderr
        assert says in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "out").exists()
