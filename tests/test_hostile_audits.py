"""Hostile audit folders (issue 17): an --out that cannot be written, a disk that fills, links
planted in recordings/, control characters heard on a call, audit.json of the wrong shape.

Each builds the hostile case for real (a tmpfs mounted read-only or 64 KB small where the
machine lets the tests mount, a socket that would see a dial) and checks the clear outcome.
"""

from __future__ import annotations

import contextlib
import errno
import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, tree_path
from ivraudit.audit import writer
from ivraudit.audit.destination import AuditWriteError, DestinationError, check_destination
from ivraudit.audit.model import Audit
from ivraudit.audit.writer import write_audit
from ivraudit.crawl.explorer import Explorer
from ivraudit.lines.replay import ReplayLine
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
