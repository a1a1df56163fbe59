"""How many simultaneous calls the simulator and the SIP line sustain in real time.

Starts ``ivraudit simulate`` (a separate process, so its CPU is measured alone) on 127.0.0.1
with the demo tree, then places 1, 4 and 8 simultaneous calls with the SIP line, each reading
audio for ``--seconds`` as a crawler would. For every level it prints:

- lost: share of frames that never arrived (gaps in RTP timestamps);
- late: share of frames that arrived more than 40 ms (two frames, a small jitter buffer) after
  their place in a steady 20 ms schedule anchored at the call's first packet;
- the simulator's CPU seconds per call-minute, and the caller's;
- resident memory of both processes.

Then (``--crawl-levels``) it crawls the synthetic-voices tree over SIP in real time at each
concurrency, one explorer and one whisper model for all calls, as ``ivraudit crawl`` does: the
line time the crawl took (wall), and the key lag, the most audio that had arrived but was not
yet heard when a key went out (``SipCall.max_press_lag``: decisions falling behind the line,
the first thing to go when calls outrun the CPU), and whether the map is exactly the tree's.
This is what ``--concurrency``'s default for SIP rests on.

    python bench/sip_concurrency.py [--seconds 20] [--levels 1 4 8] [--crawl-levels 1 2 4 8]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "fixtures" / "recordings" / "acme-pbx" / "tree.yaml"
CRAWL_SPEC = ROOT / "fixtures" / "recordings" / "synthetic-voices" / "tree.yaml"
LATE_SECONDS = 0.040


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _one_call(uri: str, seconds: float, results: list[dict[str, float]]) -> None:
    from ivraudit.lines.sip import SipAccount, SipLine

    with SipLine(uri, SipAccount()) as line:
        call = line.dial()
        call.media.arrivals = []
        frames = int(seconds / 0.02)
        got = 0
        while got < frames and not call.ended:
            got += len(call.read(10)) // 160
        arrivals = list(call.media.arrivals)
        media = call.media
        call.hangup()
    first_time, first_index = arrivals[0]
    late = sum(1 for t, i in arrivals if t - (first_time + (i - first_index) * 0.02) > LATE_SECONDS)
    results.append({"frames": media.received, "lost": media.received - media.packets,
                    "late": late, "packets": len(arrivals)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--crawl-levels", type=int, nargs="*", default=[1, 2, 4, 8])
    args = parser.parse_args()
    sim = subprocess.Popen([sys.executable, "-c", "from ivraudit.cli import main; main()",
                            "simulate", str(SPEC), "--port", "0"],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert sim.stdout is not None
        banner = sim.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))  # type: ignore[union-attr]
        uri = f"sip:ivr@127.0.0.1:{port}"
        print(f"simulator pid {sim.pid} on {uri}; {args.seconds:g} s per call")
        print(f"{'calls':>5} {'lost %':>7} {'late %':>7} {'sim CPU s/call-min':>19} "
              f"{'line CPU s/call-min':>20} {'sim RSS MB':>11} {'line RSS MB':>12}")
        for level in args.levels:
            results: list[dict[str, float]] = []
            sim_cpu, line_cpu = _proc_cpu(sim.pid), time.process_time()
            threads = [threading.Thread(target=_one_call, args=(uri, args.seconds, results))
                       for _ in range(level)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            sim_cpu, line_cpu = _proc_cpu(sim.pid) - sim_cpu, time.process_time() - line_cpu
            minutes = level * args.seconds / 60
            frames = sum(r["frames"] for r in results) or 1
            print(f"{level:>5} {100 * sum(r['lost'] for r in results) / frames:>7.2f} "
                  f"{100 * sum(r['late'] for r in results) / frames:>7.2f} "
                  f"{sim_cpu / minutes:>19.2f} {line_cpu / minutes:>20.2f} "
                  f"{_proc_rss_mb(sim.pid):>11.0f} "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>12.0f}", flush=True)
            if len(results) < level:
                print(f"      {level - len(results)} call(s) failed", flush=True)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    if args.crawl_levels:
        _crawls(args.crawl_levels)


def _crawls(levels: list[int]) -> None:
    """Whole real-time crawls over SIP, one per concurrency level."""
    sys.path.insert(0, str(ROOT))
    from ivraudit.asr import open_recognizer
    from ivraudit.audit.metrics import compute_metrics
    from ivraudit.crawl.explorer import Explorer
    from ivraudit.crawl.policy import CrawlPolicy
    from ivraudit.crawl.strategy import CrawlStrategy
    from ivraudit.lines import open_line
    from ivraudit.lines.sip import SipAccount
    from ivraudit.simulator.server import Simulator
    from ivraudit.spec import load_spec
    from ivraudit.testing.truth import ground_truth, map_to_spec

    spec = load_spec(CRAWL_SPEC)
    truth = ground_truth(spec)
    recognizer = open_recognizer("whisper", model=None, language="en", cache_dir=None)
    recognizer.load()
    print(f"\nreal-time crawls of {CRAWL_SPEC.parent.name} over SIP, strategy reuse,hangup")
    print(f"{'calls at once':>13} {'calls':>5} {'call s':>7} {'wall s':>7} {'key lag s':>9} "
          f"{'CPU s':>6} {'map':>5}")
    for level in levels:
        with Simulator(spec) as sim:
            line = open_line(sim.uri(), account=SipAccount(ring_time_scale=1.0))
            cpu = time.process_time()
            try:
                audit = Explorer(line, recognizer, policy=CrawlPolicy(), language=spec.language,
                                 strategy=CrawlStrategy.parse("reuse,hangup"),
                                 concurrency=level).crawl()
            finally:
                line.close()  # type: ignore[attr-defined]
            cpu = time.process_time() - cpu
        mapping = map_to_spec(spec, audit)
        exact = audit.complete and {(mapping[a], mapping[b], k)
                                    for a, b, k in audit.edges} == truth.edges
        metrics = compute_metrics(audit)
        print(f"{level:>13} {metrics['calls']:>5} {metrics['call_seconds']:>7.0f} "
              f"{audit.wall_seconds:>7.0f} {line.max_press_lag:>9.2f} {cpu:>6.0f} "  # type: ignore[attr-defined]
              f"{'exact' if exact else 'DIFF':>5}", flush=True)


if __name__ == "__main__":
    main()
