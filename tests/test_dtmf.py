"""DTMF: RFC 4733 packets as sent and received, in-band tones and the Goertzel detector."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FIXTURES
from ivraudit.telephony.dtmf import (
    END_PACKETS, KEY_FRAMES, TONE_FRAMES, DtmfSender, EventReceiver, TelephoneEvent, ToneDetector,
    detect_key, goertzel, goertzel_recurrence, key_tone,
)
from ivraudit.telephony.g711 import alaw_decode, alaw_encode, ulaw_round_trip
from ivraudit.telephony.rtp import RtpPacket, RtpStream, sequence_delta
from ivraudit.telephony.wav import read_telephone_audio

KEYS = "0123456789*#"


def _send(sender: DtmfSender, stream: RtpStream, frames: int) -> list[list[RtpPacket]]:
    out = []
    for _ in range(frames):
        packets, _audio = sender.frame(stream)
        out.append(packets)
        stream.advance(160)
    return out


def test_event_payload_round_trip() -> None:
    event = TelephoneEvent("#", True, 10, 480)
    assert event.pack() == bytes([11, 0x80 | 10, 0x01, 0xE0])
    assert TelephoneEvent.parse(event.pack()) == event
    with pytest.raises(ValueError):
        TelephoneEvent.parse(bytes([16, 0, 0, 0]))


def test_rfc4733_key_press_packets() -> None:
    stream = RtpStream(sequence=0xFFFE, timestamp=1000)
    sender = DtmfSender("rfc4733", event_type=96)
    sender.queue("15")
    frames = _send(sender, stream, 2 * KEY_FRAMES)
    packets = [p for frame in frames for p in frame]
    assert all(p.payload_type == 96 for p in packets)          # the negotiated type
    first_key = frames[:KEY_FRAMES]
    # tone frames: one packet each, marker only on the first, duration growing by a frame
    assert [len(f) for f in first_key] == [1] * TONE_FRAMES + [END_PACKETS] + [0] * (KEY_FRAMES - TONE_FRAMES - 1)
    events = [TelephoneEvent.parse(p.payload) for p in packets]
    assert [p.marker for p in packets[:TONE_FRAMES + END_PACKETS]] == [True] + [False] * 5
    assert [e.duration for e in events[:TONE_FRAMES]] == [160, 320, 480]
    assert [e.end for e in events[:6]] == [False] * 3 + [True] * 3
    assert {e.duration for e in events[3:6]} == {480}
    # one timestamp per key, a new one for the next key; sequence always increasing
    assert {p.timestamp for p in packets[:6]} == {1000}
    assert {p.timestamp for p in packets[6:]} == {1000 + KEY_FRAMES * 160}
    assert [e.key for e in events] == ["1"] * 6 + ["5"] * 6
    assert all(sequence_delta(b.sequence, a.sequence) == 1 for a, b in zip(packets, packets[1:]))
    assert not sender.busy


def test_rfc4733_needs_the_negotiated_type() -> None:
    with pytest.raises(ValueError, match="payload type"):
        DtmfSender("rfc4733", event_type=None)
    with pytest.raises(ValueError):
        DtmfSender("inband").queue("x")


def test_receiver_reports_each_press_once_and_drops_old_packets() -> None:
    stream = RtpStream()
    sender = DtmfSender("rfc4733", event_type=101)
    sender.queue("77")
    packets = [p for frame in _send(sender, stream, 2 * KEY_FRAMES) for p in frame]
    receiver = EventReceiver()
    keys = [k for k in (receiver.push(p) for p in packets) if k]
    assert keys == ["7", "7"]                      # same key twice: two timestamps, two presses
    assert receiver.push(packets[0]) is None       # a late duplicate of the first press
    # the start packet lost: the first update still reports the key
    receiver = EventReceiver()
    assert receiver.push(packets[1]) == "7" and receiver.push(packets[2]) is None


def test_inband_sender_sends_tone_then_gap() -> None:
    sender = DtmfSender("inband")
    sender.queue("9")
    audio = [sender.frame(RtpStream())[1] for _ in range(KEY_FRAMES + 1)]
    assert all(a is not None for a in audio[:KEY_FRAMES]) and audio[KEY_FRAMES] is None
    assert all(detect_key(a) == "9" for a in audio[1:TONE_FRAMES])  # type: ignore[arg-type]
    assert all(not np.any(a) for a in audio[TONE_FRAMES:KEY_FRAMES])  # type: ignore[arg-type]


def test_goertzel_matches_the_textbook_recurrence() -> None:
    rng = np.random.default_rng(1)
    block = key_tone("5")[:160].astype(float) + rng.normal(0, 300, 160)
    fast = goertzel(block, np.array([697.0, 770.0, 1336.0, 1633.0]))
    slow = [goertzel_recurrence(block, f) for f in (697.0, 770.0, 1336.0, 1633.0)]
    assert np.allclose(fast, slow, rtol=1e-6)


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_every_key_detected_in_one_frame_after_g711(codec: str) -> None:
    for key in KEYS:
        tone = key_tone(key)
        line = ulaw_round_trip(tone) if codec == "ulaw" else alaw_decode(alaw_encode(tone))
        assert detect_key(line[160:320]) == key


def test_detector_hears_a_quiet_noisy_key_but_not_a_single_tone() -> None:
    rng = np.random.default_rng(2)
    quiet = (key_tone("8").astype(float) * 0.1 + rng.normal(0, 60, 480)).astype(np.int16)
    assert detect_key(quiet[160:320]) == "8"
    from ivraudit.telephony.tones import tone
    assert detect_key(tone(770.0, 0.06)[160:320]) is None       # half a key
    assert detect_key(tone(1000.0, 0.06)[160:320]) is None      # a voicemail beep


def test_tone_detector_needs_two_frames_and_reports_once() -> None:
    detector = ToneDetector()
    frames = list(np.concatenate([key_tone("3", 0.06), np.zeros(320, np.int16),
                                  key_tone("3", 0.06), np.zeros(320, np.int16),
                                  key_tone("4", 0.02)]).reshape(-1, 160))
    keys = [k for k in (detector.push(f) for f in frames) if k]
    assert keys == ["3", "3"]                 # the 20 ms '4' is too short to count


def test_no_keys_heard_in_real_prompts_and_hold_music() -> None:
    """Speech and music must not turn into key presses (the simulator listens to the caller)."""
    files = sorted(FIXTURES.glob("*/*.wav"))
    assert len(files) > 20
    for path in files:
        audio = ulaw_round_trip(read_telephone_audio(path))
        detector = ToneDetector()
        usable = len(audio) // 160 * 160
        keys = [k for k in (detector.push(f) for f in audio[:usable].reshape(-1, 160)) if k]
        assert keys == [], path.name
