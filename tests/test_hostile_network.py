"""Hostile and broken input from the network (issue 17): each test sends it for real, over UDP
on 127.0.0.1 to the running simulator or the running caller (or as a signal to a running
crawl), and checks that it is survived with the right outcome."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, tree_path, wait_until
from ivraudit.audit.reader import read_audit
from ivraudit.lines import CallFailed, CallOutcome
from ivraudit.lines.pyvoip_fixes import MediaClient
from ivraudit.lines.sip import SipAccount, SipCall, SipLine
from ivraudit.simulator import Simulator
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import FRAME_SAMPLES
from ivraudit.telephony.digest import DigestChallenger
from ivraudit.telephony.dtmf import DtmfSender, key_tone
from ivraudit.telephony.g711 import ulaw_encode
from ivraudit.telephony.rtp import RtpStream
from ivraudit.telephony.sdp import build_sdp, parse_sdp
from ivraudit.telephony.sipmsg import SipMessage

TINY = load_spec(tree_path("tiny"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _wait(predicate, timeout: float = 5.0) -> bool:
    return wait_until(predicate, timeout)


# -- 1. SIGTERM stops a crawl as Ctrl-C does ---------------------------------------------------


class Crawl:
    """``ivraudit crawl`` in a process of its own; its progress lines (stderr) are read as they
    come, so the test can signal it at a chosen moment."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "ivraudit", "crawl", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        cwd=ROOT, env={**ENV, **(env or {})})
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float = 120.0) -> None:
        found = _wait(lambda: any(re.search(pattern, line) for line in self.lines)
                      or self.process.poll() is not None, timeout)
        assert found and self.process.poll() is None, \
            f"no {pattern!r} before the crawl ended:\n{''.join(self.lines)}"

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        self.process.send_signal(signum)   # our own child, by its handle
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        self._reader.join(timeout=5)
        return code

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


def _partial_audit(folder: Path) -> dict:
    """The audit folder holds a readable, incomplete audit that says it was stopped."""
    loaded = read_audit(folder)              # the one reader every command uses: it must load
    document = json.loads((folder / "audit.json").read_text())
    assert document["format"] == "ivraudit.audit/1" and document["finished"]
    assert document["complete"] is False
    assert "stopped by SIGTERM" in document["problems"]
    assert any("interrupted" in p for p in document["problems"])
    assert (folder / "report.html").exists() and (folder / "graph.graphml").exists()
    assert loaded.audit.calls
    return document


@pytest.mark.slow
def test_sigterm_mid_replay_crawl_writes_the_partial_audit(tmp_path: Path) -> None:
    crawl = Crawl(str(tree_path("acme-pbx")), "--out", str(tmp_path / "audit"), "--asr", "whisper")
    crawl.wait_for(r"^call 3: ")
    code = crawl.stop()
    assert code == 1, crawl.stderr          # not 143: the crawl was stopped, not killed
    assert "Traceback" not in crawl.stderr and "SIGTERM: stopping" in crawl.stderr
    document = _partial_audit(tmp_path / "audit")
    assert 2 <= len(document["calls"]) < 16 and document["nodes"]   # acme-pbx takes 16 calls


@pytest.mark.slow
def test_sigterm_mid_sip_crawl_hangs_up_and_deregisters(tmp_path: Path) -> None:
    """Over SIP the call up at the signal gets its BYE and the registration is taken back,
    before the partial audit is written and the crawl exits 1."""
    auth = DigestChallenger("ivraudit", "alice", "s3cret")
    with Simulator(TINY, paced=True, auth=auth) as sim:
        account = tmp_path / "account.toml"
        account.write_text(f'user = "alice"\nregistrar = "127.0.0.1:{sim.port}"\n'
                           "pace_by_reading = true\n")
        crawl = Crawl(sim.uri(), "--out", str(tmp_path / "audit"), "--asr", "whisper",
                      "--account", str(account), env={"IVRAUDIT_SIP_PASSWORD": "s3cret"})
        crawl.wait_for(r"^call 2: ")
        assert _wait(lambda: len(sim.traces) == 2 and sim.traces[-1].frames_sent > 10, 30)
        assert sim.server.registrations          # registered while it crawls
        code = crawl.stop()
        assert code == 1, crawl.stderr
        assert "Traceback" not in crawl.stderr and "s3cret" not in crawl.stderr
        assert sim.traces[-1].ended_by == "caller"         # our BYE, not the IVR's end
        assert not sim.server.calls                         # nothing left up
        assert sim.server.registrations == {} and sim.server.unregistered_count == 1
    document = _partial_audit(tmp_path / "audit")
    assert document["target"] == sim.uri()


# -- 2. a 200 OK whose SDP pyVoIP cannot parse -------------------------------------------------


class ScriptedUas:
    """A bare SIP far end on a raw UDP socket: the test writes each of its messages."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.seen: list[str] = []   # the methods of every request received

    def uri(self) -> str:
        return f"sip:ivr@127.0.0.1:{self.port}"

    def receive(self, method: str | None = None) -> tuple[SipMessage, tuple[str, int]]:
        """The next request (of ``method``, skipping others such as retransmissions)."""
        while True:
            data, source = self.sock.recvfrom(65535)
            message = SipMessage.parse(data)
            self.seen.append(message.method)
            if message.is_request and (method is None or message.method == method):
                return message, source

    def close(self) -> None:
        self.sock.close()


def _dial_in_background(line: SipLine) -> tuple[threading.Thread, dict[str, object]]:
    result: dict[str, object] = {}

    def dial() -> None:
        try:
            result["call"] = line.dial()
        except CallFailed as failed:
            result["failed"] = failed

    thread = threading.Thread(target=dial, daemon=True)
    thread.start()
    return thread, result


BROKEN_SDP = ("v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
              "m=audio 4000 RTP/SAVPF 0 101\r\na=rtpmap:0 PCMU/8000\r\na crypto line without equals\r\n")
"""An answer pyVoIP 1.6.8 cannot parse (RTP/SAVPF is not in its enum; a line without ``=``)
and no one could play: SRTP only."""


def test_answer_with_unparsable_sdp_is_answered_unusable_and_hung_up() -> None:
    """Before: the 200 OK was dropped, the call rang on to "no answer" and was CANCELled.
    Now it is an answered call with unusable media, ACKed and ended with a BYE at once."""
    uas = ScriptedUas()
    try:
        with SipLine(uas.uri(), SipAccount(ring_timeout=8.0)) as line:
            thread, result = _dial_in_background(line)
            invite, caller = uas.receive("INVITE")
            ok = invite.response(200, to_tag="uastag", body=BROKEN_SDP,
                                 content_type="application/sdp",
                                 extra=[("Contact", f"<sip:ivr@127.0.0.1:{uas.port}>")])
            started = time.monotonic()
            uas.sock.sendto(ok.encode(), caller)
            ack, _ = uas.receive("ACK")
            bye, _ = uas.receive("BYE")
            uas.sock.sendto(bye.response(200).encode(), caller)
            thread.join(timeout=5)
            assert time.monotonic() - started < 3.0     # at once, not after the ring timeout
        failed = result["failed"]
        assert isinstance(failed, CallFailed)
        assert failed.outcome is CallOutcome.UNUSABLE_MEDIA
        assert "SDP answer is unusable" in failed.detail and "RTP/SAVPF" in failed.detail
        assert ack.call_id == bye.call_id == invite.call_id and "CANCEL" not in uas.seen
        assert "tag=uastag" in (bye.get("To") or "")
    finally:
        uas.close()


# -- 3. RTP only from the negotiated address; the caller's queue bounded ------------------------


def _stranger_keys(key: str, event_type: int, to: tuple[str, int], sock: socket.socket) -> None:
    """A key as a stranger would inject it: RFC 4733 events, then the same key in band."""
    sender = DtmfSender("rfc4733", event_type)
    stream = RtpStream()
    sender.queue(key)
    for _ in range(10):
        packets, _audio = sender.frame(stream)
        for packet in packets:
            sock.sendto(packet.pack(), to)
        stream.advance(FRAME_SAMPLES)
    tone = ulaw_encode(key_tone(key, 0.2))
    for start in range(0, len(tone), FRAME_SAMPLES):
        sock.sendto(stream.packet(0, tone[start:start + FRAME_SAMPLES].tobytes()).pack(), to)
        stream.advance(FRAME_SAMPLES)


def test_rtp_from_a_stranger_is_ignored_by_the_simulator_and_the_caller() -> None:
    """Before: keys a stranger sent to the simulator's media port were obeyed, and audio sent to
    the caller's was heard. Now both take media only from the address the SDP negotiated."""
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(("127.0.0.1", 0))
    with Simulator(TINY, speed=2) as sim, SipLine(sim.uri(), SipAccount(dtmf="rfc4733")) as line:
        call = line.dial()
        call.read(25)
        trace = sim.traces[-1]
        simulator_media = (call.media.outIP, call.media.outPort)
        assert trace.event_type is not None
        _stranger_keys("1", trace.event_type, simulator_media, stranger)
        loud = ulaw_encode(np.full(FRAME_SAMPLES, 20000, np.int16)).tobytes()
        flood = RtpStream()
        for _ in range(200):   # loud audio, its clock racing ahead, into the caller's port
            stranger.sendto(flood.packet(0, loud).pack(), ("127.0.0.1", call.media.inPort))
            flood.advance(50 * FRAME_SAMPLES)
        assert _wait(lambda: trace.stranger_packets >= 10 and call.media.strangers >= 150)
        call.press("2")
        call.read(50)
        assert [(k, how) for _, k, how in trace.keys] == [("2", "rfc4733")]   # ours alone
        assert call.media.received <= trace.frames_sent + 2   # no frame but the simulator's
        call.hangup()
    stranger.close()
    assert any(p.startswith("call 1: ignored ") and "RTP packets from 127.0.0.1:" in p
               and "not the negotiated" in p for p in line.problems), line.problems
    assert not line.lost_audio


def test_an_rtp_flood_from_the_far_end_is_bounded_counted_and_ends_the_call() -> None:
    """Before: the caller's frame queue grew with the flood (bench/rtp_flood.py: +620 MB in
    5 s) and the call went on, heard as silence. Now the queue holds at most
    MediaClient.MAX_QUEUED_FRAMES, the call ends with its audio lost (a BYE goes out), and the
    line reports it, so the crawl cannot call itself complete."""
    uas = ScriptedUas()
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    try:
        with SipLine(uas.uri(), SipAccount()) as line:
            thread, result = _dial_in_background(line)
            invite, caller = uas.receive("INVITE")
            sdp = build_sdp("127.0.0.1", rtp.getsockname()[1], [0], event_type=101, session_id=7)
            ok = invite.response(200, to_tag="uastag", body=sdp, content_type="application/sdp",
                                 extra=[("Contact", f"<sip:ivr@127.0.0.1:{uas.port}>")])
            uas.sock.sendto(ok.encode(), caller)
            uas.receive("ACK")
            offer = parse_sdp(invite.body)
            stream = RtpStream()
            rtp.sendto(stream.packet(0, b"\xff" * 160).pack(), (offer.address, offer.port))
            thread.join(timeout=5)
            call = result["call"]
            assert isinstance(call, SipCall)
            rss_before = _rss_mb()
            most = 0
            for index in range(3000):     # each packet 10 s past the last: 500 frames each
                stream.advance(500 * FRAME_SAMPLES)
                rtp.sendto(stream.packet(0, b"\xff" * 160).pack(), (offer.address, offer.port))
                if index % 100 == 0:
                    most = max(most, len(call.media.frames))
            assert _wait(lambda: call.ended, 5)
            assert most <= MediaClient.MAX_QUEUED_FRAMES and call.media.overflowed > 0
            assert _rss_mb() - rss_before < 60              # +620 MB before the bound
            assert call.end_reason == "audio lost (RTP flood)"
            call.hangup()
            bye, _ = uas.receive("BYE")                     # the call is not left up
            assert bye.call_id == invite.call_id
        assert line.lost_audio
        assert any(p.startswith("call 1: audio lost: more than 120 s") for p in line.problems)
    finally:
        rtp.close()
        uas.close()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
