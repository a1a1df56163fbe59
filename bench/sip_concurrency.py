"""How many simultaneous calls the simulator and the SIP line sustain in real time.

Starts ``ivraudit simulate`` (a separate process, so its CPU is measured alone) on 127.0.0.1
with the demo tree, then places 1, 4 and 8 simultaneous calls with the SIP line, each reading
audio for ``--seconds`` as a crawler would. For every level it prints:

- lost: share of frames that never arrived (gaps in RTP timestamps);
- late: share of frames that arrived more than 40 ms (two frames, a small jitter buffer) after
  their place in a steady 20 ms schedule anchored at the call's first packet;
- the simulator's CPU seconds per call-minute, and the caller's;
- resident memory of both processes.

    python bench/sip_concurrency.py [--seconds 20] [--levels 1 4 8]
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


if __name__ == "__main__":
    main()
