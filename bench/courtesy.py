"""How long crawls keep the people who answer: heard out (before issue 17) and hung up on.

For every bundled tree (fixtures/recordings/*, or the specs given) two crawls, side by side:
``stay`` hears a person out (``CrawlPolicy(courtesy=False)``, and no limit on calls to people:
the behaviour before issue 17) and ``new`` hangs up once their first words are known, with the
default ``--max-human-calls`` (3). Per crawl: calls, calls that reached a person and the
seconds of their time used, both as the line saw them (ivraudit.testing.courtesy, from the
IVR's own record of each call: when a person's prompt began, when the call ended) and as the
audit says (``agent_seconds``), and the hang-up delays, median and max over those calls:

- (a) from the person's first word to the hang-up;
- (b) from the end of their first words (their first utterance, or its first 1.5 s when it
  goes on) to the hang-up. The issue's bound: 2 s.

``map`` is how the crawl's map differs from the spec's ground truth (ivraudit.testing.fidelity:
``exact``, or what differs);
``asr s`` is the CPU the crawl spent on speech recognition (reading first words costs a
transcription of them; with a shared --cache, a transcript heard by the stay crawl first is
not paid again).
Over the replay line by default (line time, whisper tiny.en, transcripts cached in --cache);
``--sip`` crawls the paced simulator on 127.0.0.1 instead (real SIP and RTP; line seconds
from the simulator's trace), ``--apology`` says the bundled apology to people in the new crawl.

    python bench/courtesy.py [--sip] [--apology] [--cache DIR] [TREE ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivraudit.asr import open_recognizer  # noqa: E402
from ivraudit.audit.model import Audit  # noqa: E402
from ivraudit.crawl.explorer import Explorer  # noqa: E402
from ivraudit.crawl.policy import CrawlPolicy  # noqa: E402
from ivraudit.lines.replay import ReplayLine  # noqa: E402
from ivraudit.spec import load_spec  # noqa: E402
from ivraudit.spec.model import TreeSpec  # noqa: E402
from ivraudit.telephony.wav import read_telephone_audio  # noqa: E402
from ivraudit.testing.courtesy import PersonOnCall, person_on_call  # noqa: E402
from ivraudit.testing.fidelity import compare  # noqa: E402
from ivraudit.testing.truth import ground_truth  # noqa: E402
from ivraudit.testing.lines import RecordingLine  # noqa: E402

MODES = {"stay": CrawlPolicy(courtesy=False, max_human_calls=10 ** 6), "new": CrawlPolicy()}
APOLOGY = ROOT / "ivraudit" / "sounds" / "apology.wav"


def crawl(spec: TreeSpec, recognizer, policy: CrawlPolicy, sip: bool, apology
          ) -> tuple[Audit, list[PersonOnCall]]:
    """One crawl, and the people its calls reached as the line saw them."""
    if not sip:
        line = RecordingLine(ReplayLine(spec))
        audit = Explorer(line, recognizer, language=spec.language, policy=policy,
                         apology=apology).crawl()
        seen = [person_on_call(spec, c.session.events, c.seconds) for c in line.dialled]
        return audit, [p for p in seen if p is not None]
    from ivraudit.lines.sip import SipAccount, SipLine
    from ivraudit.simulator import Simulator

    with Simulator(spec, paced=True) as sim:
        account = SipAccount(ring_time_scale=1.0, media_timeout=2.0, pace_by_reading=True)
        with SipLine(sim.uri(), account) as sip_line:
            audit = Explorer(sip_line, recognizer, language=spec.language, policy=policy,
                             apology=apology).crawl()
        found = [person_on_call(spec, t.session.events, t.ended_at) for t in sim.traces
                 if t.session is not None and t.ended_at is not None]
    return audit, [p for p in found if p is not None]


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} {max(values):5.2f}" if values else "    -     -"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--sip", action="store_true", help="crawl the paced simulator over SIP")
    parser.add_argument("--apology", action="store_true",
                        help="the new crawl says the bundled apology before hanging up")
    parser.add_argument("--cache", type=Path, default=None, help="transcript cache folder")
    args = parser.parse_args()
    trees = args.trees or sorted((ROOT / "fixtures" / "recordings").glob("*/tree.yaml"))
    apology = read_telephone_audio(APOLOGY) if args.apology else None
    with tempfile.TemporaryDirectory() as scratch:
        recognizer = open_recognizer("whisper", model=None, language="en",
                                     cache_dir=args.cache or Path(scratch))
        recognizer.load()
        print(f"line: {'SIP (paced simulator)' if args.sip else 'replay'}"
              f"{', apology in the new crawl' if apology is not None else ''}")
        print(f"{'tree':18} {'mode':5} {'calls':>5} {'people':>6} {'agent s':>8} "
              f"{'audit s':>8} {'(a) med   max':>13} {'(b) med   max':>13} {'asr s':>6}  map")
        totals: dict[str, list[PersonOnCall]] = {mode: [] for mode in MODES}
        audit_totals = dict.fromkeys(MODES, 0.0)
        for tree in trees:
            spec = load_spec(tree)
            truth = ground_truth(spec)
            for mode, policy in MODES.items():
                audit, people = crawl(spec, recognizer, policy, args.sip,
                                      apology if mode == "new" else None)
                totals[mode] += people
                told = sum(c.agent_seconds or 0.0 for c in audit.calls)
                audit_totals[mode] += told
                same = compare(spec, truth, audit).describe()
                print(f"{tree.parent.name[:18]:18} {mode:5} {len(audit.calls):5d} {len(people):6d} "
                      f"{sum(p.after_first_word for p in people):8.2f} {told:8.2f} "
                      f"{_spread([p.after_first_word for p in people]):>13} "
                      f"{_spread([p.after_words for p in people]):>13} "
                      f"{float(audit.asr.get('seconds', 0.0)):6.1f}  {same}"
                      + ("" if audit.complete else "  (incomplete)"))
        for mode, people in totals.items():
            print(f"{'total':18} {mode:5} {'':5} {len(people):6d} "
                  f"{sum(p.after_first_word for p in people):8.2f} {audit_totals[mode]:8.2f} "
                  f"{_spread([p.after_first_word for p in people]):>13} "
                  f"{_spread([p.after_words for p in people]):>13}")


if __name__ == "__main__":
    main()
