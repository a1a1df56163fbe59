"""How long the spec loader's message-loop check takes on long chains of messages (issue 17).

A tree spec's messages and holds each name one ``next``; the loader refuses a chain that loops
without waiting for input. It once walked the chain from every node, searching a list of the
nodes walked at each step: cubic, 14 s for 2,000 chained messages and over 120 s for 10,000.
Now each node is walked once (ivraudit.spec.loader._check_message_cycles). This script times
both on the same chains, a chain that ends at a menu and one that loops back to its start: the
earlier check is kept here, word for word, as the reference.

    python bench/message_chains.py [--sizes 1000,2000,10000] [--before-up-to 2000]

The earlier check runs only up to --before-up-to nodes (it takes minutes beyond).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivraudit.errors import SpecError  # noqa: E402
from ivraudit.spec.checker import Checker  # noqa: E402
from ivraudit.spec.loader import _check_message_cycles  # noqa: E402
from ivraudit.spec.model import NodeSpec  # noqa: E402
from ivraudit.testing.chains import message_chain  # noqa: E402


def before(check: Checker, nodes: dict[str, NodeSpec]) -> None:
    """The check as it was before issue 17 (commit 0b7d0c2)."""
    for node in nodes.values():
        seen = [node.id]
        current = node
        while current.type in ("message", "hold") and current.next in nodes:
            current = nodes[current.next]
            if current.id in seen:
                if current.id == node.id:
                    loop = " → ".join(seen + [current.id])
                    raise check.fail(f"nodes.{node.id}.next",
                                     f"messages loop without waiting for input ({loop})")
                break
            seen.append(current.id)


def timed(check_function, nodes: dict[str, NodeSpec]) -> tuple[float, str]:
    checker = Checker(Path("bench.yaml"))
    started = time.perf_counter()
    try:
        check_function(checker, nodes)
        outcome = "valid"
    except SpecError as error:
        outcome = f"refused at {error.where}"
    return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,10000")
    parser.add_argument("--before-up-to", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'messages':>9} {'chain':>6} {'before s':>9} {'after s':>8}  outcome")
    for size in (int(s) for s in args.sizes.split(",")):
        for loop in (False, True):
            nodes = message_chain(size, loop=loop)
            after, outcome = timed(_check_message_cycles, nodes)
            was = "-"
            if size <= args.before_up_to:
                seconds, old_outcome = timed(before, nodes)
                assert old_outcome == outcome, (old_outcome, outcome)
                was = f"{seconds:.2f}"
            print(f"{size:>9} {'loop' if loop else 'ends':>6} {was:>9} {after:>8.4f}  {outcome}")


if __name__ == "__main__":
    main()
