"""Stopping a crawl on SIGTERM the way Ctrl-C stops it: hang up, deregister, write what is known.

``timeout``, CI cancellation and ``docker stop`` send SIGTERM, whose default action kills the
process on the spot (exit 143): no audit written, and over SIP the call left up and the
registration left routing calls to a closed socket. The crawl already has one orderly way to
stop early, Ctrl-C's ``KeyboardInterrupt`` (the explorer records "interrupted" and returns the
audit of what it learned; the line hangs up and takes its registration back; the CLI writes the
audit and exits 1), so SIGTERM is turned into that same exception.

Only the *first* stop signal interrupts. The second one (``docker stop`` repeats nothing, but a
user presses Ctrl-C twice, and CI runners signal a whole process group) would otherwise raise
inside the hang-up or the audit writer and lose what the first one meant to save; it is noted
and ignored. Once the crawl has returned (:meth:`GracefulStop.hold`), every stop signal is only
noted until the audit is written: a crawl that finished is not thrown away at its last step.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that stop a crawl in order: Ctrl-C, and what ``timeout``/``docker stop``/CI send."""

Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class GracefulStop:
    """While active, the first stop signal raises ``KeyboardInterrupt`` in the main thread;
    later ones, and any after :meth:`hold`, are only recorded (:attr:`signal_name`)."""

    def __init__(self, notify: Callable[[str], None] | None = None) -> None:
        self.signal_name: str | None = None
        """The first stop signal received (``"SIGTERM"``), or None."""
        self._holding = False
        self._notify = notify or (lambda message: print(message, file=sys.stderr, flush=True))
        self._saved: dict[int, Handler] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.signal_name is None:
            self.signal_name = name
            if not self._holding:
                self._notify(f"ivraudit: {name}: stopping; hanging up and writing what was "
                             "learned")
                raise KeyboardInterrupt(name)
            self._notify(f"ivraudit: {name}: finishing the audit first")
            return
        self._notify(f"ivraudit: {name} again: already stopping, still writing what was learned")

    def hold(self) -> None:
        """From now on a stop signal no longer interrupts: the crawl is over, and what is left
        (hanging up, deregistering, writing the audit) must run to its end."""
        self._holding = True

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():  # signals go to the main thread
            for signum in STOP_SIGNALS:
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, _type: type[BaseException] | None, _value: BaseException | None,
                 _tb: TracebackType | None) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._saved.clear()


@contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold stop signals back from this (the main) thread while it runs threading's own code:
    a stop that comes meanwhile interrupts as the block ends.

    The interrupt is an exception raised wherever the main thread is, and threading's
    internals are not written to be left halfway: a SIGTERM that came while a crawl started
    its lanes ended it in "RuntimeError: cannot join thread before it is started" (a lane
    running, not yet marked started) and, another time, in "release unlocked lock" (inside
    the wait for that mark), not in its stop, in 2 of 3 suite runs (2026-12-07). Threads
    started in the block inherit the mask: stop signals reach the main thread alone, which
    is where Python runs their handlers anyway."""
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
