"""Measuring barge-in: which menus take keys while they speak.

That is what makes typing ahead faster, so it is measured, never assumed. Typing ahead
measures it on the crawl's own calls; what is still unknown on the fastest way to a human is
measured at the end on one more call down that way, pressing each key into its prompt: a
prompt that stops when its key goes in takes keys while it speaks.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from ivraudit.audit.metrics import fastest_route, listening_weight, root_of
from ivraudit.audit.model import Audit
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.people import StopTest
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.typeahead import TYPEAHEAD_PRESS_DELAY
from ivraudit.listen.listener import Heard

CUT_SHORT_SHARE = 0.6
"""A prompt heard for less than this share of its length was stopped by the key."""
MEASURABLE_SECONDS = 1.5
"""Shorter prompts are over before a key 0.3 s in could tell anything."""

OpenCall = Callable[[str, list[str]], AbstractContextManager["CallSession | None"]]
"""The engine's call opener: ``open_call(purpose, path)`` yields a session, or None when the
call failed."""


def measure_barge_in(audit: Audit, mapper: Mapper, open_call: OpenCall, max_calls: int,
                     passes_queue: Callable[[CallSession, str], bool] = lambda s, q: False,
                     people: Callable[[], Callable[[], StopTest] | None] = lambda: None
                     ) -> None:
    """One call down the fastest path to a human, pressing each key into the prompt, where a
    node on it has barge-in unmeasured (and the call budget allows one more call).

    A queue on the way is passed by (the call ends there, with the menus before it
    measured) where ``passes_queue`` says so: once enough calls have reached a person
    (ivraudit.crawl.queues.Queues.reached_people); the person at the end is hung up on as
    soon as known (``people``: the queues' test for a person's first words,
    ivraudit.crawl.people)."""
    root = root_of(audit)
    if root is None:
        return
    route = fastest_route(audit, root, lambda n: n.kind == "human", listening_weight, 0.0)
    if route is None or len(audit.calls) >= max_calls:
        return
    if all(audit.nodes[e.source].barge_in is not None for e in route.edges
           if audit.nodes[e.source].acting and e.key != "timeout"):
        return  # typing ahead on the crawl's own calls measured it already
    measured: dict[str, bool] = {}
    with open_call("type-ahead", route.keys) as session:
        if session is None:
            return
        current: Heard | None = None  # the prompt of the route's current node, once heard
        for edge in route.edges:
            node = audit.nodes[edge.source]
            if node.acting and edge.key != "timeout":
                if current is None:
                    current = session.hear(press_after_onset=(edge.pressed, TYPEAHEAD_PRESS_DELAY))
                cut_short = current.seconds < CUT_SHORT_SHARE * node.prompt_seconds
                if node.prompt_seconds >= MEASURABLE_SECONDS and current.pressed_at is not None:
                    measured[node.id] = cut_short
                if not cut_short:
                    session.call.press(edge.pressed)
                current = None
            elif node.kind == "hold":
                if current is None:
                    session.hear()  # its prompt, into music
                if passes_queue(session, node.id):
                    break
                current = session.through_hold(people=people())[2]
            else:  # a message moves on by itself; a timeout edge waits the line out
                if current is None:
                    session.hear()
                current = None
        else:
            final = current if current is not None else session.hear_result()
            if mapper.identify(final) != route.edges[-1].target:
                audit.problems.append("type-ahead call did not reach the human; "
                                      "barge-in left unmeasured")
                return
            session.met_person(final.onset)
    for node_id, barge_in in measured.items():
        audit.nodes[node_id].barge_in = barge_in
