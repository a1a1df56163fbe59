"""The IVR simulator: a SIP user agent server that answers calls with a tree spec.

Each answered call drives one :class:`~ivraudit.spec.behaviour.IvrSession`, the same code the
replay line plays, pulling a frame every 20 ms and sending it as RTP; keys come back as RFC 4733
telephone-events or in-band tones (Goertzel) and go into the session's ``press``. So a crawl
over SIP hears exactly what a replay crawl hears, plus what the network does to it. The line's
gain and noise are in the session's frames; a spec whose ``line.codec`` is A-law is answered
with PCMA when the caller offers it (else with the caller's codec: the session has already
put the audio through A-law, as a gateway from an A-law trunk would).

Everything runs on one asyncio loop (in a background thread, or in the foreground for
``ivraudit simulate``), so many calls share one thread and a session is only ever touched by
that thread.

``speed`` > 1 plays faster than real time (frames every ``20/speed`` ms, RTP timestamps still
160 apart). That compresses the crawler's thinking time too: whisper takes ~2 s of wall time
per new prompt, which at 8x is 16 s of line time, longer than any menu waits. So the tests use
``paced=True`` instead: the simulator keeps at most ``PACE_WINDOW`` frames ahead of the
caller's own RTP clock (one frame out per caller frame in), and never falls behind real time.
A caller that sends one frame per frame it has *read* (the SIP line's ``pace_by_reading``)
then gets the IVR exactly as fast as it listens, and in real time while it thinks: real SIP
and RTP, time-compressed only where nobody is waiting. Either way RTP timestamps advance 160 a
frame and the SIP line counts line time from frames, never from the wall clock.

Its SIP port may be reachable by anyone, so every datagram is taken as possibly hostile
(issue 17): :mod:`ivraudit.simulator.guard` says what is refused (400, 513) and how much an
unproven sender gets back; keys and audio count only from the address and port the caller's
SDP offered, and media goes only where the caller consented to get it (:data:`CONSENT_SECONDS`);
digest nonces answer once (:class:`~ivraudit.telephony.digest.DigestChallenger`);
dialogs, traces and registrations are bounded (``MAX_*`` below), and a call that cannot get
an RTP socket (file descriptors run out) is refused with 503 rather than left ringing.

Numbers that behave differently (the user part of the Request-URI), so each call outcome can
be produced on demand, as PBXs have echo-test numbers:

============================  ==========================================================
``busy``                      486 Busy Here
``not-found``                 404 Not Found
``forbidden``                 403 Forbidden
``declined``                  603 Decline
``no-answer``                 rings until the caller cancels
``no-media``                  answers, never sends RTP
``hangup-after-S``            answers, plays the tree, hangs up S line seconds in
anything else                 answers and plays the tree
============================  ==========================================================
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from ivraudit.listen.activity import sounding_frame
from ivraudit.simulator.guard import (
    MAX_REQUEST_BYTES,
    ReplyBudget,
    malformed,
    refusal,
    salvage,
)
from ivraudit.simulator.late_sender import LateSender
from ivraudit.spec.behaviour import IvrSession
from ivraudit.spec.model import TreeSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS
from ivraudit.telephony.digest import DigestChallenger, Verdict
from ivraudit.telephony.dtmf import EventReceiver, ToneDetector
from ivraudit.telephony.g711 import (
    ALAW, Pcm, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode,
)
from ivraudit.telephony.rtp import RtpError, RtpPacket, RtpStream
from ivraudit.telephony.sdp import PCMA, SdpError, answer_for, connection_ip, parse_sdp
from ivraudit.telephony.sipmsg import SipError, SipMessage, header_param, new_tag, uri_user

log = logging.getLogger("ivraudit.simulator")

REJECTS = {"busy": 486, "not-found": 404, "forbidden": 403, "declined": 603}
T1 = 0.5
"""RFC 3261 timer T1: first retransmission interval of a 200 OK awaiting its ACK."""
TIMER_H = 32.0
"""Give up on an ACK (and hang up) after this long (64·T1)."""
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER"
MAX_CALLS = 64
"""Dialogs at once (ringing or up); a new call beyond gets 503. Eight is the most a crawl is
measured with; the bound keeps an INVITE flood from holding sockets and tasks without end."""
MAX_TRACES = 1000
"""Call traces kept (the newest): the log tests and the benchmark read, bounded."""
MAX_REGISTRATIONS = 1000
"""Bindings at once (each also expires); a new address of record beyond gets 503."""
MAX_RING_SECONDS = 180.0
"""The ``no-answer`` number rings this long (line seconds) at most, then 480."""
CONSENT_SECONDS = 30.0
"""Media consent (RFC 7675's spirit, without ICE): RTP goes to the address the offer names
only with that address's consent, or the simulator would flood whatever address an INVITE
names (a third party's) at 50 packets a second for as long as the tree plays. An offer naming
the host the INVITE came from (and whose ACK proved it receives there) has it from the start;
any other address gives it by sending RTP from the address and port offered, and keeps it
while it sends (RFC 7675's 30 s). Without it nothing is sent: after this long with none at
the answer, the call is hung up (BYE); later, frames go unsent (counted) until RTP comes."""
MAX_CALLER_SOUND_SECONDS = 30.0
"""Sound the caller sends (its apology to a person) kept per call trace, at most."""
PACE_WINDOW = 2
"""Paced mode: frames (40 ms) the IVR may run ahead of the caller's clock: enough to keep
the pipe full on loopback, and the delay a key then has on its way to the IVR."""


@dataclass
class CallTrace:
    """What happened on one call, for tests, the benchmark and the simulator's log."""

    call_id: str
    number: str
    mode: str
    codec: int | None = None
    event_type: int | None = None
    answered: bool = False
    media_started: bool = False
    ended_by: str = ""                       # "caller", "ivr", "simulator", "cancel"
    keys: list[tuple[float, str, str]] = field(default_factory=list)  # (line s, key, how)
    frames_sent: int = 0
    late_frames: int = 0                     # sent more than one frame interval late
    max_late_ms: float = 0.0
    stumbles: int = 0                        # frames sent late on purpose (a LateSender)
    stranger_packets: int = 0                # RTP from other than the negotiated address: ignored
    consent: str = ""                        # how media was consented to: "signalling", "rtp"
    frames_withheld: int = 0                 # frames not sent: no consent (CONSENT_SECONDS)
    failure: str = ""                        # why the simulator failed the call (503)
    session: IvrSession | None = None
    invited: float = field(default_factory=time.monotonic)
    """When the INVITE arrived (time.monotonic): how far apart a caller's calls start."""
    ended_at: float | None = None
    """Line seconds since the answer (frames the IVR had sent) when the call ended: with the
    session's ``prompt`` events, how long after a person began to speak the caller left."""
    caller_sound: list[tuple[float, Pcm]] = field(default_factory=list)
    """Audio frames with sound in them the caller sent (line seconds, frame): what it said
    (an apology), up to ``MAX_CALLER_SOUND_SECONDS``."""


class _Call:
    """One dialog: SIP state, the RTP socket and the session it plays."""

    def __init__(self, server: SipServer, invite: SipMessage, source: tuple[str, int],
                 budget: ReplyBudget) -> None:
        self.server = server
        self.invite = invite
        self.source = source
        self.budget = budget
        """What may be sent back before the caller proves its address (its ACK) or identity."""
        self.tag = new_tag()
        number = uri_user(invite.uri) or "ivr"
        mode = number if number in REJECTS or number in ("no-answer", "no-media") else "ivr"
        self.hangup_after: float | None = None
        match = re.fullmatch(r"hangup-after-(\d+(?:\.\d+)?)", number)
        if match:
            mode, self.hangup_after = "hangup-after", float(match.group(1))
        self.trace = CallTrace(invite.call_id, number, mode)
        self.acked = asyncio.Event()
        self.final: SipMessage | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.remote_rtp: tuple[str, int] | None = None
        self.stream = RtpStream()
        self.events = EventReceiver()
        self.tones = ToneDetector()
        self.tasks: list[asyncio.Task[None]] = []
        self.done = False
        self.bye_cseq = 0
        self.caller_frames = 0                   # the caller's RTP clock, in frames
        self._caller_base: int | None = None
        self.heard_caller = asyncio.Event()
        self.consented = asyncio.Event()         # media may go to remote_rtp (CONSENT_SECONDS)
        self._peer_heard_at = 0.0                # last RTP from remote_rtp (time.monotonic)

    # -- media consent -------------------------------------------------------------------

    def media_to(self, address: tuple[str, int]) -> None:
        """Media is offered at ``address``: consented to at once when it is the host the
        INVITE came from, else only once RTP comes from it (:data:`CONSENT_SECONDS`)."""
        self.remote_rtp = address
        if address[0] == self.source[0]:
            self.trace.consent = "signalling"
            self.consented.set()

    def has_consent(self) -> bool:
        if self.trace.consent == "signalling":
            return True
        return self.consented.is_set() and \
            time.monotonic() - self._peer_heard_at < CONSENT_SECONDS

    # -- media ---------------------------------------------------------------------------

    def on_rtp(self, data: bytes, source: tuple[str, int]) -> None:
        session = self.trace.session
        if session is None or self.done:
            return
        if source[:2] != self.remote_rtp:  # a stranger's keys must not drive the IVR
            self.trace.stranger_packets += 1
            return
        self._peer_heard_at = time.monotonic()  # the offered address wants media: consent
        if not self.consented.is_set():
            self.trace.consent = "rtp"
            self.consented.set()
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            return
        if self._caller_base is None:
            self._caller_base = packet.timestamp
        frames = ((packet.timestamp - self._caller_base) & 0xFFFFFFFF) // FRAME_SAMPLES + 1
        if frames < 1 << 24 and frames > self.caller_frames:  # ignore wrapped-backwards stamps
            self.caller_frames = frames
            self.heard_caller.set()
        key, how = None, ""
        if packet.payload_type == self.trace.event_type:
            key, how = self.events.push(packet), "rfc4733"
        elif packet.payload_type == self.trace.codec:
            decode = alaw_decode if self.trace.codec == PCMA else ulaw_decode
            pcm = decode(packet.payload)
            if len(pcm) == FRAME_SAMPLES:
                key, how = self.tones.push(pcm), "inband"
                self._keep_sound(session.seconds, pcm)
        if key is not None:
            self.trace.keys.append((round(session.seconds, 3), key, how))
            session.press(key)

    def _keep_sound(self, at: float, pcm: Pcm) -> None:
        """Keep a frame of the caller's with sound in it (bounded)."""
        kept = self.trace.caller_sound
        if sounding_frame(pcm) and len(kept) * FRAME_SECONDS < MAX_CALLER_SOUND_SECONDS:
            kept.append((round(at, 3), pcm))

    async def play(self) -> None:
        """Send the session's frames every 20 ms / speed until it hangs up or the call ends."""
        session = self.trace.session
        assert session is not None and self.transport is not None and self.remote_rtp is not None
        encode = alaw_encode if self.trace.codec == PCMA else ulaw_encode
        loop = asyncio.get_running_loop()
        interval = FRAME_SECONDS / self.server.speed
        start = loop.time()
        index = 0
        stumbles = self.server.late_sender
        stumble_at = stumbles.next_stumble(0) if stumbles is not None else -1
        while not self.done:
            if self.hangup_after is not None and session.seconds >= self.hangup_after:
                self.trace.ended_by = "simulator"
                break
            frame = session.next_frame()
            if frame is None:
                self.trace.ended_by = "ivr"
                break
            marker = index == 0
            if index == stumble_at and stumbles is not None:  # late, stamped by the clock
                await asyncio.sleep(stumbles.late / self.server.speed)
                self.stream.advance(stumbles.late_samples)
                start += stumbles.late / self.server.speed
                marker = True
                stumble_at = stumbles.next_stumble(index)
                self.trace.stumbles += 1
            packet = self.stream.packet(self.trace.codec or 0, encode(frame).tobytes(),
                                        marker=marker)
            self.stream.advance(FRAME_SAMPLES)
            late = loop.time() - (start + index * interval)
            if late > interval and not self.server.paced:
                self.trace.late_frames += 1
                self.trace.max_late_ms = max(self.trace.max_late_ms, late * 1000)
            if self.has_consent():
                self.transport.sendto(packet.pack(), self.remote_rtp)
                self.trace.frames_sent += 1
            else:  # the IVR plays on, to no one, until the offered address asks again
                self.trace.frames_withheld += 1
            index += 1
            if self.server.paced:
                await self._pace(index, start + index * interval)
                continue
            delay = start + index * interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        if not self.done:
            self.send_bye()

    async def _pace(self, index: int, real_time_due: float) -> None:
        """Paced mode: wait until the caller's clock allows frame ``index`` or real time is due."""
        loop = asyncio.get_running_loop()
        if index % 50 == 0:
            await asyncio.sleep(0)  # let SIP and other calls in during a long burst
        while not self.done and index >= self.caller_frames + PACE_WINDOW:
            left = real_time_due - loop.time()
            if left <= 0:
                return
            self.heard_caller.clear()
            try:
                await asyncio.wait_for(self.heard_caller.wait(), left)
            except asyncio.TimeoutError:
                return

    # -- SIP -----------------------------------------------------------------------------

    def reply(self, status: int, extra: list[tuple[str, str]] | None = None) -> None:
        """The INVITE's final response (kept, to repeat to a resent INVITE), within the budget."""
        self.final = self.invite.response(status, to_tag=self.tag, extra=extra)
        self.server.send(self.final, self.source, self.budget)

    def send_bye(self) -> None:
        """Hang up from the IVR's side (the session ended, or hangup-after)."""
        self.bye_cseq += 1
        contact = self.invite.get("Contact") or self.invite.get("From") or ""
        uri = re.search(r"<([^>]+)>", contact)
        target = uri.group(1) if uri else contact.split(";")[0].strip()
        bye = SipMessage(method="BYE", uri=target, headers=[
            ("Via", f"SIP/2.0/UDP {self.server.host}:{self.server.port};branch=z9hG4bK{new_tag()}"),
            *[("Route", route) for route in self.invite.get_all("Record-Route")],  # §12.1.1
            ("Max-Forwards", "70"),
            ("From", (self.invite.get("To") or "") + f";tag={self.tag}"),
            ("To", self.invite.get("From") or ""),
            ("Call-ID", self.invite.call_id),
            ("CSeq", f"{self.bye_cseq} BYE"),
            ("User-Agent", "ivraudit-simulator"),
        ])
        self.server.send(bye, self.source)
        self.finish(self.trace.ended_by or "simulator")

    def finish(self, by: str) -> None:
        if self.done:
            return
        self.done = True
        self.trace.ended_by = self.trace.ended_by or by
        if self.trace.session is not None:
            self.trace.ended_at = round(self.trace.session.seconds, 3)
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if self.transport is not None:
            self.transport.close()
        self.server.calls.pop(self.invite.call_id, None)
        self.server.on_trace(self.trace)


class _RtpProtocol(asyncio.DatagramProtocol):
    def __init__(self, call: _Call) -> None:
        self.call = call

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.call.on_rtp(data, addr)


class SipServer(asyncio.DatagramProtocol):
    """The UAS: one UDP socket for SIP, a dialog per Call-ID."""

    def __init__(self, spec: TreeSpec, host: str, port: int, *, speed: float = 1.0,
                 auth: DigestChallenger | None = None, events: bool = True, paced: bool = False,
                 on_trace: Callable[[CallTrace], None] | None = None,
                 late_sender: LateSender | None = None) -> None:
        self.spec = spec
        self.late_sender = late_sender
        self.events = events
        self.paced = paced
        self.host = host
        self.port = port
        self.speed = speed
        self.auth = auth
        self.on_trace = on_trace or (lambda trace: None)
        self.calls: dict[str, _Call] = {}
        self.traces: deque[CallTrace] = deque(maxlen=MAX_TRACES)
        self.registrations: dict[str, str] = {}  # address of record -> contact
        self._registered_until: dict[str, float] = {}  # address of record -> expiry (monotonic)
        self.replies_withheld = 0                 # replies not sent: over an unproven budget
        self.registered_count = 0                 # REGISTERs accepted (refreshes included)
        self.unregistered_count = 0               # bindings taken back (Expires: 0)
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A UDP endpoint's transport; asyncio's selector implementation does not derive from
        # DatagramTransport, so it is only typed as one here.
        self.transport = cast(asyncio.DatagramTransport, transport)
        self.port = transport.get_extra_info("sockname")[1]

    def send(self, message: SipMessage, addr: tuple[str, int],
             budget: ReplyBudget | None = None) -> None:
        """Send a message; a reply with a ``budget`` only while the budget allows it
        (ivraudit.simulator.guard: no amplification towards an unproven address)."""
        data = message.encode()
        if budget is not None and not budget.spend(len(data)):
            self.replies_withheld += 1
            return
        if self.transport is not None:
            self.transport.sendto(data, addr)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if data.strip() == b"":
            return  # keep-alive
        budget = ReplyBudget(len(data))
        try:
            message = SipMessage.parse(data)
        except SipError as exc:
            salvaged = salvage(data)
            log.debug("unparsable datagram from %s: %s", addr, exc)
            if salvaged is not None and salvaged.method != "ACK":  # never answer an ACK
                self.send(refusal(salvaged, 400, "Bad Request"), addr, budget)
            return
        if not message.is_request:
            return
        if len(data) > MAX_REQUEST_BYTES:
            if message.method != "ACK":
                self.send(refusal(message, 513, "Message Too Large"), addr, budget)
            return
        why = malformed(message)
        if why is not None:
            if message.method != "ACK":
                self.send(refusal(message, 400, f"Bad Request ({why})"), addr, budget)
            return
        try:
            self._request(message, addr, budget)
        except Exception:  # noqa: BLE001 - one bad message must not stop the server
            log.exception("error handling %s from %s", message.method, addr)
            if message.method != "ACK":
                self.send(refusal(message, 500, "Server Internal Error"), addr, budget)

    def _request(self, request: SipMessage, addr: tuple[str, int], budget: ReplyBudget) -> None:
        method = request.method
        call = self.calls.get(request.call_id)
        if method == "INVITE":
            if call is not None:  # a retransmission (or re-INVITE): repeat what we said last
                call.budget.earn(budget.request_bytes)
                if call.final is not None:
                    self.send(call.final, addr, call.budget)
                return
            verdict = self._authorized(request, addr, budget)
            if verdict is None:
                return
            self._invite(request, addr, budget, proven=verdict)
        elif method == "ACK":
            if call is not None and call.final is not None and \
                    header_param(request.get("To") or "", "tag") == call.tag:
                call.budget.prove()  # it got our tag: the address is really the caller's
                call.acked.set()
        elif method == "BYE":
            self.send(request.response(200 if call else 481), addr, budget)
            if call is not None:
                call.finish("caller")
        elif method == "CANCEL":
            self.send(request.response(200 if call else 481), addr, budget)
            if call is not None and not call.trace.answered:
                call.budget.earn(budget.request_bytes)
                call.reply(487)
                call.finish("cancel")
        elif method == "OPTIONS":
            self.send(request.response(200, extra=[("Allow", ALLOW), ("Accept", "application/sdp")]),
                      addr, budget)
        elif method == "REGISTER":
            if self._authorized(request, addr, budget) is not None:
                self._register(request, addr, budget)
        else:
            self.send(request.response(405, extra=[("Allow", ALLOW)]), addr, budget)

    def _register(self, request: SipMessage, addr: tuple[str, int], budget: ReplyBudget) -> None:
        """Bind (or with ``Expires: 0`` unbind, RFC 3261 §10.2.2) an address of record, for
        its lifetime; at most MAX_REGISTRATIONS bindings at once (503 beyond)."""
        contact = request.get("Contact") or ""
        expires = (request.get("Expires") or header_param(contact, "expires") or "3600").strip()
        if not expires.isdigit():
            self.send(refusal(request, 400, "Bad Request (bad Expires)"), addr, budget)
            return
        aor = request.get("To") or ""
        now = time.monotonic()
        for stale in [a for a, until in self._registered_until.items() if until <= now]:
            self.registrations.pop(stale, None)
            self._registered_until.pop(stale, None)
        if expires == "0" or contact.strip() == "*":
            self.registrations.pop(aor, None)
            self._registered_until.pop(aor, None)
            self.unregistered_count += 1
        elif aor not in self.registrations and len(self.registrations) >= MAX_REGISTRATIONS:
            self.send(request.response(503, extra=[("Retry-After", "60")]), addr, budget)
            return
        else:
            self.registrations[aor] = contact
            self._registered_until[aor] = now + int(expires)
            self.registered_count += 1
        self.send(request.response(200, to_tag=new_tag(),
                                   extra=[("Contact", contact), ("Expires", expires)]), addr, budget)

    def _authorized(self, request: SipMessage, addr: tuple[str, int],
                    budget: ReplyBudget) -> bool | None:
        """Digest-check a request when the simulator has an account: True when it authenticated,
        False when no account is needed, None when it was challenged (401; ``stale=true`` for
        the right password on a used or expired nonce, RFC 2617 §3.2.1)."""
        if self.auth is None:
            return False
        verdict = self.auth.verify(request.get("Authorization"), request.method)
        if verdict is Verdict.OK:
            return True
        challenge = self.auth.challenge(stale=verdict is Verdict.STALE)
        self.send(request.response(401, to_tag=new_tag(), extra=[("WWW-Authenticate", challenge)]),
                  addr, budget)
        return None

    def _invite(self, invite: SipMessage, addr: tuple[str, int], budget: ReplyBudget,
                proven: bool) -> None:
        """A new call: refused when the simulator has too many, else rung (no 100 Trying:
        the 180 or a final response goes out at once, RFC 3261 §17.2.1)."""
        if len(self.calls) >= MAX_CALLS:
            self.send(invite.response(503, to_tag=new_tag(), extra=[("Retry-After", "5")]),
                      addr, budget)
            return
        call = _Call(self, invite, addr, budget)
        if proven:
            budget.prove()  # authenticated: the caller is who it says
        self.calls[invite.call_id] = call
        self.traces.append(call.trace)
        status = REJECTS.get(call.trace.mode)
        if status is not None:
            call.reply(status)
            call.finish("simulator")
            return
        self.send(invite.response(180, to_tag=call.tag), addr, call.budget)
        call.tasks.append(asyncio.ensure_future(
            self._ring_out(call) if call.trace.mode == "no-answer" else self._answer(call)))

    async def _ring_out(self, call: _Call) -> None:
        """A number nobody answers rings until the caller cancels, or MAX_RING_SECONDS (480),
        so a caller that goes away does not leave a dialog behind for ever."""
        try:
            await asyncio.sleep(MAX_RING_SECONDS / self.speed)
            if not call.done:
                call.reply(480)
                call.finish("simulator")
        except asyncio.CancelledError:
            pass

    async def _answer(self, call: _Call) -> None:
        try:
            await asyncio.sleep(self.spec.answer_after / self.speed)
            if call.done:
                return
            try:
                offer = parse_sdp(call.invite.body)
            except SdpError:
                call.reply(488)
                call.finish("simulator")
                return
            loop = asyncio.get_running_loop()
            try:
                transport, _ = await loop.create_datagram_endpoint(lambda: _RtpProtocol(call),
                                                                   local_addr=(self.host, 0))
            except OSError as exc:  # out of file descriptors (or ports): fail it, not strand it
                log.warning("call %s: no RTP socket (%s): 503", call.trace.call_id, exc)
                call.trace.failure = f"no RTP socket ({exc.strerror or exc})"
                call.reply(503, extra=[("Retry-After", "5")])
                call.finish("simulator")
                return
            call.transport = transport
            rtp_port = transport.get_extra_info("sockname")[1]
            try:
                if not self.events:  # an IVR that only hears keys in band
                    offer.payload_types = [pt for pt in offer.payload_types if pt != offer.event_type]
                prefer = PCMA if self.spec.line.codec == ALAW else None
                sdp, codec, event = answer_for(offer, self.host, rtp_port, int(time.time()),
                                               prefer=prefer)
            except SdpError:
                call.reply(488)
                call.finish("simulator")
                return
            call.trace.codec, call.trace.event_type = codec, event
            call.media_to((connection_ip(offer.address), offer.port))  # the only media source
            call.final = call.invite.response(
                200, to_tag=call.tag, body=sdp, content_type="application/sdp",
                extra=[("Contact", f"<sip:{call.trace.number}@{self.host}:{self.port}>"),
                       ("Allow", ALLOW)])
            call.trace.answered = True
            call.trace.session = IvrSession(self.spec)
            waited, interval = 0.0, T1
            while not call.acked.is_set():  # RFC 3261 §13.3.1.4: resend the 200 until ACKed
                self.send(call.final, call.source, call.budget)
                try:
                    await asyncio.wait_for(call.acked.wait(), interval)
                except asyncio.TimeoutError:
                    waited += interval
                    interval = min(interval * 2, 4.0)
                    if waited >= TIMER_H or call.done:
                        if not call.done:
                            call.trace.ended_by = "simulator"
                            call.send_bye()  # §13.3.1.4: no ACK, so end the dialog
                        return
            if call.done or call.trace.mode == "no-media":
                return
            if not call.consented.is_set():
                try:
                    await asyncio.wait_for(call.consented.wait(), CONSENT_SECONDS)
                except asyncio.TimeoutError:
                    host, port = call.remote_rtp or ("?", 0)
                    call.trace.failure = (f"no media consent: no RTP from {host}:{port}, which "
                                          f"the offer named, in {CONSENT_SECONDS:g} s; nothing "
                                          "was sent there")
                    call.send_bye()
                    return
                if call.done:
                    return
            call.trace.media_started = True
            await call.play()
        except asyncio.CancelledError:
            pass  # the call ended (BYE, CANCEL, shutdown) while it rang or played


class Simulator:
    """Runs a :class:`SipServer` on its own asyncio loop in a background thread.

    ``with Simulator(spec) as sim: ...`` starts it on a free port (``sim.port``) and stops it.
    """

    def __init__(self, spec: TreeSpec, host: str = "127.0.0.1", port: int = 0, *,
                 speed: float = 1.0, auth: DigestChallenger | None = None, events: bool = True,
                 paced: bool = False, on_trace: Callable[[CallTrace], None] | None = None,
                 late_sender: LateSender | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.server = SipServer(spec, host, port, speed=speed, auth=auth, events=events,
                                paced=paced, on_trace=on_trace, late_sender=late_sender)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def traces(self) -> deque[CallTrace]:
        return self.server.traces

    def uri(self, number: str = "ivr") -> str:
        return f"sip:{number}@{self.host}:{self.port}"

    def start(self) -> Simulator:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(loop.create_datagram_endpoint(
                    lambda: self.server, local_addr=(self.server.host, self.server.port)))
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="ivraudit-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    async def _shutdown(self) -> None:
        """Hang up every call still up (callers get a BYE), then close the SIP socket."""
        for call in list(self.server.calls.values()):
            if call.trace.media_started and not call.done:
                call.trace.ended_by = "simulator"
                call.send_bye()
            call.finish("simulator")
            await asyncio.gather(*call.tasks, return_exceptions=True)
        await asyncio.sleep(0)
        if self.server.transport is not None:
            self.server.transport.close()
        await asyncio.sleep(0)

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

