"""Several calls at once over one explorer: lanes, and the conductor that keeps them in step.

One explorer (one frontier, one prompt index, one speech model) serves ``--concurrency N``
calls. Explorer code runs under one lock, so its state needs no other locking; lanes take
turns only where a call waits for the line: dialling, and reading audio.

On a real line (SIP) a lane lets go of the lock while it waits, and the line's own clock (the
audio arriving) paces everything. A replay line never waits, so the conductor keeps its lanes
in step on the *line clock*: a lane may run ahead of the slowest busy lane by at most
``QUANTUM_SECONDS`` of line time. Work found at line time t is never started by another lane
before t. That makes a replay crawl at concurrency N take the line time N real calls would
(``wall_seconds``), while it runs as fast as the CPU allows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ivraudit.shutdown import stop_signals_held
from ivraudit.telephony.g711 import Pcm

QUANTUM_SECONDS = 0.2
"""How far (line time) a replay lane may run ahead of the slowest busy lane."""
WAIT_POLL_SECONDS = 0.05
"""How often the main thread looks whether its lanes have ended."""


class LaneThreads:
    """The lanes' threads, started and waited for by the main thread, where a stop signal
    raises ``KeyboardInterrupt`` wherever that thread is (:mod:`ivraudit.shutdown`).

    Neither is left to threading's own code while a signal may land in it:

    * they start with stop signals held back (:func:`ivraudit.shutdown.stop_signals_held`);
    * their end is a flag each sets last, polled between sleeps, not ``Thread.join``. On
      Python before 3.13 a ``join`` that an exception interrupts marks a thread that is still
      running as ended (CPython issue 90882: ``_wait_for_tstate_lock`` releases the lock the
      running thread holds). After a SIGTERM during ``join`` a crawl went on to write its
      audit and exit while a lane was still inside the speech engine, which crashed the
      process in the engine's teardown (SIGSEGV, exit -11, not 1; CI, 2026-12-07).
    """

    def __init__(self, target: Callable[[int], None], count: int, name: str) -> None:
        self._target = target
        self._ended = [True] * count    # a thread that never started has nothing to wait for
        self._threads = [threading.Thread(target=self._run, args=(index,), daemon=True,
                                          name=f"{name}-{index}") for index in range(count)]

    def _run(self, index: int) -> None:
        try:
            self._target(index)
        finally:
            self._ended[index] = True   # (a list item's store: no lock, nothing to interrupt)

    def start(self) -> None:
        with stop_signals_held():
            for index, thread in enumerate(self._threads):
                self._ended[index] = False
                try:
                    thread.start()
                except BaseException:
                    self._ended[index] = True
                    raise

    @property
    def ended(self) -> bool:
        return all(self._ended)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every lane has ended (True) or ``timeout`` seconds have passed (False).
        An interrupt leaves it with nothing half done: call it again to go on waiting."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.ended:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(WAIT_POLL_SECONDS)
        return True


class Conductor:
    """Turns and clocks of ``lanes`` lanes over one explorer lock."""

    def __init__(self, lanes: int, *, virtual: bool,
                 has_work: Callable[[], bool] = lambda: False) -> None:
        self.lock = threading.Condition(threading.Lock())
        self.virtual = virtual
        self.clock = [0.0] * lanes
        self.busy = [False] * lanes
        self.idle = [False] * lanes     # waiting for work
        self._has_work = has_work
        self._local = threading.local()

    @property
    def lane(self) -> int:
        """The lane the calling thread runs (0 outside lanes)."""
        return getattr(self._local, "lane", 0)

    def enter(self, lane: int) -> None:
        self._local.lane = lane

    def now(self) -> float:
        """Line time of the slowest busy lane (all lanes' latest time when none is busy)."""
        busy = [c for c, b in zip(self.clock, self.busy) if b]
        return min(busy) if busy else max(self.clock)

    def earliest(self, not_before: float) -> float:
        """The line time the calling lane's next call would start at: not before its own
        clock, the slowest busy lane's, or ``not_before``."""
        return max(self.clock[self.lane], self.now(), not_before)

    def begin(self, not_before: float) -> None:
        """The calling lane starts a call (its work was found at line time ``not_before``)."""
        lane = self.lane
        self.clock[lane] = self.earliest(not_before)
        self.busy[lane] = True
        self.lock.notify_all()

    def end(self) -> None:
        self.busy[self.lane] = False
        self.lock.notify_all()

    def reached(self, line_time: float) -> None:
        """The calling lane's call has reached ``line_time``; wait for the others to catch up."""
        lane = self.lane
        self.clock[lane] = line_time
        if len(self.clock) > 1:
            self.lock.notify_all()
            self.lock.wait_for(lambda: self.clock[lane] <= self.now() + QUANTUM_SECONDS
                               and not (any(self.idle) and self._has_work()))

    def wait_for_work(self, ready: Callable[[], bool]) -> None:
        """An idle lane waits (letting busy lanes run) until ``ready()``."""
        lane = self.lane
        self.idle[lane] = True
        self.lock.notify_all()
        try:
            self.lock.wait_for(ready)
        finally:
            self.idle[lane] = False

    @contextmanager
    def outside(self) -> Iterator[None]:
        """Let other lanes run while this one waits for a real line."""
        if self.virtual or len(self.clock) == 1:
            yield
            return
        self.lock.release()
        try:
            yield
        finally:
            self.lock.acquire()


class CallBudgetExceeded(Exception):
    """A call ran past --max-call-seconds."""


class LaneCall:
    """A call as one lane sees it: reads advance the lane's line clock (replay) or let other
    lanes run while the audio arrives (real line), and stop at the policy's time limit.
    Implements :class:`ivraudit.lines.Call`."""

    def __init__(self, call, conductor: Conductor, started: float,
                 *, limit: float = float("inf")) -> None:
        self._call = call
        self._conductor = conductor
        self._started = started
        self._limit = limit
        self.ring_seconds = call.ring_seconds
        if conductor.virtual:
            conductor.reached(started + call.ring_seconds)

    @property
    def seconds(self) -> float:
        return self._call.seconds

    @property
    def backlog_seconds(self) -> float:
        return float(getattr(self._call, "backlog_seconds", 0.0))

    @property
    def ended(self) -> bool:
        return self._call.ended

    def read(self, frames: int = 1) -> Pcm:
        if self._call.seconds >= self._limit:
            raise CallBudgetExceeded(f"call reached --max-call-seconds ({self._limit:g} s)")
        if self._conductor.virtual:
            audio = self._call.read(frames)
            self._conductor.reached(self._started + self.ring_seconds + self._call.seconds)
            return audio
        with self._conductor.outside():
            return self._call.read(frames)

    def press(self, keys: str) -> None:
        with self._conductor.outside():
            self._call.press(keys)

    def play(self, audio: Pcm) -> None:
        """Send ``audio`` to the far end, where the line can (``Call.play``)."""
        play = getattr(self._call, "play", None)
        if play is not None:
            play(audio)

    def hangup(self) -> None:
        with self._conductor.outside():
            self._call.hangup()

    def end_from_outside(self) -> None:
        """Hang up from a thread that is not a lane (a stop): the lane reading the call
        hears it end."""
        self._call.hangup()
