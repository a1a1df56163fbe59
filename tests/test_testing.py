"""The test doubles ivraudit ships (ivraudit.testing): lines that misbehave on cue."""

from __future__ import annotations

import numpy as np
import pytest

from ivraudit.lines.base import Call, CallFailed, CallOutcome, Line
from ivraudit.lines.replay import ReplayLine
from ivraudit.spec import load_spec
from ivraudit.testing.lines import DelayedLine, FlakyLine, RecordingLine

from conftest import tree_path


@pytest.fixture(scope="module")
def tiny():
    return load_spec(tree_path("tiny"))


# -- the line doubles ---------------------------------------------------------------------------


class _Plain:
    """The least a line must be, to see the wrappers pass it through untouched."""

    target = "plain"
    virtual_clock = False

    def __init__(self, inner: Line) -> None:
        self.inner = inner
        self.closed = 0

    def dial(self) -> Call:
        return self.inner.dial()

    def close(self) -> None:
        self.closed += 1


def test_wrappers_pass_the_target_the_clock_and_closing_through(tiny):
    plain = _Plain(ReplayLine(tiny))
    for line in (FlakyLine(plain, {1}), DelayedLine(plain, 0.1), RecordingLine(plain)):
        assert (line.target, line.virtual_clock) == ("plain", False)
        line.close()
    assert plain.closed == 3
    replay = ReplayLine(tiny)
    assert RecordingLine(DelayedLine(replay, 0.1)).virtual_clock is True
    replay.close()  # a no-op, there for the Line interface


def test_a_flaky_line_fails_the_chosen_attempts(tiny):
    replay = ReplayLine(tiny)
    line = FlakyLine(replay, {2, 3}, outcome=CallOutcome.NO_ANSWER, detail="480")
    line.dial().hangup()
    for _ in range(2):
        with pytest.raises(CallFailed) as failed:
            line.dial()
        assert failed.value.outcome is CallOutcome.NO_ANSWER and failed.value.detail == "480"
    line.dial()
    assert line.attempts == 4 and replay.calls == 2


def test_a_delayed_line_is_heard_late_and_its_keys_go_in_at_once(tiny):
    call = ReplayLine(tiny).dial()
    direct = call.read(100)
    delayed = DelayedLine(ReplayLine(tiny), 0.1).dial()
    late = delayed.read(100)
    assert delayed.ring_seconds == call.ring_seconds and delayed.seconds == pytest.approx(2.0)
    assert not late[:800].any() and np.array_equal(late[800:], direct[:-800])
    delayed.press("2")   # the IVR has sent 2.0 s, the caller heard 1.9 s of it
    delayed.read(6)
    key = delayed.inner.session.events[-1]  # type: ignore[attr-defined]
    assert (key.what, key.detail) == ("key", "2") and key.seconds == pytest.approx(2.1, abs=0.021)
    delayed.hangup()
    assert delayed.inner.ended and not delayed.ended  # what was sent is still on its way
    delayed.read(10)
    assert delayed.ended


def test_a_recording_line_keeps_each_calls_ivr_session_under_other_wrappers(tiny):
    line = RecordingLine(FlakyLine(DelayedLine(ReplayLine(tiny), 0.2), {2}))
    first = line.dial()
    first.read(400)
    first.press("1")
    first.read(300)
    with pytest.raises(CallFailed):
        line.dial()
    second = line.dial()
    second.read(20)
    second.hangup()
    assert len(line.sessions) == len(line.dialled) == 2
    events = [(e.what, e.detail) for e in line.sessions[0].events]
    assert events[0] == ("prompt", "main") and ("key", "1") in events and ("prompt", "bye") in events
    assert [(e.what, e.detail) for e in line.sessions[1].events] == [("prompt", "main")]


def test_a_recording_line_over_another_line_has_no_sessions():
    class Silent:
        """A call that is not a replayed one: it says nothing and has no IVR session."""

        ring_seconds, seconds, ended = 0.0, 0.0, True

        def read(self, frames: int = 1) -> np.ndarray:
            return np.zeros(0, dtype=np.int16)

        def press(self, keys: str) -> None:
            pass

        def hangup(self) -> None:
            pass

    class Stub:
        target, virtual_clock = "stub", True

        def dial(self) -> Call:
            return Silent()

        def close(self) -> None:
            pass

    line = RecordingLine(Stub())
    line.dial()
    with pytest.raises(TypeError, match="not a replayed call"):
        line.sessions
