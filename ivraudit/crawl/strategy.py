"""How a crawl spends line time: the naive crawl, and the strategies that bring it to the floor.

The naive crawl dials once per probe and hears every prompt on the way down in full. Each
strategy below cuts that cost without changing what the crawl learns (tests check that every
strategy maps exactly the graph the naive crawl maps):

- ``typeahead``: on a path already mapped, recognise each prompt by its beginning and press the
  key at once. Whether a node takes keys while it speaks is measured there (does the prompt
  stop?), never assumed; a node that does not is heard out and its key pressed after it.
  With ``reuse`` too, the next wrong key to try at a menu goes in during the pause after its
  "invalid entry" message, where that message is known to go back to the menu; the keys typed
  so are believed once the menu is heard again.
- ``reuse``: a call goes on after its probe. Where the probe leaves the line at a menu (an
  invalid key's message led back to it, star returned to the main menu, a new submenu was
  found) the call tries the next thing there, or walks known keys to a node that has something
  left to try, when that is cheaper than dialling again. At each menu the probes least likely
  to end the call or take it elsewhere go first (ivraudit.crawl.outlook).
- ``hangup``: hang up as soon as nothing the call could still learn is left, instead of
  hearing a known prompt out.

:class:`CrawlStrategy` is the choice; :meth:`Strategies.compose` builds the objects it stands
for, each in its own module (typeahead.py, hangup.py, pause.py, reuse.py), each with a naive
counterpart, so the rest of the crawl never asks which strategy is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from ivraudit.audit.model import Audit
from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.hangup import EarlyHangup, HearingResultsOut
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.pause import HearingThePause, TypingIntoThePause
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.reuse import OneProbePerCall, Reuse
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.crawl.typeahead import HearingOut, TypingAhead

NAMES = ("typeahead", "reuse", "hangup")


@dataclass(frozen=True)
class CrawlStrategy:
    typeahead: bool = True
    reuse: bool = True
    hangup: bool = True

    @classmethod
    def parse(cls, text: str) -> "CrawlStrategy":
        """``naive``, ``all``, or a comma list of strategies to use (``typeahead,reuse``)."""
        text = text.strip().lower()
        if text == "naive":
            return cls(False, False, False)
        if text in ("all", "optimised", "optimized", ""):
            return cls()
        chosen = {part.strip() for part in text.split(",") if part.strip()}
        unknown = chosen - set(NAMES)
        if unknown:
            raise ValueError(f"unknown strategy {', '.join(sorted(unknown))!r}; "
                             f"use naive, all, or some of {', '.join(NAMES)}")
        return cls(**{name: name in chosen for name in NAMES})

    @property
    def name(self) -> str:
        on = [f.name for f in fields(self) if getattr(self, f.name)]
        return "naive" if not on else ("all" if len(on) == len(NAMES) else ",".join(on))


@dataclass(frozen=True)
class Strategies:
    """The objects a :class:`CrawlStrategy` stands for, composed for one crawl."""

    typing: HearingOut          # how known prompts on a walk are heard, and keys typed
    results: HearingResultsOut  # how what a probe led to is heard
    pause: HearingThePause      # what a call does in the pause after a message
    reuse: OneProbePerCall      # whether a call goes on after its probe, and with what

    @classmethod
    def compose(cls, choice: CrawlStrategy, audit: Audit, policy: CrawlPolicy, mapper: Mapper,
                expectations: Expectations, *, now: Callable[[], float]
                ) -> tuple[Strategies, Scheduler]:
        """The strategies ``choice`` names, and the scheduler whose costs depend on them."""
        typing = TypingAhead(mapper.index) if choice.typeahead else HearingOut()
        scheduler = Scheduler(audit, policy, now, typing.heard_seconds)
        results = EarlyHangup(mapper) if choice.hangup else HearingResultsOut()
        pause = (TypingIntoThePause(results, mapper, scheduler, typing, expectations)
                 if choice.typeahead and choice.reuse else HearingThePause(results))
        reuse = Reuse(scheduler) if choice.reuse else OneProbePerCall()
        return cls(typing, results, pause, reuse), scheduler
