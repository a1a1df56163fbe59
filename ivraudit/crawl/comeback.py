"""Results that depend on where the caller came from: doing an action again on a new way in.

Dialplans send a caller "back": after "Thank you, your request has been recorded" a line
returns to the menu the caller came from (Asterisk's "return to previous menu", a done
message whose next step is the menu that led to the digit entry). Where an input (or any
prompt that waits for the caller) is reached from two menus, what follows its action goes
back to whichever of them the caller came from: the same prompt, the same digits, two
places. A crawl that does each action once, on the first way it reached the node by, maps
one of them and never learns the other.

So each call keeps the prompts the caller acted at, in order (``CallSession.acted``). The
menu the caller *came from* to a node is the last menu acted at before it on that call. A
message reached by an action at ``node`` that then goes on to the menu the caller came from
to ``node`` (not ``node`` itself: that is the "invalid entry, please try again" kind, the
same from every way) may do so from every way in: the action is noted as depending on the
way in. For every other menu the node is reached from (a key there led straight to it), the
action is done once more with the caller come from that menu (a :class:`Probe` with
``after``; on a new call it walks there by that menu's key), once per menu, only for such
actions, and only within the crawl's call budget. A call that has just come by the new way
does it at once (ivraudit.crawl.reuse), which costs no new call. A message that turns out
to go to the same place from every way (to the main menu, say) costs that one action per
way; the line gives no other way to tell "back" from "to the main menu".
"""

from __future__ import annotations

from collections.abc import Sequence

from ivraudit.audit.model import Audit
from ivraudit.crawl.frontier import Probe

Way = tuple[str, str]
"""An action that led straight to a node: (node it was done at, keys pressed)."""


def came_from(audit: Audit, acted: Sequence[str], at: str) -> str | None:
    """The menu a caller who acted at the nodes ``acted`` (in order) came from to ``at``: the
    last menu among them, those at ``at`` itself at the end left out (keys pressed there, a
    wait that repeated it)."""
    end = len(acted)
    while end and acted[end - 1] == at:
        end -= 1
    return next((node_id for node_id in reversed(acted[:end])
                 if node_id in audit.nodes and audit.nodes[node_id].kind == "menu"), None)


class Comebacks:
    """Actions whose result depends on the way in, and the ways in known, per node."""

    def __init__(self) -> None:
        # node -> (role, keys) of an action there that went back to the menu the caller came
        # from -> the menus it was done after
        self._depends: dict[str, dict[tuple[str, str], set[str]]] = {}
        # node -> menu it was reached from -> a way from there (keys pressed at a node)
        self._ways: dict[str, dict[str, Way]] = {}

    def arrived(self, node: str, menu: str | None, way: Way) -> list[Probe]:
        """``node`` was reached by ``way``, the caller come from ``menu``: the actions to do
        again there for it."""
        if menu is None or menu == node:
            return []
        self._ways.setdefault(node, {}).setdefault(menu, way)
        return self._again(node)

    def went_back(self, probe: Probe, node: str, menu: str) -> list[Probe]:
        """``probe``, done at ``node`` with the caller come from ``menu``, was followed by a
        message that went back to ``menu``: the actions to do again for it."""
        self._depends.setdefault(node, {}).setdefault((probe.role, probe.keys), set()).add(menu)
        return self._again(node)

    def _again(self, node: str) -> list[Probe]:
        return [Probe(node, role, keys, after=menu, way=way)
                for (role, keys), done in self._depends.get(node, {}).items()
                for menu, way in self._ways.get(node, {}).items() if menu not in done]
