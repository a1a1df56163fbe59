"""Whether a call goes on after its probe, and with what.

- :class:`OneProbePerCall` (the naive crawl): every probe gets a call of its own.
- :class:`Reuse`: a call goes on from where a probe leaves the line waiting (an invalid key's
  message led back to the menu, star returned to the main menu, a new submenu answered) with
  the next probe there, or walks known keys to where something is left to try when that is
  cheaper than dialling again. At each menu it tries first the probes least likely to end the
  call or take it elsewhere (ivraudit.crawl.outlook).
"""

from __future__ import annotations

from collections.abc import Sequence

from ivraudit.audit.model import EdgeRecord
from ivraudit.crawl.comeback import came_from
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.routes import known_routes
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.listen.listener import Ending, Heard


class OneProbePerCall:
    """A new call for every probe."""

    def opening(self, probe: Probe) -> Probe:
        """The probe a new call to ``probe``'s node starts with."""
        return probe

    def next_from(self, at: str, heard: Heard, wrong_before: int = 0,
                  acted: Sequence[str] = ()) -> tuple[Probe, list[EdgeRecord]] | None:
        """The probe this call does next from ``at`` (its prompt ``heard``, after
        ``wrong_before`` wrong keys there on this call, the caller having acted at the nodes
        ``acted``) and the known route there; None: the call ends."""
        return None


class Reuse(OneProbePerCall):
    """Calls that go on where their probe left the line."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler

    def opening(self, probe: Probe) -> Probe:
        """Of the probes at ``probe``'s node, the one least likely to end the call or take it
        elsewhere."""
        frontier = self.scheduler.frontier
        here = frontier.at(probe.node)
        if not here:
            return probe
        fresh = [p for p in [probe, *here] if p in self.scheduler.fresh_only]
        best = fresh[0] if fresh else self.scheduler.least_loss([probe, *here])
        if best is not probe:
            frontier.take(best)
            frontier.put_back(probe)
        return best

    def next_from(self, at: str, heard: Heard, wrong_before: int = 0,
                  acted: Sequence[str] = ()) -> tuple[Probe, list[EdgeRecord]] | None:
        """A probe pending at ``at`` (a no-input probe first when the prompt was just heard
        out and coming back would cost more), else the probe a known route from ``at``
        saves the most line time on, against dialling again. A probe to do again after
        another menu (ivraudit.crawl.comeback) is done only where the caller came from it."""
        scheduler, frontier, nodes = self.scheduler, self.scheduler.frontier, self.scheduler.audit.nodes
        audit = scheduler.audit
        here = [p for p in frontier.at(at) if scheduler.may_try(p, wrong_before)
                and (not p.after or p.after == came_from(audit, acted, at))]
        if here:
            again = next((p for p in here if p.after), None)
            if again is not None:  # done for the way the caller came: first, before what
                return frontier.take(again), []  # that way may not lead to (crawl.lookalikes)
            waiting = next((p for p in here if p.role == "timeout"), None)
            if waiting is not None and heard.ending is not Ending.CUT and (
                    len(here) == 1 or nodes[at].prompt_seconds >= scheduler.redial_cost(nodes[at])):
                # The prompt was just heard out, which is where a no-input probe starts: doing
                # it now saves hearing the prompt again, if that costs more than coming back.
                return frontier.take(waiting), []
            return frontier.take(scheduler.least_loss(here)), []
        routes = known_routes(scheduler.audit, at, scheduler.step_cost)
        best: tuple[float, Probe, list[EdgeRecord]] | None = None
        for probe in frontier.pending():
            if probe.node not in routes or probe in scheduler.fresh_only:
                continue
            cost, route = routes[probe.node]
            if probe.after and probe.after != came_from(
                    audit, [*acted, *(edge.source for edge in route)], probe.node):
                continue
            saving = scheduler.redial_cost(nodes[probe.node]) - cost
            if saving > 0 and (best is None or saving > best[0]):
                best = (saving, probe, route)
        if best is None:
            return None
        return frontier.take(best[1]), best[2]
