"""Finding where a transcript names a key to press, and which words are not labels.

A *mention* is a verb and a key ("press 1", "dial zero", "oprima el nueve", "by pressing the pound
key") or, once a verb mention has started a list, a bare key followed by "for"/"to"/"para"
("press one for billing, two for support, or three for sales"). Keys joined by "or" share one
mention ("4 or 6 to decrease or increase the volume").

Some key mentions are not options: "then press pound", "followed by the pound key", "when done,
hang up or press the pound key" tell the caller how to finish an entry or a recording. Those, and
stock phrases that are never a label (greetings, "if you know your party's extension you may dial
it at any time", "calls may be recorded for quality purposes"), become *masks*: token ranges that
a label may not cross.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivraudit.interpret.keys import KEY_SUFFIXES, extension_at, key_at
from ivraudit.interpret.text import Joined, Token

VERBS = frozenset({
    "press", "pressing", "presses", "pressed", "dial", "dialing", "dialling", "select", "selecting", "push",
    "pushing", "hit", "hitting", "touch", "choose", "choosing", "pick", "enter", "entering",
    "say", "saying", "type",
    "oprima", "oprime", "oprimir", "oprimiendo", "presione", "presiona", "presionar", "marque",
    "marca", "marcar", "pulse", "pulsa", "pulsar", "digite", "digita", "teclee", "seleccione",
    "elija", "diga",
})
EXTENSION_VERBS = frozenset({"dial", "dialing", "dialling", "enter", "press", "select", "marque",
                             "marca", "marcar", "digite"})
"""Verbs that may take a multi-digit option: "dial 600", "dial extension 8500"."""
# Words that may sit between a verb and its key: "press the star key", "press number 1",
# "choose option 3", "marque la tecla 2", "oprima el nueve".
_BEFORE_KEY = frozenset({"the", "number", "option", "el", "la", "tecla", "opcion", "numero",
                         "extension", "ext"})
_OR = frozenset({"or", "o", "u"})
# A bare key after one of these is part of a phrase ("the 7 key", "your last 4", "from 9 to 5").
_BARE_BLOCKERS = frozenset({
    "the", "a", "an", "last", "first", "next", "of", "for", "to", "than", "about", "with",
    "within", "in", "at", "by", "from", "every", "your", "my", "our", "his", "her", "their",
    "number", "extension", "option", "step", "are", "is", "was", "be", "page", "line", "floor",
    "room", "suite", "use", "de", "el", "la", "los", "las", "del", "al", "su", "tecla",
})
BARE_INTROS = frozenset({"for", "to", "para", "if", "si"})
_HOMOPHONE_KEYS = frozenset({"to", "too", "for", "fore"})

# Waiting is a choice without a key: "for all other inquiries, please stay on the line".
_WAIT = (r"(?:please |or |just |simply )?(?:continue to hold|hold on|hold the line|please hold"
         r"|(?:stay|remain) on the line|permanezca en la linea)")
# Stock phrases that are never part of a label.
_JUNK = [
    r"(?:thank you|thanks)(?: very much)?(?: for (?:calling|choosing|contacting|holding|waiting"
    r"|your patience|your call))?",
    r"(?:hello and )?welcome to",
    r"you(?: have|'ve) reached",
    r"if you know (?:\S+ ){0,10}?(?:dial|enter|press|key|punch|input) it"
    r"(?: in)?(?: (?:now|at any time|anytime))?",
    r"(?:you (?:may|can) |please )(?:dial|enter) (?:it|(?:your party's|the|an|their) extension"
    r"(?: number)?)(?: (?:now|at any time|anytime))?",
    r"please listen (?:carefully|closely)(?: (?:to|as) (?:the following|our) (?:\S+ )?options"
    r"(?: have (?:recently )?changed)?)?",
    r"(?:as |because )?our (?:menu )?options have (?:recently )?changed",
    r"(?:this |your |all )?calls? (?:may|will) be (?:monitored|recorded)"
    r"(?: (?:and|or) (?:monitored|recorded))?(?: for (?:quality|training)"
    r"(?: (?:and|or) (?:quality|training))?(?: assurance)?(?: purposes)?)?",
    _WAIT,
    r"(?<!for )(?<!to )(?<!say )(?:goodbye|good bye)",  # "press 1 for goodbye" is a label
    r"gracias por (?:llamar|su llamada)(?: a)?|bienvenidos? a",
]
# A prompt saying that a list of choices follows: "Please choose from the following.",
# "Please select from the following options", "Listen carefully to the following menu options".
_LIST_AHEAD = (r"(?:choose|select|pick|make (?:a|your) (?:selection|choice)) from the following"
               r"|(?:listen|listen carefully|listen closely) (?:to|as) (?:the following|our)"
               r"(?: \S+)? options|the following (?:menu )?(?:options|choices|selections)")
_DONE = r"when (?:you are |you're |you have |you've )?(?:done|finished|complete)"
_RECORD_OR_ENTRY = re.compile(r"\b(?:enter|type|say|record|speak|ingrese|introduzca|digite|diga)\b")


@dataclass(frozen=True)
class Mention:
    """A place where the transcript names one or more keys as a choice."""

    start: int  # first token: the verb, or the key of a bare mention
    end: int  # just past the key(s) and any "key"/"sign" after them
    keys: tuple[str, ...]
    bare: bool = False  # no verb: continues a list ("..., two for support")
    by_form: bool = False  # "you may quit voicemail by pressing the pound key"


def _keys_after(tokens: list[Token], i: int, *,
                after_verb: bool) -> tuple[tuple[str, ...], int] | None:
    """Key(s) starting at ``i`` ("4", "4 or 6"), past any "key"/"sign", and the end index."""
    first = key_at(tokens, i, after_verb=after_verb)
    if first is None:
        return None
    keys, end = [first[0]], first[1]
    listed = _comma_list(tokens, end)
    if listed is not None:
        keys, end = keys + listed[0], listed[1]
    while end + 1 < len(tokens) and tokens[end].text in _OR:
        more = key_at(tokens, end + 1)
        if more is None:
            break
        keys.append(more[0])
        end = more[1]
    while end < len(tokens) and tokens[end].text in KEY_SUFFIXES:
        end += 1
    return tuple(keys), end


def _comma_list(tokens: list[Token], end: int) -> tuple[list[str], int] | None:
    """The keys of "1, 2 or 3" after its first key (which ends before ``end``), up to the
    last one joined by "or"; None unless the list ends that way (a comma after a key is
    more often a pause before its label: "press 1, for billing")."""
    keys: list[str] = []
    while end < len(tokens) and tokens[end - 1].stop == "," and tokens[end].text not in _OR:
        more = key_at(tokens, end)
        if more is None:
            return None
        keys.append(more[0])
        end = more[1]
    if keys and end + 1 < len(tokens) and tokens[end].text in _OR and \
            key_at(tokens, end + 1) is not None:
        return keys, end
    return None


def _verb_mention(tokens: list[Token], i: int) -> Mention | None:
    """The mention a verb at ``i`` starts, if a key follows within a few filler words."""
    j = i + 1
    for _ in range(3):
        found = _keys_after(tokens, j, after_verb=True)
        if found is None and tokens[i].text in EXTENSION_VERBS:
            extension = extension_at(tokens, j)
            found = ((extension[0],), extension[1]) if extension else None
        if found is not None:
            keys, end = found
            by_form = i > 0 and tokens[i - 1].text == "by"
            return Mention(i, end, keys, by_form=by_form)
        if j < len(tokens) and tokens[j].text in _BEFORE_KEY:
            j += 1
            continue
        return None
    return None


KEY_ONLY_VERBS = frozenset({
    "press", "pressing", "presses", "pressed", "dial", "dialing", "dialling", "push", "pushing",
    "hit", "hitting", "touch", "select", "selecting",
    "oprima", "oprime", "oprimir", "oprimiendo", "presione", "presiona", "presionar", "marque",
    "marca", "marcar", "pulse", "pulsa", "pulsar",
})
"""Verbs whose object on a phone menu is a key, not words ("say billing", "enter your PIN")."""
_NO_KEY_OBJECTS = frozenset({
    "it", "now", "here", "again", "that", "this", "them", "and", "or", "then", "please",
    "any", "digits", "keys", "numbers", "buttons", "lo", "ahora", "aqui", "y", "o",
})
"""What may follow a key verb in place of a key without naming one ("dial it now", "press
any key", "press and hold", "navigate this menu by dialing digits")."""


def keyless_verbs(tokens: list[Token], mentions: list[Mention], masked: set[int]) -> list[int]:
    """Key verbs, outside every mention and ``masked`` token, whose one-word object names no
    key where a key stands: the verb, one word, then a clause opener ("to", "for", "if",
    "para"), a sentence end or the end of the prompt (a verb before a pause is a word in a list: "the
    dial, answer and hang up commands"). Whisper heard the Flite "For billing, dial four.
    To speak with a representative, press 0." as "for billing, dial floor to speak with a
    representative" (zoo seeds 29209, 29275): no key is read, no label is left without one,
    and the choice went untried. That slot holds a key on every menu, so a word there that
    is none is the key misheard, whatever word the recogniser chose; so is a stock phrase
    there: Whisper wrote the flite "For order status, press 2." as "for order status press
    Thank you." (zoo seed 30028 on one machine's CPU; a short word is where Whisper writes
    the phrases it was trained on most)."""
    said = {j for mention in mentions for j in range(mention.start, mention.end)}
    taken = said | masked
    found: list[int] = []
    for i, token in enumerate(tokens[:-1]):
        if token.text not in KEY_ONLY_VERBS or token.stop or i in taken or i + 1 in said:
            continue
        if i + 1 in masked:  # a stock phrase where the key stands: "press Thank you." (30028)
            found.append(i)
            continue
        word = tokens[i + 1]
        if (word.text in _NO_KEY_OBJECTS or word.text in _BEFORE_KEY or word.text in VERBS
                or key_at(tokens, i + 1, after_verb=True) is not None
                or extension_at(tokens, i + 1) is not None or word.text.isdigit()):
            continue
        following = tokens[i + 2].text if i + 2 < len(tokens) else None
        if word.stop or following is None or following in BARE_INTROS:
            found.append(i)
    return found


def _finishing(tokens: list[Token], mention: Mention, floor: int) -> int | None:
    """Where the words that make ``mention`` a way to finish (not a choice) begin, or None.

    "then press pound", "and then press the pound key", "when done, hang up or press the pound
    key", "enter your PIN and press pound", "press pound when you are finished". Only "#" and
    "*" end entries, so "when you are done, press 1 to send it" stays an option.
    """
    if not set(mention.keys) <= {"#", "*"}:
        return None
    i = mention.start
    lo = max(floor, i - 8)
    back = [t.text for t in tokens[lo:i]]
    for n in (1, 2):
        if len(back) >= n and back[-n] in ("then", "luego"):
            start = i - n
            if start - 1 >= lo and tokens[start - 1].text in ("and", "y"):
                start -= 1
            return start
    joined = Joined(tokens[lo:i])
    done = joined.spans(_DONE)
    if done:
        return lo + done[-1][0]
    if back[-3:] == ["hang", "up", "or"]:
        return i - 3
    if back[-2:] == ["hangup", "or"]:
        return i - 2
    if back and back[-1] in ("and", "y") and _RECORD_OR_ENTRY.search(" ".join(back)):
        return i - 1
    ahead = Joined(tokens[mention.end:mention.end + 5])
    if ahead.spans(_DONE) and ahead.spans(_DONE)[0][0] == 0:
        return i
    return None


def find_mentions(
        tokens: list[Token]) -> tuple[list[Mention], list[tuple[int, int]], list[tuple[int, int]]]:
    """The option mentions in announcement order, the masked (never-label) token ranges, and
    those of the masks that offer waiting on the line (a keyless choice)."""
    joined = Joined(tokens)
    masks: list[tuple[int, int]] = []
    for pattern in _JUNK:
        masks.extend(joined.spans(pattern))
    mentions: list[Mention] = []
    floor = 0
    i = 0
    while i < len(tokens):
        if tokens[i].text in VERBS:
            mention = _verb_mention(tokens, i)
            if mention is not None:
                finish_start = _finishing(tokens, mention, floor)
                if finish_start is None:
                    mentions.append(mention)
                else:
                    masks.append((finish_start, mention.end))
                floor = mention.end
                i = mention.end
                continue
        i += 1
    mentions.extend(_bare_mentions(tokens, mentions))
    if mentions:
        mentions.extend(_misheard_dials(tokens, mentions))
    mentions.sort(key=lambda m: m.start)
    return mentions, masks, joined.spans(_WAIT)


LABEL_WORDS = 6
"""How far before its pause a choice's clause opens ("for the front desk,")."""
MISHEARD_VERB_WORDS = 2
"""How many words a recogniser may write for one verb it did not know: Whisper wrote the
flite "dial" as "die whole" before an extension, every time (zoo seeds 29876, 29897)."""


def _misheard_dials(tokens: list[Token], mentions: list[Mention]) -> list[Mention]:
    """Extensions whose verb was misheard, in a menu (``mentions``, its other options): "For
    the front desk, die whole 699." A clause that opens as a choice does ("for", "to") and
    ends, after its pause, in a few words and an extension that ends the sentence holds a key
    where "dial" or "press" stands, whatever words the recogniser wrote for the verb; an
    address ("suite 200") or a count ("your 10 digit number") is no such clause."""
    taken = {j for m in mentions for j in range(m.start, m.end)}
    found: list[Mention] = []
    for i, token in enumerate(tokens):
        if token.stop != "," or i in taken:
            continue
        start = next((k + 1 for k in range(i - 1, -1, -1) if tokens[k].stop), 0)
        if not any(t.text in BARE_INTROS for t in tokens[max(start, i - LABEL_WORDS):i]):
            continue  # (the clause's opener, a label's length before its pause)
        for words in range(1, MISHEARD_VERB_WORDS + 1):
            at = i + 1 + words
            verb = tokens[i + 1:at]
            if at >= len(tokens) or any(t.stop or t.text.isdigit() or t.text in VERBS
                                        or t.text in _BARE_BLOCKERS for t in verb):
                break
            extension = extension_at(tokens, at)
            if extension is not None and (extension[1] == len(tokens)
                                          or tokens[extension[1] - 1].stop == "."):
                found.append(Mention(i + 1, extension[1], (extension[0],)))
                break
    return found


def _bare_mentions(tokens: list[Token], verb_mentions: list[Mention]) -> list[Mention]:
    """Keys that continue a list without repeating the verb: "..., or 8 to exit".

    With no verb at all, bare keys are a list only when they count up from one key to the
    next ("one for outages, two for payments"): a menu that names no verb still numbers its
    choices in order, while "one for all" in a sentence has no "two for" after it.
    """
    ahead = Joined(tokens).spans(_LIST_AHEAD)
    if not verb_mentions:
        found = _bare_from(tokens, 0, set())
        return found if _counts_up(found) or _opens_a_list(found, ahead) else []
    taken: set[int] = set()
    for m in verb_mentions:
        taken.update(range(m.start, m.end))
    # A list that counts up before the first verb ("One for billing. Two for test results.
    # Three for refills. To end this call, press pound.") is a list too.
    # So is one announced ahead, however few of its numbers were kept ("Please choose from
    # the following, one for a specialist, for billing, to speak with a representative,
    # press zero": the "two" lost, zoo seed 30286).
    before = [m for m in _bare_from(tokens, 0, taken) if m.end <= verb_mentions[0].start]
    listed = _counts_up(before, in_a_menu=True) or _opens_a_list(before, ahead)
    return ((before if listed else [])
            + _bare_from(tokens, verb_mentions[0].end, taken))


def _counts_up(mentions: list[Mention], *, in_a_menu: bool = False) -> bool:
    """Are these at least two single digits, each one more than the one before, but for one
    number the recogniser may have missed ("One for account balances, for lost or stolen
    cards. Three for loans. ... press 9": zoo seed 19018)? Two bare keys two apart are a list
    only ``in_a_menu`` (a verb mention follows them); else three are needed."""
    keys = [m.keys[0] for m in mentions if len(m.keys) == 1]
    if len(mentions) < 2 or len(keys) != len(mentions) or not all(k.isdigit() for k in keys):
        return False
    steps = [int(b) - int(a) for a, b in zip(keys, keys[1:])]
    gaps = 1 if in_a_menu or len(steps) > 1 else 0
    return all(step in (1, 2) for step in steps) and steps.count(2) <= gaps


def _opens_a_list(mentions: list[Mention], ahead: list[tuple[int, int]]) -> bool:
    """Does a list announced ahead ("Please choose from the following.") go on with a bare
    "one for ...", however few of its numbers the recogniser kept? A list of choices is
    numbered from 1, and "one for" right after saying a list follows is its first choice, not
    "one for all" in a sentence: Whisper wrote the Flite prompt "Please choose from the
    following. 1 for technical support. 2 for billing." as "... One for technical support for
    billing." (the "two" lost, and with it the count up: zoo seed 29047 read it as a message).
    The rest count up as any list does; a key lost shows as a label with two "for"s
    (:func:`ivraudit.interpret.unkeyed.unkeyed_choices`)."""
    if not mentions or not ahead or mentions[0].keys != ("1",):
        return False
    if not any(hi <= mentions[0].start for _, hi in ahead):
        return False
    return len(mentions) == 1 or _counts_up(mentions, in_a_menu=True)


def _bare_from(tokens: list[Token], first: int, taken: set[int]) -> list[Mention]:
    """Bare "K for/to X" mentions from token ``first`` on, outside the ``taken`` tokens."""
    found: list[Mention] = []
    i = first
    while i < len(tokens):
        if i in taken or tokens[i].text in ("oh", "o") or (
                i > 0 and tokens[i - 1].text in _BARE_BLOCKERS):
            i += 1
            continue
        # "to for appointments": Whisper's "two for" (no sentence says "to for", "for for")
        homophone = tokens[i].text in _HOMOPHONE_KEYS and i + 1 < len(tokens) and \
            tokens[i + 1].text in ("for", "to")
        keys = _keys_after(tokens, i, after_verb=homophone)
        if keys is None:
            i += 1
            continue
        group, end = keys
        if (end + 1 < len(tokens) and tokens[end].text in BARE_INTROS
                and key_at(tokens, end + 1) is None and not tokens[end + 1].text.isdigit()
                and not any(j in taken for j in range(i, end))):
            found.append(Mention(i, end, group, bare=True))
            i = end
            continue
        i += 1
    return found
