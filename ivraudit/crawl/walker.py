"""Walking known paths: from the answer to a node a probe starts at, or between menus.

Each step presses the key that led on before (or waits, for a timeout) and confirms where
the line went by the prompt heard there. Known prompts on the way (a message, a queue) are
passed through; anything else means the path no longer leads there (:class:`Diverged`).
How each prompt on the way is heard, and which keys go in together, is the typing strategy's
(ivraudit.crawl.typeahead).
"""

from __future__ import annotations

from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.typeahead import HearingOut, typed_through
from ivraudit.listen.listener import Heard

MAX_PROMPTS_TO_REACH = 12


class Diverged(Exception):
    """A known path did not lead where it led before (the tree changed, or is not deterministic)."""


class Walker:
    """Takes a call along known edges, confirming each node on the way."""

    def __init__(self, audit: Audit, mapper: Mapper, typing: HearingOut) -> None:
        self.audit = audit
        self.mapper = mapper
        self.typing = typing

    def to_node(self, session: CallSession, node: NodeRecord, way: tuple[str, str] = ("", "")
                ) -> Heard:
        """Walk ``node``'s known path from the answer, or ``way`` (keys pressed at a known
        node that led to it: ivraudit.crawl.comeback); returns ``node``'s prompt as heard."""
        if way[0]:
            start = self.audit.nodes[way[0]]
            return self._steps(session, None, start.via + [start.id, node.id],
                               start.path + [way[1]], strict=False)
        return self._steps(session, None, node.via + [node.id], node.path, strict=False)

    def along(self, session: CallSession, heard: Heard, route: list[EdgeRecord]) -> Heard | None:
        """Follow known key edges within a call from where it waits (its prompt ``heard``);
        returns the last node's prompt, or None if the line went somewhere else."""
        if not route:
            return heard
        stops = [route[0].source] + [edge.target for edge in route]
        try:
            return self._steps(session, heard, stops, [edge.pressed for edge in route], strict=True)
        except Diverged:
            return None

    def act(self, session: CallSession, node: NodeRecord, heard: Heard, token: str) -> float:
        """Do one step of a known path at ``node``: press keys, or wait (``timeout``);
        returns the line time it ended."""
        if token == "timeout":
            return session.resume(heard).end
        return session.press_at(node, heard, token, self.mapper.print_of(node.id))

    def _steps(self, session: CallSession, heard: Heard | None, stops: list[str],
               tokens: list[str], *, strict: bool) -> Heard:
        """Take the known steps ``tokens[i]`` at ``stops[i]`` (which led to ``stops[i + 1]``)
        from ``stops[0]``, whose prompt is ``heard`` (None: not heard yet); returns the last
        stop's prompt as heard. Keys that can go in together are typed as one burst.
        ``strict``: known prompts on the way (a message, a queue) are not passed through
        either. Raises :class:`Diverged` when the line goes elsewhere."""
        if heard is None:
            heard = self._reach(session, stops[0], _passing(tokens, 0), strict=strict)
        at = 0
        while at < len(tokens):
            end = self.typing.burst_end(self.audit, stops, tokens, at)
            session.acted += stops[at:end]
            self.act(session, self.audit.nodes[stops[at]], heard, "".join(tokens[at:end]))
            skipped = stops[at + 1:end]
            try:
                heard = self._reach(session, stops[end], _passing(tokens, end),
                                    strict=strict, skipped=skipped)
            except Diverged:
                if skipped:
                    self.typing.burst_astray(stops[at])
                raise
            landed = stops[end] if typed_through(heard) else self.mapper.identify(heard)
            if landed is not None and landed in skipped:
                # That node had not taken the key typed for it before it spoke: it is
                # waiting for it now, and gets it, like any later key, one at a time.
                self.typing.dropped_typed(landed)
                at = stops.index(landed, at + 1)
            else:
                at = end
        return heard

    def _reach(self, session: CallSession, expect: str, passing: bool = False, *,
               strict: bool = False, skipped: list[str] | None = None) -> Heard:
        """Hear prompts until ``expect``'s; known prompts on the way (a message, a queue) are
        passed through (unless ``strict``), anything else means the path no longer leads there.
        A node of ``skipped`` (keys typed for it went in before it spoke) is also where the
        line may be: there, the prompt is returned as it is.

        ``passing``: the caller only passes through ``expect`` on the way to a node further
        down, so where it takes keys while it speaks, its key can go in as soon as it starts."""
        heard = self.typing.hear_known(session, self.audit.nodes.get(expect) if passing else None)
        for _ in range(MAX_PROMPTS_TO_REACH):
            if heard.empty:
                raise Diverged(f"expected {expect}, the line gave {heard.ending.value}")
            if typed_through(heard):
                return heard
            known = self.mapper.identify(heard)
            if self.mapper.plays(expect, known) or (skipped and known in skipped):
                return heard
            if known is None:
                raise Diverged(f"expected {expect}, heard an unknown prompt")
            if strict:
                raise Diverged(f"expected {expect}, heard {known}")
            heard = session.resume(heard)
            last = self.mapper.identify(heard)  # it may have run into the next prompt
            if last is not None and last != known and (
                    self.mapper.plays(expect, last) or (skipped and last in skipped)):
                return heard
            if self.audit.nodes[known].kind == "hold":
                heard = session.through_hold()[2]
            else:
                heard = self.typing.hear_known(session)
        raise Diverged(f"{expect} not reached after {MAX_PROMPTS_TO_REACH} prompts")


def _passing(tokens: list[str], at: int) -> bool:
    """Does the walk only pass through its ``at``-th stop, pressing keys there?"""
    return at < len(tokens) and tokens[at] != "timeout"
