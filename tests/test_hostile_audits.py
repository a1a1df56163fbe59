"""Hostile audit folders (issue 17): an --out that cannot be written, a disk that fills, links
planted in recordings/, control characters heard on a call, audit.json of the wrong shape.

Each builds the hostile case for real (a tmpfs mounted read-only or 64 KB small where the
machine lets the tests mount, a socket that would see a dial) and checks the clear outcome.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, finishes, tree_path
from ivraudit.audit import writer
from ivraudit.audit.destination import AuditWriteError, DestinationError, check_destination
from ivraudit.audit.model import Audit
from ivraudit.audit.reader import AuditInputError
from ivraudit.audit.writer import write_audit
from ivraudit.crawl.explorer import Explorer
from ivraudit.lines.replay import ReplayLine
from ivraudit.report.files import rerender, write_report
from ivraudit.spec import load_spec
from ivraudit.testing.recognizers import FingerprintRecognizer
from test_cli import ivraudit


@pytest.fixture(scope="module")
def tiny_audit() -> Audit:
    """The tiny tree crawled with no speech model (fingerprints): a real audit, in a second."""
    spec = load_spec(tree_path("tiny"))
    audit = Explorer(ReplayLine(spec), FingerprintRecognizer.from_spec(spec)).crawl()
    assert audit.complete and len(audit.nodes) >= 3
    return audit


@contextlib.contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``folder`` (skips the test where the machine does not allow it)."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.part"))


# 2. An --out that cannot be written is refused before the first call.

@contextlib.contextmanager
def _sip_listener() -> Iterator[tuple[socket.socket, int]]:
    """A UDP socket on loopback standing where a SIP server would: a dial would reach it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    try:
        yield sock, sock.getsockname()[1]
    finally:
        sock.close()


def _unusable_out(kind: str, tmp_path: Path) -> Path:
    if kind == "a file":
        (tmp_path / "out").write_text("not a folder")
        return tmp_path / "out"
    if kind == "below a file":
        (tmp_path / "file").write_text("not a folder")
        return tmp_path / "file" / "audit"
    if kind == "recordings is a file":
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "recordings").write_text("not a folder")
        return tmp_path / "out"
    return Path("/proc/ivraudit-audit")


@pytest.mark.parametrize("kind", ["a file", "below a file", "recordings is a file", "/proc"])
def test_an_unusable_out_is_refused_before_anything_is_dialled(tmp_path, kind):
    out = _unusable_out(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with _sip_listener() as (sock, port):
        result = ivraudit("crawl", f"sip:ivr@127.0.0.1:{port}", "--out", str(out), "-q")
        with pytest.raises(BlockingIOError):
            sock.recv(4096)  # not one datagram: nothing was dialled
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"the audit folder {out}" in result.stderr
    assert result.stderr.startswith("ivraudit: error: ") and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no probe left behind


def test_a_read_only_out_is_refused(tmp_path):
    """Root writes into a folder whose mode says read-only, so a real read-only mount."""
    with tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        with pytest.raises(DestinationError, match="Read-only file system"):
            check_destination(folder / "audit")
        result = ivraudit("crawl", str(tree_path("tiny")), "--out", str(folder), "-q")
    assert result.returncode == 2 and "Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_usable_out_is_left_as_it_was(tmp_path):
    (tmp_path / "audit").mkdir()
    check_destination(tmp_path / "audit")
    check_destination(tmp_path / "new" / "deeper")
    assert [p.name for p in tmp_path.rglob("*")] == ["audit"]


# 2. A disk that fills while the audit is written.

def test_a_write_failing_with_enospc_leaves_no_part_file_and_keeps_the_audit(
        tiny_audit, tmp_path, monkeypatch):
    """The third recording fails as a full disk does, after writing half a file."""
    real_write_wav = writer.write_wav
    calls = []

    def filling(path, pcm, rate=8000):
        calls.append(path)
        if len(calls) == 3:
            Path(path).write_bytes(b"RIFF half a recording")
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_wav(path, pcm, rate)

    monkeypatch.setattr(writer, "write_wav", filling)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(AuditWriteError) as caught:
        write_audit(tiny_audit, tmp_path / "audit")
    message = str(caught.value)
    failed = Path(calls[2]).name.removeprefix(".").removesuffix(".part")  # .n2.wav.part
    assert "No space left on device" in message and f"{failed} (" in message
    assert _parts(tmp_path) == []
    saved = sorted((tmp_path / "elsewhere").glob("ivraudit-audit-*.json"))
    assert len(saved) == 1 and str(saved[0]) in message
    assert {n["id"] for n in json.loads(saved[0].read_text())["nodes"]} == set(tiny_audit.nodes)


def test_a_real_full_disk_leaves_no_part_file(tiny_audit, tmp_path, monkeypatch):
    """A 64 KB tmpfs: the recordings do not fit (ENOSPC from the kernel, not a stand-in)."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with tmpfs(tmp_path / "small", "size=64k") as folder:
        with pytest.raises(AuditWriteError, match="No space left on device") as caught:
            write_audit(tiny_audit, folder / "audit")
        assert _parts(folder) == []
    assert "saved to" in str(caught.value)
    assert len(list(tmp_path.glob("ivraudit-audit-*.json"))) == 1


def test_a_full_disk_after_a_crawl_exits_1_with_one_clear_line(tmp_path):
    with tmpfs(tmp_path / "small", "size=64k") as folder:
        result = ivraudit("crawl", str(FIXTURES / "tiny" / "tree.yaml"), "--out",
                          str(folder / "audit"), "-q")
        assert _parts(folder) == []
    assert result.returncode == 1, result.stderr
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr


def test_a_linked_recordings_folder_is_refused_before_anything_is_dialled(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "recordings").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DestinationError, match="recordings is a symbolic link"):
        check_destination(tmp_path / "audit")


# 4. `ivraudit report` embeds only files inside the audit folder.

def _written(audit: Audit, folder: Path) -> Path:
    write_report(folder, write_audit(audit, folder))
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> bytes:
    """A readable file outside the audit folder, shaped as a WAV so every check but the
    link's would let it through; its bytes must never reach a page."""
    data = (FIXTURES / "tiny" / "bye.wav").read_bytes() + b"SECRET-PRIVATE-KEY"
    (tmp_path / "secret.wav").write_bytes(data)
    return data


@pytest.mark.parametrize("link", ["file", "folder"])
@pytest.mark.parametrize("link_audio", [False, True])
def test_report_refuses_recordings_that_are_links(tiny_audit, tmp_path, secret, link,
                                                  link_audio):
    folder = _written(tiny_audit, tmp_path / "audit")
    page = (folder / "report.html").read_bytes()
    recordings = folder / "recordings"
    if link == "file":
        (recordings / "n0.wav").unlink()
        (recordings / "n0.wav").symlink_to(tmp_path / "secret.wav")
    else:
        shutil.move(recordings, tmp_path / "moved")
        shutil.copyfile(tmp_path / "secret.wav", tmp_path / "moved" / "n0.wav")
        recordings.symlink_to(tmp_path / "moved")
    result = ivraudit("report", str(folder), *(["--link-audio"] if link_audio else []))
    assert result.returncode == 1, result.stderr
    assert "is a symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert "recordings/n0.wav" in result.stderr or "recordings (to" in result.stderr
    assert (folder / "report.html").read_bytes() == page  # the last good page stays
    encoded = base64.b64encode(secret[-300:])[:40]
    assert encoded not in page


def test_report_embeds_recordings_that_are_files(tiny_audit, tmp_path):
    folder = _written(tiny_audit, tmp_path / "audit")
    result = ivraudit("report", str(folder))
    assert result.returncode == 0, result.stderr
    wav = (folder / "recordings" / "n0.wav").read_bytes()
    assert base64.b64encode(wav).decode() in (folder / "report.html").read_text()


# 7. What a call heard reaches the page with control and bidi characters made visible.

HOSTILE_WORDS = {  # YAML escape -> the character -> what the page shows instead
    "\\0": ("\x00", "\\x00"), "\\e": ("\x1b", "\\x1b"), "\\u202E": ("\u202e", "\\u202e"),
    "\\u2066": ("\u2066", "\\u2066"), "\\u2028": ("\u2028", "\\u2028"),
    "\\x85": ("\x85", "\\x85"), "\\u200F": ("\u200f", "\\u200f"),
}


def test_control_and_bidi_characters_heard_on_a_call_are_made_visible(tmp_path):
    """The tiny tree's prompts say them (a fingerprint recogniser hears each node's text);
    the audit keeps them as heard, the page shows each as an escape, never raw."""
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    spec_path = folder / "tree.yaml"
    hostile = "".join(HOSTILE_WORDS)
    spec_path.write_text(spec_path.read_text()
                         .replace('"Goodbye."', f'"Good{hostile}bye."')
                         .replace("for an agent.", f"for an {hostile}agent."))
    spec = load_spec(spec_path)
    audit = Explorer(ReplayLine(spec), FingerprintRecognizer.from_spec(spec)).crawl()
    heard = " ".join(node.transcript for node in audit.nodes.values())
    assert all(raw in heard for raw, _ in HOSTILE_WORDS.values())
    out = _written(audit, tmp_path / "audit")
    page = (out / "report.html").read_text(encoding="utf-8")
    for raw, shown in HOSTILE_WORDS.values():
        assert raw not in page, repr(raw)
        assert shown in page
    assert f"Good{''.join(s for _, s in HOSTILE_WORDS.values())}bye." in page
    kept = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert any("\u202e" in node["transcript"] for node in kept["nodes"])  # the evidence


def test_a_lone_surrogate_in_audit_json_is_shown_not_a_crash(tiny_audit, tmp_path):
    folder = _written(tiny_audit, tmp_path / "audit")
    text = (folder / "audit.json").read_text(encoding="utf-8")
    document = json.loads(text)
    document["nodes"][0]["transcript"] = "half a pair \ud800 here"
    (folder / "audit.json").write_text(json.dumps(document), encoding="utf-8")
    result = ivraudit("report", str(folder))
    assert result.returncode == 0, result.stderr
    assert "half a pair \\ud800 here" in (folder / "report.html").read_text(encoding="utf-8")


# 7. audit.json of the wrong shape: one clear line, a non-zero exit.

@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d["nodes"][0].update(id=5), "nodes[0]"),
    (lambda d: d["nodes"][0].update(options="press 1"), "nodes[0].options"),
    (lambda d: d["nodes"][0].update(prompt_seconds=float("nan")), "nodes[0].prompt_seconds"),
    (lambda d: d["edges"][0].update(source="nowhere"), "edges[0].source"),
    (lambda d: d.update(edges={"a": 1}), "edges"),
    (lambda d: d["metrics"].update(loops=5), "metrics.loops"),
    (lambda d: d.update(problems=5), "problems"),
    (lambda d: d.update(nodes=[1, 2]), "nodes[0]"),
])
def test_report_of_a_wrong_schema_audit_is_one_clear_line(tiny_audit, tmp_path, change, named):
    folder = _written(tiny_audit, tmp_path / "audit")
    document = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    change(document)
    (folder / "audit.json").write_text(json.dumps(document), encoding="utf-8")
    result = ivraudit("report", str(folder))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("ivraudit: error: ") and result.stderr.count("\n") == 1
    assert f"not a valid audit ({named}" in result.stderr, result.stderr


WRONG_VALUES = ["<deleted>", None, 5, "x", [1], {"a": 1}, True, float("nan")]


def _places(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value (the first two items of each list)."""
    if at:
        yield at
    items = value.items() if isinstance(value, dict) else \
        enumerate(value[:2]) if isinstance(value, list) else ()
    for key, item in items:
        yield from _places(item, (*at, key))


def test_no_wrong_value_anywhere_in_audit_json_gives_a_traceback(tiny_audit, tmp_path):
    """Every field of a real audit (two of each list) given each wrong value, or removed:
    the report is rendered or refused with an AuditInputError, nothing else."""
    folder = _written(tiny_audit, tmp_path / "audit")
    good = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    refused = 0
    for place in _places(good):
        for value in WRONG_VALUES:
            document = json.loads(json.dumps(good))
            parent = document
            for key in place[:-1]:
                parent = parent[key]
            if value == "<deleted>":
                del parent[place[-1]]
            else:
                parent[place[-1]] = value
            (folder / "audit.json").write_text(json.dumps(document), encoding="utf-8")
            try:
                rerender(folder)
            except AuditInputError:
                refused += 1
    assert refused > 100


@pytest.mark.parametrize("kind", ["fifo", "nested", "nested in a field", "huge field"])
def test_an_audit_json_that_is_not_an_audit_is_refused_at_once(tiny_audit, tmp_path, kind):
    folder = _written(tiny_audit, tmp_path / "audit")
    document = (folder / "audit.json").read_text(encoding="utf-8")
    (folder / "audit.json").unlink()
    if kind == "fifo":
        os.mkfifo(folder / "audit.json")  # no writer: reading it would block for ever
    elif kind == "nested":
        (folder / "audit.json").write_text("[" * 100_000)
    elif kind == "nested in a field":  # parses, but walking it would overflow the stack
        deep = "[" * 900 + "]" * 900
        (folder / "audit.json").write_text(document.rstrip().removesuffix("}")
                                           + f', "extra": {deep}}}')
    else:  # a format of a million characters: the message quotes a line of it
        (folder / "audit.json").write_text(document.replace('"ivraudit.audit/1"',
                                                            '"' + "x" * 1_000_000 + '"', 1))
    error = finishes(lambda: rerender(folder))
    assert isinstance(error, AuditInputError), repr(error)
    assert str(folder / "audit.json") in str(error) and len(str(error)) < 400


def test_freeze_and_diff_refuse_a_linked_or_climbing_recording(tiny_audit, tmp_path, secret):
    """freeze copies recordings into a tree spec, diff decodes them: neither follows a link
    or a path out of the audit folder."""
    folder = _written(tiny_audit, tmp_path / "audit")
    (folder / "recordings" / "n0.wav").unlink()
    (folder / "recordings" / "n0.wav").symlink_to(tmp_path / "secret.wav")
    result = ivraudit("freeze", str(folder), "--to", str(tmp_path / "frozen"))
    assert result.returncode == 2 and "is a symbolic link" in result.stderr, result.stderr
    assert not any((tmp_path / "frozen").rglob("*.wav"))
    document = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    document["nodes"][0]["recording"] = "../secret.wav"
    (folder / "audit.json").write_text(json.dumps(document), encoding="utf-8")
    result = ivraudit("diff", str(folder), str(folder))
    assert result.returncode == 2 and "not a WAV path inside the audit folder" in result.stderr


def test_diff_shows_control_characters_a_line_said_as_escapes(tiny_audit, tmp_path):
    """The terminal is a page too: an ESC sequence in a transcript would drive it."""
    old = _written(tiny_audit, tmp_path / "old")
    new = _written(tiny_audit, tmp_path / "new")
    document = json.loads((new / "audit.json").read_text(encoding="utf-8"))
    document["nodes"][0]["transcript"] += " \x1b[2J\x1b]0;owned\x07 \u202eenod"
    (new / "audit.json").write_text(json.dumps(document), encoding="utf-8")
    result = ivraudit("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr  # the same recording: words noted, no change
    assert "transcribed differently" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "\\x1b[2J\\x1b]0;owned\\x07 \\u202eenod" in result.stdout
