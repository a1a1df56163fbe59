"""A queue's answer (the person or voicemail box it goes on to) and the caller's actions
that led into it: what tells queues that sound alike apart once both are sat through
(ivraudit.crawl.samequeues), and whether to sit through one that may be another queue.
"""

from __future__ import annotations

from ivraudit.audit.model import Audit, EdgeRecord, NodeRecord
from ivraudit.crawl.policy import CrawlPolicy

PEOPLE_KINDS = ("human", "voicemail")


def told_by_who_answers(audit: Audit, policy: CrawlPolicy, queue: str,
                        way: tuple[str, str, str]) -> bool:
    """Is the queue reached by ``way`` (node, keys, role), which sounds like the known
    ``queue`` but may be another (ivraudit.crawl.samequeues), sat through as a queue of its
    own? It is where the way is a key, ``queue`` was answered and was reached by another key
    (the waits compared after the crawl are from the keys), while fewer than
    ``max_human_calls`` calls have reached a person. After a timeout it is not: the wait
    before it is the menu's, not the queue's (zoo seed 29984: a queue reached first by the
    menu's timeout, then by its 2, sat through twice and kept as two)."""
    at, keys, role = way
    if role == "timeout" or audit.human_calls >= policy.max_human_calls:
        return False
    node = audit.nodes[queue]
    return answer_of(audit, node) is not None and any(
        (e.source, e.pressed) != (at, keys) for e in keyed_into(audit, node, keys_only=True))


def by_the_same_key(audit: Audit, queues: list[str], keys: str, at: str) -> list[str]:
    """``queues`` (lookalikes), those a caller reached by pressing ``keys`` elsewhere than at
    the node ``at`` first:
    where who answers cannot tell them apart (the courtesy's calls are spent), a key means
    on every menu what it meant on the first ("0" for the operator: zoo seed 29998, two
    queues that ring alike behind 1 and 0 of the main menu, and the submenu's hidden 0)."""
    pressed = {q for q in queues for e in keyed_into(audit, audit.nodes[q], keys_only=True)
               if e.pressed == keys and e.source != at}
    return sorted(queues, key=lambda q: q not in pressed)


def answer_of(audit: Audit, node: NodeRecord) -> str | None:
    """The person (or voicemail box) a queue goes on to by itself, if that is all it does."""
    if node.kind != "hold":
        return None
    onward = [e for e in audit.out_edges(node.id) if e.source == node.id]
    if len(onward) != 1 or onward[0].key != "auto":
        return None
    target = audit.nodes.get(onward[0].target)
    return target.id if target is not None and target.kind in PEOPLE_KINDS else None


def keyed_into(audit: Audit, node: NodeRecord, *, keys_only: bool = False) -> list[EdgeRecord]:
    """The edges into ``node`` from elsewhere that are a caller's action, keys before
    timeouts (a timeout's lead-in holds the menu's wait); only keys if ``keys_only``."""
    keyed = [e for e in audit.edges.values() if e.target == node.id and e.key != "auto"
             and e.source != node.id and not (keys_only and e.probe == "timeout")]
    return sorted(keyed, key=lambda e: e.probe == "timeout")
