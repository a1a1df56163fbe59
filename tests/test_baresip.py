"""baresip (Debian ``baresip-core``), an independent SIP stack, answers the SIP line and reports
the keys it receives over its ctrl_tcp socket: proof that ivraudit's RFC 4733 telephone-events
(payload type, marker, durations, end packets, one timestamp per key) interoperate."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import Peer, tree_path
from ivraudit.lines.sip import SipAccount, SipLine

pytestmark = pytest.mark.skipif(shutil.which("baresip") is None,
                                reason="baresip not installed (scripts/test-deps.sh: baresip-core)")
MODULES = Path("/usr/lib/baresip/modules")


def _free_port(kind: int) -> int:
    probe = socket.socket(socket.AF_INET, kind)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


class Events:
    """baresip's ctrl_tcp event stream (netstring-framed JSON), collected in a thread."""

    def __init__(self, port: int) -> None:
        deadline = time.monotonic() + 5
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=0.2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.items: list[dict[str, object]] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = b""
        while not self._stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b":" in buffer:
                length, rest = buffer.split(b":", 1)
                if len(rest) < int(length) + 1:
                    break
                self.items.append(json.loads(rest[: int(length)]))
                buffer = rest[int(length) + 1:]

    def types(self, kind: str) -> list[object]:
        return [e.get("param") for e in self.items if e.get("type") == kind]

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        self._thread.join(timeout=2)


@pytest.fixture
def baresip(tmp_path: Path):
    sip_port, ctrl_port = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_STREAM)
    (tmp_path / "config").write_text("\n".join([
        "poll_method epoll",
        f"sip_listen 127.0.0.1:{sip_port}",
        f"audio_source aufile,{tree_path('tiny').parent / 'main.wav'}",
        f"audio_player aufile,{tmp_path / 'heard.wav'}",
        f"module_path {MODULES}",
        *(f"module {m}.so" for m in ("g711", "aufile", "account", "menu", "ctrl_tcp")),
        f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
    ]) + "\n")
    (tmp_path / "accounts").write_text("<sip:ivr@127.0.0.1>;regint=0;answermode=auto\n")
    peer = Peer(["baresip", "-f", str(tmp_path)], tmp_path / "baresip.log", settle=0.0)
    events = Events(ctrl_port)
    yield f"sip:ivr@127.0.0.1:{sip_port}", events
    events.close()
    peer.stop()


def test_baresip_receives_our_rfc4733_digits(baresip) -> None:
    uri, events = baresip
    keys = "159#*0"
    with SipLine(uri, SipAccount(dtmf="rfc4733")) as line:
        call = line.dial()
        assert call.dtmf_mode == "rfc4733"
        heard = call.read(25)
        call.press(keys)
        call.read(len(keys) * 5 + 25)     # 0.1 s of line time per key, then half a second
        call.hangup()
    deadline = time.monotonic() + 3
    while len(events.types("CALL_DTMF_START")) < len(keys) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events.types("CALL_DTMF_START") == list(keys)        # each key exactly once
    assert len(events.types("CALL_DTMF_END")) == len(keys)      # and each one ended
    assert "CALL_ESTABLISHED" in [e.get("type") for e in events.items]
    assert np.sqrt(np.mean(heard.astype(float) ** 2)) > 1000    # baresip's audio reached us
