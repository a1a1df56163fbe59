"""Lookalike menus: one recording that waits for the caller, played under two branches.

Dialplans reuse whole menus. One callback offer ("Press 1 and we will call you back, or press
2 to stay on hold") stands before every department's queue; one "Please enter the number we
should call" follows every offer. The recording is the same, what its keys do is not: 2 holds
in this department's queue, the digits end in this department's goodbye. A menu is known by
its sound, so the second one is taken for the first, and what its keys do there is never
learned (zoo seeds 20052 and 24046).

A message or a queue shows which one it is by going on (ivraudit.crawl.twins); a menu waits
for the caller. So where a known menu or entry is reached by a way not seen before, from a
node that is not below it (a loop back up, "star for the main menu", reaches the same menu),
one of its actions is done again on that way: the first one known whose result goes on by
itself (a queue, a message, a person), because such a result tells itself by its first
prompt. Answered with another prompt than before, the node that way reaches is a *twin*: a
node of its own, whose other actions are then explored like any new node's. Answered as
before, it is the same node, as far as a caller can tell from one action: a twin that differs
only in what its other keys do is not found.

The cost is one action per such way, done at once by a call that has just come that way
(ivraudit.crawl.reuse), else by a call of its own: 10 of 240 zoo trees (20000-20059,
21000-21059, 24000-24059, 25000-25059) merge two branches into one menu or entry, one way each.
"""

from __future__ import annotations

from ivraudit.audit.model import HANGUP_NODE, Audit
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.probes import entry_for
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.crawl.twins import Twins

Way = tuple[str, str, str]
"""An action that led to a node: (node it was done at, keys pressed, probe role)."""

CHECKED_ROLES = ("announced", "escape", "input", "timeout")
"""Actions worth doing again: a wrong key's result is the same message from every menu."""


class Lookalikes:
    """Known menus reached by new ways, the action done again on each, and its verdict."""

    def __init__(self, audit: Audit, mapper: Mapper, scheduler: Scheduler, twins: Twins) -> None:
        self.audit = audit
        self.mapper = mapper
        self.scheduler = scheduler
        self.twins = twins
        # a probe doing an action again on a new way in -> what it led to before, and the way
        self._checks: dict[Probe, tuple[str, Way]] = {}
        self._trial: dict[Probe, str] = {}  # such a probe -> the twin it is being done at

    def arrived(self, node_id: str, way: Way, menu: str | None, new_way: bool) -> None:
        """The menu or entry ``node_id`` was reached by ``way``, the caller come from ``menu``:
        if the node was known and the way (``new_way``) was not, and it is not a loop back
        up, queue an action of it to do again there."""
        source = self.audit.nodes[way[0]]
        if not new_way or menu is None or node_id == source.id or node_id in source.via:
            return
        for edge in self.audit.out_edges(node_id):
            target = self.audit.nodes.get(edge.target)
            if edge.probe not in CHECKED_ROLES or edge.key == "invalid" or target is None or \
                    target.acting or edge.target in (node_id, HANGUP_NODE):
                continue
            keys = {"timeout": "timeout",
                    "input": entry_for(self.audit.nodes[node_id].digits,
                                       self.audit.nodes[node_id].terminator)}.get(
                edge.probe, edge.pressed)
            probe = Probe(node_id, edge.probe, keys, after=menu, way=(way[0], way[1]))
            self._checks[probe] = (edge.target, way)
            self.scheduler.push([probe])
            return

    def verdict(self, probe: Probe | None, source: str, target: str) -> str | None:
        """``probe`` led from ``source`` to ``target`` first. If it does an action again on a
        new way in, the node that way reaches: a twin of ``source`` where the line answered
        with another prompt than before, or, where it answered with the same queue's prompt,
        a twin on trial until the queue's own sound tells (queues that begin alike:
        ivraudit.crawl.queues), settled by :meth:`settle`. None: ``source`` itself."""
        if probe is None or probe not in self._checks:
            return None
        before, way = self._checks[probe]
        node = self.audit.nodes.get(before)
        same = target == before
        if self.mapper.acting_at(probe.node) != source or \
                (same and (node is None or node.kind != "hold")):
            del self._checks[probe]
            return None
        edge_key = self.twins.edge_into(way[0], way[1], source)
        if edge_key is None:
            del self._checks[probe]
            return None
        start = self.audit.nodes[way[0]]
        twin = self.twins.twin(source, start.path + [way[1]], start.via + [start.id])
        first, made = self.audit.nodes[source], self.audit.nodes[twin]
        made.options, made.barge_in = list(first.options), first.barge_in
        made.digits, made.terminator = first.digits, first.terminator
        self.twins.redirect(edge_key, way, twin)
        if same:
            self._trial[probe] = twin
        else:
            del self._checks[probe]
            self._keep(twin, probe)
        return twin

    def settle(self, probe: Probe) -> None:
        """The twin ``probe`` made: kept (its other actions queued) if what the action led to
        there is not what it led to before, else taken back. A probe that did not get as far
        as an answer is done again later."""
        twin = self._trial.pop(probe, None)
        if twin is None:
            return
        before, way = self._checks.pop(probe)
        first = self.mapper.sounds_like[twin]
        led = {e.target for e in self.audit.out_edges(twin) if e.key == probe.label}
        if not led or led <= {e.target for e in self.audit.out_edges(first)
                              if e.key == probe.label}:
            self.twins.take_back(twin, way)
            if not led:
                self._checks[probe] = (before, way)
            return
        self._keep(twin, probe)

    def _keep(self, twin: str, probe: Probe) -> None:
        """``twin`` is a node of its own: its actions but ``probe``'s are to be done."""
        self.mapper.progress(f"  {twin} is not {self.mapper.sounds_like[twin]}: "
                             f"{probe.label} led elsewhere")
        self.scheduler.queue_probes(self.audit.nodes[twin])
        done = next((p for p in self.scheduler.frontier.at(twin)
                     if (p.role, p.keys) == (probe.role, probe.keys)), None)
        if done is not None:
            self.scheduler.frontier.take(done)
