"""The journal line: any line, with every call journalled, and a journal's calls served again.

Resuming a crawl is re-running it: the crawler is deterministic given what each call hears, so
a crawler whose first N calls hear what the interrupted crawl's first N calls heard asks those
calls the same things and ends up where it stopped, with every node, edge, call record and
line time as they were. This line wraps the real one (as an httpx transport wraps another):

- a call the journal holds is *played back*: the same keys must be pressed after the same
  audio (so at the same line time), and each read returns the audio recorded, as fast as the
  crawler reads it (a replay's line time; no sleeping, on any line);
- a call it does not hold (the journal is exhausted) goes to the real line and is recorded;
- a call where the crawler asks what the journal does not hold (a call cut by Ctrl-C, or a
  crawler that differs) *goes live*: the real line is dialled, the call so far is done on it
  again (the same keys after the same amount of audio), and the call goes on there. From that
  call on, the journal's later records are dropped: they described another crawl.

So nothing the journal holds is dialled again; a SIGKILL costs at most the one call it cut.

Over a real line, the crawl's clock (``wall_seconds``, each call's ``start_seconds``) counts
both parts as an uninterrupted crawl would have: each record keeps the crawl seconds at its
dial and hang-up (``crawl_seconds``), and a served call sets the clock to them, so the second
part's time adds on to the first's, never the seconds its replay took nor the downtime
between the two (:meth:`JournalLine.crawl_seconds`).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ivraudit.lines.base import Call, CallFailed, CallOutcome, Line
from ivraudit.lines.journal_store import Journal, JournalError, Record
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm

Op = list[Any]
"""One thing done on a call: ``["r", frames asked, samples got, times]`` (reads, run-length
coded), ``["p", keys, line seconds, backlog seconds]``, ``["s", samples sent, line seconds]``
(audio said to the far end: an apology) or ``["h", line seconds]``."""


class JournalLine:
    """A :class:`~ivraudit.lines.base.Line` that journals every call of ``inner`` and serves
    the calls ``journal`` already holds from it."""

    def __init__(self, inner: Line, journal: Journal,
                 progress: Callable[[str], None] | None = None) -> None:
        self.inner = inner
        self.journal = journal
        self.target = inner.target
        self.virtual_clock = inner.virtual_clock
        self.progress = progress or (lambda message: None)
        self.replayed = 0
        """Calls served from the journal."""
        self.dialled = 0
        """Calls made on the real line (a call that went live counts here, not above)."""
        self.went_live: list[int] = []
        """Calls where the crawler asked what the journal did not hold."""
        self._calls = 0
        self._diverged = False
        self._lock = threading.Lock()
        self._began = time.monotonic()
        self._anchor: float | None = None
        """The monotonic time crawl second 0 stands for, once a served call set the clock."""

    def __getattr__(self, name: str) -> Any:
        """What else the crawl asks of a line (its spec, a SIP line's problems) is the real
        line's."""
        return getattr(self.inner, name)

    # -- the crawl's clock, across its parts ------------------------------------------------

    def crawl_seconds(self, since: float) -> float:
        """Seconds of the crawl so far, on a real line: ``time.monotonic() - since`` (``since``
        its start), unless calls were served from the journal: then the first part's time up
        to the last served call, plus this part's since then."""
        with self._lock:
            anchor = self._anchor
        return time.monotonic() - (since if anchor is None else anchor)

    def _now(self) -> float:
        return round(self.crawl_seconds(self._began), 3)

    def _stamps(self, start: float | None) -> list[float]:
        """A record's ``crawl_seconds``: at its dial (now, when unknown) and now."""
        now = self._now()
        return [now if start is None else start, now]

    def _set_clock(self, record: Record, at: int) -> None:
        """A served call: the crawl's clock is where the first part's was at its dial
        (``at`` 0) or hang-up (1), or later (lanes serve calls out of order)."""
        stamps = record.get("crawl_seconds")
        if not isinstance(stamps, list) or len(stamps) != 2:
            return  # a journal written before the clock was kept
        anchor = time.monotonic() - float(stamps[at])
        with self._lock:
            if self._anchor is None or anchor < self._anchor:
                self._anchor = anchor

    def dial(self) -> Call:
        with self._lock:
            self._calls += 1
            index = self._calls
            record = None if self._diverged else self.journal.record(index)
        audio = self._audio(index, record) if record is not None else None
        if record is None or audio is None:
            return self._dial_live(index)
        with self._lock:
            self.replayed += 1
        self._set_clock(record, 0 if record["outcome"] == CallOutcome.ANSWERED.value else 1)
        if record["outcome"] != CallOutcome.ANSWERED.value:
            raise CallFailed(CallOutcome(record["outcome"]), str(record.get("detail", "")),
                             float(record["ring_seconds"]))
        return JournalCall(self, index, record, audio=audio)

    def _audio(self, index: int, record: Record) -> Pcm | None:
        """The audio of a recorded call, or None (and the journal dropped from that call on)
        when its chunks do not hold what its reads returned: a call is dialled again rather
        than a crawl stopped, and what it learned lost, for a damaged pack."""
        try:
            audio = self.journal.audio(record)
        except (JournalError, OSError, zlib.error) as damaged:
            problem = str(damaged)
        else:
            wanted = sum(op[2] * op[3] for op in record["ops"] if op[0] == "r")
            if len(audio) == wanted:
                return audio
            problem = f"{len(audio)} samples stored for {wanted} read"
        self.progress(f"call {index}: its journal record is damaged ({problem}); dialling the line")
        self.diverged(index)
        return None

    def serves_next(self) -> bool:
        """Will the next dial be served from the journal? Then it is no call on the line: a
        politeness limit (a gap between calls, calls an hour) need not wait for it; it was
        kept when the call was really made (its ``dialled_at``, :meth:`dial_times`)."""
        with self._lock:
            return not self._diverged and self.journal.record(self._calls + 1) is not None

    def dial_times(self) -> list[float]:
        """When the journal's calls were really dialled (POSIX seconds), to seed a pacer with
        what the first part of a resumed crawl made."""
        return self.journal.dial_times()

    def _dial_live_raw(self, call: JournalCall | None = None) -> Call:
        """Dial the real line; ``call`` (when given) notes when (POSIX seconds, crawl seconds)."""
        with self._lock:
            self.dialled += 1
        if call is not None:  # a served call going live keeps its start on the crawl's clock
            call.dialled_at = time.time()
            call.crawl_start = self._now() if call.crawl_start is None else call.crawl_start
        return self.inner.dial()

    def _dial_live(self, index: int) -> JournalCall:
        call = JournalCall(self, index, None)
        try:
            call._inner = self._dial_live_raw(call)
        except CallFailed as failed:
            self.journal.append({"call": index, "outcome": failed.outcome.value,
                                 "ring_seconds": failed.ring_seconds, "detail": failed.detail,
                                 "dialled_at": round(call.dialled_at, 3), "ops": [],
                                 "crawl_seconds": self._stamps(call.crawl_start)},
                                np.zeros(0, dtype=np.int16))
            raise
        call.ring_seconds = call._inner.ring_seconds
        return call

    def diverged(self, index: int) -> None:
        """Call ``index`` asked what its record does not hold: it and later records go."""
        with self._lock:
            self._diverged = True
            self.went_live.append(index)
        self.journal.forget_from(index)

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            self.journal.close()


class JournalCall:
    """One call of a :class:`JournalLine`: played back from a record, or live on the real line
    (recorded as it goes); a played-back call goes live where it leaves its record."""

    def __init__(self, line: JournalLine, index: int, record: Record | None,
                 inner: Call | None = None, audio: Pcm | None = None) -> None:
        self._line = line
        self.index = index
        self._record = record
        self._inner = inner
        self.ring_seconds = (float(record["ring_seconds"]) if record is not None
                             else inner.ring_seconds if inner is not None else 0.0)
        self._audio = audio if audio is not None else np.zeros(0, dtype=np.int16)
        self._cursor = (0, 0)          # playback: op index, times of it already done
        self._ops: list[Op] = []       # what was done on this call, as recorded
        self._heard: list[Pcm] = []    # what this call's reads returned
        self._samples = 0
        self._backlog = 0.0
        self._dead = False             # went live, and the real line did not answer
        self._done = False
        self.dialled_at = float(record.get("dialled_at", 0.0)) if record is not None else 0.0
        """POSIX seconds the real line was dialled for this call (0 if unknown)."""
        stamps = record.get("crawl_seconds") if record is not None else None
        self.crawl_start: float | None = (float(stamps[0]) if isinstance(stamps, list)
                                          and len(stamps) == 2 else None)
        """Crawl seconds at the dial (the first part's clock for a served call; None if
        unknown): the call's ``start_seconds`` (:meth:`JournalLine.crawl_seconds`)."""

    # -- playback --------------------------------------------------------------------------

    def _next(self) -> Op | None:
        ops = self._record["ops"] if self._record else []
        return ops[self._cursor[0]] if self._cursor[0] < len(ops) else None

    def _advance(self) -> None:
        op = self._next()
        assert op is not None
        done = self._cursor[1] + 1
        repeats = op[3] if op[0] == "r" else 1
        self._cursor = (self._cursor[0] + 1, 0) if done >= repeats else (self._cursor[0], done)

    @property
    def _playing(self) -> bool:
        return self._record is not None

    # -- the Call interface ----------------------------------------------------------------

    @property
    def seconds(self) -> float:
        if self._inner is not None and not self._dead:
            return self._inner.seconds
        return (self._samples // FRAME_SAMPLES) * FRAME_SECONDS

    @property
    def ended(self) -> bool:
        if self._done or self._dead:
            return True
        if self._playing:
            op = self._next()
            return bool(self._record and self._record.get("ended")) and (op is None or op[0] == "h")
        return self._inner is not None and self._inner.ended

    @property
    def backlog_seconds(self) -> float:
        if self._playing:
            op = self._next()
            return float(op[3]) if op is not None and op[0] == "p" else 0.0
        self._backlog = float(getattr(self._inner, "backlog_seconds", 0.0))
        return self._backlog

    def read(self, frames: int = 1) -> Pcm:
        if self._playing:
            op = self._next()
            if op is not None and op[0] == "r" and op[1] == frames:
                audio = self._audio[self._samples: self._samples + int(op[2])].copy()
                self._advance()
                return self._note_read(frames, audio)
            self._go_live()
        if self._dead or self._inner is None:
            return self._note_read(frames, np.zeros(0, dtype=np.int16))
        return self._note_read(frames, self._inner.read(frames))

    def _note_read(self, frames: int, audio: Pcm) -> Pcm:
        last = self._ops[-1] if self._ops else None
        if last is not None and last[0] == "r" and last[1] == frames and last[2] == len(audio):
            last[3] += 1
        else:
            self._ops.append(["r", frames, len(audio), 1])
        self._heard.append(audio)
        self._samples += len(audio)
        return audio

    def press(self, keys: str) -> None:
        if self._playing:
            op = self._next()
            if op is not None and op[0] == "p" and op[1] == keys:
                self._advance()
                self._ops.append(op)
                return
            self._go_live()
        at, backlog = round(self.seconds, 3), self._backlog
        if self._inner is not None and not self._dead:
            self._inner.press(keys)
        self._ops.append(["p", keys, at, backlog])
        self._backlog = 0.0

    def play(self, audio: Pcm) -> None:
        """Say ``audio`` to the far end (``Call.play``); played back, the recorded say is
        passed (nothing is sent: that call is over on the line)."""
        if self._playing:
            op = self._next()
            if op is not None and op[0] == "s" and op[1] == len(audio):
                self._advance()
                self._ops.append(op)
                return
            self._go_live()
        play = getattr(self._inner, "play", None)
        if play is not None and not self._dead:
            play(audio)
        self._ops.append(["s", len(audio), round(self.seconds, 3)])

    def hangup(self) -> None:
        if self._done:
            return
        self._done = True
        op = self._next()
        if self._playing and op is not None and op[0] == "h":
            assert self._record is not None
            self._line._set_clock(self._record, 1)
            return  # the call as recorded, already in the journal
        if self._playing:  # the crawler hung up before its record did: the record is not this call
            self._line.diverged(self.index)
        ended = self.ended_on_line()
        if self._inner is not None:
            self._inner.hangup()
        self._ops.append(["h", round(self.seconds, 3)])
        heard = np.concatenate(self._heard) if self._heard else np.zeros(0, dtype=np.int16)
        self._line.journal.append({"call": self.index, "outcome": CallOutcome.ANSWERED.value,
                                   "ring_seconds": self.ring_seconds, "detail": "",
                                   "dialled_at": round(self.dialled_at, 3), "ops": self._ops, "seconds": round(self.seconds, 3),
                                   "ended": ended,
                                   "crawl_seconds": self._line._stamps(self.crawl_start)},
                                  heard)

    def ended_on_line(self) -> bool:
        """Had the far end hung up before the crawler did (what ``ended`` replays)?"""
        if self._dead:
            return True
        return self._inner is not None and self._inner.ended

    # -- going live ------------------------------------------------------------------------

    def _go_live(self) -> None:
        """The crawler asks what this call's record does not hold: dial the real line, do this
        call so far on it again (its audio is not heard again: the crawler heard the
        journal's), and go on there."""
        self._record = None
        self._line.diverged(self.index)
        self._line.progress(f"call {self.index}: beyond its journal record; dialling the line "
                            "and going on there")
        try:
            inner = self._line._dial_live_raw(self)
        except CallFailed as failed:
            self._line.progress(f"call {self.index}: could not go on: {failed}")
            self._dead = True
            return
        for op in self._ops:
            if op[0] == "r":
                for _ in range(op[3]):
                    inner.read(op[1])
            elif op[0] == "p":
                inner.press(op[1])
            # ("s": what was said to the far end before is not said again)
        self._inner = inner
