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
from ivraudit.audit.writer import write_audit
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.lines import CallFailed, CallOutcome, open_line
from ivraudit.lines.pyvoip_fixes import MediaClient, body_of, parse_leniently
from ivraudit.lines.sip import SipAccount, SipCall, SipLine
from ivraudit.simulator import Simulator
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import FRAME_SAMPLES
from ivraudit.simulator import server
from ivraudit.simulator.guard import MAX_REQUEST_BYTES, REPLY_ALLOWANCE
from ivraudit.telephony.digest import (
    MAX_USED_NONCES,
    NONCE_LIFETIME,
    DigestChallenger,
    Verdict,
    authorization,
)
from ivraudit.telephony.dtmf import DtmfSender, key_tone
from ivraudit.telephony.g711 import ulaw_encode
from ivraudit.telephony.rtp import RtpStream
from ivraudit.telephony.sdp import AudioOffer, build_sdp, parse_sdp
from ivraudit.telephony.sipmsg import SipMessage, new_tag
from ivraudit.testing.truth import ground_truth, map_to_spec

TINY = load_spec(tree_path("tiny"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _udp() -> socket.socket:
    """A UDP socket on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock


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
@pytest.mark.parametrize("tree, concurrency, moment", [("tiny", 1, "call 2"),
                                                       ("acme-pbx", 2, "call 4")])
def test_sigterm_mid_sip_crawl_hangs_up_and_deregisters(tmp_path: Path, tree: str,
                                                       concurrency: int, moment: str) -> None:
    """Over SIP the calls up (or ringing, on another lane) at the signal get their BYE (or
    CANCEL) and the registration is taken back, before the partial audit is written and the
    crawl exits 1."""
    auth = DigestChallenger("ivraudit", "alice", "s3cret")
    with Simulator(load_spec(tree_path(tree)), paced=True, auth=auth) as sim:
        account = tmp_path / "account.toml"
        account.write_text(f'user = "alice"\nregistrar = "127.0.0.1:{sim.port}"\n'
                           "pace_by_reading = true\n")
        crawl = Crawl(sim.uri(), "--out", str(tmp_path / "audit"), "--asr", "whisper",
                      "--account", str(account), "--concurrency", str(concurrency),
                      env={"IVRAUDIT_SIP_PASSWORD": "s3cret"})
        crawl.wait_for(rf"^{moment}: ")
        # that call's INVITE may reach the simulator after its progress line reaches us (a
        # journal fsync stalls this process's writes): wait for it, not the call before
        calls = int(moment.split()[1])
        assert _wait(lambda: len(sim.traces) >= calls and sim.traces[-1].frames_sent > 10, 30)
        assert sim.server.registrations          # registered while it crawls
        code = crawl.stop()
        assert code == 1, crawl.stderr
        assert "Traceback" not in crawl.stderr and "s3cret" not in crawl.stderr
        assert _wait(lambda: not sim.server.calls)          # nothing left up or ringing
        last = sim.traces[-1].ended_by
        assert last == "caller" or (concurrency > 1 and last == "cancel")  # our BYE (CANCEL)
        assert any(t.ended_by == "caller" and t.media_started for t in sim.traces)
        assert {t.ended_by for t in sim.traces} <= {"caller", "cancel", "ivr"}
        assert sim.server.registrations == {} and sim.server.unregistered_count == 1
    document = _partial_audit(tmp_path / "audit")
    assert document["target"] == sim.uri()


def test_closing_the_line_cancels_a_call_another_thread_is_dialling() -> None:
    """What SIGTERM leaves with --concurrency: a lane still dialling when the line closes. Its
    call is CANCELled at once, and the closed line dials no more (it would register again)."""
    with Simulator(TINY) as sim:
        line = SipLine(sim.uri("no-answer"), SipAccount())
        line.start()
        thread, result = _dial_in_background(line)
        assert _wait(lambda: bool(sim.server.calls))        # it rings
        started = time.monotonic()
        line.close()
        thread.join(timeout=5)
        assert time.monotonic() - started < 2.5
        failed = result["failed"]
        assert isinstance(failed, CallFailed) and "closed while the call rang" in failed.detail
        assert _wait(lambda: sim.traces[-1].ended_by == "cancel")
        with pytest.raises(CallFailed, match="the line is closed"):
            line.dial()
        assert len(sim.traces) == 1


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

    def answer(self, invite: SipMessage, caller: tuple[str, int], sdp: str) -> None:
        """Answer ``invite`` with a 200 OK carrying ``sdp``."""
        ok = invite.response(200, to_tag="uastag", body=sdp, content_type="application/sdp",
                             extra=[("Contact", f"<sip:ivr@127.0.0.1:{self.port}>")])
        self.sock.sendto(ok.encode(), caller)

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


def _dial_answered(uas: ScriptedUas, line: SipLine, rtp: socket.socket, address: str
                   ) -> tuple[threading.Thread, dict[str, object], SipMessage, AudioOffer]:
    """Dial the scripted far end, which answers with media at ``address``, ``rtp``'s port:
    the dialling thread, its result, the INVITE and the caller's media offer."""
    thread, result = _dial_in_background(line)
    invite, caller = uas.receive("INVITE")
    uas.answer(invite, caller, build_sdp(address, rtp.getsockname()[1], [0], event_type=101,
                                         session_id=7))
    return thread, result, invite, parse_sdp(invite.body)


BROKEN_SDP = ("v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
              "m=audio 4000 RTP/SAVPF 0 101\r\na=rtpmap:0 PCMU/8000\r\na crypto line without equals\r\n")
"""An answer pyVoIP 1.6.8 cannot parse (RTP/SAVPF is not in its enum; a line without ``=``)
and no one could play: SRTP only."""


def test_upstream_drops_a_message_whose_sdp_it_cannot_parse_and_the_fix_keeps_it() -> None:
    """pyVoIP bug 16 (fails when an upgrade fixes it: then drop the workaround)."""
    from pyVoIP import SIP

    ok = SipMessage(status=200, reason="OK", body=BROKEN_SDP, headers=[
        ("Via", "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc"),
        ("From", "<sip:me@127.0.0.1>;tag=mine"), ("To", "<sip:ivr@127.0.0.1>;tag=theirs"),
        ("Call-ID", "c1"), ("CSeq", "1 INVITE"), ("Content-Type", "application/sdp")]).encode()
    with pytest.raises(ValueError):
        SIP.SIPMessage(ok)                                  # the bug, still in pyVoIP 1.6.8
    message = parse_leniently(ok)
    assert message is not None and int(message.status) == 200
    assert message.headers["To"]["tag"] == "theirs" and body_of(message) == BROKEN_SDP
    assert parse_leniently(b"\x00 not SIP\r\n\r\n") is None


def test_answer_with_unparsable_sdp_is_answered_unusable_and_hung_up() -> None:
    """Before: the 200 OK was dropped, the call rang on to "no answer" and was CANCELled.
    Now it is an answered call with unusable media, ACKed and ended with a BYE at once."""
    uas = ScriptedUas()
    try:
        with SipLine(uas.uri(), SipAccount(ring_timeout=8.0)) as line:
            thread, result = _dial_in_background(line)
            invite, caller = uas.receive("INVITE")
            started = time.monotonic()
            uas.answer(invite, caller, BROKEN_SDP)
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


def test_a_crawl_records_the_unusable_answer_in_its_audit(tmp_path: Path) -> None:
    """The crawl's view of item 2: the call is in the audit as answered with unusable media,
    with why, and the far end got its ACK and BYE (no CANCEL)."""
    uas = ScriptedUas()

    def far_end() -> None:
        invite, caller = uas.receive("INVITE")
        uas.answer(invite, caller, BROKEN_SDP)
        bye, _ = uas.receive("BYE")
        uas.sock.sendto(bye.response(200).encode(), caller)

    answering = threading.Thread(target=far_end, daemon=True)
    answering.start()
    try:
        line = SipLine(uas.uri(), SipAccount())
        try:
            audit = Explorer(line, None, policy=CrawlPolicy()).crawl()
        finally:
            line.close()
        answering.join(timeout=5)
    finally:
        uas.close()
    write_audit(audit, tmp_path / "audit")
    (call,) = json.loads((tmp_path / "audit" / "audit.json").read_text())["calls"]
    assert call["outcome"] == "unusable-media" and "SDP answer is unusable" in call["error"]
    assert not audit.complete and "ACK" in uas.seen and "BYE" in uas.seen
    assert "CANCEL" not in uas.seen


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
    stranger = _udp()
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


@pytest.mark.slow
def test_a_crawl_flooded_by_a_stranger_maps_the_tree_and_says_so(tmp_path: Path) -> None:
    """The issue's crawl: RTP flooding the caller's media port from elsewhere all through a
    crawl ended complete with a node made of the flood. Now the flood is not heard: the map is
    the tree's, and the audit's problems count what was ignored."""
    port = _udp_port()
    account = tmp_path / "account.toml"
    account.write_text(f"pace_by_reading = true\nrtp_ports = [{port}, {port}]\n")
    stop = threading.Event()

    def flood() -> None:
        stranger, stream = _udp(), RtpStream()
        loud = ulaw_encode(np.full(FRAME_SAMPLES, 20000, np.int16)).tobytes()
        deadline = time.monotonic() + 120              # bounded, whatever happens
        while not stop.is_set() and time.monotonic() < deadline:
            stranger.sendto(stream.packet(0, loud).pack(), ("127.0.0.1", port))
            stream.advance(50 * FRAME_SAMPLES)
            time.sleep(0.002)
        stranger.close()

    flooder = threading.Thread(target=flood, daemon=True)
    with Simulator(TINY, paced=True) as sim:
        flooder.start()
        try:
            result = subprocess.run([sys.executable, "-m", "ivraudit", "crawl", sim.uri(), "--out",
                                     str(tmp_path / "audit"), "--account", str(account),
                                     "--asr", "whisper", "-q"], capture_output=True, text=True,
                                    cwd=ROOT, env=ENV, timeout=300)
        finally:
            stop.set()
            flooder.join(timeout=5)
    assert result.returncode == 0, result.stderr
    assert "4 nodes, 1 menus" in result.stdout               # the tiny tree, nothing more
    document = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert document["complete"] is True
    ignored = [p for p in document["problems"] if " RTP packets from 127.0.0.1:" in p]
    assert ignored and all("not the negotiated" in p for p in ignored)


def _udp_port() -> int:
    probe = _udp()
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_an_rtp_flood_from_the_far_end_is_bounded_counted_and_ends_the_call() -> None:
    """Before: the caller's frame queue grew with the flood (bench/rtp_flood.py: +620 MB in
    5 s) and the call went on, heard as silence. Now the queue holds at most
    MediaClient.MAX_QUEUED_FRAMES, the call ends with its audio lost (a BYE goes out), and the
    line reports it, so the crawl cannot call itself complete."""
    uas = ScriptedUas()
    rtp = _udp()
    try:
        with SipLine(uas.uri(), SipAccount()) as line:
            thread, result, invite, offer = _dial_answered(uas, line, rtp, "127.0.0.1")
            uas.receive("ACK")
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


def test_a_far_end_behind_nat_is_heard_from_its_port_and_only_from_there() -> None:
    """An SDP naming an address the far end's packets do not come from (NAT; baresip on a
    host without a network names 192.0.2.2) is latched onto at its negotiated port, answered
    there (symmetric RTP), and no other source is heard after it."""
    uas = ScriptedUas()
    rtp = _udp()
    rtp.settimeout(3)
    stranger = _udp()
    try:
        with SipLine(uas.uri(), SipAccount()) as line:
            thread, result, invite, offer = _dial_answered(uas, line, rtp, "127.0.0.2")
            stream = RtpStream()
            voice = ulaw_encode(np.full(FRAME_SAMPLES, 3000, np.int16)).tobytes()
            for _ in range(10):
                rtp.sendto(stream.packet(0, voice).pack(), (offer.address, offer.port))
                stream.advance(FRAME_SAMPLES)
                stranger.sendto(stream.packet(0, b"\x00" * 160).pack(), (offer.address, offer.port))
            thread.join(timeout=5)
            call = result["call"]
            assert isinstance(call, SipCall)
            assert call.media.latched == rtp.getsockname()
            _, source = rtp.recvfrom(4096)                   # our RTP comes back to it
            assert source == (offer.address, offer.port)
            assert _wait(lambda: call.media.packets == 10 and call.media.strangers == 10)
            call.hangup()
        assert any("not the address its SDP named (behind NAT?)" in p for p in line.problems)
    finally:
        for sock in (rtp, stranger):
            sock.close()
        uas.close()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- 3b. a BYE ends a call only from inside its dialog -------------------------------------------


def _bye(call: SipCall, *, local_tag: str | None = None, remote_tag: str | None = None) -> SipMessage:
    """A BYE for ``call`` as its far end would write it (the dialog's Call-ID and tags, unless
    others are given): what a stranger who learnt the Call-ID (it travels in clear) can send."""
    invite = call.invite.headers
    return SipMessage(method="BYE", uri=f"sip:ivraudit@127.0.0.1:{call.line.sip.myPort}", headers=[
        ("Via", f"SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{new_tag()}"),
        ("Max-Forwards", "70"),
        ("From", f"{invite['To']['raw']};tag={remote_tag or invite['To']['tag']}"),
        ("To", f"{invite['From']['raw']};tag={local_tag or invite['From']['tag']}"),
        ("Call-ID", call.call_id), ("CSeq", "9 BYE")])


def _forged_byes(call: SipCall, stranger: socket.socket) -> list[int]:
    """Forged BYEs sent to the caller over UDP: the Call-ID alone, a wrong tag each way, and
    the dialog's very tags from a stranger's address; the status each got back."""
    statuses = []
    for forged in (_bye(call, local_tag="guessed", remote_tag="guessed"),
                   _bye(call, local_tag="guessed"), _bye(call, remote_tag="guessed"), _bye(call)):
        stranger.sendto(forged.encode(), (call.line.sip.myIP, call.line.sip.myPort))
        statuses.append(SipMessage.parse(stranger.recv(65535)).status)
    return statuses


def test_a_forged_bye_does_not_end_the_call_and_the_far_ends_does() -> None:
    """Before: any BYE naming the Call-ID hung the call up (pyVoIP bug 19). Now a BYE must
    match the dialog (Call-ID, both tags) and come from the peer dialled; the others get 481
    and change nothing, and the simulator's own BYE still ends the call."""
    stranger = _udp()
    stranger.settimeout(3)
    with Simulator(TINY, speed=2) as sim, SipLine(sim.uri("hangup-after-4"), SipAccount()) as line:
        call = line.dial()
        call.read(25)
        assert _forged_byes(call, stranger) == [481, 481, 481, 481]
        assert line.sip.refused == 4
        audio = call.read(50)
        assert len(audio) == 50 * FRAME_SAMPLES and not call.ended and call.end_reason == ""
        assert sim.traces[-1].ended_by == ""                # the simulator's call is up too
        while not call.ended:                               # until the IVR's BYE, 4 s in
            call.read(10)
        assert call.end_reason == "far end hung up" and sim.traces[-1].ended_by == "simulator"
        assert call.seconds == pytest.approx(4.0, abs=0.1)
        call.hangup()
    stranger.close()


@pytest.mark.slow
def test_forged_byes_all_through_a_crawl_leave_its_audit_as_it_was(recognizer) -> None:
    """A stranger who sends BYEs for every call it sees up (by Call-ID alone, and with the
    dialog's tags) all through a crawl: the crawl maps the tree exactly, complete, no call cut,
    each hung up with our BYE."""
    stop, stranger = threading.Event(), _udp()
    stranger.settimeout(3)
    statuses: list[int] = []
    seen: set[str] = set()

    def forge(line: SipLine) -> None:
        deadline = time.monotonic() + 120              # bounded, whatever happens
        while not stop.is_set() and time.monotonic() < deadline:
            for call in list(line._calls.values()):
                if call.call_id not in seen:
                    seen.add(call.call_id)
                    statuses.extend(_forged_byes(call, stranger))
            time.sleep(0.05)

    spec = TINY
    with Simulator(spec, paced=True) as sim:
        line = SipLine(sim.uri(), SipAccount(pace_by_reading=True))
        forger = threading.Thread(target=forge, args=(line,), daemon=True)
        forger.start()
        try:
            audit = Explorer(line, recognizer, policy=CrawlPolicy()).crawl()
        finally:
            stop.set()
            forger.join(timeout=5)
            line.close()
            stranger.close()
    assert audit.complete and audit.problems == []
    truth = ground_truth(spec)
    mapping = map_to_spec(spec, audit)
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == truth.edges
    assert len(seen) >= 2 and statuses == [481] * 4 * len(seen)
    replay = Explorer(open_line(str(tree_path("tiny"))), recognizer, policy=CrawlPolicy()).crawl()
    assert [(c.purpose, c.path) for c in audit.calls] == [(c.purpose, c.path) for c in replay.calls]
    for ours, unforged in zip(audit.calls, replay.calls):      # no call cut short
        assert ours.seconds == pytest.approx(unforged.seconds, abs=0.3)
    # and every call was hung up by one end or the other, none left up at the IVR (before, a
    # forged BYE made the caller take the call for ended and never send its own BYE)
    assert {t.ended_by for t in sim.traces} <= {"ivr", "caller"}


# -- 4. the simulator against hostile requests ---------------------------------------------------


class RawCaller:
    """A SIP UAC on a raw UDP socket: requests written field by field, replies read raw."""

    def __init__(self, port: int) -> None:
        self.server = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(3)
        self.port = self.sock.getsockname()[1]

    def message(self, method: str, number: str = "ivr", *, extra: list[tuple[str, str]] = (),
                vias: int = 1, body: str = "", drop: str = "", call_id: str = "",
                to: str = "") -> SipMessage:
        uri = f"sip:{number}@127.0.0.1:{self.server[1]}"
        headers = [("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{new_tag()}{i}")
                   for i in range(vias)]
        headers += [("Max-Forwards", "70"), ("From", f"<sip:caller@127.0.0.1>;tag={new_tag()}"),
                    ("To", to or f"<{uri}>"), ("Call-ID", call_id or new_tag() + "@raw"),
                    ("CSeq", f"1 {method}"), ("Contact", f"<sip:caller@127.0.0.1:{self.port}>"),
                    *extra]
        if body:
            headers.append(("Content-Type", "application/sdp"))
        headers = [(k, v) for k, v in headers if k != drop]
        return SipMessage(method=method, uri=uri, headers=headers, body=body)

    def send(self, data: SipMessage | bytes) -> int:
        raw = data.encode() if isinstance(data, SipMessage) else data
        self.sock.sendto(raw, self.server)
        return len(raw)

    def replies(self, seconds: float) -> list[bytes]:
        """Every datagram that comes back within ``seconds``."""
        got, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                got.append(self.sock.recv(65535))
            except socket.timeout:
                break
        self.sock.settimeout(3)
        return got

    def final(self, call_id: str = "") -> SipMessage:
        """The next final response (to the call ``call_id``, when given)."""
        while True:
            reply = SipMessage.parse(self.sock.recv(65535))
            if reply.status >= 200 and call_id in ("", reply.call_id):
                return reply

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_sim():
    with Simulator(TINY, auth=DigestChallenger("ivraudit", "alice", "s3cret")) as sim:
        caller = RawCaller(sim.port)
        yield sim, caller
        caller.close()


def _authorized(caller: RawCaller, method: str, number: str, auth: str) -> SipMessage:
    return caller.message(method, number, extra=[("Authorization", auth)])


@pytest.mark.parametrize("method, number, status", [("REGISTER", "alice", 200), ("INVITE", "busy", 486)])
def test_a_replayed_digest_answer_is_stale(raw_sim, method: str, number: str, status: int) -> None:
    """Before: an Authorization header copied off the wire worked again and again. Now each
    nonce answers once: the replay gets 401 with stale=true (and a fresh nonce)."""
    sim, caller = raw_sim
    caller.send(caller.message(method, number))
    challenge = caller.final()
    assert challenge.status == 401 and "stale" not in (challenge.get("WWW-Authenticate") or "")
    uri = f"sip:{number}@127.0.0.1:{sim.port}"
    auth = authorization(challenge.get("WWW-Authenticate") or "", user="alice", password="s3cret",
                         method=method, uri=uri)
    caller.send(_authorized(caller, method, number, auth))
    assert caller.final().status == status           # the right answer, once
    caller.send(_authorized(caller, method, number, auth))   # the same answer, replayed
    replayed = caller.final()
    assert replayed.status == 401 and "stale=true" in (replayed.get("WWW-Authenticate") or "")
    fresh = authorization(replayed.get("WWW-Authenticate") or "", user="alice", password="s3cret",
                          method=method, uri=uri)
    caller.send(_authorized(caller, method, number, fresh))
    assert caller.final().status == status           # the fresh nonce works


def test_nonces_expire_and_what_is_remembered_is_bounded() -> None:
    now = [1000.0]
    challenger = DigestChallenger("r", "alice", "pw", clock=lambda: now[0])

    def answer(challenge: str) -> str:
        return authorization(challenge, user="alice", password="pw", method="REGISTER", uri="sip:x")

    late = answer(challenger.challenge())
    now[0] += NONCE_LIFETIME + 1
    assert challenger.verify(late, "REGISTER") is Verdict.STALE        # expired
    assert challenger.verify(answer(challenger.challenge()).replace('response="', 'response="0'),
                             "REGISTER") is Verdict.REFUSED             # a wrong answer
    for _ in range(20000):                                              # challenges store nothing
        challenger.challenge()
    assert challenger.remembered == 0
    for _ in range(MAX_USED_NONCES + 10):
        assert challenger.verify(answer(challenger.challenge()), "REGISTER") is Verdict.OK
    assert challenger.remembered == MAX_USED_NONCES
    now[0] += NONCE_LIFETIME + 1
    challenger.verify(answer(challenger.challenge()), "REGISTER")
    assert challenger.remembered == 1                                   # the expired forgotten


def test_traces_calls_and_registrations_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(server, "MAX_TRACES", 5)
    monkeypatch.setattr(server, "MAX_CALLS", 3)
    monkeypatch.setattr(server, "MAX_REGISTRATIONS", 2)
    with Simulator(TINY) as sim:
        caller = RawCaller(sim.port)
        try:
            for _ in range(8):
                caller.send(caller.message("INVITE", "busy"))
                assert caller.final().status == 486
            assert len(sim.traces) == 5                     # the newest five
            for _ in range(4):                              # three callers left ringing...
                caller.send(caller.message("INVITE", "no-answer"))
            refused = caller.final()                        # ...and the fourth refused
            assert refused.status == 503 and refused.get("Retry-After")
            assert len(sim.server.calls) == 3
            for user, expires, status in [("a", "1", 200), ("b", "3600", 200), ("c", "3600", 503)]:
                message = caller.message("REGISTER", user, extra=[("Expires", expires)])
                caller.send(message)
                assert caller.final().status == status
            time.sleep(1.1)                                 # a's binding expires...
            caller.send(caller.message("REGISTER", "c", extra=[("Expires", "3600")]))
            assert caller.final().status == 200             # ...and makes room for c
            assert len(sim.server.registrations) == 2
        finally:
            caller.close()


@pytest.mark.parametrize("datagram, why", [
    (lambda c: c.message("OPTIONS", drop="Call-ID"), "missing Call-ID"),
    (lambda c: c.message("REGISTER", drop="CSeq"), "missing CSeq"),
    (lambda c: c.message("BYE", drop="From"), "missing From"),
    (lambda c: c.message("OPTIONS").encode().replace(b"CSeq: 1 OPTIONS", b"CSeq: x OPTIONS"),
     "bad CSeq"),
    (lambda c: c.message("OPTIONS").encode().replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE"),
     "bad CSeq"),
    (lambda c: c.message("INVITE").encode().replace(b"Content-Length: 0", b"Content-Length: 900"),
     "bad Content-Length"),
    (lambda c: c.message("OPTIONS").encode().replace(b"Max-Forwards: 70", b"no colon here"), None),
    (lambda c: c.message("OPTIONS").encode().replace(b"caller", b"\xff\xfe"), None),
])
def test_malformed_requests_get_400_not_200(datagram, why: str | None) -> None:
    """Before: requests without the headers every request needs were answered 200 OK, and
    unparsable ones not at all. Now 400 Bad Request, no larger than the request; the server
    goes on serving."""
    with Simulator(TINY) as sim:
        caller = RawCaller(sim.port)
        try:
            sent = caller.send(datagram(caller))
            replies = caller.replies(1.0)
            assert len(replies) == 1 and len(replies[0]) <= sent, replies
            assert replies[0].startswith(b"SIP/2.0 400 Bad Request")
            if why:
                assert f"({why})".encode() in replies[0].split(b"\r\n")[0]
            assert not sim.traces and not sim.server.calls and not sim.server.registrations
            caller.send(b"\x00\x01 not SIP at all")           # garbage: no answer at all
            assert caller.replies(0.3) == []
            caller.send(caller.message("OPTIONS"))
            assert caller.final().status == 200
        finally:
            caller.close()


def test_large_requests_are_not_amplified(raw_sim) -> None:
    """Before: a 1.7 kB INVITE (20 Via headers), never ACKed, got 100, 180 and the 200 OK resent
    until timer H: 12.9 times its size (22.5 kB). Now an unproven sender gets back at most what it sent
    plus REPLY_ALLOWANCE, and a request over MAX_REQUEST_BYTES only a small 513."""
    sim, caller = raw_sim
    sim.server.auth = None           # an open IVR: nothing is authenticated
    offer = build_sdp("127.0.0.1", 40000, [0, 8], event_type=101, session_id=1)
    sent = caller.send(caller.message("INVITE", vias=20, body=offer))
    back = caller.replies(5.0)       # the 200 would be resent at 0.5, 1.5 and 3.5 s
    assert sum(map(len, back)) <= sent + REPLY_ALLOWANCE
    assert [SipMessage.parse(r).status for r in back][:2] == [180, 200]
    assert sim.server.replies_withheld >= 1
    huge = caller.message("OPTIONS", vias=10, extra=[("Subject", "x" * MAX_REQUEST_BYTES)])
    sent = caller.send(huge)
    (reply,) = caller.replies(1.0)
    assert reply.startswith(b"SIP/2.0 513 Message Too Large") and len(reply) < 600 < sent


def _nofile_limit(limit: int):
    def apply() -> None:
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


def test_out_of_file_descriptors_the_call_fails_with_503_not_left_ringing(tmp_path: Path) -> None:
    """The simulator in its own process with few file descriptors: calls answered until no RTP
    socket can be opened; then a 503 (before: 180 Ringing for ever). Freed, it answers again."""
    process = subprocess.Popen([sys.executable, "-m", "ivraudit", "simulate", str(tree_path("tiny")),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=ROOT, env=ENV, preexec_fn=_nofile_limit(24))
    caller = None
    try:
        assert process.stdout is not None
        port = int(re.search(r":(\d+) \(UDP\)", process.stdout.readline()).group(1))  # type: ignore[union-attr]
        caller = RawCaller(port)
        media = _udp()  # where the calls' RTP goes
        offer = build_sdp("127.0.0.1", media.getsockname()[1], [0], event_type=101, session_id=1)
        invites = [caller.message("INVITE", body=offer) for _ in range(30)]
        for invite in invites:                    # 30 calls at once: more than it has sockets
            caller.send(invite)
        finals = {}
        while len(finals) < len(invites):
            final = caller.final()
            finals[final.call_id] = final
        answered = [i for i in invites if finals[i.call_id].status == 200]
        for invite in answered:
            caller.send(caller.message("ACK", call_id=invite.call_id,
                                       to=finals[invite.call_id].get("To") or ""))
        refused = [f for f in finals.values() if f.status != 200]
        assert refused and {f.status for f in refused} == {503}, refused
        assert all(f.get("Retry-After") for f in refused) and 3 <= len(answered) < 30
        for invite in answered:                   # hang them up: their sockets close
            caller.send(caller.message("BYE", call_id=invite.call_id))
        assert _wait(lambda: _answers_again(caller, offer), 10)
        media.close()
    finally:
        if caller is not None:
            caller.close()
        process.terminate()      # our own child, by its handle
        process.wait(timeout=10)


def _invite_media_to(caller: RawCaller, address: tuple[str, int]) -> tuple[SipMessage, AudioOffer]:
    """A call whose offer names ``address`` for its media, answered and ACKed: the 200 OK and
    the simulator's own media address."""
    invite = caller.message("INVITE", body=build_sdp(address[0], address[1], [0], event_type=101,
                                                     session_id=3))
    caller.send(invite)
    ok = caller.final(invite.call_id)
    assert ok.status == 200
    caller.send(caller.message("ACK", call_id=invite.call_id, to=ok.get("To") or ""))
    return ok, parse_sdp(ok.body)


def _rtp_within(sock: socket.socket, seconds: float) -> int:
    """Datagrams ``sock`` receives within ``seconds``."""
    count, deadline = 0, time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            sock.recv(4096)
            count += 1
        except socket.timeout:
            break
    return count


def test_media_goes_only_where_it_was_consented_to(monkeypatch) -> None:
    """Before: the simulator sent RTP to whatever address the INVITE's SDP named, so one
    INVITE from 127.0.0.1 naming 127.0.0.2 had 127.0.0.2 flooded at 50 packets a second for
    the whole tree. Now an address other than the INVITE's host gets media only once RTP
    comes from it, while it keeps coming (CONSENT_SECONDS, 1 s here); a call whose offered
    address never sends is hung up, nothing sent there."""
    monkeypatch.setattr(server, "CONSENT_SECONDS", 1.0)
    third = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    third.bind(("127.0.0.2", 0))                       # another address, on the loopback
    with Simulator(TINY) as sim:
        caller = RawCaller(sim.port)
        try:
            ok, ours = _invite_media_to(caller, third.getsockname())
            trace = sim.traces[-1]
            assert _rtp_within(third, 0.6) == 0 and trace.frames_sent == 0
            stream = RtpStream()
            for _ in range(5):                          # the offered address asks for media
                third.sendto(stream.packet(0, b"\xff" * 160).pack(), (ours.address, ours.port))
                stream.advance(FRAME_SAMPLES)
            assert _rtp_within(third, 0.5) >= 15 and trace.consent == "rtp"
            assert _wait(lambda: trace.frames_withheld > 0, 3)   # it stopped: consent lapses
            _rtp_within(third, 0.1)
            assert _rtp_within(third, 0.5) == 0
            assert trace.session is not None and trace.session.seconds > 1.5   # the IVR played on

            # a victim's address that never asks: nothing is ever sent, and the call ends
            sent_before = trace.frames_sent
            victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            victim.bind(("127.0.0.2", 0))
            ok, _ = _invite_media_to(caller, victim.getsockname())
            bye = SipMessage.parse(caller.sock.recv(65535))
            while bye.method != "BYE":
                bye = SipMessage.parse(caller.sock.recv(65535))
            assert bye.call_id == ok.call_id and _rtp_within(victim, 0.1) == 0
            assert "no media consent: no RTP from 127.0.0.2:" in sim.traces[-1].failure
            assert sim.traces[-1].frames_sent == 0 and trace.frames_sent == sent_before
            victim.close()
        finally:
            caller.close()
            third.close()


def _answers_again(caller: RawCaller, offer: str) -> bool:
    invite = caller.message("INVITE", "hangup-after-0.1", body=offer)
    caller.send(invite)
    return caller.final(invite.call_id).status == 200


def test_sigterm_stops_the_simulator_with_a_bye_to_its_callers() -> None:
    """``ivraudit simulate`` under ``docker stop``: the call it is playing gets a BYE."""
    process = subprocess.Popen([sys.executable, "-m", "ivraudit", "simulate", str(tree_path("tiny")),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=ROOT, env=ENV)
    try:
        assert process.stdout is not None
        port = int(re.search(r":(\d+) \(UDP\)", process.stdout.readline()).group(1))  # type: ignore[union-attr]
        with SipLine(f"sip:ivr@127.0.0.1:{port}", SipAccount()) as line:
            call = line.dial()
            call.read(10)
            process.send_signal(signal.SIGTERM)   # our own child, by its handle
            assert process.wait(timeout=10) == 0
            assert _wait(lambda: call.end_reason == "far end hung up" or call.ended)
            assert call.end_reason == "far end hung up"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
