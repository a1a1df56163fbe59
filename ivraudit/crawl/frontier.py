"""The frontier: what is left to try, breadth-first, each thing once."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Probe:
    """One thing to try at a known node: press ``keys`` (or wait, for a timeout probe)."""

    node: str
    role: str        # announced | escape | invalid | limit | timeout | input
    keys: str        # what is pressed; "timeout" for waiting; for "limit", the wrong key
                     # pressed again and again
    after: str = ""  # done again with the caller come from this menu (ivraudit.crawl.comeback)
    way: tuple[str, str] = ("", "")  # and how a call gets there: keys pressed at a node

    @property
    def slot(self) -> tuple[str, str]:
        """What the duplicate filter knows the probe by: its node and keys (an escape key
        that is also announced is one probe), but pressing the invalid key until the menu's
        limit is another thing than pressing it once, and doing it again after another menu
        (``after``) another thing than doing it the first time."""
        keys = self.keys if self.role != "limit" else f"limit {self.keys}"
        return (self.node, f"{keys} after {self.after}" if self.after else keys)

    @property
    def label(self) -> str:
        """The edge key this probe produces, before escape keys are judged."""
        return {"invalid": "invalid", "limit": "invalid", "timeout": "timeout",
                "input": "input"}.get(self.role, self.keys)


class Frontier:
    """A FIFO of probes with a duplicate filter (a node's probe is queued once, ever)."""

    def __init__(self) -> None:
        self._queue: deque[Probe] = deque()
        self._seen: set[tuple[str, str]] = set()

    def push(self, probe: Probe) -> bool:
        if probe.slot in self._seen:
            return False
        self._seen.add(probe.slot)
        self._queue.append(probe)
        return True

    def pop(self) -> Probe:
        return self._queue.popleft()

    def take(self, probe: Probe) -> Probe:
        """Take a particular pending probe out of the queue (a call is about to do it)."""
        self._queue.remove(probe)
        return probe

    def put_back(self, probe: Probe) -> None:
        """A probe taken but not done (the call went elsewhere): first in line again."""
        self._queue.appendleft(probe)

    def at(self, node: str) -> list[Probe]:
        """Pending probes at ``node``, in queue order."""
        return [p for p in self._queue if p.node == node]

    def tried_at(self, node: str) -> set[str]:
        """Keys of the probes at ``node`` that were queued and are no longer pending."""
        pending = {p.slot[1] for p in self._queue if p.node == node}
        return {keys for n, keys in self._seen if n == node and keys not in pending}

    def drop_at(self, node: str) -> None:
        """Forget the pending probes at ``node`` (its actions are another node's now)."""
        self._queue = deque(p for p in self._queue if p.node != node)

    def pending(self) -> list[Probe]:
        return list(self._queue)

    def __len__(self) -> int:
        return len(self._queue)

    def drain(self) -> list[Probe]:
        left = list(self._queue)
        self._queue.clear()
        return left
