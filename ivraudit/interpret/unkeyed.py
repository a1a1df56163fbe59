"""Choices a prompt says whose keys the recogniser lost: each is a key worth a press.

A recogniser that loses a key leaves its choice behind: a label nobody claimed, a label run
into a neighbour's, or a list of labels with fewer keys than it names. Only what the words
show counts, so a prompt whose every choice has its key costs no key more.
"""

from __future__ import annotations

from ivraudit.interpret.keys import SOUNDS_LIKE_KEYS
from ivraudit.interpret.mentions import Mention, keyless_verbs
from ivraudit.interpret.options import INTROS, Labeller, Reading, best_reading, is_empty
from ivraudit.interpret.text import Token

_COURTESY = frozenset({"now", "please", "just", "simply", "then", "also", "anytime", "ahora"})
"""Words a menu may say after a key without saying more ("press 1 now")."""
_LIST_JOINS = frozenset({"or", "o", "u"})


def unkeyed_choices(tokens: list[Token]) -> int:
    """How many choices the best reading found said without a key: a recogniser that loses a
    key leaves its label behind, unclaimed or run into a neighbour's.

    - The words the reading left over (before the first key, or after the last) open with
      "for/to/if/para" in the clause next to the keys: "For loans and mortgages, press one
      for account balances." (the "press 2" lost: zoo seeds 26034, 26058). A clause further
      off, or one that opens otherwise ("you consent to the recording. Press 1 ...", a legal
      notice), is no choice.
    - A numbered list's label that holds another "for" ("one for flight status, two for
      frequent flyer, three for baggage for reservations": "four" lost, 26012, 26036), or a
      "to" after a pause ("one for your balance, to a specialist": "two for" heard as "to",
      30339).
    - A label holding "or" and a new opener ("for new service press 1 for payment or to hear
      these options again. Press 9.": "press 2" lost, 25054).
    - A key verb followed by one word that is no key ("for billing, dial floor to speak with
      a representative": "four" misheard, 29209, 29275;
      :func:`ivraudit.interpret.mentions.keyless_verbs`).
    - A list of labels before a list of keys that holds fewer keys than it names, where the
      key's clause goes on after its last key (:func:`_keys_lost_from_a_list`).
    A prompt whose keys were all heard shows none of these, so costs no key more."""
    read = best_reading(tokens)
    if read is None:
        return 0
    lab, mentions, best = read
    count = int(_opens_a_choice(lab, best)) + len(keyless_verbs(tokens, mentions, lab.masked))
    for mention, (lo, hi) in zip(mentions, best.spans):
        words = [t.text for t in tokens[lo:hi]]
        if (mention.bare and any(w in ("for", "para") or (w == "to" and tokens[j - 1].stop == ",")
                                 for j, w in enumerate(words[1:], lo + 1))) or any(
                w in ("or", "o") and nxt in INTROS for w, nxt in zip(words, words[1:])):
            count += 1
    return count + _keys_lost_from_a_list(lab, mentions, best)


def _keys_lost_from_a_list(lab: Labeller, mentions: list[Mention], best: Reading) -> int:
    """Keys lost from a list of keys said after a list of labels: "For prescription refills
    or appointments, press 1 or 2." heard as "... refills or appointments. Press one bar to
    speak with a representative." (zoo seed 29210: the "or 2" heard as "bar", and the
    appointments menu never reached). A menu that names its choices in one list and its
    keys in another gives each choice a key, so a label that names more choices than its
    mention has keys lost the rest, where the words show they were said: the key's clause
    goes on after its last key with words that are no label of the next key ("bar", "or",
    a key no list read), the place a lost key was heard as something else. "For lost or
    stolen cards, press 1." is one choice whose label holds "or": its key ends its clause,
    and it costs no key."""
    if best.after:
        return 0
    lost = 0
    for k, (mention, span) in enumerate(zip(mentions, best.spans)):
        if mention.bare or mention.by_form or is_empty(span):
            continue
        missing = _choices_named(lab.tokens[span[0]:span[1]]) - len(mention.keys)
        if missing <= 0:
            continue
        ahead = len(lab.tokens)
        if k + 1 < len(mentions):
            following = best.spans[k + 1]
            ahead = mentions[k + 1].start
            if not is_empty(following) and mention.end <= following[0] < ahead:
                ahead = following[0]
        if _goes_on(lab, mention.end, ahead):
            lost += missing
    return lost


def _choices_named(label: list[Token]) -> int:
    """How many choices a label names as a list: "billing, outages or new service" three,
    "prescription refills or appointments" two (a comma before "or" joins no more)."""
    joins = sum(1 for t in label if t.text in _LIST_JOINS)
    commas = sum(1 for t, nxt in zip(label, label[1:])
                 if t.stop == "," and nxt.text not in _LIST_JOINS)
    return 1 + joins + commas


def _goes_on(lab: Labeller, start: int, end: int) -> bool:
    """Does the clause of a key that ends before ``start`` go on, before ``end`` (the next
    label or key), with words that are neither a label's opener nor a courtesy ("now",
    "please", "at any time") nor a stock phrase?"""
    if start == 0 or lab.tokens[start - 1].stop or lab.tokens[start - 1].text in SOUNDS_LIKE_KEYS:
        return False  # (the key ends its clause, or was read from a label's "for", "to")
    j = start
    while j < end:
        if j in lab.masked or lab.tokens[j].text in INTROS:
            return False
        step = 3 if lab.words(j, j + 3) == ["at", "any", "time"] else 1
        if step == 1 and lab.tokens[j].text not in _COURTESY:
            return True
        j += step
        if lab.tokens[j - 1].stop:
            return False
    return False


def _opens_a_choice(lab: Labeller, best: Reading) -> bool:
    """Do the words ``best`` left over, less any label it gave a key, hold a choice's label
    in the clause next to the keys (a full stop right before the first key is where
    recognisers misplace one)?"""
    if best.dangling is None or is_empty(best.dangling):
        return False
    lo, hi = best.dangling
    claimed = [j for s_lo, s_hi in best.spans for j in range(s_lo, s_hi) if lo <= j < hi]
    if claimed:  # a numbered list's last label ("... 2 for test results") is no left-over
        lo, hi = (lo, min(claimed)) if best.after else (max(claimed) + 1, hi)
    if best.after:  # before the first key: back to a sentence end or a stock phrase
        for j in range(hi - 2, lo - 1, -1):
            if j in lab.masked or lab.tokens[j].stop == ".":
                lo = j + 1
                break
    else:  # after the last key: up to a sentence end or a stock phrase
        for j in range(lo, hi):
            if j in lab.masked:
                hi = j
                break
            if lab.tokens[j].stop == ".":
                hi = j + 1
                break
    lo, hi = lab.strip(lo, hi)
    return hi - lo >= 2 and lab.tokens[lo].text in INTROS
