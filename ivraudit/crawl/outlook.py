"""What a probe is likely to do to the call it is tried on, learned from the crawl so far.

A call that reaches a menu tries the probes left there one after another (the ``reuse``
strategy) until one ends the call (a goodbye, a human, voicemail) or leaves the line at another
node. Whatever is still pending at the menu then costs another walk there, or another call.
So the probes that give the line back at the same menu (a wrong key's "please try again", a
message that returns) go first, the ones that move the call elsewhere next, and the ones that
end it last.

Which is which is not assumed: every probe's outcome is counted per role and key ("escape #",
"announced *"), and a probe is judged by what its kind did at the menus tried before. Before
anything is known, a weak prior stands in: one pseudo-observation of what IVRs usually do
with a wrong key (ask again), star (go back), zero (an operator). The order changes what a
crawl costs, never what it learns: every probe is still tried.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ivraudit.crawl.frontier import Probe

STAYS, MOVES, ENDS = "stays", "moves", "ends"
OUTCOMES = (STAYS, MOVES, ENDS)

_PRIOR_BY_KEY: dict[str, str] = {"*": MOVES, "0": ENDS, "#": STAYS}
_PRIOR_BY_ROLE: dict[str, str] = {"invalid": STAYS, "limit": STAYS, "timeout": ENDS}
"""(A limit probe is queued at a menu whose invalid key brought the caller back, and no
escape key pressed after it met a limit: most such menus take the rest of the wrong keys too,
and a limit probe tried while the call still waits there saves a call of its own.)"""


@dataclass
class Outlook:
    """Counts of what probes did to their calls, by (role, keys) and by role."""

    by_kind: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    by_role: dict[str, Counter[str]] = field(default_factory=dict)

    def saw(self, probe: Probe, outcome: str) -> None:
        """``probe`` left the call waiting at its node (STAYS), at another (MOVES), or over."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        self.by_kind.setdefault((probe.role, probe.keys), Counter())[outcome] += 1
        self.by_role.setdefault(probe.role, Counter())[outcome] += 1

    def chances(self, probe: Probe) -> dict[str, float]:
        """Estimated chance of each outcome: this kind's counts, smoothed towards its role's,
        which are smoothed towards the prior."""
        prior = {o: 1 / 3 for o in OUTCOMES}
        guess = _PRIOR_BY_KEY.get(probe.keys) if probe.role not in ("invalid", "limit") else None
        guess = guess or _PRIOR_BY_ROLE.get(probe.role)
        if guess:
            prior = {o: float(o == guess) for o in OUTCOMES}
        role = _smoothed(self.by_role.get(probe.role, Counter()), prior)
        return _smoothed(self.by_kind.get((probe.role, probe.keys), Counter()), role)

    def loss(self, probe: Probe, redial_seconds: float, ring_seconds: float) -> float:
        """Expected line seconds the call loses by trying ``probe`` now rather than last: a
        call that ends costs a new call to come back (``redial_seconds``), one that moves
        about the walk back, a new call without its ringing."""
        chance = self.chances(probe)
        return chance[ENDS] * redial_seconds + chance[MOVES] * max(0.0, redial_seconds - ring_seconds)


def _smoothed(counts: Counter[str], prior: dict[str, float], weight: float = 1.0) -> dict[str, float]:
    total = sum(counts.values()) + weight
    return {o: (counts.get(o, 0) + weight * prior[o]) / total for o in OUTCOMES}
