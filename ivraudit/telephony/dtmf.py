"""DTMF both ways a phone line carries it: RFC 4733 telephone-events and in-band dual tones.

Sending: a key press occupies the line for ``KEY_PRESS_SECONDS`` (0.1 s = 5 frames), the time
the tree spec gives it. Out of band it is 3 frames of telephone-event packets (marker bit on
the first, the duration growing 160 samples a frame), then three end packets, then a frame of
audio; in band it is 60 ms of the key's two tones, then 40 ms of silence (ITU-T Q.24 asks for
at least 40 ms of each). Senders are clocked by frames, not by wall time, so the caller can
pace them by the frames it receives (see ivraudit.lines.sip).

Receiving: :class:`EventReceiver` turns telephone-event packets into key presses, once per
event however many packets repeat it; :class:`ToneDetector` finds keys in audio with the
Goertzel algorithm, frame by frame.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.rtp import RtpPacket, RtpStream, sequence_delta
from ivraudit.telephony.tones import tone

EVENT_KEYS = "0123456789*#ABCD"
"""RFC 4733 event codes 0-15, in order."""

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COLUMN_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = ("123A", "456B", "789C", "*0#D")

TONE_FRAMES = 3
"""Frames (60 ms) a key sounds; the other 2 of its 5 frames are the inter-digit gap."""
KEY_FRAMES = 5
"""Frames one key press occupies the line (0.1 s)."""
END_PACKETS = 3
"""End-of-event packets sent per key: RFC 4733 §2.5.1.4 repeats the last one for safety."""
EVENT_VOLUME = 10
"""Power of the tone, in -dBm0, carried in each event packet."""
TONE_DBFS = -6.0


def key_frequencies(key: str) -> tuple[float, float]:
    """The (row, column) frequencies of a key."""
    for row, keys in enumerate(KEYPAD):
        if key in keys:
            return ROW_HZ[row], COLUMN_HZ[keys.index(key)]
    raise ValueError(f"{key!r} is not a DTMF key")


def key_tone(key: str, seconds: float = TONE_FRAMES * FRAME_SAMPLES / SAMPLE_RATE) -> Pcm:
    """The in-band sound of a key: its two tones together."""
    return tone(key_frequencies(key), seconds, dbfs=TONE_DBFS)


@dataclass(frozen=True)
class TelephoneEvent:
    """The 4-byte payload of a telephone-event packet (RFC 4733 §2.3)."""

    key: str
    end: bool
    volume: int
    duration: int  # samples since the event's timestamp

    def pack(self) -> bytes:
        return struct.pack("!BBH", EVENT_KEYS.index(self.key),
                           (0x80 if self.end else 0) | (self.volume & 0x3F), self.duration & 0xFFFF)

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        if len(payload) < 4:
            raise ValueError(f"telephone-event payload of {len(payload)} bytes (4 needed)")
        code, flags, duration = struct.unpack_from("!BBH", payload)
        if code >= len(EVENT_KEYS):
            raise ValueError(f"telephone-event code {code} is not a DTMF key")
        return cls(EVENT_KEYS[code], bool(flags & 0x80), flags & 0x3F, duration)


@dataclass(frozen=True)
class PendingPacket:
    """A packet whose sequence number is given when it is sent, so sequence stays in order."""

    payload_type: int
    payload: bytes
    timestamp: int
    marker: bool

    def take(self, stream: RtpStream) -> RtpPacket:
        return stream.packet(self.payload_type, self.payload, timestamp=self.timestamp,
                             marker=self.marker)


def event_packets(key: str, stream: RtpStream, payload_type: int) -> list[list[PendingPacket]]:
    """The packets of one key press, frame by frame (an empty list: send audio that frame).

    All of them carry the timestamp of the frame the key starts in; sequence numbers keep
    increasing. The stream's clock is not advanced here: the caller advances it once a frame.
    """
    start = stream.timestamp
    frames: list[list[PendingPacket]] = []
    for index in range(TONE_FRAMES):
        event = TelephoneEvent(key, False, EVENT_VOLUME, (index + 1) * FRAME_SAMPLES)
        frames.append([PendingPacket(payload_type, event.pack(), start, index == 0)])
    end = TelephoneEvent(key, True, EVENT_VOLUME, TONE_FRAMES * FRAME_SAMPLES)
    frames.append([PendingPacket(payload_type, end.pack(), start, False)] * END_PACKETS)
    frames += [[] for _ in range(KEY_FRAMES - len(frames))]
    return frames


class DtmfSender:
    """Keys waiting to go out, and what each outgoing frame carries while they do.

    ``mode`` is ``"rfc4733"`` (telephone-events with the negotiated ``event_type``) or
    ``"inband"`` (tones in the audio). Call :meth:`frame` once per outgoing frame.
    """

    def __init__(self, mode: str, event_type: int | None = None) -> None:
        if mode not in ("rfc4733", "inband"):
            raise ValueError(f"DTMF mode {mode!r}: use rfc4733 or inband")
        if mode == "rfc4733" and event_type is None:
            raise ValueError("RFC 4733 needs the telephone-event payload type from the SDP")
        self.mode = mode
        self.event_type = event_type
        self._keys: deque[str] = deque()
        self._events: deque[list[PendingPacket]] = deque()
        self._audio: deque[Pcm] = deque()
        self.sent = 0

    def queue(self, keys: str) -> None:
        for key in keys:
            key_frequencies(key)  # refuse what is not a key before anything goes out
            self._keys.append(key)

    @property
    def busy(self) -> bool:
        """True while a key is still being sent or waits to be."""
        return bool(self._keys or self._events or self._audio)

    def frame(self, stream: RtpStream) -> tuple[list[RtpPacket], Pcm | None]:
        """For the next frame: event packets to send instead of audio, or audio to send.

        Returns ``(packets, None)`` when the frame carries events, ``([], pcm)`` for in-band
        tone or gap audio, ``([], None)`` when no key is under way (send the normal audio).
        """
        if not self._events and not self._audio and self._keys:
            key = self._keys.popleft()
            self.sent += 1
            if self.mode == "rfc4733":
                assert self.event_type is not None
                self._events.extend(event_packets(key, stream, self.event_type))
            else:
                audio = np.zeros(KEY_FRAMES * FRAME_SAMPLES, dtype=np.int16)
                sound = key_tone(key)
                audio[: len(sound)] = sound
                self._audio.extend(audio.reshape(KEY_FRAMES, FRAME_SAMPLES))
        if self._audio:
            return [], self._audio.popleft()
        if self._events:
            return [p.take(stream) for p in self._events.popleft()], None
        return [], None


class EventReceiver:
    """Telephone-event packets in, each key press out exactly once.

    An event is known by its timestamp: its start packet, duration updates and repeated end
    packets all share it. A key is reported on the first packet of a new timestamp (marker or
    not: the start packet may be lost), and packets older than the newest seen are dropped.
    """

    def __init__(self) -> None:
        self._last_timestamp: int | None = None
        self._last_sequence: int | None = None

    def push(self, packet: RtpPacket) -> str | None:
        try:
            event = TelephoneEvent.parse(packet.payload)
        except ValueError:
            return None
        if self._last_sequence is not None and sequence_delta(packet.sequence, self._last_sequence) <= 0:
            return None
        self._last_sequence = packet.sequence
        if packet.timestamp == self._last_timestamp:
            return None
        self._last_timestamp = packet.timestamp
        return event.key


_ALL_HZ = np.array(ROW_HZ + COLUMN_HZ)


def goertzel(block: npt.NDArray[np.floating], freqs: npt.NDArray[np.floating],
             rate: int = SAMPLE_RATE) -> npt.NDArray[np.float64]:
    """Power of ``block`` at each frequency, as the Goertzel algorithm computes it.

    Goertzel's recurrence ``s[n] = x[n] + 2cos(w) s[n-1] - s[n-2]`` ends with
    ``s[N-1]^2 + s[N-2]^2 - 2cos(w) s[N-1] s[N-2]``, which equals ``|sum x[n] e^{-jwn}|^2``
    for the same ``w``; numpy computes that sum for all eight DTMF frequencies in one product
    instead of a Python loop over samples (see :func:`goertzel_recurrence`, the textbook form
    the tests check this against). Scaled by 2/N so a full-scale sine gives its energy.
    """
    n = np.arange(len(block))
    basis = np.exp(-2j * np.pi * np.outer(freqs, n) / rate)
    return (np.abs(basis @ block) ** 2) * 2.0 / max(1, len(block))


def goertzel_recurrence(block: npt.NDArray[np.floating], freq: float,
                        rate: int = SAMPLE_RATE) -> float:
    """The textbook Goertzel recurrence for one frequency (slow; a reference for tests)."""
    coeff = 2.0 * np.cos(2.0 * np.pi * freq / rate)
    s1 = s2 = 0.0
    for x in block:
        s1, s2 = float(x) + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) * 2.0 / max(1, len(block))


MIN_RMS = 150.0
"""Quieter blocks are not keys (≈ -47 dBFS): line noise and the tails of ramps."""
MIN_TONE_SHARE = 0.7
"""Share of a block's energy the two tones must carry: speech and music spread theirs."""
MAX_TWIST_DB = 8.0
MIN_GROUP_MARGIN = 5.0
"""Each tone must beat the other frequencies of its group by this factor (about 7 dB)."""


def detect_key(block: Pcm) -> str | None:
    """The key one block of audio (a 20 ms frame or longer) carries, if it is clearly one."""
    x = block.astype(np.float64)
    energy = float(np.dot(x, x))
    if len(x) == 0 or np.sqrt(energy / len(x)) < MIN_RMS:
        return None
    power = goertzel(x, _ALL_HZ)
    rows, cols = power[:4], power[4:]
    r, c = int(np.argmax(rows)), int(np.argmax(cols))
    if (rows[r] + cols[c]) < MIN_TONE_SHARE * energy:
        return None
    if rows[r] < MIN_GROUP_MARGIN * np.partition(rows, -2)[-2] or \
            cols[c] < MIN_GROUP_MARGIN * np.partition(cols, -2)[-2]:
        return None
    if abs(10 * np.log10(rows[r] / cols[c])) > MAX_TWIST_DB:
        return None
    return KEYPAD[r][c]


class ToneDetector:
    """In-band DTMF from a stream of frames: a key counts once it holds for two frames.

    Two frames (40 ms) is the shortest tone Q.24 requires receivers to accept; requiring it
    keeps one odd frame of speech from becoming a key. The key is reported once; the same key
    again needs a frame without it in between (the inter-digit gap).
    """

    def __init__(self) -> None:
        self._candidate: str | None = None
        self._run = 0
        self._reported = False

    def push(self, frame: Pcm) -> str | None:
        key = detect_key(frame)
        if key is None or key != self._candidate:
            self._candidate, self._run, self._reported = key, (1 if key else 0), False
            return None
        self._run += 1
        if self._run >= 2 and not self._reported:
            self._reported = True
            return key
        return None
