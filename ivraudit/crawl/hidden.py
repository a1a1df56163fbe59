"""Keys no prompt announced, judged once the crawl is over: an option hidden behind a key
tried as invalid, and an escape key that only does what wrong keys do.

Both need every try made at a menu: which key was the invalid one is only settled when the
tries agree (ivraudit.crawl.prober), and escape keys are judged against that.
"""

from __future__ import annotations

from collections import Counter

from ivraudit.audit.model import Audit, EdgeRecord
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.probes import misheard


def judge_invalid_keys(mapper: Mapper) -> None:
    """A key pressed as a menu's invalid key that did not do what the invalid key does
    there is an option the prompt did not announce (``hidden``).

    The invalid key is the last one tried as such: another is only tried when the one
    before did not come back to the menu, and trying stops once two agree. The invalid
    target settled so is what escape keys are judged against."""
    for node_id, tries in mapper.invalid_tries.items():
        invalid_target = what_wrong_keys_do(mapper.audit, tries, node_id)
        mapper.first_target[(node_id, "invalid")] = invalid_target
        for key, target in tries:
            if target == invalid_target:
                continue
            edge = mapper.audit.edges.pop((node_id, target, "invalid"), None)
            if edge is not None:
                mapper.audit.add_edge(EdgeRecord(node_id, target, key, key, edge.lead_in,
                                                  "hidden"))


def what_wrong_keys_do(audit: Audit, tries: list[tuple[str, str]], node_id: str) -> str:
    """Where wrong keys lead at a menu: where the last key tried as invalid did, unless
    more of the escape keys the prompt did not announce agree on somewhere else (9 tried
    as invalid repeated the menu, an option the recogniser missed, while 0, * and # all
    played "That option is invalid": zoo seed 12005)."""
    invalid_target = tries[-1][1]
    escapes = Counter(e.target for e in audit.out_edges(node_id) if e.probe == "escape")
    if not escapes:
        return invalid_target
    target, count = escapes.most_common(1)[0]
    agreeing = sum(1 for _, t in tries if t == invalid_target) + escapes[invalid_target]
    return target if count >= 2 and count > agreeing else invalid_target


def judge_escape_keys(mapper: Mapper) -> None:
    """An escape key that does what the invalid key does is invalid, not an option; so is
    an announced key read only from a word that sounds like one (:func:`misheard`).

    So is a key the prompt was heard to name outright, where the wrong keys' answer is a
    message back to the menu ("That option is invalid. Please try again."): the line says
    it is no option. "To return to the main menu, press the star key" was heard as "...
    Press the stock 8 ..." (zoo seed 29775). The option stays among the menu's options, as
    heard, so the report can say that an announced key is answered as invalid (a broken
    option, or a misheard one: the recording tells). Not where wrong keys only start the
    menu again: a key may do that on purpose ("to hear these options again, press 9")."""
    audit = mapper.audit
    for (source, target, key), edge in list(audit.edges.items()):
        if mapper.first_target.get((source, "invalid")) != target or \
                edge.probe not in ("escape", "announced"):
            continue
        heard_wrong = edge.probe == "escape" or misheard(mapper.audit.nodes.get(source), key)
        if heard_wrong or (target != source and any(
                e.key == "auto" and e.target == source for e in audit.out_edges(target))):
            if heard_wrong:
                audit.nodes[source].options = [o for o in audit.nodes[source].options
                                               if o.key != key]
            del audit.edges[(source, target, key)]
            audit.add_edge(EdgeRecord(source, target, "invalid", edge.pressed, edge.lead_in,
                                      "invalid"))
