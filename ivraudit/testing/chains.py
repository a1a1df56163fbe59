"""Long chains of message nodes, the shape that once made the spec loader's loop check cubic.

Shared by the test that holds the check to its result on 10,000 messages and by
bench/message_chains.py, which times it.
"""

from __future__ import annotations

from ivraudit.spec.model import NodeSpec


def message_chain(count: int, *, loop: bool) -> dict[str, NodeSpec]:
    """A menu whose key 1 starts ``count`` chained messages (``m0``, ``m1``...); the last goes
    back to the menu (valid) or, with ``loop``, to the first (messages that never wait)."""
    nodes = {"main": NodeSpec(id="main", type="menu", options={"1": "m0"})}
    for i in range(count):
        last = i == count - 1
        nodes[f"m{i}"] = NodeSpec(id=f"m{i}", type="message",
                                  next=("m0" if loop else "main") if last else f"m{i + 1}")
    return nodes
