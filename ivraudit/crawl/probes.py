"""What the explorer tries at a node: the probing rules, shared with the ground truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ivraudit.interpret import ends_before_its_key

INVALID_CANDIDATES = "987654321"
"""Digits tried, in order, as the invalid key: the first one a menu did not announce."""


def invalid_key(announced: Sequence[str], allows: Callable[[str], bool] = lambda k: True) -> str | None:
    """The key pressed to see how a menu handles a wrong key."""
    return next((k for k in INVALID_CANDIDATES if k not in announced and allows(k)), None)


def skipped_keys(announced: Sequence[str]) -> list[str]:
    """Digits a numbered list of choices skips: the one between two announced digits a step
    of two apart ("1 for balances. 3 for loans."). Menus number their choices in order; a
    number missing is most often one the recogniser did not hear ("One for account
    balances, for lost or stolen cards. Three for loans": Whisper dropped the "two", zoo seed
    19018), so it is tried like the keys no prompt announces."""
    digits = sorted(int(k) for k in announced if len(k) == 1 and k.isdigit())
    return [str(a + 1) for a, b in zip(digits, digits[1:]) if b - a == 2]


def unsaid_last_key(announced: Sequence[str], transcript: str) -> list[str]:
    """The digit after the last one announced, when the prompt ends on a verb with no key
    ("To cancel your service, press 1. To hear your balance, press": Whisper dropped the
    "two", zoo seed 20031): menus number their choices in order, so the last choice's key is
    most likely the next number. Tried like the keys no prompt announces."""
    digits = [int(k) for k in announced if len(k) == 1 and k.isdigit()]
    if not ends_before_its_key(transcript) or not digits or max(digits) >= 9:
        return []
    return [str(max(digits) + 1)]


UNKNOWN_ENTRY = "?"
"""Stands for 'enter digits one at a time until the node answers' (length not announced)."""
MAX_ENTRY_DIGITS = 16
DIGIT_PATIENCE_SECONDS = 1.8
"""After each digit of an unknown-length entry: how long to listen for the node to move on."""


def entry_for(digits: int | None, terminator: str | None) -> str:
    """Digits to enter at an input node: as many as it asks for, or some and its terminator.

    When the prompt says neither, the entry is :data:`UNKNOWN_ENTRY`: the explorer presses one
    digit at a time and listens, so it never sends digits the next node would take as a choice.
    """
    if terminator:
        return "1234" + terminator
    if digits:
        return "1" * digits
    return UNKNOWN_ENTRY
