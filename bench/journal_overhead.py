"""What the crawl journal costs, and how fast a resume replays it (issue 17, resume).

Crawls a bundled tree over the replay line with the FingerprintRecognizer (no model, so the
crawler's own CPU is what is timed), three ways, alternately: the plain line, the journal line
writing a new journal (every call fsynced), and a resume served wholly from that journal.
Prints seconds per crawl (best of ``--runs``), the time spent appending (fsync included) per
call, and the journal's size per call and per line second.

    python bench/journal_overhead.py [--tree synthetic-voices] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit import __version__  # noqa: E402
from ivraudit.crawl.explorer import Explorer  # noqa: E402
from ivraudit.lines.journal import JournalLine  # noqa: E402
from ivraudit.lines.journal_store import Journal, crawl_header  # noqa: E402
from ivraudit.lines.replay import ReplayLine  # noqa: E402
from ivraudit.spec import load_spec  # noqa: E402
from ivraudit.testing.recognizers import FingerprintRecognizer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default="synthetic-voices")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    spec = load_spec(ROOT / "fixtures" / "recordings" / args.tree / "tree.yaml")
    recognizer = FingerprintRecognizer.from_spec(spec)
    header = crawl_header(str(spec.path), spec, __version__, {}, "")
    times: dict[str, list[float]] = {"plain": [], "journalled": [], "resumed": []}
    append_seconds: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            folder = Path(scratch) / f"journal-{run}"
            started = time.perf_counter()
            audit = Explorer(ReplayLine(spec), recognizer).crawl()
            times["plain"].append(time.perf_counter() - started)

            journal = Journal.open(folder, header, resume=False)
            journal.start()
            spent = [0.0]
            append = journal.append

            def timed(record, heard, append=append, spent=spent) -> None:
                at = time.perf_counter()
                append(record, heard)
                spent[0] += time.perf_counter() - at

            journal.append = timed  # type: ignore[method-assign]
            started = time.perf_counter()
            Explorer(JournalLine(ReplayLine(spec), journal), recognizer).crawl()
            times["journalled"].append(time.perf_counter() - started)
            append_seconds.append(spent[0])
            journal.close()

            journal = Journal.open(folder, header, resume=True)
            journal.start()
            line = JournalLine(ReplayLine(spec), journal)
            started = time.perf_counter()
            Explorer(line, recognizer).crawl()
            times["resumed"].append(time.perf_counter() - started)
            assert line.dialled == 0, "the resume dialled: the crawl is not deterministic"
            journal.close()
        calls = len(audit.calls)
        line_seconds = sum(c.seconds for c in audit.calls)
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    print(f"{args.tree}: {calls} calls, {line_seconds:.0f} line s")
    for name, values in times.items():
        print(f"  {name:10s} best {min(values):6.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"  append (fsync included): {1000 * min(append_seconds) / calls:.1f} ms per call")
    print(f"  journal: {size / 1e6:.2f} MB = {size / calls / 1e3:.0f} kB per call, "
          f"{size / line_seconds / 1e3:.1f} kB per line second")


if __name__ == "__main__":
    main()
