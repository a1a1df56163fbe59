"""The simulator as a SIP peer: driven by a bare UDP client written here with ivraudit's own
SIP/RTP modules, so these tests check the simulator without pyVoIP in the way."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import tree_path
from ivraudit.simulator import Simulator
from ivraudit.spec import load_spec
from ivraudit.telephony.digest import DigestChallenger, authorization
from ivraudit.telephony.dtmf import DtmfSender
from ivraudit.telephony.g711 import ulaw_encode
from ivraudit.telephony.rtp import RtpPacket, RtpStream
from ivraudit.telephony.sdp import build_sdp, parse_sdp
from ivraudit.telephony.sipmsg import SipMessage, header_param, new_tag

TINY = load_spec(tree_path("tiny"))


@dataclass
class Dialog:
    call_id: str
    from_tag: str
    invite: SipMessage
    rtp: socket.socket


class Client:
    """Just enough of a SIP UAC to exercise the simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(3)
        self.port = self.sock.getsockname()[1]

    def request(self, method: str, number: str, *, call_id: str | None = None, cseq: int = 1,
                from_tag: str | None = None, to_tag: str | None = None, body: str = "",
                extra: list[tuple[str, str]] | None = None, branch: str | None = None) -> SipMessage:
        uri = f"sip:{number}@127.0.0.1:{self.sim.port}"
        headers = [
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch or 'z9hG4bK' + new_tag()}"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:tester@127.0.0.1>;tag={from_tag or new_tag()}"),
            ("To", f"<{uri}>" + (f";tag={to_tag}" if to_tag else "")),
            ("Call-ID", call_id or new_tag() + "@test"),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:tester@127.0.0.1:{self.port}>"),
        ] + (extra or [])
        if body:
            headers.append(("Content-Type", "application/sdp"))
        message = SipMessage(method=method, uri=uri, headers=headers, body=body)
        self.sock.sendto(message.encode(), ("127.0.0.1", self.sim.port))
        return message

    def receive(self) -> SipMessage:
        data, _ = self.sock.recvfrom(65535)
        return SipMessage.parse(data)

    def final(self) -> SipMessage:
        while True:
            message = self.receive()
            if message.is_request or message.status >= 200:
                return message

    def invite(self, number: str = "ivr", events: int | None = 101) -> tuple[Dialog, SipMessage]:
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        rtp.settimeout(3)
        sdp = build_sdp("127.0.0.1", rtp.getsockname()[1], [0, 8], event_type=events, session_id=1)
        tag = new_tag()
        invite = self.request("INVITE", number, from_tag=tag, body=sdp)
        return Dialog(invite.call_id, tag, invite, rtp), self.final()

    def ack(self, dialog: Dialog, response: SipMessage, to_tag: str | None = None) -> None:
        self.request("ACK", uri_number(dialog), call_id=dialog.call_id, from_tag=dialog.from_tag,
                     to_tag=to_tag or header_param(response.get("To") or "", "tag"))

    def close(self) -> None:
        self.sock.close()


def uri_number(dialog: Dialog) -> str:
    return dialog.invite.uri.split(":")[1].split("@")[0]


@pytest.fixture
def sim():
    with Simulator(TINY) as simulator:
        yield simulator


@pytest.fixture
def client(sim: Simulator):
    c = Client(sim)
    yield c
    c.close()


def _packets(sock: socket.socket, count: int) -> list[tuple[float, RtpPacket]]:
    out = []
    while len(out) < count:
        data = sock.recv(4096)
        out.append((time.monotonic(), RtpPacket.parse(data)))
    return out


def test_options_answered(client: Client) -> None:
    client.request("OPTIONS", "ivr")
    response = client.final()
    assert response.status == 200 and "INVITE" in (response.get("Allow") or "")


def test_answered_call_plays_the_spec_in_real_time(sim: Simulator, client: Client) -> None:
    dialog, ok = client.invite()
    assert ok.status == 200 and header_param(ok.get("To") or "", "tag")
    answer = parse_sdp(ok.body)
    assert answer.audio_codec == 0 and answer.event_type == 101
    client.ack(dialog, ok)
    packets = _packets(dialog.rtp, 100)
    times = np.array([t for t, _ in packets])
    rtp = [p for _, p in packets]
    assert rtp[0].marker and not any(p.marker for p in rtp[1:])
    assert all(b.sequence == (a.sequence + 1) & 0xFFFF for a, b in zip(rtp, rtp[1:]))
    assert all(b.timestamp - a.timestamp == 160 for a, b in zip(rtp, rtp[1:]))
    assert all(len(p.payload) == 160 and p.payload_type == 0 for p in rtp)
    # 99 intervals of 20 ms: real time, within the scheduling noise of a loaded CI machine
    # (bench/sip_concurrency.py measures lateness properly)
    assert 1.8 < times[-1] - times[0] < 2.6
    assert np.median(np.diff(times)) == pytest.approx(0.02, abs=0.005)
    # what it sends is the spec's prompt, μ-law encoded, frame for frame
    from ivraudit.spec.behaviour import IvrSession
    session = IvrSession(TINY)
    expected = b"".join(ulaw_encode(session.next_frame()).tobytes() for _ in range(100))  # type: ignore[arg-type]
    assert b"".join(p.payload for p in rtp) == expected
    client.request("BYE", "ivr", call_id=dialog.call_id, cseq=2, from_tag=dialog.from_tag,
                   to_tag=header_param(ok.get("To") or "", "tag"))
    assert client.final().status == 200
    time.sleep(0.1)
    assert sim.traces[-1].ended_by == "caller"


@pytest.mark.parametrize("mode", ["rfc4733", "inband"])
def test_keys_reach_the_session(sim: Simulator, client: Client, mode: str) -> None:
    dialog, ok = client.invite()
    client.ack(dialog, ok)
    answer = parse_sdp(ok.body)
    sender = DtmfSender(mode, answer.event_type)
    stream = RtpStream()
    _packets(dialog.rtp, 10)
    sender.queue("2")
    for _ in range(8):  # the key, then silence, one frame per 20 ms
        packets, audio = sender.frame(stream)
        packets = packets or [stream.packet(0, ulaw_encode(audio if audio is not None else
                                                           np.zeros(160, np.int16)).tobytes())]
        for packet in packets:
            dialog.rtp.sendto(packet.pack(), (answer.address, answer.port))
        stream.advance(160)
        time.sleep(0.02)
    time.sleep(0.1)
    trace = sim.traces[-1]
    assert [(k, how) for _, k, how in trace.keys] == [("2", mode)]
    assert ("key", "2") in [(e.what, e.detail) for e in trace.session.events]  # type: ignore[union-attr]


@pytest.mark.parametrize("number, status", [("busy", 486), ("not-found", 404),
                                            ("forbidden", 403), ("declined", 603)])
def test_reject_numbers(client: Client, number: str, status: int) -> None:
    dialog, response = client.invite(number)
    assert response.status == status


def test_no_answer_rings_until_cancelled(sim: Simulator, client: Client) -> None:
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    sdp = build_sdp("127.0.0.1", rtp.getsockname()[1], [0], event_type=101, session_id=1)
    tag, branch = new_tag(), "z9hG4bK" + new_tag()
    invite = client.request("INVITE", "no-answer", from_tag=tag, body=sdp, branch=branch)
    assert client.receive().status == 180   # at once, so no 100 Trying before it (§17.2.1)
    with pytest.raises(socket.timeout):
        client.sock.settimeout(1.0)
        client.receive()
    client.sock.settimeout(3)
    client.request("CANCEL", "no-answer", call_id=invite.call_id, from_tag=tag, branch=branch)
    got = sorted((m.status, m.cseq[1]) for m in (client.receive(), client.receive()))
    assert got == [(200, "CANCEL"), (487, "INVITE")]
    rtp.close()


def test_an_ack_with_the_wrong_to_tag_gets_no_media(sim: Simulator, client: Client) -> None:
    """What pyVoIP's unfixed gen_ack does: the simulator, like Asterisk, sends no RTP."""
    dialog, ok = client.invite()
    client.ack(dialog, ok, to_tag="not-the-tag")
    dialog.rtp.settimeout(1.0)
    with pytest.raises(socket.timeout):
        dialog.rtp.recv(4096)
    assert not sim.traces[-1].media_started
    again = client.receive()  # the 200 OK, retransmitted for want of a matching ACK
    assert again.status == 200


def test_hangup_after_sends_bye_mid_prompt(sim: Simulator, client: Client) -> None:
    dialog, ok = client.invite("hangup-after-0.5")
    client.ack(dialog, ok)
    packets = []
    bye = None
    dialog.rtp.settimeout(0.5)
    deadline = time.monotonic() + 3
    while bye is None and time.monotonic() < deadline:
        try:
            packets.append(dialog.rtp.recv(4096))
        except socket.timeout:
            pass
        client.sock.settimeout(0.001)
        try:
            bye = client.receive()
        except socket.timeout:
            pass
    assert bye is not None and bye.method == "BYE" and bye.call_id == dialog.call_id
    assert 20 <= len(packets) <= 30   # 0.5 s of frames, then nothing
    assert header_param(bye.get("From") or "", "tag") == header_param(ok.get("To") or "", "tag")


def test_several_calls_at_once(sim: Simulator) -> None:
    clients = [Client(sim) for _ in range(4)]
    dialogs = []
    for c in clients:
        dialog, ok = c.invite()
        c.ack(dialog, ok)
        dialogs.append(dialog)
    counts = [len(_packets(d.rtp, 50)) for d in dialogs]
    assert counts == [50] * 4
    assert len({t.call_id for t in sim.traces}) == 4 and all(t.media_started for t in sim.traces)
    for c in clients:
        c.close()


@pytest.mark.parametrize("offer, codec", [([0, 8], 8), ([0], 0)])
def test_an_alaw_line_answers_pcma_and_carries_the_line_effects(offer: list[int], codec: int) -> None:
    """A spec whose line is A-law, 6 dB quiet and noisy: PCMA when the caller offers it, and
    on either codec the session's frames, the line's effects in them (tree spec extensions)."""
    from dataclasses import replace

    from ivraudit.spec.behaviour import IvrSession
    from ivraudit.spec.model import LineSpec
    from ivraudit.telephony.g711 import alaw_encode

    spec = replace(TINY, line=LineSpec(codec="alaw", gain_db=-6.0, noise_dbfs=-55.0, noise_seed=1))
    with Simulator(spec) as alaw_sim:
        c = Client(alaw_sim)
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        rtp.settimeout(3)
        sdp = build_sdp("127.0.0.1", rtp.getsockname()[1], offer, event_type=101, session_id=1)
        invite = c.request("INVITE", "ivr", from_tag="t1", body=sdp)
        ok = c.final()
        assert parse_sdp(ok.body).audio_codec == codec
        c.ack(Dialog(invite.call_id, "t1", invite, rtp), ok)
        packets = [p for _, p in _packets(rtp, 60)]
        assert all(p.payload_type == codec for p in packets)
        session = IvrSession(spec)
        frames = [session.next_frame() for _ in range(60)]
        encode = alaw_encode if codec == 8 else ulaw_encode
        assert b"".join(p.payload for p in packets) == b"".join(
            encode(f).tobytes() for f in frames if f is not None)
        c.close()
        rtp.close()


def test_speed_compresses_time_but_not_rtp_timestamps() -> None:
    with Simulator(TINY, speed=4) as fast:
        c = Client(fast)
        dialog, ok = c.invite()
        c.ack(dialog, ok)
        packets = _packets(dialog.rtp, 100)
        took = packets[-1][0] - packets[0][0]
        assert 0.4 < took < 0.6   # 99 frames of 20 ms in a quarter of the time
        assert packets[-1][1].timestamp - packets[0][1].timestamp == 99 * 160
        c.close()


def test_register_and_invite_with_digest_auth() -> None:
    with Simulator(TINY, auth=DigestChallenger("ivraudit", "alice", "s3cret")) as sim:
        c = Client(sim)
        c.request("REGISTER", "alice")
        challenge = c.final()
        assert challenge.status == 401
        www = challenge.get("WWW-Authenticate") or ""
        uri = f"sip:127.0.0.1:{sim.port}"
        for password, status in (("wrong", 401), ("s3cret", 200)):
            auth = authorization(www, user="alice", password=password, method="REGISTER", uri=uri)
            c.request("REGISTER", "alice", cseq=2, extra=[("Authorization", auth)])
            assert c.final().status == status
        _, response = c.invite()
        assert response.status == 401     # calls need credentials too
        assert "alice" not in repr(sim.server.auth) or "s3cret" not in repr(sim.server.auth)
        c.close()


def test_paced_mode_follows_the_callers_clock_and_never_falls_behind_real_time() -> None:
    from ivraudit.simulator.server import PACE_WINDOW

    with Simulator(TINY, paced=True) as paced:
        c = Client(paced)
        dialog, ok = c.invite()
        c.ack(dialog, ok)
        answer = parse_sdp(ok.body)
        # a silent caller: the IVR plays in real time (about 50 frames a second)
        first = _packets(dialog.rtp, 25)
        took = first[-1][0] - first[0][0]
        assert 0.4 < took < 0.6
        # a caller whose clock runs ahead (it has read quickly): the IVR keeps up at once
        stream = RtpStream()
        started = time.monotonic()
        for _ in range(200):
            dialog.rtp.sendto(stream.packet(0, b"\xff" * 160).pack(), (answer.address, answer.port))
            stream.advance(160)
        burst = _packets(dialog.rtp, 150)
        assert burst[-1][0] - started < 0.8          # 3 s of line time well under 3 s of wall
        # and never more than the window ahead of the caller's clock (or of real time)
        total = len(first) + len(burst)
        dialog.rtp.settimeout(0.05)
        while True:
            try:
                dialog.rtp.recv(4096)
                total += 1
            except socket.timeout:
                break
        real_time_frames = (time.monotonic() - started) / 0.02 + len(first) + 5
        assert total <= max(200 + PACE_WINDOW, real_time_frames)
        assert total >= 200                             # it did follow the caller that far
        c.close()
