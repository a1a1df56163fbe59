"""How faithfully the crawler maps trees it has never heard: zoo trees from a seed range.

For each seed, fixtures/zoo/generate.py builds a tree in a temporary folder; the crawler maps
it over the replay line by ear (Whisper tiny.en, default strategy) and the map is compared
with the spec's ground truth (ivraudit.testing.fidelity: same nodes after mapping, each heard
once, same kinds, same key -> target edges). Prints a line per tree (seed, nodes, exact or
what differs), the share of exact maps, the relative error of the time to a human against the
truth's (median, 90th percentile, max, within 5%), and failures per pattern: a tree that is
not exact counts against every pattern of the spec nodes in the difference (the spec's
``zoo.nodes``) and against the tree-wide patterns (line, pauses); a second count keeps
only the nodes nearest the answer among those, where the crawl first went wrong (a greeting
that ends the crawl is involved in every node it hides). The last line is

    fidelity: EXACT/N exact, TTH/M within 5%

where M counts the trees whose truth reaches a human.

    python bench/fidelity.py --seeds 1-10 [--jobs 2] [--plain] [--details] [--cache DIR]

A tree the loader refuses (the extension fields before the loader knows them) is a failure
with the loader's message. ``--jobs N`` crawls N trees at once, each process with its own
speech model and one transcript cache on disk.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fixtures"))

from ivraudit.asr import CachedRecognizer, open_recognizer  # noqa: E402
from ivraudit.asr.base import Recognizer  # noqa: E402
from ivraudit.audit.metrics import compute_metrics  # noqa: E402
from ivraudit.audit.model import Audit  # noqa: E402
from ivraudit.crawl.explorer import Explorer  # noqa: E402
from ivraudit.crawl.policy import CrawlPolicy  # noqa: E402
from ivraudit.errors import SpecError  # noqa: E402
from ivraudit.lines.replay import ReplayLine  # noqa: E402
from ivraudit.spec import load_spec  # noqa: E402
from ivraudit.spec.model import TreeSpec  # noqa: E402
from ivraudit.testing.fidelity import judge  # noqa: E402
from ivraudit.testing.truth import Truth, ground_truth  # noqa: E402
from zoo.generate import MAX_NODES, build_tree  # noqa: E402

WITHIN = 0.05
"""A time to a human within 5% of the truth's counts as right (the bundled trees' bar)."""


@dataclass
class TreeResult:
    """One seed's outcome, small enough to send back from a worker process."""

    seed: int
    nodes: int = 0
    exact: bool = False
    what: str = ""
    tth_truth: float | None = None
    tth_crawl: float | None = None
    blamed: list[str] = field(default_factory=list)   # patterns of the nodes that differ
    first: list[str] = field(default_factory=list)    # of those nearest the answer
    patterns: list[str] = field(default_factory=list)  # every pattern of the tree
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0
    longest_hold: float = 0.0  # the longest queue's seconds (for tests/test_zoo_crawls.py)

    @property
    def tth_error(self) -> float | None:
        """Relative error of the crawl's time to a human; inf when it found none."""
        if self.tth_truth is None:
            return None
        if self.tth_crawl is None:
            return math.inf
        return abs(self.tth_crawl - self.tth_truth) / self.tth_truth


_recognizer: CachedRecognizer | None = None


def _open(cache: Path) -> None:
    global _recognizer
    _recognizer = open_recognizer("whisper", model=None, language="en", cache_dir=cache)


def _zoo(tree: Path) -> dict[str, Any]:
    """The tree's zoo metadata: in the spec, or beside it for a --plain tree."""
    raw = yaml.safe_load(tree.read_text(encoding="utf-8"))
    meta = raw.get("zoo")
    if meta is None and (tree.parent / "zoo.yaml").exists():
        meta = yaml.safe_load((tree.parent / "zoo.yaml").read_text(encoding="utf-8"))
    return meta or {"patterns": [], "nodes": {}}


def blame(meta: dict[str, Any], involved: list[str]) -> list[str]:
    """The patterns a failure counts against: those of the nodes involved, and the
    tree-wide ones (a pattern of the tree no node carries: line, pauses)."""
    node_patterns: dict[str, list[str]] = meta.get("nodes", {})
    carried = {p for names in node_patterns.values() for p in names}
    blamed = [p for p in meta.get("patterns", []) if p not in carried]
    for node_id in involved:
        blamed += [p for p in node_patterns.get(node_id, []) if p not in blamed]
    return blamed


def nearest(truth: Truth, involved: list[str]) -> list[str]:
    """The involved nodes fewest keys from the answer: where the crawl first went wrong
    (a node missed early takes everything below it along)."""
    depth = {n: len(truth.audit.nodes[n].path) for n in involved if n in truth.audit.nodes}
    if not depth:
        return involved
    least = min(depth.values())
    return [n for n, d in depth.items() if d == least]


def crawl_seed(seed: int, plain: bool, details: bool, max_hold: float,
               families: list[str] | None = None, max_nodes: int = MAX_NODES) -> TreeResult:
    """Build, crawl and judge one seed's tree (in a worker process); ``families`` and
    ``max_nodes`` as zoo.generate.build_tree takes them (tests/test_zoo_crawls.py)."""
    result = TreeResult(seed)
    started = time.perf_counter()
    try:
        _judge(result, plain, details, max_hold, families, max_nodes)
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _judge(result: TreeResult, plain: bool, details: bool, max_hold: float,
           families: list[str] | None, max_nodes: int) -> None:
    assert _recognizer is not None
    seed = result.seed
    with tempfile.TemporaryDirectory(prefix=f"ivraudit-zoo-{seed}-") as tmp:
        path = build_tree(seed, Path(tmp), plain=plain, families=families,
                          max_nodes=max_nodes)
        meta = _zoo(path)
        result.patterns = list(meta.get("patterns", []))
        result.nodes = len(meta.get("nodes", {}))
        try:
            spec = load_spec(path)
        except SpecError as exc:
            result.what = f"not loadable: {exc}"
            result.blamed = list(result.patterns)
            return
        truth = ground_truth(spec)
        result.tth_truth = time_to_human(truth.metrics)
        result.longest_hold = max((n.seconds for n in spec.nodes.values() if n.type == "hold"),
                                  default=0.0)
        try:
            audit = crawl(spec, _recognizer, max_hold)
        except Exception as exc:  # a crawler crash is a finding, not the bench's end
            result.what = f"crawl failed: {type(exc).__name__}: {exc}"
            result.blamed = list(result.patterns)
            result.details = traceback.format_exc().splitlines()[-6:]
            return
        truth, mapping, diff = judge(spec, audit)
        result.exact = diff.exact
        result.what = diff.describe()
        result.tth_crawl = time_to_human(compute_metrics(audit))
        if not diff.exact:
            involved = diff.involved()
            result.blamed = blame(meta, involved)
            result.first = blame(meta, nearest(truth, involved))
        if details and not diff.exact:
            result.details = [f"{n.id} -> {mapping[n.id]} {n.kind}: {n.transcript[:100]!r}"
                              for n in audit.nodes.values()]


def crawl(spec: TreeSpec, recognizer: Recognizer, max_hold: float) -> Audit:
    """The crawl the bench judges, shared with tests/test_zoo_crawls.py so CI crawls a zoo
    tree exactly as the bench does: over the replay line, the default strategy, in the
    spec's language, waiting at most ``max_hold`` s in a queue."""
    return Explorer(ReplayLine(spec), recognizer, language=spec.language,
                    policy=CrawlPolicy(max_hold=max_hold)).crawl()


def time_to_human(metrics: dict[str, object]) -> float | None:
    """The time to a human of an audit's metrics (the truth's or a crawl's); None: no human."""
    value = metrics.get("time_to_human_seconds")
    return float(value) if isinstance(value, (int, float)) else None


def _line(r: TreeResult) -> str:
    tth = ""
    if r.tth_truth is not None:
        crawl = "none" if r.tth_crawl is None else f"{r.tth_crawl:.1f}"
        tth = f"  tth {crawl}/{r.tth_truth:.1f}s"
    verdict = "exact" if r.exact else r.what
    return f"seed {r.seed:5d}  nodes {r.nodes:2d}  {verdict}{tth}  ({r.seconds:.0f} s)"


def _share(error: float) -> str:
    return "no human found" if math.isinf(error) else f"{error:.1%}"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(results: list[TreeResult]) -> list[str]:
    """The report after the per-tree lines; its last line is the fidelity line."""
    n = len(results)
    exact = sum(r.exact for r in results)
    errors = [e for r in results if (e := r.tth_error) is not None]
    within = sum(e <= WITHIN for e in errors)
    lines = [f"exact: {exact}/{n}"]
    if errors:
        finite = [e for e in errors if math.isfinite(e)]
        lines.append(f"time to human, relative error over {len(errors)} trees with a human: "
                     f"median {_share(statistics.median(errors))}, "
                     f"90% {_share(_percentile(errors, 0.9))}, max {_share(max(errors))}; "
                     f"within 5%: {within}; human not found: "
                     f"{len(errors) - len(finite)}")
    present = Counter(p for r in results for p in r.patterns)
    failed = Counter(p for r in results for p in r.blamed)
    first = Counter(p for r in results for p in r.first)
    if failed:
        lines.append("failures per pattern: trees where it is at the first difference / "
                     "involved in the difference / trees with it")
        for name, count in sorted(failed.items(), key=lambda kv: (-first[kv[0]], -kv[1], kv[0])):
            lines.append(f"  {name:28s} {first[name]:3d} {count:4d} {present[name]:4d}")
    clean = sorted(p for p in present if p not in failed)
    if clean:
        lines.append("never blamed: " + ", ".join(clean))
    lines.append(f"fidelity: {exact}/{n} exact, {within}/{len(errors)} within 5%")
    return lines


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", required=True, help="FIRST-LAST (inclusive)")
    parser.add_argument("--jobs", type=int, default=1, help="trees crawled at once")
    parser.add_argument("--plain", action="store_true",
                        help="trees in the plain format (no extension fields)")
    parser.add_argument("--details", action="store_true",
                        help="after a tree that is not exact, each crawled node and transcript")
    parser.add_argument("--cache", type=Path, help="transcript cache folder (default: temporary)")
    parser.add_argument("--max-hold", type=float, default=CrawlPolicy().max_hold,
                        help="seconds a crawl waits in a queue (default: the crawler's own); "
                             "zoo queues hold 15-50 s, so 120 decides "
                             "every tree alike, faster: only a crawl that missed the person "
                             "waits longer")
    parser.add_argument("--families", default="",
                        help="comma-separated pattern families every tree must include, to "
                             "judge one family on trees of its own (fixtures/zoo/README.md)")
    parser.add_argument("--max-nodes", type=int, default=MAX_NODES,
                        help=f"the most nodes a tree may have (default {MAX_NODES})")
    args = parser.parse_args(argv)
    families = [f for f in args.families.split(",") if f] or None
    seeds = _seeds(args.seeds)
    with tempfile.TemporaryDirectory(prefix="ivraudit-fidelity-") as tmp:
        cache = args.cache or Path(tmp)
        with ProcessPoolExecutor(max_workers=max(1, args.jobs), initializer=_open,
                                 initargs=(cache,)) as pool:
            results = []
            for result in pool.map(crawl_seed, seeds, [args.plain] * len(seeds),
                                   [args.details] * len(seeds), [args.max_hold] * len(seeds),
                                   [families] * len(seeds), [args.max_nodes] * len(seeds)):
                results.append(result)
                print(_line(result), flush=True)
                for detail in result.details:
                    print(f"      {detail}", flush=True)
    for line in summary(results):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
