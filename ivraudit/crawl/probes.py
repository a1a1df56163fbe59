"""What the explorer tries at a node: the probing rules, shared with the ground truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ivraudit.audit.model import NodeRecord
from ivraudit.interpret import choices_without_a_key, ends_before_its_key, keys_said

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
    19018), so it is tried like the keys no prompt announces. ``announced`` holds the keys
    the prompt names that no option took as well: "1. For billing, 2. For prescription
    refills, the test results, 4.4" (the "3 for" lost, the "4 for" run together: zoo seed
    29503) reads options 1 and 2 and names 4, so 3 is the one skipped."""
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


def keys_for_lost_choices(announced: Sequence[str], transcript: str, lost: Sequence[str],
                          invalid: str | None = None) -> list[str]:
    """A key for each choice the prompt says whose key the reading did not hear
    (:func:`~ivraudit.interpret.choices_without_a_key`) and that the keys other rules try
    for a lost key (``lost``: a skipped number, the one after a prompt's last verb, one
    named but not read) do not already account for: the first numbers of the run 1, 2, 3
    ... that no option has and nothing else tries. "For loans and mortgages, press one for
    account balances." (the "press 2" lost, zoo seed 26034) gives 2; "one for ..., two for
    ..., three for baggage for reservations" (26012) gives 4. Menus number their choices
    from 1 and keep 9 and 0 apart for repeating and the operator. A prompt whose every
    choice has its key costs no key more, whatever numbers it skips ("Press 5 to leave a
    message. Press 0 to reach an operator": 1 is not tried). A key read only from a word
    that sounds like one and that goes on no run counts as lost too: "Select one for your
    balance. Select for a specialist" read 1 and 4 where "Select 2" was said (zoo seed
    26056); "One for flight status, to for frequent flyer" is 1 and 2."""
    others = [k for k in dict.fromkeys(lost) if k not in announced]
    said = keys_said(transcript)
    misread = [k for k in announced if k.isdigit() and k not in said  # (one that goes on
               and str(int(k) - 1) not in announced]                  # a run is believed)
    count = choices_without_a_key(transcript) + len(misread) - len(others)
    if count <= 0:
        return []
    free = [str(d) for d in range(1, 9)
            if str(d) not in announced and str(d) not in others and str(d) != invalid]
    return free[:count]


def unread_keys(announced: Sequence[str], transcript: str) -> list[str]:
    """Keys the prompt names that no option took: "... dinald 3, 4 outages, dinald 4." (dial
    3, for outages dial 4, zoo seed 20050) names 4, which the reading of its choices could
    not join to a label. A key heard said at a menu is worth its one press."""
    return [k for k in keys_said(transcript) if k not in announced]


WRONG_KEY_ROLES = ("invalid", "escape")
"""Probes of keys a menu did not announce: most bring its "invalid entry" message."""
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


def misheard(node: NodeRecord | None, key: str) -> bool:
    """Was ``key`` announced at the menu ``node`` only by a word that sounds like a key,
    never by its own name? "For lost or stolen cards, press 2. For account balances, press
    3." heard as "for lost or stolen cards pressed for account balances press three" reads
    4 from "pressed for" (zoo seeds 24048, 24005). Such a key that does what the menu's
    wrong keys do was never an option; one that leads elsewhere ("press do", a flite voice's
    "press 2", zoo seed 20054) was heard right. A key the prompt names outright and that
    does what wrong keys do stays among the options as heard (see ivraudit.crawl.hidden)."""
    return (node is not None and node.kind == "menu"
            and any(o.key == key for o in node.options)
            and key not in keys_said(node.transcript))
