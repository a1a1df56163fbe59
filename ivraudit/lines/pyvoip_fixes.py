"""Every fix and extension of pyVoIP 1.6.8 ivraudit needs, in one place, each naming its bug.

docs/pyvoip-bugs.md lists them too, with what was measured and the test that shows each.

ivraudit's SIP line is built on pyVoIP's ``SIPClient`` (UDP socket, receive thread, message
parsing, INVITE/BYE/REGISTER generation, tags, counters) and ``RTPClient`` (the media socket and
its two threads). These subclasses change only what is broken or missing for an IVR crawler:

``SIPClient``
  1. **ACK To-tag** (``gen_ack``): the ACK for a 200 OK gets a *new random* To-tag, so the far
     end (Asterisk, the simulator) never matches it, sends no RTP and drops the call after
     ~32 s. Fixed by echoing the response's To-tag; an ACK for a 2xx also gets its own branch
     and goes to the 200's Contact (RFC 3261 §13.2.2.4), one for a failure reuses the INVITE's
     branch (§17.1.1.3).
  2. **Registration-only start** (``start``): ``start()`` always REGISTERs (no direct mode),
     and starts its receive thread only after a 1 s timer. Fixed: receive at once, register
     only when asked (:meth:`FixedSIPClient.register_once`).
  3. **register() hides failures**: a wrong password raises inside, is swallowed, and the
     client re-registers from a timer until it gives up and stops the phone; the caller gets
     ``None``. ``register_once`` reports success or failure, and uses the auth user.
  4. **INVITE blocks and hangs** (``invite``): it holds the receive lock and waits, with no
     timeout, for 100/180/401; a 486, 404, 403, 603 or silence leaves it waiting forever, and
     its digest ``uri`` is ``sip:SERVER;transport=UDP`` instead of the Request-URI. Replaced by
     :meth:`FixedSIPClient.send` plus a per-dialog queue of responses.
  5. **Responses dropped** (``parse_message``): only 200, 404 and 503 reach the phone; busy,
     decline, auth challenges, 487 are logged as "TODO". All responses now reach their dialog.
  6. **200 OK to BYE carries a new To-tag** (``gen_ok``): same family as 1; the dialog's tag
     is kept.
  7. **BYE reuses the INVITE's Via branch** (``gen_bye``): a new transaction needs a new one.
  8. **No CANCEL**: pyVoIP cannot cancel a ringing INVITE (:meth:`FixedSIPClient.gen_cancel`).
  9. **Circular import**: ``import pyVoIP.SIP`` first fails; ``pyVoIP.VoIP`` must load first.
  15. **No route set**: a proxy's Record-Route is ignored, so the ACK and BYE skip the proxy
      that asked to stay in the dialog (Kamailio drops them; the call gets no media). The route
      set of the 200 OK goes into Route headers of every in-dialog request (§12.1.2).
  16. **A body it cannot parse drops the message** (``SIPMessage``): an SDP pyVoIP cannot read
      raises while the headers parse, and the whole response is lost (an answered call taken
      for "no answer" and CANCELled). Headers are parsed alone then (:func:`parse_leniently`).
  19. **A BYE is matched by its Call-ID alone** (``parse_message``): any datagram naming a
      call's Call-ID ended it, whoever sent it and whatever its tags, so a stranger who learnt
      a Call-ID (it travels in clear) could hang up our calls. An in-dialog request (a BYE, or
      any request with a To-tag) must now match a confirmed dialog (Call-ID, its To-tag our
      local tag, its From-tag the far end's; RFC 3261 §12.2.2) and come from the peer we
      dialled (the address the INVITE went to, or the 200 OK's Contact); anything else gets
      ``481 Call/Transaction Does Not Exist``, sent back to its source (never to an address
      its Via names), and changes nothing (:attr:`FixedSIPClient.refused`).

``RTPClient``
  10. **8-bit audio**: received G.711 is decoded to *8-bit* linear (``audioop`` width 1), 48 dB
      of dynamic range lost. Kept as G.711 bytes and decoded to int16 by ivraudit.telephony.
  11. **Silence is "no data"**: a blocking read waits while the buffer holds 0x80 bytes, which
      is also what digital silence decodes to, so silence blocks forever and line time cannot
      be counted. Frames are queued as received, silence included, in RTP-timestamp order.
      Samples are placed by timestamp, not packet by packet: a packet of 30 ms (ptime 30), or
      the short last packet of a file a PBX plays before the next one, neither loses samples
      nor shifts what follows off the 20 ms frame grid. A gap in the timestamps is silence
      (packets lost) unless a talkspurt begins there (marker bit) less than a stall after the
      audio stopped: that is a sender resuming late (Asterisk under load), and the audio
      carries on. A far end that sends nothing is heard as silence after
      :attr:`MediaClient.patience`, which grows once such a silence proves to have been lateness.
  12. **PCMA sent as PCMU** (``encode_packet``): the A-law branch calls the μ-law encoder.
  13. **No RFC 4733 sending**: pyVoIP can receive telephone-events but not send them; the
      transmitter here sends them (ivraudit.telephony.dtmf) with the negotiated payload type.
  14. **Wall-clock transmitter that drifts**: one ``sleep`` per packet, busy receive loop.
      The transmitter here is clocked by the frames received (a key lasts 0.1 s of *line*
      time, whatever speed the far end plays at), or with ``pace_by_reading`` by the frames
      the crawler has read (for a simulator that paces itself by the caller), falling back to
      its own 20 ms clock when no frame comes in or is read.
  17. **RTP from anyone** (``recv``): every datagram reaching the media port is played, from
      whatever address: a stranger who guesses the port talks into the call (and floods it).
      Only packets from the address and port the SDP answer negotiated are taken; the others
      are counted (:attr:`MediaClient.strangers`) and reported in the audit. One exception,
      for far ends whose SDP names an address their packets cannot come from (behind NAT;
      baresip on a host without a network names 192.0.2.2): before anything came from the
      negotiated address, the first packet from the negotiated *port* is latched onto, and
      from then on only that source is heard and sent to (symmetric RTP, RFC 4961).
  18. **Unbounded receive buffer**: pyVoIP's buffer (and the frame queue that replaces it) grows
      with whatever arrives; an RTP flood grew it by 620 MB in 5 s (bench/rtp_flood.py). The
      queue holds at most :attr:`MediaClient.MAX_QUEUED_FRAMES`; audio beyond it is dropped, counted
      (:attr:`MediaClient.overflowed`) and ends the call as one whose audio was lost.
  20. **Audio out is 8-bit and on its own clock** (``write``): pyVoIP's ``RTPClient.write``
      takes 8-bit linear audio (bug 10's loss, the other way) into a buffer its own drifting
      transmitter drains (bug 14). Audio to say (the crawl's apology to a person,
      :meth:`MediaClient.say`) is queued here as int16 frames and sent by the frame-clocked
      transmitter, encoded with the negotiated law, one frame per frame received.
"""

from __future__ import annotations

import queue
import re
import select
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

import pyVoIP.VoIP  # noqa: F401  - bug 9: must be imported before pyVoIP.SIP
from pyVoIP import RTP, SIP

from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.dtmf import DtmfSender
from ivraudit.telephony.g711 import Pcm, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from ivraudit.telephony.rtp import RtpError, RtpPacket, RtpStream, timestamp_delta
from ivraudit.telephony.sdp import PCMA, connection_ip

_SILENCE = np.zeros(FRAME_SAMPLES, dtype=np.int16)


class _PhoneState:
    """What SIPClient expects of its ``phone``: a status it writes into."""

    _status = None


class FixedSIPClient(SIP.SIPClient):
    """pyVoIP's SIP client with bugs 1-9 fixed; responses go to per-dialog queues.

    ``server`` is the domain written into Request-URIs; ``destination`` is where datagrams go
    (the outbound proxy, or the target host itself in direct mode). The password is never
    given to pyVoIP: digest answers are computed by the line (ivraudit.telephony.digest).
    """

    def __init__(self, *, domain: str, destination: tuple[str, int], user: str, my_ip: str,
                 my_port: int = 0) -> None:
        # pyVoIP types ``phone`` as its VoIPPhone; SIPClient only reads the few fields the
        # stand-in has (see _PhoneState), so the type is wrong, not the object.
        super().__init__(domain, destination[1], user, "",
                         phone=_PhoneState(),  # type: ignore[arg-type]
                         myIP=my_ip, myPort=my_port)
        self.destination = destination
        self.dialogs: dict[str, queue.Queue[SIP.SIPMessage]] = {}
        self.routes: dict[str, list[str]] = {}
        """Each confirmed call's route set (the 200 OK's Record-Route, reversed; bug 15)."""
        self.acks: dict[str, str] = {}
        """The ACK sent for each confirmed call, resent if the 200 OK comes again (§13.2.2.4:
        our ACK was lost, and the far end will hang up after 32 s without one)."""
        self.confirmed: dict[str, DialogId] = {}
        """Each confirmed call's dialog: what an in-dialog request must match (bug 19)."""
        self.refused = 0
        """In-dialog requests answered 481: no dialog of ours, or not from its peer (bug 19)."""
        self.on_request: Callable[[SIP.SIPMessage], None] = lambda message: None
        self._thread: threading.Thread | None = None

    # -- bug 2: start without registering, receive at once --------------------------------

    def start(self) -> None:
        if self.NSD:
            raise RuntimeError("SIP client already started")
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((self.myIP, self.myPort))
        self.myPort = self.s.getsockname()[1]  # port 0 asks the OS for a free one
        self.out = self.s
        self.NSD = True
        self._thread = threading.Thread(target=self._receive, name="ivraudit SIP receive",
                                        daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        """pyVoIP's recv_loop polls every 10 ms under a lock; this waits on the socket."""
        while self.NSD:
            try:
                ready, _, _ = select.select([self.s], [], [], 0.2)
                if not ready:
                    continue
                raw, source = self.s.recvfrom(65535)
            except (OSError, ValueError):
                return
            if raw.strip(b"\r\n\x00") == b"":
                continue  # keep-alive
            message = parse_leniently(raw)
            if message is not None:
                self.parse_message(message, (source[0], source[1]))

    def stop(self) -> None:
        if not self.NSD:
            return
        self.NSD = False
        self._close_sockets()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)

    def send(self, text: str, destination: tuple[str, int] | None = None) -> None:
        self.out.sendto(text.encode("utf-8"), destination or self.destination)

    # -- bug 5: every response reaches its dialog -----------------------------------------

    def parse_message(self, message: SIP.SIPMessage,
                      source: tuple[str, int] | None = None) -> None:
        """A received message; ``source`` is the address it came from (None: trusted, as in
        pyVoIP's own signature, for tests that hand messages in)."""
        if message.type == SIP.SIPMessageType.RESPONSE:
            call_id = message.headers.get("Call-ID", "")
            if call_id in self.acks and 200 <= int(message.status) < 300:
                self.send(self.acks[call_id])
                return
            box = self.dialogs.get(call_id)
            if box is not None:
                box.put(message)
            return
        method = message.method
        if method == "ACK":
            return  # never answered (and a crawler's dialogs get none: it is the caller)
        if method == "BYE" or _tag(message, "To"):  # in a dialog: only ours, from its peer
            if not self.in_dialog(message, source):
                self.refused += 1
                if source is not None:
                    self.send(self.gen_refusal(message), source)
                return
        if method == "BYE":
            self.send(self.gen_ok(message), _via_address(message) or self.destination)
            self.on_request(message)
        elif method == "CANCEL":
            self.send(self.gen_ok(message), _via_address(message) or self.destination)
        elif method == "INVITE":  # a crawler takes no calls
            self.send(self.gen_busy(message), _via_address(message) or self.destination)

    # -- bug 19: in-dialog requests match the dialog and come from its peer -----------------

    def in_dialog(self, request: SIP.SIPMessage, source: tuple[str, int] | None) -> bool:
        """Does ``request`` belong to a confirmed dialog of ours (RFC 3261 §12.2.2: Call-ID,
        its To-tag ours, its From-tag the far end's), and come from that dialog's peer?"""
        dialog = self.confirmed.get(request.headers.get("Call-ID", ""))
        return (dialog is not None and _tag(request, "To") == dialog.local_tag
                and _tag(request, "From") == dialog.remote_tag
                and (source is None or source in dialog.peers))

    def gen_refusal(self, request: SIP.SIPMessage) -> str:
        """``481 Call/Transaction Does Not Exist`` for a request outside our dialogs."""
        text = re.sub(r"^SIP/2\.0 200 OK", "SIP/2.0 481 Call/Transaction Does Not Exist",
                      super().gen_ok(request), count=1)
        return re.sub(r"^Allow: [^\r\n]*\r\n", "", text, count=1, flags=re.M)

    def _confirm(self, response: SIP.SIPMessage) -> None:
        """Remember the dialog a 2xx to our INVITE set up, and who may speak in it: the
        address the INVITE went to (a proxy, or the far end) and the far end's Contact."""
        peers = {self.destination}
        contact = _contact_address(response.headers.get("Contact", ""))
        if contact is not None:
            peers.add(contact)
        self.confirmed[response.headers["Call-ID"]] = DialogId(
            _tag(response, "From"), _tag(response, "To"), frozenset(peers))

    def forget(self, call_id: str) -> None:
        """A call is over (or was never ours to keep): its dialog, ACK and route set go."""
        for table in (self.dialogs, self.acks, self.routes, self.confirmed):
            table.pop(call_id, None)

    # -- bug 6: keep the dialog's To-tag in a 200 OK --------------------------------------

    def gen_ok(self, request: SIP.SIPMessage) -> str:
        text = super().gen_ok(request)
        tag = request.headers["To"].get("tag")
        if tag:
            text = re.sub(r"^(To: .*?;tag=)[^\r\n]*", rf"\g<1>{tag}", text, count=1, flags=re.M)
        return text

    # -- bug 1: the ACK echoes the To-tag -------------------------------------------------

    def gen_ack(self, request: SIP.SIPMessage) -> str:
        """ACK for ``request``, an INVITE's final response."""
        text = super().gen_ack(request)
        tag = request.headers["To"]["tag"]
        text = re.sub(r"^(To: .*?;tag=)[^\r\n]*", rf"\g<1>{tag}", text, count=1, flags=re.M)
        if 200 <= int(request.status) < 300:
            call_id = request.headers["Call-ID"]
            self._confirm(request)
            self.routes[call_id] = [r.strip() for value in reversed(raw_headers(request, "Record-Route"))
                                    for r in reversed(value.split(","))]
            text = self._with_routes(text, call_id)
            contact = request.headers.get("Contact", "")
            uri = re.search(r"<([^>]+)>", contact)
            target = uri.group(1) if uri else contact.split(";")[0].strip()
            if target:
                text = re.sub(r"^ACK \S+", f"ACK {target}", text, count=1)
            text = re.sub(r"branch=[^;\r\n]+", f"branch={self.gen_branch()}", text, count=1)
        return text

    # -- bug 7: a BYE is a new transaction ------------------------------------------------

    def gen_bye(self, request: SIP.SIPMessage) -> str:
        text = super().gen_bye(request)
        text = re.sub(r"branch=[^;\r\n]+", f"branch={self.gen_branch()}", text, count=1)
        return self._with_routes(text, request.headers["Call-ID"])

    # -- bug 15: in-dialog requests follow the route set ----------------------------------

    def _with_routes(self, text: str, call_id: str) -> str:
        routes = self.routes.get(call_id)
        if not routes:
            return text
        lines = "".join(f"Route: {route}\r\n" for route in routes)
        return re.sub(r"^(Via: [^\r\n]*\r\n)", lambda m: m.group(1) + lines, text, count=1,
                      flags=re.M)

    # -- bug 8: CANCEL --------------------------------------------------------------------

    @staticmethod
    def gen_cancel(invite_text: str) -> str:
        """CANCEL for an INVITE we sent: same Request-URI, Via, From, To, Call-ID, CSeq number."""
        head = invite_text.split("\r\n\r\n", 1)[0].split("\r\n")
        uri = head[0].split(" ")[1]
        keep = [line for line in head[1:]
                if line.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "max-forwards",
                                                     "route")]
        cseq = next(line for line in head if line.lower().startswith("cseq:"))
        number = cseq.split(":", 1)[1].split()[0]
        return "\r\n".join([f"CANCEL {uri} SIP/2.0", *keep, f"CSeq: {number} CANCEL",
                            "Content-Length: 0"]) + "\r\n\r\n"

    # -- bugs 3, 4: requests we send, responses we wait for -------------------------------

    def new_branch(self) -> str:
        return "z9hG4bK" + uuid.uuid4().hex[:25]

    def transaction(self, call_id: str) -> queue.Queue[SIP.SIPMessage]:
        box: queue.Queue[SIP.SIPMessage] = queue.Queue()
        self.dialogs[call_id] = box
        return box

    def register_once(self, authorize: Callable[[str, str, str], str] | None,
                      destination: tuple[str, int], timeout: float = 5.0,
                      deregister: bool = False) -> tuple[bool, str]:
        """REGISTER once (answering one digest challenge); ``(registered, why not)``.

        ``deregister`` sends ``Expires: 0``: the registrar drops the binding (RFC 3261 10.2.2),
        so calls to the account stop reaching a crawler that has gone."""
        text = self.gen_first_response(deregister=deregister)
        found = re.search(r"^Call-ID: (.*)$", text, re.M)
        assert found is not None, "gen_first_response always writes a Call-ID"
        call_id = found.group(1).strip()
        box = self.transaction(call_id)
        try:
            for attempt in range(2):
                self.send(text, destination)
                response = _final(box, timeout)
                if response is None:
                    return False, f"no answer from the registrar {destination[0]}:{destination[1]}"
                status = int(response.status)
                if 200 <= status < 300:
                    return True, ""
                if status in (401, 407) and attempt == 0 and authorize is not None:
                    header = "Proxy-Authorization" if status == 407 else "Authorization"
                    challenge = raw_header(response, "Proxy-Authenticate" if status == 407
                                           else "WWW-Authenticate")
                    auth = authorize(challenge or "", "REGISTER", f"sip:{self.server}")
                    text = _bump_cseq(re.sub(r"branch=[^;\r\n]+", f"branch={self.gen_branch()}",
                                             text, count=1))
                    text = text.replace("\r\nContent-Length", f"\r\n{header}: {auth}\r\nContent-Length", 1)
                    continue
                if status in (401, 407):
                    return False, ("the registrar refused the credentials (wrong user or password)"
                                   if authorize is not None else "the registrar asks for a password")
                return False, f"the registrar answered {status} {response.status.phrase}"
            return False, "the registrar refused the credentials"
        finally:
            self.dialogs.pop(call_id, None)


def parse_leniently(raw: bytes) -> SIP.SIPMessage | None:
    """A datagram as pyVoIP's message, or None when its start line or headers are not SIP.

    Bug 16: pyVoIP parses the SDP body along with the headers, and a body it cannot read (a
    media line it has no enum for, a line without ``=``) raises, so the whole message is
    dropped: a 200 OK with such an SDP never reached its dialog, the call rang on as "no
    answer in 60 s" and was CANCELled although the far end had answered. The headers are
    parsed alone then, and ``raw`` keeps the body, which ivraudit reads itself (:func:`body_of`,
    ivraudit.telephony.sdp), so the answer is seen and judged on its SDP.
    """
    try:
        return SIP.SIPMessage(raw)
    except Exception:  # noqa: BLE001 - pyVoIP raises many kinds on odd messages
        pass
    head, sep, _body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None
    headers = re.sub(rb"(?im)^(content-length|l)\s*:[^\r\n]*", b"Content-Length: 0", head)
    try:
        message = SIP.SIPMessage(headers + b"\r\n\r\n")
    except Exception:  # noqa: BLE001 - the headers themselves are not SIP
        return None
    message.raw = raw
    return message


def _final(box: queue.Queue[SIP.SIPMessage], timeout: float) -> SIP.SIPMessage | None:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            message = box.get(timeout=left)
        except queue.Empty:
            return None
        if int(message.status) >= 200:
            return message


def _bump_cseq(text: str) -> str:
    return re.sub(r"^CSeq: (\d+)", lambda m: f"CSeq: {int(m.group(1)) + 1}", text, count=1, flags=re.M)


class DialogId(NamedTuple):
    """A confirmed dialog as the far end's requests must name it (bug 19)."""

    local_tag: str                      # our From-tag: the To-tag of the far end's requests
    remote_tag: str                     # the far end's To-tag: the From-tag of its requests
    peers: frozenset[tuple[str, int]]   # the addresses its requests may come from


def _tag(message: SIP.SIPMessage, header: str) -> str:
    """The tag of a From or To header ("" for none); pyVoIP keeps what follows ``;tag=``,
    other parameters included."""
    value = message.headers.get(header)
    tag = value.get("tag", "") if isinstance(value, dict) else ""
    return tag.split(";")[0].strip()


def _contact_address(contact: str) -> tuple[str, int] | None:
    """The IP address and port a Contact's SIP URI names (None for a host name: no DNS is
    asked from the receive path)."""
    uri = re.search(r"<([^>]+)>", contact)
    found = re.match(r"sips?:(?:[^@;>]*@)?([0-9.]+)(?::(\d+))?",
                     (uri.group(1) if uri else contact).strip())
    if found is None:
        return None
    try:
        socket.inet_aton(found.group(1))
    except OSError:
        return None
    return found.group(1), int(found.group(2) or 5060)


def _via_address(message: SIP.SIPMessage) -> tuple[str, int] | None:
    try:
        host, port = message.headers["Via"][0]["address"]
        return host, int(port)
    except (KeyError, IndexError, ValueError):
        return None


def raw_header(message: SIP.SIPMessage, name: str) -> str | None:
    """A header exactly as received (pyVoIP parses some into dicts and drops parts)."""
    values = raw_headers(message, name)
    return values[0] if values else None


def raw_headers(message: SIP.SIPMessage, name: str) -> list[str]:
    """Every value of a header, in order (pyVoIP keeps only the last of repeated ones)."""
    head = message.raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    values = []
    for line in head.split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            values.append(value.strip())
    return values


def body_of(message: SIP.SIPMessage) -> str:
    return message.raw.split(b"\r\n\r\n", 1)[1].decode("utf-8", "replace") if b"\r\n\r\n" in message.raw else ""


class MediaClient(RTP.RTPClient):
    """pyVoIP's RTP client with bugs 10-14 fixed: int16 frames in, DTMF out, frame-clocked.

    Received audio frames are kept in order of RTP timestamp; a gap (lost packets) is filled
    with silence so that the count of frames is the line time. ``read`` hands them out.
    """

    IDLE_SECONDS = 0.06
    """Without incoming frames for this long, the transmitter runs on its own 20 ms clock."""

    STALL_SECONDS = 0.25
    """Wall seconds without RTP, with nothing left to read, after which the far end is taken
    to be sending nothing (a silence it does not transmit) rather than a late packet. A far
    end whose packets prove it only late after such a silence was given (they go on from
    where its clock stopped) is waited for longer from then on (:attr:`patience`)."""

    MAX_PATIENCE_SECONDS = 1.0
    """The longest a late far end is waited for before its silence is heard: a key pressed
    into a pause a PBX sends nothing in (WaitExten) reaches it at most this much later."""

    LATE_RESUME_SAMPLES = round(STALL_SECONDS * SAMPLE_RATE)
    """A talkspurt (RTP marker bit) that begins up to this far past where the audio stopped,
    before any stall silence was given, carries the audio on: the sender resumed late, it
    left no silence. Asterisk stamps a voice frame it sends 80 ms or more late by its own
    clock and sets the marker (res_rtp_asterisk.c, ``MAX_TIMESTAMP_SKEW``, 640 samples),
    though the frame is the next of the recording it plays: on 2 busy cores it did so in 3 of
    5 crawls, 83-92 ms each, and filled with silence, "That option is invalid." heard twice
    became two prompts (the same recording, 80 ms of silence in the middle of one hearing:
    fingerprints 0.24 alike). A silence a sender means to leave this short (voice activity
    detection between words) is heard shortened, the same on every call."""

    def __init__(self, codec: int, event_type: int | None, dtmf_mode: str, local_ip: str,
                 local_port: int, remote: tuple[str, int], *, pace_by_reading: bool = False,
                 sock: socket.socket | None = None, time_scale: float = 1.0,
                 stall_limit: float = 60.0) -> None:
        assoc = {codec: RTP.PayloadType(codec)}
        if event_type is not None:
            assoc[event_type] = RTP.PayloadType.EVENT
        super().__init__(assoc, local_ip, local_port, remote[0], remote[1],
                         RTP.TransmitType.SENDRECV)
        self.remote = (connection_ip(remote[0]), remote[1])
        """The far end's media address as negotiated: the only source audio is taken from."""
        self.strangers = 0           # packets from any other address, ignored (bug 17)
        self.latched: tuple[str, int] | None = None  # where media came from instead (NAT)
        self._heard_far_end = False
        self.stranger: tuple[str, int] | None = None  # the first such source, for the report
        self.overflowed = 0          # frames dropped because the queue was full (bug 18)
        self.codec = codec
        self.event_type = event_type
        self.sender = DtmfSender(dtmf_mode, event_type)
        self.saying: deque[Pcm] = deque()  # audio to send, 20 ms frames (bug 20)
        self.said = 0                # frames of it sent
        self.stream = RtpStream()
        self.frames: deque[Pcm] = deque()
        self.received = 0            # frames received (including silence filled into gaps)
        self.packets = 0
        self.last_packet = 0.0       # monotonic time of the last packet received
        self.arrivals: list[tuple[float, int]] | None = None
        """Set to a list to record (arrival time, frame index) per packet (the benchmark)."""
        self._base: int | None = None  # RTP timestamp of sample 0
        self._ssrc: int | None = None
        self._next_sample = 0        # the timeline's next sample (relative to ``_base``)
        self._partial = np.zeros(0, dtype=np.int16)  # samples not yet a whole frame
        self.pace_by_reading = pace_by_reading
        self._ticks = 0              # frames received (or read, when pacing by reading)
        self._answered = 0           # ticks the transmitter has answered with a frame
        self.time_scale = time_scale
        self.stall_limit = stall_limit
        self._stall_filled = 0       # silent frames given since the last packet (a stall)
        self.patience = self.STALL_SECONDS
        """Wall seconds without RTP before a stall is heard (grows when stalls prove late)."""
        self.late_resumes = 0        # talkspurts that carried the audio on (no silence put in)
        self.late_stalls = 0         # stalls whose silence the far end's clock did not leave
        self.far_end_gone = False    # a BYE came: no RTP now is the end, not a pause
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        if sock is None:  # the caller may bind before the offer, so early RTP waits in it
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((local_ip, local_port))
        self.sin = sock
        self.inPort = self.sin.getsockname()[1]
        self.sout = self.sin

    def start(self) -> None:
        """Start receiving and sending (the socket was bound at construction, before the offer)."""
        for target, name in ((self.recv, "RTP receive"), (self.trans, "RTP transmit")):
            thread = threading.Thread(target=target, name=f"ivraudit {name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def say(self, audio: Pcm) -> None:
        """Send ``audio`` (8 kHz int16) to the far end, after what is already being said;
        keys pressed meanwhile go first (bug 20)."""
        count = -(-len(audio) // FRAME_SAMPLES)
        padded = np.zeros(count * FRAME_SAMPLES, dtype=np.int16)
        padded[: len(audio)] = audio
        self.saying.extend(padded.reshape(count, FRAME_SAMPLES))

    def stop(self) -> None:
        self.NSD = False
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=1)
        self.sin.close()

    def recv(self) -> None:
        while self.NSD:
            try:
                ready, _, _ = select.select([self.sin], [], [], 0.1)
                if not ready:
                    continue
                data, source = self.sin.recvfrom(4096)
            except (OSError, ValueError):
                return
            if source[:2] != self.remote and not self._latch(source):  # bug 17
                self.strangers += 1
                self.stranger = self.stranger or (source[0], source[1])
                continue
            self._heard_far_end = True
            try:
                packet = RtpPacket.parse(data)
            except RtpError:
                continue
            if packet.payload_type != self.codec:
                continue  # telephone-events from the far end, comfort noise: not prompts
            self._push_audio(packet)

    def _latch(self, source: tuple[str, int]) -> bool:
        """Take ``source`` for the far end when it sends from the negotiated port, from another
        address, before anything came from the negotiated one (bug 17: NAT)."""
        if self._heard_far_end or source[1] != self.remote[1]:
            return False
        self.latched = self.remote = (source[0], source[1])
        self.outIP = source[0]  # and answer there: symmetric RTP
        return True

    MAX_QUEUED_FRAMES = 120 * 50
    """Frames (120 s of audio, about 4 MB) received and not yet read, at most. The crawler
    falls behind the far end only while it thinks (a transcription, a few seconds; several
    calls sharing one speech model, some more), so a backlog this long is no line's audio but
    a flood; without a bound it grew until memory ran out (bug 18). Beyond it the call's audio
    is lost: :meth:`_append` drops it, counts it in :attr:`overflowed` and ends the call."""

    MAX_GAP_SAMPLES = 10 * 50 * FRAME_SAMPLES
    """Loss filled with silence: at most 10 s (a jump beyond is a new clock, not 10 s lost)."""

    def _push_audio(self, packet: RtpPacket) -> None:
        pcm = (alaw_decode if self.codec == PCMA else ulaw_decode)(packet.payload)
        with self._cond:
            if self._ssrc != packet.ssrc:  # a new source (e.g. after a transfer): restart its clock
                self._ssrc, self._base = packet.ssrc, packet.timestamp - self._next_sample
            assert self._base is not None
            at = timestamp_delta(packet.timestamp, self._base)
            if self._stall_filled:
                if at < self._next_sample:  # the stall's silence already counts this time:
                    self._base = packet.timestamp - self._next_sample  # resume here
                    at = self._next_sample
                    self._late_after_stall()
                self._stall_filled = 0
            elif packet.marker and 0 < at - self._next_sample <= self.LATE_RESUME_SAMPLES:
                self._base = packet.timestamp - self._next_sample  # resumed late: no silence
                at = self._next_sample
                self.late_resumes += 1
            if at < self._next_sample:
                return  # late or repeated: its time has already been counted
            gap = min(at - self._next_sample, self.MAX_GAP_SAMPLES)
            before = self.received
            self._append(np.concatenate([np.zeros(gap, dtype=np.int16), pcm]) if gap else pcm)
            self._next_sample += gap + len(pcm)
            if not self.pace_by_reading:
                self._ticks += self.received - before
            self.packets += 1
            self.last_packet = time.monotonic()
            if self.arrivals is not None:
                self.arrivals.append((self.last_packet, at // FRAME_SAMPLES))
            self._cond.notify_all()

    def _late_after_stall(self) -> None:
        """The far end's clock went on from where it stopped: the silence given was its
        lateness (a network or a sender that falls behind for a moment), put into the middle
        of what it said. Wait longer for it from now on, as an adaptive jitter buffer does:
        half as long again as this stall lasted, at most :attr:`MAX_PATIENCE_SECONDS`."""
        self.late_stalls += 1
        lasted = time.monotonic() - self.last_packet
        self.patience = min(self.MAX_PATIENCE_SECONDS, max(self.patience, 1.5 * lasted))

    def _append(self, samples: Pcm) -> None:
        """Samples onto the timeline; each whole 20 ms frame goes to the reader, while the
        queue has room (:attr:`MAX_QUEUED_FRAMES`): once it overflows, the call's audio is no
        longer what the line said, so the queue is emptied and nothing more is taken."""
        if self.overflowed:
            self.overflowed += len(samples) // FRAME_SAMPLES
            return
        if len(self._partial):
            samples = np.concatenate([self._partial, samples])
        whole = len(samples) // FRAME_SAMPLES * FRAME_SAMPLES
        room = self.MAX_QUEUED_FRAMES - len(self.frames)
        if whole // FRAME_SAMPLES > room:
            self.overflowed = len(self.frames) + whole // FRAME_SAMPLES
            self.frames.clear()
            self._partial = samples[:0]
            self.far_end_gone = True  # no stall silence either: the call is over
            self._cond.notify_all()
            return
        for start in range(0, whole, FRAME_SAMPLES):
            self.frames.append(samples[start:start + FRAME_SAMPLES])
        self.received += whole // FRAME_SAMPLES
        self._partial = samples[whole:]

    def take(self, count: int, timeout: float) -> list[Pcm]:
        """Up to ``count`` frames; waits up to ``timeout`` for the first one."""
        with self._cond:
            if not self.frames:
                self._cond.wait(timeout)
            if not self.frames:
                self._hear_the_stall()
            taken = [self.frames.popleft() for _ in range(min(count, len(self.frames)))]
            if self.pace_by_reading and taken:
                self._ticks += len(taken)
                self._cond.notify_all()
            return taken

    def _hear_the_stall(self) -> None:
        """The far end sends nothing (Asterisk's WaitExten sends no RTP, not even with
        ``transmit_silence``): give the silence a phone would play, on the wall clock (times
        ``time_scale``), so that line time goes on and a key pressed into the pause reaches
        the far end while it waits. Only when everything received has been read, after
        :attr:`patience` (first :attr:`STALL_SECONDS`) without a packet, and for at most
        ``stall_limit`` seconds (then the call is taken for dead). When RTP resumes, its
        timestamps are matched to the frames given (:meth:`_push_audio`), so the pause is not
        counted twice."""
        if not self.packets or self.far_end_gone or not self.NSD:
            return
        quiet = time.monotonic() - self.last_packet
        if quiet < self.patience or quiet > self.stall_limit:
            return
        try:
            if select.select([self.sin], [], [], 0)[0]:
                return  # packets wait in the socket (the receiver was slow): not a stall
        except (OSError, ValueError):
            return  # the socket is closed: the call is over
        due = int(quiet * self.time_scale / FRAME_SECONDS) - self._stall_filled
        if due <= 0:
            return
        missing = FRAME_SAMPLES * due - len(self._partial)  # a part frame is finished first
        self._append(np.zeros(missing, dtype=np.int16))
        self._next_sample += missing
        self._stall_filled += due

    def trans(self) -> None:
        """Send one frame per tick (a frame received, or read), else on our own 20 ms clock.

        Pacing by reading, frames sent on the own clock (while the crawler thinks) count
        against the reads to come, so the far end's lead over what the crawler has heard
        returns to its window once the crawler has read the backlog instead of growing with
        every pause.
        """
        encode = alaw_encode if self.codec == PCMA else ulaw_encode
        last_send = time.monotonic()
        while self.NSD:
            with self._cond:
                self._cond.wait_for(lambda: not self.NSD or self._ticks > self._answered,
                                    timeout=self.IDLE_SECONDS if self._ticks else 0.02)
                ticks = self._ticks
            if not self.NSD:
                return
            now = time.monotonic()
            due = ticks - self._answered
            own_clock = due <= 0
            if own_clock:  # nothing came in (or was read): our own 20 ms clock
                due = int((now - last_send) / 0.02)
                if due <= 0:
                    continue
            due = min(due, 50)
            last_send = now
            if not own_clock or self.pace_by_reading:
                self._answered += due
            for _ in range(due):
                packets, audio = self.sender.frame(self.stream)
                if not packets and audio is None and self.saying:
                    audio = self.saying.popleft()
                    self.said += 1
                if not packets:
                    pcm = audio if audio is not None else _SILENCE
                    packets = [self.stream.packet(self.codec, encode(pcm).tobytes())]
                for packet in packets:
                    try:
                        self.sout.sendto(packet.pack(), (self.outIP, self.outPort))
                    except OSError:
                        pass
                self.stream.advance(FRAME_SAMPLES)
