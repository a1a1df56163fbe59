"""The limits a crawl keeps: how deep, how many calls, how long each, which keys never."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivraudit.telephony.constants import DTMF_KEYS


@dataclass(frozen=True)
class CrawlPolicy:
    max_depth: int = 8
    max_calls: int = 300
    max_call_seconds: float = 900.0
    forbid: frozenset[str] = field(default_factory=frozenset)
    probe_escapes: bool = True      # try 0, *, #, an invalid key and no input at every menu
    max_wait: float = 20.0          # silence after which nothing more is coming
    max_repeats: int = 5            # repeats of a menu followed on a no-input probe
    max_wrong_keys: int = 4         # wrong keys pressed in a row to find a menu's limit
                                    # (dialplans often hang up on the 3rd; 1: press one only)
    max_hold: float = 900.0         # how long a queue is waited on (music, ringback, silence)
    courtesy: bool = True           # hang up on a person once recognised (False: hear them out)
    max_human_calls: int = 3        # calls reaching a person after which a known queue is not
                                    # waited through again (its answer is taken as known)

    def __post_init__(self) -> None:
        unknown = set(self.forbid) - set(DTMF_KEYS)
        if unknown:
            raise ValueError(f"--forbid: {''.join(sorted(unknown))} are not phone keys")
        if self.max_human_calls < 0:
            raise ValueError("--max-human-calls must be 0 or more")

    def allows(self, keys: str) -> bool:
        return not any(k in self.forbid for k in keys)
