"""Reading a transcribed IVR prompt: what kind of node it is and which keys it offers.

Transcripts come from small offline recognisers (Whisper tiny.en, Vosk), so they may be lowercase,
unpunctuated or wrongly punctuated, and write numbers as words or digits. Everything here works
on words, treats punctuation as a weak hint, and uses only the standard library.

The crawler combines the kind with what it hears (music means hold, a beep voicemail, silence a
hangup); this package gives the best reading of the words alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ivraudit.interpret.keys import as_said_in_hundreds, key_at, say_key
from ivraudit.interpret.kinds import (
    calls_out, classify, digits_asked, opens_as_a_person, terminator_asked,
)
from ivraudit.interpret.mentions import VERBS
from ivraudit.interpret.model import Interpretation, Option
from ivraudit.interpret.options import read_options
from ivraudit.interpret.unkeyed import unkeyed_choices
from ivraudit.interpret.text import tokenize
from ivraudit.kinds import KINDS

__all__ = ["KINDS", "Interpretation", "Option", "as_said_in_hundreds", "calling_out",
           "choices_without_a_key",
           "ends_before_its_key", "first_option_said_by", "keys_said",
           "interpret", "names_keys_only", "person_answers", "say_key"]


def interpret(transcript: str, language: str = "en") -> Interpretation:
    """The kind of node a prompt transcript describes, with its options or input details.

    Any announced option makes it a menu ("If you know your party's extension, you may dial it
    at any time" inside a menu does not make it an input). English and Spanish key phrases are
    recognised whatever ``language`` says, because a Spanish option is often announced inside an
    English menu ("para español, oprima nueve"); ``language`` is passed through and decides
    locale-bound guesses (a phone number with its area code is ten digits in English).
    """
    tokens = tokenize(transcript)
    options = read_options(tokens)
    kind = classify(tokens)
    if options and kind == "input" and all(
            o.key == "#" and classify(tokenize(o.label)) == "input" for o in options):
        # "Enter your phone number than press pound": the pound key an entry asks for
        # is how it ends, however the words around it were heard, not a menu's option.
        return Interpretation("input", (), digits_asked(tokens, language), "#",
                              language=language)
    if options:
        return Interpretation("menu", options, language=language)
    if kind == "input":
        return Interpretation("input", (), digits_asked(tokens, language),
                              terminator_asked(tokens), language=language)
    return Interpretation(kind, (), language=language)


def names_keys_only(transcript: str, language: str = "en") -> bool:
    """Does this prompt name keys and no choice ("Press 1, 2 or 3.")? Such words end a prompt
    whose choices were said before them, in its own words ("For permits, parking tickets or
    water, press 1, 2 or 3."): they are no menu of their own."""
    reading = interpret(transcript, language)
    return reading.kind == "menu" and not any(o.label.strip() for o in reading.options)


def ends_before_its_key(transcript: str) -> bool:
    """Does this prompt end on a verb that names no key ("... To hear your balance, press")?
    The recogniser dropped the last word: the key of the last choice (zoo seed 20031)."""
    tokens = tokenize(transcript)
    return bool(tokens) and tokens[-1].text in VERBS


def choices_without_a_key(transcript: str) -> int:
    """How many choices this prompt says whose key the reading did not hear (a label left
    over, or run into a neighbour's): each is a key the recogniser lost
    (:func:`ivraudit.interpret.unkeyed.unkeyed_choices`)."""
    return unkeyed_choices(tokenize(transcript))


def keys_said(transcript: str) -> list[str]:
    """The keys this prompt names by their own names (a digit, "four", "pound", "number
    sign"), in order, each once; a word that only sounds like a key ("for", "to", "do",
    read as 4 or 2 right after a verb) is not one. Whisper writes "press two, for account
    balances" as "pressed for account balances" (zoo seeds 24048, 24005): the 4 read from
    it is no key the prompt said, and "dinald 4" (dial 4) names a key no option took
    (20050)."""
    tokens = tokenize(transcript)
    found: list[str] = []
    for i in range(len(tokens)):
        named = key_at(tokens, i)
        if named is not None and named[0] not in found:
            found.append(named[0])
    return found


def calling_out(transcript: str) -> bool:
    """Does this transcript check that the caller is still there ("Hello?", "Are you there?"),
    as a person does after greeting a caller who says nothing?"""
    return calls_out(tokenize(transcript))


def person_answers(first_words: str, expected: bool) -> bool:
    """Do these first words of a prompt still being spoken say a person answered (see
    :func:`ivraudit.interpret.kinds.opens_as_a_person`)?"""
    return opens_as_a_person(tokenize(first_words), expected)


def first_option_said_by(words: Sequence[tuple[str, float]], language: str = "en") -> float:
    """Seconds into a menu by which it has said one of its options, key and label, as the
    whole prompt reads it; ``words`` are the transcript's words, each with the time it ends.
    Before that a menu may be an opening other menus of the same house share ("Please select
    from the following options. Select 1 for ..."); 0.0 when no option is read."""
    texts = [text for text, _ in words]
    final = set(interpret(" ".join(texts), language).options)
    if not final:
        return 0.0
    for count in range(1, len(words) + 1):
        if final & set(interpret(" ".join(texts[:count]), language).options):
            return words[count - 1][1]
    return words[-1][1]
