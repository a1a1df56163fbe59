"""A menu's invalid-entry limit: telling "too many attempts, goodbye" from an option.

IVRs count wrong keys in a row ("too many invalid attempts, goodbye" on the third). A wrong
key pressed after others may so lead somewhere that the same key alone does not: that is the
menu's limit, not an option of the key (the key alone is tried on another call).
"""

from __future__ import annotations

from collections.abc import Sequence

from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.probes import WRONG_KEY_ROLES, misheard

LIMIT_KINDS = ("message", "hangup", "unknown")
"""What a menu's invalid-entry limit leads to ("too many attempts, goodbye", a hang-up); a key
that leads to a menu, a queue or a person after other wrong keys is an option there."""


def limit_met(mapper: Mapper, before: Sequence[str], menu: str, target: str,
              role: str = "invalid", key: str = "") -> bool:
    """Did a wrong key, pressed at ``menu`` after the wrong keys ``before`` on this call, meet
    the menu's limit? It led elsewhere than wrong keys lead there and than those before it on
    this call did (the first key tried as invalid may be an option), as far as known (zoo
    21058), to something a limit leads to. A ``key`` heard announced (``role``) is doubted
    so only where it may be a wrong key: read from a word that sounds like a key ("press
    for badditch": 4, zoo seed 29816), or leading where the menu's known limit does; an
    option the prompt names that ends the call ("press pound to quit") is believed."""
    invalid = mapper.first_target.get((menu, "invalid"))
    usual = {invalid, *(mapper.first_target.get((menu, k)) for k in before)} - {None}
    ends = mapper.audit.nodes[target].kind in LIMIT_KINDS
    met = bool(before) and bool(usual) and target not in usual and ends
    if not met or role != "announced":
        return met
    node = mapper.audit.nodes[menu]
    limits = {e.target for e in mapper.audit.out_edges(menu) if e.key == "invalid"} \
        if node.invalid_limit is not None else set()
    return misheard(node, key) or target in limits


def limit_reached(mapper: Mapper, before: Sequence[str], menu: str, key: str,
                  target: str) -> bool:
    """Pressed again after the wrong keys ``before``, the wrong ``key`` that alone brings the
    caller back led somewhere else: whatever that is (a goodbye, a hang-up, an operator), it
    is where the menu's limit leads."""
    usual = dict(mapper.invalid_tries.get(menu, [])).get(key)
    return bool(before) and usual is not None and target != usual


def counted_as_wrong(mapper: Mapper, role: str, menu: str, target: str) -> bool | None:
    """Does the menu count the key just pressed at it as a probe of ``role``, which led to
    ``target``, toward its limit? The wrong-key probes' keys, yes; a key heard announced
    that led where wrong keys lead, yes too: misheard ("For baggage, press 2" heard as
    "... press for badditch press ...", zoo seed 29816), or an option that does not work, the
    menu counted it, and the next wrong key met its limit of two. An announced key that
    works ends the count (False); other probes say nothing of it (None)."""
    if role in WRONG_KEY_ROLES:
        return True
    if role == "announced":
        return target == mapper.first_target.get((menu, "invalid"))
    return None
