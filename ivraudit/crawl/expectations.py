"""What the line has shown comes next: where messages go on, where keys lead everywhere.

A caller who has heard "invalid entry, please try again" go back to the menu that played it
expects it to do that again; one who heard star lead to the main menu from every other menu
expects it from the next one too. Such an expectation is only ever a head start (the expected
prompt is taken on its first second, as on a mapped path): a prompt that is not the expected
one is heard on and recognised as usual, so a wrong expectation costs time, never the map.
"""

from __future__ import annotations

from ivraudit.audit.model import HANGUP_NODE, Audit

MIN_WITNESSES = 2
"""Starts (or messages, or menus) that must agree before a habit of the line is expected."""


class Expectations:
    """What messages went on to, per start, and what the line therefore expects next."""

    def __init__(self, audit: Audit) -> None:
        self.audit = audit
        # (start, message) -> what the message went on to after an action at start; None once
        # it was seen to go on to two different places (or to nothing)
        self.continuations: dict[tuple[str, str], str | None] = {}
        # message -> has it gone on, every time, to the node acted at before it or to the
        # menu the caller came from to that node
        self._returned: dict[str, bool] = {}

    def continued(self, start: str, node_id: str, then: str | None,
                  came_from: str | None = None) -> None:
        """Note that ``node_id``, reached by an action at ``start``, went on to ``then``.

        Where a message goes on by itself can depend on where the caller came from (one
        "invalid entry" message returns to whichever menu played it), so it is noted per
        starting node. Seen to go on somewhere else another time, it is not expected at all.
        ``came_from``: the menu the caller came from to ``start`` (ivraudit.crawl.comeback).
        """
        self._returned[node_id] = self._returned.get(node_id, True) and \
            then is not None and then in (start, came_from)
        key = (start, node_id)
        if then is None or self.continuations.get(key, then) != then:
            self.continuations[key] = None
        elif key not in self.continuations:
            self.continuations[key] = then

    def renamed(self, old_id: str, new_id: str) -> None:
        """Actions at ``old_id`` are ``new_id``'s now (ivraudit.crawl.unmerge)."""
        self.continuations = {
            (new_id if start == old_id else start, message): (new_id if then == old_id else then)
            for (start, message), then in self.continuations.items()}

    def after_message(self, start: str, node_id: str) -> str | None:
        """Where ``node_id`` (a message), reached by an action at ``start``, is expected to
        go on: where it went from ``start`` before; else, if from every other start (two at
        least) it went back to that start, as "invalid entry, please try again" does, back to
        ``start``; else, for a message never heard going on, back to ``start`` if on this
        line messages do that (two at least did, and every one that went on to a prompt
        went back where it was reached from)."""
        if (start, node_id) in self.continuations:
            return self.continuations[(start, node_id)]
        seen = [where for where, message in self.continuations if message == node_id]
        if seen:
            return start if len(seen) >= MIN_WITNESSES and self.goes_back(node_id) else None
        went_on = [(where, message, then) for (where, message), then in self.continuations.items()
                   if then != HANGUP_NODE and self._is_message(message)]
        if (len({message for _, message, _ in went_on}) >= MIN_WITNESSES
                and all(then == where for where, _, then in went_on)):
            return start
        return None

    def goes_back(self, message: str) -> bool:
        """Has ``message`` gone back to where the caller acted before it, every time it was
        heard going on ("Invalid entry", back to whichever menu played it)?"""
        seen = [(where, then) for (where, node_id), then in self.continuations.items()
                if node_id == message]
        return bool(seen) and all(then == where for where, then in seen)

    def returns(self, message: str) -> bool:
        """Has ``message`` gone back, every time it was heard going on, to the node the caller
        acted at before it or to the menu the caller came from to that node ("Thank you,"
        after digits, back to whichever menu led to the entry)?"""
        return self._returned.get(message, False)

    def after_press(self, start: str, keys: str) -> str | None:
        """Where announced ``keys`` are expected to lead from ``start``, where they were not
        pressed yet: where they led as an announced option at every other menu (two at
        least), as "star for the main menu" does."""
        sources, targets = set(), set()
        for edge in self.audit.edges.values():
            if edge.probe == "announced" and edge.pressed == keys and edge.source != start:
                sources.add(edge.source)
                targets.add(edge.target)
        if len(sources) >= MIN_WITNESSES and len(targets) == 1:
            target = targets.pop()
            return target if self.audit.nodes[target].acting else None
        return None

    def _is_message(self, node_id: str) -> bool:
        node = self.audit.nodes.get(node_id)
        return node is not None and node.kind == "message"
