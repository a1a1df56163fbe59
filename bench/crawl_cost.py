"""What a crawl costs in line time, naive and optimised, side by side, against the floor.

For every bundled tree and two generated mazes of about 50 and 200 nodes (spliced from the
same human-recorded words by fixtures/generate_maze.py), or the specs given, one crawl per
strategy in the same run: calls,
call seconds (ringing included: what a phone bill counts), the floor (ivraudit.audit.metrics:
each distinct prompt once, each edge once, one call per edge that ends a call), call seconds
over the floor, the part of the call seconds spent walking known paths to a probe's node (nav:
none of it is in the floor), the "invalid entry" messages the line played again after every key
found invalid but the first (msg: the floor hears each message once; the line plays it in full,
taking no keys, after each wrong key, and a crawl must press them all to map what the naive crawl
maps), and the line-clock wall time at concurrency 1 and 4 (how long the crawl takes
on a phone line: replay lanes are kept in step on the line clock, ivraudit.crawl.lanes). Every
crawl must map the spec's graph; the script says if one does not.
Targets (issue 5): call seconds at most 1.3x the floor at concurrency 1; wall time at
concurrency 4 at most a third of the naive crawl's.

    python bench/crawl_cost.py [--strategies naive,typeahead,reuse,hangup,all]
                               [--generated 50,200] [TREE ...]

The call budget is lifted (--max-calls 100000): the naive crawl of the 200-node maze needs
several hundred calls, more than a polite default allows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit.asr import open_recognizer  # noqa: E402
from ivraudit.audit.metrics import compute_metrics  # noqa: E402
from ivraudit.audit.model import Audit  # noqa: E402
from ivraudit.crawl.explorer import Explorer  # noqa: E402
from ivraudit.crawl.policy import CrawlPolicy  # noqa: E402
from ivraudit.crawl.strategy import CrawlStrategy  # noqa: E402
from ivraudit.lines.replay import ReplayLine  # noqa: E402
from ivraudit.spec import load_spec  # noqa: E402
from ivraudit.testing.truth import ground_truth, map_to_spec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--strategies", default="naive,typeahead,reuse,hangup,all")
    parser.add_argument("--generated", default="50,200",
                        help="sizes of generated mazes to add when no TREE is given ('' for none)")
    args = parser.parse_args()
    strategies = args.strategies.split(",")
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as mazes:
        trees = args.trees or sorted((ROOT / "fixtures" / "recordings").glob("*/tree.yaml"))
        if not args.trees and args.generated:
            sys.path.insert(0, str(ROOT / "fixtures"))
            from generate_maze import write_maze
            trees += [write_maze(int(n), Path(mazes)) for n in args.generated.split(",")]
        policy = CrawlPolicy(max_calls=100_000)
        print(f"{'tree':18s} {'strategy':10s} {'calls':>5s} {'call s':>8s} {'floor s':>8s} "
              f"{'x floor':>7s} {'vs naive':>8s} {'nav s':>7s} {'msg s':>6s} {'wall c1':>8s} {'wall c4':>8s} "
              f"{'c4/naive':>8s} {'graph':>6s} {'cpu s':>6s}")
        for spec_path in trees:
            spec = load_spec(spec_path)
            truth = ground_truth(spec)
            recognizer = open_recognizer("whisper", language=spec.language, cache_dir=Path(cache))
            naive_wall = None
            naive_seconds = None
            for name in strategies:
                started = time.perf_counter()
                runs = {}
                for concurrency in (1, 4):
                    runs[concurrency] = Explorer(
                        ReplayLine(spec), recognizer, language=spec.language, policy=policy,
                        strategy=CrawlStrategy.parse(name), concurrency=concurrency).crawl()
                cpu = time.perf_counter() - started
                metrics = compute_metrics(runs[1])
                same = all(_same_graph(spec, truth, audit) for audit in runs.values())
                seconds = float(metrics["call_seconds"])
                naive_seconds = naive_seconds if naive_seconds is not None else seconds
                naive_wall = naive_wall if naive_wall is not None else runs[1].wall_seconds
                print(f"{spec_path.parent.name:18s} {name:10s} {metrics['calls']:5d} "
                      f"{seconds:8.0f} {metrics['floor_seconds']:8.0f} "
                      f"{metrics['cost_ratio']:7.2f} {seconds / naive_seconds:8.2f} "
                      f"{metrics['navigating_seconds']:7.0f} {replayed_messages(runs[1]):6.0f} "
                      f"{runs[1].wall_seconds:8.0f} {runs[4].wall_seconds:8.0f} "
                      f"{runs[4].wall_seconds / naive_wall:8.2f} "
                      f"{'same' if same else 'DIFF':>6s} {cpu:6.1f}", flush=True)


def replayed_messages(audit: Audit) -> float:
    """Line seconds of messages played again after keys found invalid: each key pressed on
    an invalid edge into a message plays it, and each but the first there the pause before
    the menu comes back; the floor has each message once and each return once."""
    heard = 0.0
    messages: set[str] = set()
    for edge in audit.edges.values():
        message = audit.nodes[edge.target]
        if edge.key != "invalid" or message.kind != "message":
            continue
        back = next((b.lead_in for b in audit.out_edges(message.id)
                     if b.key == "auto" and b.target == edge.source), 0.0)
        presses = len(edge.keys_pressed)
        heard += presses * message.prompt_seconds + (presses - 1) * back
        messages.add(message.id)
    return heard - sum(audit.nodes[m].prompt_seconds for m in messages)


def _same_graph(spec, truth, audit) -> bool:  # type: ignore[no-untyped-def]
    mapping = map_to_spec(spec, audit)
    return {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == truth.edges


if __name__ == "__main__":
    main()
