"""SDP (RFC 4566) as a phone call uses it: one audio stream, G.711, telephone-events.

Offer/answer (RFC 3264) reduced to what both ends of an ivraudit call need: where to send RTP,
which payload type carries PCMU or PCMA, and which one carries RFC 4733 telephone-events (a
dynamic number, so it must be read from the peer's SDP, never assumed to be 101).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from ivraudit.telephony.constants import SAMPLE_RATE

PCMU = 0
PCMA = 8
STATIC_CODECS = {PCMU: "PCMU", PCMA: "PCMA"}
DEFAULT_EVENT_TYPE = 101
PLAIN_RTP_PROFILES = ("RTP/AVP", "RTP/AVPF")
"""Media profiles whose packets are plain RTP; SRTP (RTP/SAVP...) or DTLS would be noise."""
CLOCK = f"/{SAMPLE_RATE}"
"""The rtpmap clock-rate suffix of every payload type a call uses: G.711 and telephone-events
both run at the telephone sample rate."""


class SdpError(ValueError):
    """A session description this program cannot use (no audio, no codec in common)."""


@dataclass
class AudioOffer:
    """The audio half of an SDP body: address, port, payload types and their names."""

    address: str
    port: int
    payload_types: list[int]
    rtpmap: dict[int, str] = field(default_factory=dict)  # pt -> "PCMU/8000"
    direction: str = "sendrecv"
    ptime: int | None = None

    def codec_name(self, pt: int) -> str:
        """Encoding name of a payload type, lower case ('pcmu', 'telephone-event', ...)."""
        if pt in self.rtpmap:
            return self.rtpmap[pt].split("/")[0].lower()
        return STATIC_CODECS.get(pt, "").lower()

    @property
    def audio_codec(self) -> int | None:
        """The first G.711 payload type, in the peer's order of preference."""
        return next((pt for pt in self.payload_types if self.codec_name(pt) in ("pcmu", "pcma")), None)

    @property
    def event_type(self) -> int | None:
        """The payload type of telephone-events at 8 kHz, if offered."""
        for pt in self.payload_types:
            if self.codec_name(pt) == "telephone-event" and self.rtpmap.get(pt, CLOCK).endswith(CLOCK):
                return pt
        return None


def parse_sdp(text: str) -> AudioOffer:
    """The first audio stream of an SDP body, with its connection address."""
    session_address = ""
    audio: AudioOffer | None = None
    in_audio = False
    refused: list[str] = []  # audio streams in profiles plain RTP cannot speak
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            parts = value.split()
            in_audio = audio is None and len(parts) >= 4 and parts[0] == "audio"
            if in_audio and parts[2].upper() not in PLAIN_RTP_PROFILES:
                refused.append(parts[2])
                in_audio = False
            if in_audio:
                try:
                    audio = AudioOffer(session_address, int(parts[1].split("/")[0]),
                                       [int(p) for p in parts[3:] if p.isdigit()])
                except ValueError:
                    raise SdpError(f"bad media line: m={value}") from None
        elif kind == "c":
            address = value.split()[-1].split("/")[0] if len(value.split()) >= 3 else ""
            if in_audio and audio is not None:
                audio.address = address
            elif audio is None:
                session_address = address
        elif kind == "a" and in_audio and audio is not None:
            name, _, rest = value.partition(":")
            if name == "rtpmap":
                pt, _, encoding = rest.partition(" ")
                if pt.isdigit():
                    audio.rtpmap[int(pt)] = encoding.strip()
            elif name in ("sendrecv", "sendonly", "recvonly", "inactive"):
                audio.direction = name
            elif name == "ptime" and rest.strip().isdigit():
                audio.ptime = int(rest)
    if audio is None and refused:
        raise SdpError(f"audio only as {', '.join(refused)}, not plain RTP/AVP")
    if audio is None:
        raise SdpError("no audio stream in the SDP")
    if not audio.address:
        raise SdpError("no connection address (c=) for the audio stream")
    return audio


def connection_ip(address: str) -> str:
    """An SDP connection address as the IP that media datagrams come from (a host name is
    rare but legal); the address itself when it does not resolve."""
    try:
        return socket.gethostbyname(address)
    except OSError:
        return address


def build_sdp(address: str, port: int, payload_types: list[int], *, event_type: int | None,
              session_id: int, direction: str = "sendrecv", user: str = "ivraudit") -> str:
    """An SDP body offering (or answering with) G.711 ``payload_types`` and telephone-events."""
    pts = list(payload_types) + ([event_type] if event_type is not None else [])
    lines = [
        "v=0",
        f"o={user} {session_id} {session_id} IN IP4 {address}",
        f"s={user}",
        f"c=IN IP4 {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(p) for p in pts)}",
    ]
    for pt in payload_types:
        lines.append(f"a=rtpmap:{pt} {STATIC_CODECS[pt]}{CLOCK}")
    if event_type is not None:
        lines += [f"a=rtpmap:{event_type} telephone-event{CLOCK}", f"a=fmtp:{event_type} 0-15"]
    lines += ["a=ptime:20", f"a={direction}"]
    return "\r\n".join(lines) + "\r\n"


def answer_for(offer: AudioOffer, address: str, port: int, session_id: int,
               prefer: int | None = None) -> tuple[str, int, int | None]:
    """Answer an offer: ``(sdp, audio payload type, event payload type or None)``.

    The answer keeps the offerer's first G.711 codec, or ``prefer`` (PCMU or PCMA) when the
    offer has it (an A-law line answers PCMA to a caller that can take it), and the offerer's
    telephone-event number.
    """
    codec = offer.audio_codec
    if prefer is not None and prefer in offer.payload_types and \
            offer.codec_name(prefer) == STATIC_CODECS[prefer].lower():
        codec = prefer
    if codec is None:
        raise SdpError("the offer has neither PCMU nor PCMA")
    if offer.codec_name(codec) == "pcma" and codec != PCMA or offer.codec_name(codec) == "pcmu" and codec != PCMU:
        raise SdpError(f"G.711 on dynamic payload type {codec} is not supported")
    event = offer.event_type
    return build_sdp(address, port, [codec], event_type=event, session_id=session_id), codec, event
