"""Words of prompts, compared the way a caller hears them.

Transcripts of the same sentence differ in what a caller never notices: case, punctuation and
whether a recogniser wrote "one" or "1". Both ``diff`` (is a prompt reworded?) and the pytest
plugin (does the billing path still say "press 1 to pay"?) compare words through
:func:`words`, so neither reports a change no caller would hear.
"""

from __future__ import annotations

import difflib
import re

_NUMBERS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
            "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_TOKEN = re.compile(r"[\w']+|[*#]")


def normal(token: str) -> str:
    """One token as compared: lower case, no punctuation, number words as digits."""
    word = token.lower().strip(".,;:!?\"()[]")
    return _NUMBERS.get(word, word)


def words(text: str) -> list[str]:
    """The normalised words of a transcript."""
    return [normal(t) for t in _TOKEN.findall(text)]


def same_words(a: str, b: str) -> bool:
    return words(a) == words(b)


def word_diff(old: str, new: str) -> str:
    """``old`` rewritten to ``new`` with ``[-removed-]`` and ``{+added+}`` spans (git style)."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, [normal(t) for t in a], [normal(t) for t in b],
                                      autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(b[j1:j2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def find_phrase(text: str, phrase: str) -> int | None:
    """Index (in words) where ``phrase`` occurs in ``text`` as consecutive words, or None."""
    hay, needle = words(text), words(phrase)
    if not needle:
        return 0
    for start in range(len(hay) - len(needle) + 1):
        if hay[start:start + len(needle)] == needle:
            return start
    return None


def closest_phrase(text: str, phrase: str) -> tuple[str, float]:
    """The run of words in ``text`` most like ``phrase`` and its similarity (0-1), to say in a
    failure message what the prompt says instead."""
    tokens = text.split()
    needle = words(phrase)
    best, best_score = "", 0.0
    width = max(1, len(needle))
    for size in {max(1, width - 1), width, width + 1}:
        for start in range(0, max(1, len(tokens) - size + 1)):
            window = tokens[start:start + size]
            score = difflib.SequenceMatcher(None, [normal(t) for t in window], needle,
                                            autojunk=False).ratio()
            if score > best_score:
                best, best_score = " ".join(window), score
    return best, best_score
