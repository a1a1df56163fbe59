"""Key names as people say them, in English and Spanish.

Recognisers write keys as digits ("press 1"), as words ("press one"), as symbols ("press #") or
as names ("the pound key", "number sign", "almohadilla"), so every spelling maps to one of
"0"-"9", "*" and "#". "oh" and a bare "o" mean zero only right after a verb ("press oh"), because
elsewhere "oh" is an interjection and "o" is Spanish for "or"; callers pass ``after_verb``.
"start" is how whisper tiny.en hears "star" on the Debian directory prompt ("Press Start to
return to the main menu"); right after a verb it can only be the star key.
"""

from __future__ import annotations

from ivraudit.interpret.text import Token, fold

WORD_KEYS: dict[str, str] = {
    # English
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
    "star": "*", "asterisk": "*", "pound": "#", "hash": "#", "hashtag": "#", "octothorpe": "#",
    # Spanish (folded: no accents)
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
    "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
    "asterisco": "*", "estrella": "*", "numeral": "#", "almohadilla": "#", "gato": "#",
    "libra": "#",
    "*": "*", "#": "#",
}
_KEYS_AFTER_VERB = {"oh": "0", "o": "0", "start": "*", "to": "2", "too": "2", "do": "2",
                    "for": "4", "fore": "4"}
"""Words that name a key only right after a verb ("press oh", "press start"). Whisper writes
"press two" as "press to" and "press four" as "press for" when a label follows at once ("press
to refill a prescription"), and as "press do" in a flite voice (zoo seed 20054); no menu says
"press to ...", "press do" or "press for ..." meaning anything else."""
SOUNDS_LIKE_KEYS = frozenset(_KEYS_AFTER_VERB) - {"oh", "o", "start"}
"""Words read as a key only for the sound: each is also a label's opener or a verb's."""
# Two-word names; the first word alone is not a key ("number", "signo").
PAIR_KEYS: dict[tuple[str, ...], str] = {
    ("number", "sign"): "#",
    ("signo", "numeral"): "#",
    ("signo", "de", "numero"): "#",
}
KEY_SUFFIXES = frozenset({"key", "button", "sign", "tecla"})


def say_key(word: str) -> str | None:
    """The key a spoken word names: "one" -> "1", "oh" -> "0", "pound" -> "#", "uno" -> "1".

    Accepts a digit ("1"), a word in English or Spanish, a symbol, or a short phrase such as
    "number sign" or "the star key"; anything else gives None.
    """
    words = fold(word).replace("-", " ").strip(" \t.,;:!?'\"").split()
    while words and words[0] in ("the", "el", "la", "tecla", "de"):
        words = words[1:]
    while len(words) > 1 and words[-1] in KEY_SUFFIXES and tuple(words) not in PAIR_KEYS:
        words = words[:-1]
    if len(words) == 1:
        w = words[0]
        if len(w) == 1 and w.isdigit():
            return w
        return WORD_KEYS.get(w) or {"oh": "0"}.get(w)
    return PAIR_KEYS.get(tuple(words))


def key_at(tokens: list[Token], i: int, *, after_verb: bool = False) -> tuple[str, int] | None:
    """The key named at token ``i`` and the index just past its name, or None.

    A multi-digit number ("dial 500") is not a key, nor is a word that is plainly a quantity
    ("enter one or more keywords", "one of our agents", "three digit").
    """
    if i >= len(tokens):
        return None
    for words, key in PAIR_KEYS.items():
        if tuple(t.text for t in tokens[i:i + len(words)]) == words:
            return key, i + len(words)
    text = tokens[i].text
    if len(text) == 1 and text.isdigit():
        key = text
    elif text in WORD_KEYS:
        key = WORD_KEYS[text]
    elif after_verb and text in _KEYS_AFTER_VERB:
        key = _KEYS_AFTER_VERB[text]
    else:
        return None
    following = [t.text for t in tokens[i + 1:i + 3]]
    if following:
        nxt = following[0]
        # "1, 2 or 3": keys; so is "press 1. 4. Victor Quebec", "for" heard as "4" after a
        # full stop, which ends a number (a spliced "press one for victor quebec": the
        # generated maze's 200 nodes, one menu's key 1 lost)
        if ((nxt.isdigit() and (tokens[i].stop not in (",", ".") or len(nxt) > 1))
                or nxt in ("hundred", "thousand", "digit", "digits", "letters",
                                     "characters", "of", "more", "times", "time", "cifras",
                                     "digitos", "de")
                or following[:2] == ["or", "more"]):
            return None
    return key, i + 1


MIN_EXTENSION_DIGITS = 2
MAX_EXTENSION_DIGITS = 5
"""A multi-digit option ("dial 600", "dial extension 8500"): longer is a phone number."""
_NOT_AN_EXTENSION = frozenset({"digit", "digits", "characters", "letters", "times", "cifras",
                               "digitos", "seconds", "minutes", "dollars", "percent"})


_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
_TEENS_AND_TENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
                   "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
                   "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
                   "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def _number_in_words(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """A number said in words with "hundred" or "thousand" in it ("six hundred", "eight
    thousand five hundred", "twelve hundred"), as Whisper writes "dial 600" in a flite
    voice (zoo seed 20026), and the index past it; None for anything else (a lone "one"
    is a key)."""
    total, part, end, scaled = 0, 0, i, False
    while end < len(tokens):
        word = tokens[end].text
        if word in _UNITS or word in _TEENS_AND_TENS:
            part += _UNITS.get(word) or _TEENS_AND_TENS[word]
        elif word == "hundred" and part:
            part, scaled = part * 100, True
        elif word == "thousand" and (part or total):
            total, part, scaled = (total + part) * 1000, 0, True
        elif word == "and" and scaled and end + 1 < len(tokens) and (
                tokens[end + 1].text in _UNITS or tokens[end + 1].text in _TEENS_AND_TENS):
            pass
        else:
            break
        end += 1
        if tokens[end - 1].stop:
            break  # (a comma or full stop ends the number)
    return (str(total + part), end) if scaled else None


def _hundreds_then_tens(tokens: list[Token], i: int) -> bool:
    """Is token ``i`` a number of hundreds that Whisper wrote apart from the tens said after
    it, as one number ("600 10." for "six hundred ten": zoo seed 30090, the menu's front desk
    never dialled)? Hundreds with no stop after them, then one or two figures: 600 then 10
    is 610."""
    first, then = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
    return (then is not None and not first.stop and len(first.text) == 3
            and first.text.endswith("00") and then.text.isdigit() and 1 <= len(then.text) <= 2
            and then.text[0] != "0")


def extension_at(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """A multi-digit option at token ``i`` (after a verb: "dial 600"), and the index past it.

    Recognisers write four-digit numbers with a thousands separator ("8,500"), which splits
    them into two tokens: a short number with a comma, then exactly three digits; and some
    numbers in words ("six hundred"). A count ("your 10 digit number") or a quantity is not
    an option.
    """
    if i >= len(tokens):
        return None
    if tokens[i].text.isdigit():
        digits, end = tokens[i].text, i + 1
        if (len(digits) <= 2 and tokens[i].stop == "," and end < len(tokens)
                and tokens[end].text.isdigit() and len(tokens[end].text) == 3):
            digits, end = digits + tokens[end].text, end + 1
        elif _hundreds_then_tens(tokens, i):
            digits, end = str(int(digits) + int(tokens[end].text)), end + 1
    else:
        said = _number_in_words(tokens, i)
        if said is None:
            return None
        digits, end = said
    if not MIN_EXTENSION_DIGITS <= len(digits) <= MAX_EXTENSION_DIGITS:
        return None
    if end < len(tokens) and (tokens[end].text in _NOT_AN_EXTENSION or tokens[end].text.isdigit()):
        return None
    return digits, end


def as_said_in_hundreds(number: str) -> str | None:
    """The number ``number``'s figures stand for if Whisper wrote a number said in hundreds
    and tens as the figures of each part run together: "60080" for "six hundred eighty"
    (zoo seed 29284, heard again on its own after "dial 600" did what wrong keys do), as
    it writes "600-86" for "six hundred eighty-six"; None where the figures cannot be that.
    Whisper writes a five-figure number said as one ("thirty thousand fifteen") the same
    way ("30015"), so this is only another reading, never the first."""
    if len(number) == 5 and number.isdigit() and number[0] != "0" and number[1:3] == "00" \
            and number[3] != "0":
        return str(int(number[0]) * 100 + int(number[3:]))
    return None
