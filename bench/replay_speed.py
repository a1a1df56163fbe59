"""How fast a replay crawl covers line time, and where the time goes.

For every bundled tree: one crawl with speech recognition from scratch (cold) and one with
the transcripts already cached (warm), side by side, pinned to one core. Prints line seconds
covered per wall second (the speed-up over real time) and the share spent in speech
recognition. Target: at least 20x real time with whisper tiny.en, cold.

    python bench/replay_speed.py [--asr whisper] [TREE ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit.asr import open_recognizer  # noqa: E402
from ivraudit.crawl.explorer import Explorer  # noqa: E402
from ivraudit.lines.replay import ReplayLine  # noqa: E402
from ivraudit.spec import load_spec  # noqa: E402


def crawl_once(spec_path: Path, asr: str, cache: Path) -> tuple[float, float, float, int]:
    spec = load_spec(spec_path)
    recognizer = open_recognizer(asr, language=spec.language, cache_dir=cache)
    started = time.perf_counter()
    audit = Explorer(ReplayLine(spec), recognizer, language=spec.language).crawl()
    wall = time.perf_counter() - started
    return wall, audit.call_seconds, float(audit.asr.get("seconds", 0.0)), len(audit.nodes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--asr", default="whisper")
    args = parser.parse_args()
    trees = args.trees or sorted((ROOT / "fixtures" / "recordings").glob("*/tree.yaml"))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"{'tree':20s} {'run':5s} {'nodes':>5s} {'line s':>8s} {'wall s':>7s} "
          f"{'x real':>7s} {'ASR share':>9s}")
    totals = {"cold": [0.0, 0.0], "warm": [0.0, 0.0]}
    for tree in trees:
        with tempfile.TemporaryDirectory() as cache:
            for run in ("cold", "warm"):
                wall, line, asr_seconds, nodes = crawl_once(tree, args.asr, Path(cache))
                totals[run][0] += line
                totals[run][1] += wall
                print(f"{tree.parent.name:20s} {run:5s} {nodes:5d} {line:8.0f} {wall:7.1f} "
                      f"{line / wall:7.1f} {asr_seconds / wall:9.0%}")
    for run, (line, wall) in totals.items():
        print(f"{'all trees':20s} {run:5s} {'':5s} {line:8.0f} {wall:7.1f} {line / wall:7.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB; one core; engine {args.asr}")


if __name__ == "__main__":
    main()
