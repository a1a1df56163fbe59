"""What the explorer tries at a node: the probing rules, shared with the ground truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence

INVALID_CANDIDATES = "987654321"
"""Digits tried, in order, as the invalid key: the first one a menu did not announce."""


def invalid_key(announced: Sequence[str], allows: Callable[[str], bool] = lambda k: True) -> str | None:
    """The key pressed to see how a menu handles a wrong key."""
    return next((k for k in INVALID_CANDIDATES if k not in announced and allows(k)), None)


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
