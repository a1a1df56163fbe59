"""RTP packets and SDP offers/answers: the bytes on the wire, both ways."""

from __future__ import annotations

import struct

import pytest

from ivraudit.telephony.rtp import (
    RtpError, RtpPacket, RtpStream, sequence_delta, timestamp_delta,
)
from ivraudit.telephony.sdp import PCMA, PCMU, SdpError, answer_for, build_sdp, parse_sdp


def test_packet_round_trip_and_header_bits() -> None:
    packet = RtpPacket(payload_type=101, sequence=65535, timestamp=0xFFFFFFF0, ssrc=0xDEADBEEF,
                       payload=b"\x01\x8a\x01\xe0", marker=True)
    wire = packet.pack()
    assert wire[0] == 0x80                      # version 2, no padding, extension or CSRC
    assert wire[1] == 0x80 | 101                # marker bit and payload type
    assert struct.unpack("!HII", wire[2:12]) == (65535, 0xFFFFFFF0, 0xDEADBEEF)
    assert RtpPacket.parse(wire) == packet


def test_parse_skips_csrcs_and_extension_and_strips_padding() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 0, 7, 1234, 99)
    csrcs = b"\x00" * 8
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\xaa" * 4
    payload = b"\xff" * 160
    padding = b"\x00\x00\x03"
    packet = RtpPacket.parse(header + csrcs + extension + payload + padding)
    assert packet.payload == payload and packet.sequence == 7 and packet.timestamp == 1234


@pytest.mark.parametrize("data", [b"", b"\x80" * 11, b"\x40" + b"\x00" * 20,
                                  struct.pack("!BBHII", 0xA0, 0, 1, 1, 1) + b"\x00\x00\x40"])
def test_parse_refuses_what_is_not_rtp(data: bytes) -> None:
    with pytest.raises(RtpError):
        RtpPacket.parse(data)


def test_stream_sequence_wraps_and_clock_advances_only_when_told() -> None:
    stream = RtpStream(ssrc=5, sequence=0xFFFF, timestamp=0xFFFFFF60)
    first = stream.packet(0, b"a")
    second = stream.packet(0, b"b")
    assert (first.sequence, second.sequence) == (0xFFFF, 0)
    assert first.timestamp == second.timestamp == 0xFFFFFF60
    stream.advance(160)
    assert stream.packet(0, b"c").timestamp == 0
    assert sequence_delta(0, 0xFFFF) == 1 and sequence_delta(0xFFFF, 0) == -1
    assert timestamp_delta(0, 0xFFFFFF60) == 160


def test_random_starting_values_differ_between_streams() -> None:
    streams = [RtpStream() for _ in range(8)]
    assert len({s.ssrc for s in streams}) == 8


PYVOIP_STYLE_OFFER = (
    "v=0\r\no=pyVoIP 1 3 IN IP4 10.0.0.5\r\ns=pyVoIP 1.6.8\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8 0 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
)


def test_parse_reads_address_port_codecs_and_the_dynamic_event_type() -> None:
    offer = parse_sdp(PYVOIP_STYLE_OFFER)
    assert (offer.address, offer.port) == ("10.0.0.5", 40000)
    assert offer.audio_codec == PCMA           # the offerer's first choice
    assert offer.event_type == 96              # never assumed to be 101
    assert offer.ptime == 20 and offer.direction == "sendrecv"


def test_answer_keeps_the_offerers_codec_and_event_number() -> None:
    sdp, codec, event = answer_for(parse_sdp(PYVOIP_STYLE_OFFER), "127.0.0.1", 30000, 42)
    answer = parse_sdp(sdp)
    assert (codec, event) == (PCMA, 96)
    assert answer.payload_types == [PCMA, 96] and answer.port == 30000


def test_offer_without_events_and_media_level_connection() -> None:
    text = build_sdp("192.0.2.1", 5004, [PCMU], event_type=None, session_id=1)
    text = text.replace("m=audio 5004 RTP/AVP 0\r\n", "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 192.0.2.9\r\n")
    offer = parse_sdp(text)
    assert offer.event_type is None and offer.address == "192.0.2.9"


@pytest.mark.parametrize("text, problem", [
    ("v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 5 RTP/AVP 31\r\n", "no audio"),
    ("v=0\r\nm=audio 5 RTP/AVP 0\r\n", "no connection address"),
])
def test_unusable_sdp_is_refused(text: str, problem: str) -> None:
    with pytest.raises(SdpError, match=problem):
        parse_sdp(text)


def test_answer_refuses_an_offer_without_g711() -> None:
    offer = parse_sdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n")
    with pytest.raises(SdpError, match="neither PCMU nor PCMA"):
        answer_for(offer, "127.0.0.1", 1, 1)
