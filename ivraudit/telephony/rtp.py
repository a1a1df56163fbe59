"""RTP packets (RFC 3550): the fixed header, packed and parsed, and a sender's running state.

Both ends of a call use this module: the simulator to send prompts and read the caller's keys,
the SIP line to read prompts and send keys. Audio and telephone-events of one stream share an
SSRC and one sequence-number space, so :class:`RtpStream` hands out sequence numbers for both;
timestamps run at 8 kHz, and only the sender of a stream decides what they mean (audio frames
advance them, a telephone-event keeps the timestamp of its start).
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER = struct.Struct("!BBHII")
"""V/P/X/CC, M/PT, sequence, timestamp, SSRC: the 12 bytes every RTP packet starts with."""


class RtpError(ValueError):
    """A datagram that is not an RTP packet this program can read."""


@dataclass(frozen=True)
class RtpPacket:
    """One RTP packet; ``payload`` is what follows the header, CSRCs and extension."""

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def pack(self) -> bytes:
        """The packet on the wire (no padding, no CSRCs, no extension)."""
        return HEADER.pack(RTP_VERSION << 6, (0x80 if self.marker else 0) | (self.payload_type & 0x7F),
                           self.sequence & 0xFFFF, self.timestamp & 0xFFFFFFFF,
                           self.ssrc & 0xFFFFFFFF) + self.payload

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Read a packet, skipping CSRCs and a header extension and removing padding."""
        if len(data) < HEADER.size:
            raise RtpError(f"{len(data)} bytes is too short for an RTP header")
        first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
        if first >> 6 != RTP_VERSION:
            raise RtpError(f"RTP version {first >> 6}, expected {RTP_VERSION}")
        offset = HEADER.size + 4 * (first & 0x0F)
        if first & 0x10:  # header extension: 16-bit profile, 16-bit length in words
            if len(data) < offset + 4:
                raise RtpError("truncated RTP header extension")
            (words,) = struct.unpack_from("!H", data, offset + 2)
            offset += 4 + 4 * words
        end = len(data)
        if first & 0x20:  # padding: the last byte says how much
            if end == 0 or data[-1] == 0 or data[-1] > end - offset:
                raise RtpError("bad RTP padding")
            end -= data[-1]
        if offset > end:
            raise RtpError("RTP header longer than the packet")
        return cls(payload_type=second & 0x7F, sequence=sequence, timestamp=timestamp, ssrc=ssrc,
                   payload=bytes(data[offset:end]), marker=bool(second & 0x80))


class RtpStream:
    """What a sender keeps for one outgoing stream: SSRC, next sequence number, clock.

    Starting values are random, as RFC 3550 asks, so a receiver can tell calls apart.
    """

    def __init__(self, *, ssrc: int | None = None, sequence: int | None = None,
                 timestamp: int | None = None) -> None:
        rng = random.SystemRandom()
        self.ssrc = rng.getrandbits(32) if ssrc is None else ssrc
        self.sequence = rng.getrandbits(16) if sequence is None else sequence
        self.timestamp = rng.getrandbits(32) if timestamp is None else timestamp

    def packet(self, payload_type: int, payload: bytes, *, timestamp: int | None = None,
               marker: bool = False) -> RtpPacket:
        """The next packet of the stream (the sequence number advances; the clock does not)."""
        packet = RtpPacket(payload_type, self.sequence & 0xFFFF,
                           (self.timestamp if timestamp is None else timestamp) & 0xFFFFFFFF,
                           self.ssrc, payload, marker)
        self.sequence = (self.sequence + 1) & 0xFFFF
        return packet

    def advance(self, samples: int) -> None:
        """Move the stream's clock on by ``samples`` (one audio frame is 160)."""
        self.timestamp = (self.timestamp + samples) & 0xFFFFFFFF


def sequence_delta(newer: int, older: int) -> int:
    """``newer - older`` for 16-bit sequence numbers that wrap (negative: ``newer`` is older)."""
    return ((newer - older + 0x8000) & 0xFFFF) - 0x8000


def timestamp_delta(newer: int, older: int) -> int:
    """``newer - older`` for 32-bit RTP timestamps that wrap."""
    return ((newer - older + 0x80000000) & 0xFFFFFFFF) - 0x80000000
