"""What a call does in the pause after a message: listen, or type the next wrong key.

- :class:`HearingThePause`: hear what the message goes on to.
- :class:`TypingIntoThePause` (typing ahead with reuse): where the message is known to go back
  to the menu a wrong key was pressed at ("invalid entry, please try again"), the next wrong
  key to try there goes in during the pause after it, before the menu speaks again, instead
  of after hearing the menu's first second. Each such key must bring the same message back;
  the keys typed so are believed only once the menu is heard again on its first second, as it
  is after every message. A key the line did not take there (the menu speaks instead), or any
  other result, goes back to the frontier, the menu is not typed into like this again, and a
  result that cannot be placed ends the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.hangup import HearingResultsOut
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.outlook import STAYS
from ivraudit.crawl.probes import WRONG_KEY_ROLES
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.typeahead import HearingOut
from ivraudit.listen.listener import Ending, Heard

PAUSE_MATCH_SECONDS = 0.3
"""A message is taken as heard to its end when it lasted this close to its known length."""


@dataclass(frozen=True)
class Action:
    """What the caller did that a chain of prompts follows from: ``pressed`` (the keys, or
    ``timeout``) at ``node`` as a probe of ``role``."""

    node: str
    pressed: str
    role: str

    @property
    def way(self) -> tuple[str, str, str]:
        """The way in it is to the nodes it led to (ivraudit.crawl.queues, crawl.twins)."""
        return (self.node, self.pressed, self.role)


class HearingThePause:
    """After a message: hear what it goes on to."""

    def __init__(self, results: HearingResultsOut) -> None:
        self.results = results

    def through(self, session: CallSession, origin: Action, message: str, heard: Heard,
                via: list[str], expected: str | None) -> tuple[Heard, Heard] | None:
        """Hear what ``message`` (reached by ``origin``, heard to its end as ``heard``) goes
        on to (``expected``: what the line has shown it goes on to); returns the message as
        last heard and the next prompt, or None when the call is to end here."""
        return heard, self.results.hear(session, frozenset(via), expected)

    def renamed(self, old_id: str, new_id: str) -> None:
        """What was learned at ``old_id`` is ``new_id``'s (ivraudit.crawl.unmerge)."""


class TypingIntoThePause(HearingThePause):
    """The next wrong key typed into the pause after a message that goes back."""

    def __init__(self, results: HearingResultsOut, mapper: Mapper, scheduler: Scheduler,
                 typing: HearingOut, expectations: Expectations) -> None:
        super().__init__(results)
        self.mapper = mapper
        self.scheduler = scheduler
        self.typing = typing
        self.expectations = expectations
        self._astray: set[str] = set()   # menus where typing into the pause went wrong

    def renamed(self, old_id: str, new_id: str) -> None:
        if old_id in self._astray:
            self._astray.add(new_id)

    def through(self, session: CallSession, origin: Action, message: str, heard: Heard,
                via: list[str], expected: str | None) -> tuple[Heard, Heard] | None:
        start = origin.node
        frontier = self.scheduler.frontier
        wrong = origin.role != "limit" and (
            origin.role in WRONG_KEY_ROLES
            or self.mapper.first_target.get((start, "invalid")) == message)
        typed: list[tuple[Probe, Heard, float]] = []
        been = frozenset(via)
        lasts = self.mapper.audit.nodes[message].prompt_seconds
        try:
            while wrong and (probe := self._probe(start, expected, heard, message)):
                frontier.take(probe)
                action_at = session.press(probe.keys)
                result = self.results.hear(session, been, message)
                landed = self.mapper.identify(result)
                if result.empty and result.ending is Ending.QUIET:
                    # Nothing at all after the "message": it waited for the caller, as a
                    # person does (zoo seed 27049: the agent a hidden key reaches, whose
                    # greeting was misheard); the key typed into that wait proves nothing of
                    # it, and is tried again. The silence tells the prober what it was.
                    frontier.put_back(probe)
                    return heard, result
                if landed != message:
                    frontier.put_back(probe)
                    if landed != start:
                        # Another wrong key in a row: maybe the menu's limit. The key is
                        # tried again on a call of its own; the limit is found by keys
                        # pressed one at a time (Prober), not typed into this pause again.
                        self._astray.add(start)
                        frontier.take(probe)
                        self.scheduler.retry_fresh(probe)
                        return None
                    # start speaks: it dropped the key typed before it spoke
                    self.typing.dropped_typed(start)
                    self._believe(start, message, typed)  # at start, as believed
                    typed.clear()
                    return heard, result
                typed.append((probe, result, action_at))
                session.wrong_keys.setdefault(start, []).append(probe.keys)
                heard = session.resume(result, known_seconds=lasts)
            nxt = self.results.hear(session, been, expected)
            if typed and self.mapper.identify(nxt) == start:
                self._believe(start, message, typed)
                typed.clear()
            elif typed:
                self._astray.add(start)
            return heard, nxt
        finally:
            for probe, _, _ in reversed(typed):  # not confirmed: tried again later
                frontier.put_back(probe)

    def _probe(self, start: str, expected: str | None, heard: Heard, message: str) -> Probe | None:
        """The probe to type into the pause after ``message`` (what a wrong key did at
        ``start``), heard to its end as ``heard``, if any: ``message`` goes back to
        ``start``; ``start`` is not known to ignore keys while it speaks nor to drop keys
        typed before it speaks (one that does is found out at the cost of hearing its first
        second, as without typing); and a wrong key (the invalid key, an escape key) is left
        there that is more likely than not to do what the last one did
        (ivraudit.crawl.outlook)."""
        if expected != start:
            return None
        node = self.mapper.audit.nodes[start]
        if node.barge_in is False or not self.typing.types_into(start) or start in self._astray:
            return None
        lasts = self.mapper.audit.nodes[message].prompt_seconds
        if heard.ending is not Ending.SILENCE or abs(heard.seconds - lasts) > PAUSE_MATCH_SECONDS:
            return None  # not heard to the end it is known to have
        outlook = self.scheduler.outlook
        wrong = [p for p in self.scheduler.frontier.at(start) if p.role in WRONG_KEY_ROLES
                 and not p.after and outlook.chances(p)[STAYS] > 0.5 and p not in self.scheduler.fresh_only]
        return self.scheduler.least_loss(wrong) if wrong else None

    def _believe(self, start: str, message: str, typed: list[tuple[Probe, Heard, float]]) -> None:
        """Record the keys typed into pauses at ``start``, each of which brought ``message``,
        now that the line is known to have been back there each time."""
        for probe, heard, action_at in typed:
            self.mapper.add_edge(start, message, probe.label, probe.keys, heard.onset - action_at,
                                 probe.role)
            self.mapper.led_to(message, start, probe.keys, probe.role)
            self.mapper.first_result(start, probe.role, probe.keys, message)
            self.expectations.continued(start, message, start)
            self.scheduler.outlook.saw(probe, STAYS)
