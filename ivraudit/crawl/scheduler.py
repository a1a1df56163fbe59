"""The scheduler: what is left to try, in what order, and what a step or a new call costs.

It keeps the frontier (each probe once), queues a new node's probes, puts back what a call
could not finish (giving up after ``MAX_ATTEMPTS_PER_PROBE``), and estimates line seconds:
of one known step, and of a new call to a node. The outlook (what probes of each kind did to
their calls) orders the probes at a node by what a call is likely to lose by them.
"""

from __future__ import annotations

from collections.abc import Callable

from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord
from ivraudit.crawl.comeback import Comebacks, Way
from ivraudit.crawl.frontier import Frontier, Probe
from ivraudit.crawl.outlook import Outlook
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.probes import (
    UNKNOWN_ENTRY,
    entry_for,
    invalid_key,
    keys_for_lost_choices,
    skipped_keys,
    unread_keys,
    unsaid_last_key,
)
from ivraudit.telephony.constants import ESCAPE_KEYS, KEY_PRESS_SECONDS

MAX_ATTEMPTS_PER_PROBE = 2
MAX_INVALID_CANDIDATES = 3
"""Keys tried as a menu's invalid key before the last one's result is believed."""


class Scheduler:
    """The frontier of one crawl, with the costs that order it."""

    def __init__(self, audit: Audit, policy: CrawlPolicy, now: Callable[[], float],
                 heard_seconds: Callable[[NodeRecord], float]) -> None:
        """``now()`` is the calling lane's line time; ``heard_seconds(node)`` how much of a
        known node's prompt a call walking past it hears (see the typing strategies)."""
        self.audit = audit
        self.policy = policy
        self.frontier = Frontier()
        self.outlook = Outlook()   # what probes of each kind did to their calls so far
        self._now = now
        self._heard_seconds = heard_seconds
        self._found_at: dict[Probe, float] = {}   # line time a probe became known
        self._attempts: dict[Probe, int] = {}
        # wrong keys that met a menu's invalid-entry limit: tried again first on a call
        self.fresh_only: set[Probe] = set()
        self._no_low_limit: set[str] = set()  # menus that took max_wrong_keys in a row
        self.comebacks = Comebacks()  # actions to do again on new ways in (crawl.comeback)

    def found_at(self, probe: Probe) -> float:
        """The line time ``probe`` became known (no call starts it earlier); asked once."""
        return self._found_at.pop(probe, 0.0)

    def queue_probes(self, node: NodeRecord) -> None:
        """Put a new acting node's probes on the frontier, unless it is too deep."""
        if node.depth >= self.policy.max_depth:
            node.truncated = True
            return
        probes: list[Probe] = []
        if node.kind == "menu":
            announced = [o.key for o in node.options]
            invalid = invalid_key(announced, self.policy.allows)
            if self.policy.probe_escapes and invalid:
                probes.append(Probe(node.id, "invalid", invalid))
            probes += [Probe(node.id, "announced", k) for k in announced]
            if self.policy.probe_escapes:
                unread = unread_keys(announced, node.transcript)
                lost = [*skipped_keys([*announced, *unread]),
                        *unsaid_last_key(announced, node.transcript), *unread]
                lost += keys_for_lost_choices(announced, node.transcript, lost, invalid)
                probes += [Probe(node.id, "escape", k) for k in dict.fromkeys([*lost, *ESCAPE_KEYS])
                           if k not in announced and k != invalid]
        else:
            probes.append(Probe(node.id, "input", entry_for(node.digits, node.terminator)))
        if self.policy.probe_escapes:
            probes.append(Probe(node.id, "timeout", "timeout"))
        for probe in probes:
            if probe.keys == UNKNOWN_ENTRY and not any(map(self.policy.allows, "1234567890")):
                continue  # every digit is forbidden: this input cannot be answered
            if (probe.role == "timeout" or self.policy.allows(probe.keys)) and self.frontier.push(probe):
                self._found_at[probe] = self._now()

    def arrived(self, node_id: str, menu: str | None, way: Way) -> None:
        """``node_id`` was reached by ``way``, the caller come from ``menu``: queue its
        actions whose result went back to the menu the caller came from, for this menu
        (ivraudit.crawl.comeback)."""
        self.push(self.comebacks.arrived(node_id, menu, way))

    def went_back(self, probe: Probe, node_id: str, menu: str) -> None:
        """What ``probe`` led to at ``node_id`` went back to ``menu``, where the caller came
        from: queue it again for the other menus ``node_id`` is reached from."""
        self.push(self.comebacks.went_back(probe, node_id, menu))

    def push(self, probes: list[Probe]) -> None:
        """Queue ``probes`` (each once, ever), noting when each became known."""
        for probe in probes:
            if self.frontier.push(probe):
                self._found_at[probe] = self._now()

    def queue_invalid_candidate(self, node: NodeRecord, tried: list[str]) -> bool:
        """Queue another invalid key at the menu ``node`` when the ones ``tried`` did not do
        what invalid keys do (one may be an option its prompt does not announce); False when
        there is none left to try or enough were tried."""
        if len(tried) >= MAX_INVALID_CANDIDATES:
            return False
        key = invalid_key([o.key for o in node.options] + tried, self.policy.allows)
        if key is None:
            return False
        probe = Probe(node.id, "invalid", key)
        if self.frontier.push(probe):
            self._found_at[probe] = self._now()
        return True

    def queue_limit(self, node: NodeRecord, key: str) -> None:
        """Queue pressing the wrong ``key`` again and again at the menu ``node``, which it
        brings the caller back to, to find the menu's invalid-entry limit ("too many invalid
        attempts, goodbye" on the third): real dialplans count tries and hang up."""
        probe = Probe(node.id, "limit", key)
        if self.policy.max_wrong_keys > 1 and node.id not in self._no_low_limit and \
                self.frontier.push(probe):
            self._found_at[probe] = self._now()

    def no_low_limit(self, node_id: str) -> None:
        """The menu ``node_id`` took the policy's ``max_wrong_keys`` wrong keys in a row on
        one call (its invalid key and the escape keys it does not announce, say) and brought
        the caller back after each: it has no invalid-entry limit that low, and pressing one
        wrong key that often again, on a call of its own, would only say so twice."""
        self._no_low_limit.add(node_id)
        for probe in self.frontier.at(node_id):
            if probe.role == "limit":
                self.frontier.take(probe)

    def renamed(self, old_id: str, new_id: str) -> None:
        """The actions at ``old_id`` belong to ``new_id`` (ivraudit.crawl.unmerge): what was
        tried there is not tried again at ``new_id``, and nothing is left to try at it."""
        tried = self.frontier.tried_at(old_id)
        self.frontier.drop_at(old_id)
        for probe in self.frontier.at(new_id):
            if probe.slot[1] in tried:
                self.frontier.take(probe)

    def retry_fresh(self, probe: Probe) -> None:
        """``probe`` (a wrong key) came after other wrong keys at its menu and met the menu's
        limit: what the key does alone is still to learn, on a call where no wrong key went
        before it there."""
        if probe not in self.fresh_only:
            self.fresh_only.add(probe)
            self.frontier.put_back(probe)

    def may_try(self, probe: Probe, wrong_before: int) -> bool:
        """May ``probe`` be tried after ``wrong_before`` wrong keys at its menu on this call?"""
        return wrong_before == 0 or probe not in self.fresh_only

    def retry_later(self, probe: Probe) -> None:
        """Put an unfinished probe back, unless it has failed twice already."""
        self._attempts[probe] = self._attempts.get(probe, 0) + 1
        if self._attempts[probe] < MAX_ATTEMPTS_PER_PROBE:
            self.frontier.put_back(probe)
        else:
            self.audit.nodes[probe.node].truncated = True
            self.audit.complete = False
            self.audit.problems.append(f"gave up on {probe.node} {probe.keys} ({probe.role}) "
                                       f"after {MAX_ATTEMPTS_PER_PROBE} attempts")

    def least_loss(self, here: list[Probe]) -> Probe:
        """Of the probes pending at one node, the one to try first: the one a call is least
        likely to lose by (a no-input probe only when nothing else is left, a limit probe
        after the node's other wrong keys, whose run may show there is no limit that low;
        ties in queue order)."""
        wrong = {"invalid", "escape"}
        candidates = ([p for p in here if p.role != "timeout"
                       and (p.role != "limit" or not any(q.role in wrong for q in here))]
                      or [p for p in here if p.role != "timeout"] or here)
        node = self.audit.nodes[candidates[0].node]
        redial = self.redial_cost(node)
        return min(candidates, key=lambda p: self.outlook.loss(p, redial, self.audit.ring_seconds))

    def step_cost(self, edge: EdgeRecord) -> float:
        """Expected line seconds of one known step (hear or recognise, press, wait)."""
        hear = self._heard_seconds(self.audit.nodes[edge.source])
        return hear + KEY_PRESS_SECONDS * len(edge.pressed) + edge.lead_in

    def redial_cost(self, node: NodeRecord) -> float:
        """Line seconds of a new call to ``node``, its path taken one step at a time: typed
        bursts make it cheaper, but valuing them here makes crawls redial more and cost more
        (maze-50: 39 calls and 1.35 x floor against 29 and 1.335)."""
        cost = self.audit.ring_seconds + self.audit.answer_lead
        for expect, token in zip(node.via, node.path):
            step = next((e for e in self.audit.out_edges(expect) if e.pressed == token), None)
            cost += self.step_cost(step) if step else self.audit.nodes[expect].prompt_seconds
        return cost
