"""Transcript tokens: words as heard plus the punctuation the recogniser put after them.

Everything downstream matches on a folded form (lowercase, accents stripped) so that "Español",
"español" and "espanol" from different recognisers read alike, while labels are rebuilt from the
raw lowercase words so they keep their accents. Punctuation is kept only as a weak hint: Whisper
puts full stops in the wrong places and Vosk writes none, so no decision may rest on it alone.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

# A hyphen joins letters ("non-administrator", "re-enter") but not digits ("8-digit", "press-1").
_WORD = re.compile(r"[#*]|[^\W_]+(?:'[^\W_]+)*(?:(?<=[^\W\d_])-[^\W\d_]+(?:'[^\W_]+)*)*")
_SENTENCE_END = re.compile(r"[.!?]")
_PAUSE = re.compile(r"[,;:\u2014\u2013]|\s-\s")


def fold(text: str) -> str:
    """Lowercase, curly apostrophes straightened, accents dropped."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\uff03", "#")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Token:
    """One word (or ``#``/``*``) of a transcript."""

    text: str  # folded, for matching
    raw: str  # lowercase as transcribed, for labels
    stop: str  # "." after a sentence end, "," after a pause mark, "" otherwise


_KEY_FOR = re.compile(r"\b(\d)(?:-|,\s*|\.)4(?:[-,.])?\s*(?!(?:or|and|to)\b)(?=[^\W\d_])")
"""Whisper's "Press 1-4-loans", "press 1, 4, Foxtrot", "Press 1-4. Victor" and "3.4 test
results" for "press one for loans", "press one for foxtrot", "press one for victor" and "3 for
test results" (zoo seed 29503): a digit, then "for" heard as 4, then a word ("press 1, 4, or
6" is a list; "$3.45" a price)."""


_KEY_WORD_FOR = re.compile(
    r"\b(one|won|two|to|too|three|five|six|seven|eight|nine|zero) (?:four|fore|4)\b"
    r"(?!\s+(?:or|and|to|one|two|three|four|five|six|seven|eight|nine|zero|oh|\d)\b)"
    r"(?=\s+[^\W\d_])", re.IGNORECASE)
"""The same with the key a word: "one for refills, to four a specialist" is Whisper's "... two
for a specialist" (zoo seed 19050: the menu went unread, and the crawl ended at it); a key
after it is a list or an extension ("one four two"). "1 for payments to 4 account changes"
likewise (zoo seed 21040)."""
_KEY_TO = re.compile(r"\b(\d)(?:-2-|\.2\.?\s+)(?=[^\W\d_])")
"""Whisper's "Press 1-2-esque about your miles" for "press one to ask about your miles" (zoo
seed 28002), and "press 3.2. And this call" for "press 3. To end this call" (29542): a digit,
then "to" heard as 2 joined to it by a hyphen or a decimal point, then a word ("press 1-2 or
3" is a list, and keeps its spaces)."""
_NUMBER_WORD = (r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b")
_DIAL_SPLIT = re.compile(r"\b([Dd])(?:ie|ye),? (?:of|h?[aeiou]{1,2}l{1,2}e?)\b"
                         rf"(?=,?\s*(?:\d|extension\b|{_NUMBER_WORD}))", re.IGNORECASE)
"""Whisper's "die all 6,500", "die of 6,500", "Die, all 677", "Die Hall 639" and "Die Hole 629"
for "dial 6500": the word's two syllables heard as two words, the first of which no menu says,
before a number, in digits or in words ("die all six thousand five hundred": zoo seed 30040).
The second word is any spelling of the unstressed vowel-and-l that ends "dial" ("all", "el",
"hall", "hole", "hull"...), not a list of those heard so far (zoo seed 29179 and 23xxx wrote
"Die Hole")."""
_DIAL_SPELT = re.compile(r"\bd[iy][ae]?l+e?\b"
                         rf"(?=,?\s*(?:\d|extension\b|{_NUMBER_WORD}))", re.IGNORECASE)
"""Whisper's spellings of the one word: "diele 600", "dile 600", "dyal 600" for "dial 600",
before a number (zoo seed 27033)."""
_DIAL_IT = re.compile(r"\b(you (?:may|can)) (?:die|dye|d[iy][ae]?l+e?) (?:only|it|in)\b")
""""You may die only at any time" and "you may diele it" for "you may dial it at any time"."""


_KEYS_RUN = re.compile(r"(?<![\w,.-])\d(?: \d)+(?= (?:or|o) \d(?![\w,.-])"
                       r"(?! (?:digits?|cifras|d[ií]gitos|times|of|more|hundred|thousand)\b))",
                       re.IGNORECASE)
"""Whisper's "press 1 2 or 3" for "press 1, 2 or 3" (zoo seed 29113): single digits with no
pause written between them, the last joined by "or", are keys listed one after another, not
the figures of one number (a number spelt digit by digit has no "or" before its last; "1 2
or 3 digits" is a count): the spaces are the pauses a comma marks."""


_HUNDREDS_AND = re.compile(r"(?<![\w,.-])([1-9])00-([1-9][0-9]?)(?![\w-])(?![.,]\d)")
"""Whisper's "dial 600-86" for "dial six hundred eighty-six" (zoo seed 29024): the hundreds
and the rest of one number, written as they were said and joined by a hyphen. A phone number's
groups hold three digits or four after the first hyphen ("1-800-555-1234"), never one or two."""


def tokenize(transcript: str) -> list[Token]:
    """Split a transcript into tokens, noting the punctuation that follows each."""
    source = transcript.replace("\u2019", "'").replace("\u2018", "'").replace("\uff03", "#")
    source = _KEY_WORD_FOR.sub(r"\1 for", _KEY_FOR.sub(r"\1 for ", source))
    source = _KEY_TO.sub(r"\1 to ", source)
    source = _DIAL_IT.sub(r"\1 dial it", _DIAL_SPLIT.sub(r"\1ial", source))
    source = _DIAL_SPELT.sub("dial", source)
    source = _KEYS_RUN.sub(lambda m: m.group().replace(" ", ", "), source)
    source = _HUNDREDS_AND.sub(lambda m: str(int(m[1]) * 100 + int(m[2])), source)
    matches = list(_WORD.finditer(source))
    tokens: list[Token] = []
    for i, match in enumerate(matches):
        after = source[match.end():matches[i + 1].start() if i + 1 < len(matches) else len(source)]
        stop = "." if _SENTENCE_END.search(after) else "," if _PAUSE.search(after) or (
            after == "-" and _digits_joined(match.group(), matches, i)) else ""
        raw = match.group().lower()
        tokens.append(Token(fold(raw), raw, stop))
    return tokens


def _digits_joined(word: str, matches: list[re.Match[str]], i: int) -> bool:
    """Is the hyphen after ``word`` (the ``i``-th match) one between two single keys?
    Whisper writes a list of keys said one after another as "Press 1-2 or 3" (zoo seed
    28022, 28057), where the hyphen is the pause a comma marks in "press 1, 2 or 3"; single
    digits only, so that a number ("1-800-...") stays one."""
    return (len(word) == 1 and word.isdigit() and i + 1 < len(matches)
            and len(matches[i + 1].group()) == 1 and matches[i + 1].group().isdigit())


class Joined:
    """The folded tokens joined by single spaces, so phrase regexes can run over them.

    Matches are mapped back to token ranges; a pattern must start and end on word boundaries,
    which :meth:`spans` enforces by wrapping it.
    """

    def __init__(self, tokens: list[Token]) -> None:
        self.starts: list[int] = []
        pos = 0
        for token in tokens:
            self.starts.append(pos)
            pos += len(token.text) + 1
        self.text = " ".join(t.text for t in tokens)

    def spans(self, pattern: str) -> list[tuple[int, int]]:
        """Token ranges ``[i, j)`` of every non-overlapping match of ``pattern``."""
        found = []
        for match in re.finditer(rf"(?<!\S)(?:{pattern})(?!\S)", self.text):
            if match.end() == match.start():
                continue
            first = bisect.bisect_right(self.starts, match.start()) - 1
            last = bisect.bisect_right(self.starts, match.end() - 1) - 1
            found.append((first, last + 1))
        return found
