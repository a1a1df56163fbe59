"""What kind of node a prompt's words describe when it announces no option.

Cues are phrases matched on the folded, punctuation-free transcript (recognisers disagree about
punctuation, never about words). Several kinds can be hinted at once, so they are ranked:

1. input: it asks for digits ("enter your account number", "the extension", "followed by pound");
2. voicemail, strong: "leave a message", "after the tone", "record your message";
3. human, strong: "how can I help you", "my name is", "Ana speaking";
4. voicemail, weak: "is not available", "can't take your call" (a personal greeting says this);
5. hold: "please hold", "your call is important", "all of our agents are busy", "next in line";
6. human, weak: "hi, this is Sam", or a bare "hello?";
7. message: anything else.

The weak/strong split is what keeps "all of our agents are unavailable, please hold" a hold and
"Hi, this is Sam, I can't take your call" a voicemail.
"""

from __future__ import annotations

import re

from ivraudit.interpret.keys import say_key
from ivraudit.interpret.text import Joined, Token

_INPUT_OBJECTS = (
    r"numbers?|extension|pin|password|passcode|pass code|code|id|digits?|letters|mailbox|date"
    r"|zip|postcode|postal|account|member|card|ssn|social|policy|claim|confirmation|birth"
    r"|birthday|keywords?|amount|numero|extension|cuenta|clave|contrasena|codigo"
)
_INPUT = [
    rf"(?:enter|type|key in|input|punch in|dial|provide|re-enter|reenter|ingrese|introduzca"
    rf"|marque|digite|teclee|escriba|proporcione)(?: \S+){{0,7}}? (?:{_INPUT_OBJECTS})",
    rf"(?:please say|say or enter|enter or say|what is|tell me) your(?: \S+){{0,4}}?"
    rf" (?:{_INPUT_OBJECTS})",
    # whatever it is called: a caller enters nothing but keys ("enter your PIN" heard as
    # "enter your PIM")
    r"(?:please |now )(?:enter|key in|punch in) your \S+",
    # the keypad named: a caller uses it for nothing but keys ("Using your telephone keypad,
    # enter your PIN" heard as "... enter your PIM": zoo seeds 28045, 28056)
    r"(?:using|on|with|from) (?:your|the) (?:telephone |phone |touch[ -]?tone )?"
    r"(?:keypad|key pad|dial ?pad)",
    r"followed by (?:the )?(?:pound|hash|number sign|#|star|asterisk|\*)",
    r"starting with (?:the )?area code",
    r"seguid[oa] de(?:l| la)?(?: tecla| signo)?(?: de)? (?:numeral|gato|almohadilla|asterisco)",
]
_VOICEMAIL_STRONG = [
    r"leave (?:a|your|me a|us a|my)(?: \S+)? (?:message|name|voicemail|voice mail)",
    r"(?:after|at) the (?:tone|beep)", r"record your (?:message|name)",
    r"reached (?:\S+ ){0,4}(?:voicemail|voice mail|voice mailbox|mailbox)",
    r"(?:voicemail|voice mail|mailbox) (?:of|for)",
    r"deje (?:su|un) (?:mensaje|nombre)", r"despues del (?:tono|pitido)", r"grabe su mensaje",
]
_HUMAN_STRONG = [
    r"how (?:can|may|could|might) (?:i|we) (?:help|assist|direct|be of)",
    # ... or without its "how" ("May I help you?"), however the word before was heard
    # ("Thank you for calling... I may I help you.": zoo seed 30341, flite)
    r"\b(?:can|may) i help you\b",
    r"what can i (?:do|help)", r"my name is", r"(?:this is|it's|it is) \S+ speaking",
    r"^(?:\S+ ){0,4}speaking(?! (?:with|to)\b)",
    # "Thanks for holding, this is Priya.": a name to end on is a person answering
    r"(?:this is|you're speaking with|you are speaking with) (?!(?:the|a|an|your|our|not|to|for"
    r"|why|how|what|goodbye|important|urgent|recorded|monitored)\b)\S+$",
    r"en que (?:le |te )?(?:puedo|podemos) (?:ayudar|servir)", r"mi nombre es",
    r"^(?:\S+ ){0,3}le atiende",
]
_HUMAN_OPENING = [p for p in _HUMAN_STRONG if not p.endswith("$")]
"""The strong cues that still say a person when more words follow them: "this is Priya" at
the end of a prompt is a name to end on, at the end of its first second it may be "this is
Priya's voicemail"."""
_VOICEMAIL_WEAK = [
    r"(?:is|am|are) (?:not|currently not) available", r"(?:is|am) unavailable",
    r"(?:can't|cannot|can not|unable to) (?:take|answer) (?:your|the|this) (?:call|phone)",
    r"can't come to the phone", r"(?:nobody|no one|no|noone) (?:is )?available to take",
    r"away from (?:my|the|his|her) desk", r"out of the office", r"no esta disponible",
]
# "is not available" said of a thing, not of the person called.
_NOT_A_PERSON = (
    r"(?:feature|option|service|selection|function|choice|menu|number|extension|line)"
    r" (?:is|are) (?:currently )?(?:not available|unavailable)"
)
_HOLD = [
    r"please hold", r"hold please", r"continue to hold", r"(?:remain|stay) on the line",
    r"hold the line", r"your call is (?:very )?important",
    r"(?:agents|representatives|represenatives|associates|operators|advisors|advisers"
    r"|specialists|team members|staff|lines) are (?:all )?(?:currently |still |now )?(?:all )?"
    r"(?:busy|assisting|helping|serving|with other|on other|occupied|engaged|unavailable)",
    r"next available", r"(?:next|first) in line", r"in (?:the )?order (?:\S+ ){0,3}received",
    r"(?:hold|wait|waiting|queue) time", r"callers? (?:ahead of you|waiting|in (?:the )?queue)",
    # the wait announced, whatever "hold" was heard as ("the estimated whole time is
    # currently eight minutes": zoo seed 20041 took it, then the silent queue, for a person)
    r"estimated (?:whole|hole|old|weight) time",
    # ... or a wait said in minutes, whatever "wait" was heard as ("the way time is two
    # minutes", "way time in three minutes": zoo seed 28018 took it, in a silent queue, and
    # the silence after it for a person waiting)
    r"time (?:is|in|it's) (?:currently |now |about |approximately |around )?(?:\S+ ){1,2}minutes?"
    r"(?! (?:past|after|before|to)\b)",
    r"you are (?:currently )?(?:caller|number) (?:number )?\S+",
    # a place in line, whatever the word before "number" was heard as ("you are color number
    # five": zoo seed 13010 took it, then the silent queue, for a person waiting), and with
    # its first words lost ("currently, color number two.", cut by the agent: 21027)
    r"(?:you are (?:currently )?|currently )(?:the )?\S+ number (?:\d+|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve)\b",
    r"while (?:i|we) (?:try|transfer|connect|locate|attempt|find)",
    r"please wait", r"(?:transferring|connecting) (?:you|your call)",
    # "One moment, please." and silence is a queue, not a person (zoo seed 12021); a line
    # that goes on at once after it was a message (ivraudit.crawl.queues)
    # and a prompt that begins by asking for a moment, whatever its next word was heard as
    # ("One moment, clean.", then a quiet track fading in: zoo seed 28057)
    r"(?:one|a|just a) moment,? please", r"^(?:please )?(?:one|just a) moment",
    r"will be with you (?:shortly|momentarily|soon|in a moment)",
    # a call to be answered later is one waiting, whatever the words around it were heard
    # as ("All on our every mentor, him, are currently willing. Please pay on the line and
    # your call will be answered by the next term.": zoo seed 27056, an eSpeak voice)
    r"(?:call|calls) will be answered",
    r"thank you for (?:your patience|holding|waiting)", r"(?:por favor )?espere",
    # an announcement's thanks however little of it was heard (the music the queue played
    # took its first words: "for your patients.", zoo seed 28055); "patients" said alone, as
    # no other prompt says it
    r"your patience", r"^(?:\S+ )?(?:for )?your patients?$",
    # "Your call is important to us" with its first words lost the same way (music that runs
    # into it with no pause keeps them: "important to us. Please take...", the agent cutting
    # "Please stay on the line": zoo seed 29311); a prompt that begins with it is no other
    r"^(?:call )?(?:is )?(?:very )?important to us",
    r"permanezca en la linea", r"su llamada es (?:muy )?importante",
]
_BARE_GREETINGS = frozenset({
    "hello", "hi", "hey", "hello hello", "yes hello", "hi there", "hello there", "yes",
    "hello yes", "hello hi", "hola", "bueno", "alo", "diga", "digame", "si diga", "hola hola",
})
_HUMAN_WEAK = [
    r"^(?:yes |oh )?(?:hi|hello|hey|hola|good (?:morning|afternoon|evening)|buenos dias"
    r"|buenas tardes)(?: \S+){0,4}? (?:this is|it's|you're speaking with|you've got"
    r"|you are speaking with|soy|habla) (?!(?:the|a|an|your|our)\b)\S+",
    r"^this is \S+$",
]

_HELLO = r"(?:hello|hi|hey|hola|alo|bueno|oh|yes)"
_CALLING_OUT = re.compile(
    rf"(?:{_HELLO} ?){{0,3}}(?:(?:are you|is anyone|is anybody|anyone|anybody|you) (?:still )?"
    r"(?:there|on the line)|can you hear me|sigue ahi|me (?:escucha|oye))?",
)
"""The whole of what is said is a call-out: "Hello?", "Hello? Are you still there?". An IVR's
"Are you still there? Please make a selection." says more, and is not one."""


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}
_COUNT = r"(?P<n>\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_DIGITS = re.compile(
    rf"\b(?:(?P<low>\d{{1,2}}|{'|'.join(_NUMBER_WORDS)}) (?:to|or|a|o) )?{_COUNT}[ -]"
    r"(?:digit|digits|letter|letters|character|characters|digitos|cifras|letras)\b")
_TERMINATOR = re.compile(
    r"\b(?:followed by|ending with|end with|then press|and press|then|terminated by"
    r"|seguid[oa] del?|y luego (?:oprima|marque|presione|pulse)|luego (?:oprima|marque))"
    r"(?: (?:the|el|la|tecla|de|key))* (?P<key>number sign|signo de numero|signo numeral|\S+)")
_POUND_WHEN_DONE = re.compile(
    r"\b(?:press|hit|oprima|presione) (?:the )?(?P<key>pound|hash|star|#|\*|numeral|gato)"
    r"(?: key| sign)? when (?:you are |you're |you have )?(?:done|finished)")


def _any(joined: Joined, patterns: list[str]) -> bool:
    return any(joined.spans(p) for p in patterns)


def classify(tokens: list[Token]) -> str:
    """The kind of a prompt that announces no option (see the ranking above)."""
    if not tokens:
        return "message"
    joined = Joined(tokens)
    if _any(joined, _INPUT):
        return "input"
    if _any(joined, _VOICEMAIL_STRONG):
        return "voicemail"
    if _any(joined, _HUMAN_STRONG):
        return "human"
    if _any(joined, _VOICEMAIL_WEAK) and not joined.spans(_NOT_A_PERSON):
        return "voicemail"
    if _any(joined, _HOLD):
        return "hold"
    if joined.text in _BARE_GREETINGS or _any(joined, _HUMAN_WEAK):
        return "human"
    return "message"


def asks_for_a_message(tokens: list[Token]) -> bool:
    """Do these words ask the caller to leave a message ("... after the tone")?"""
    return _any(Joined(tokens), _VOICEMAIL_STRONG)


def opens_as_a_person(tokens: list[Token], expected: bool) -> bool:
    """Do the first words of a prompt still being spoken (its first second or two) say a
    person answered? Where a person is ``expected`` (right after a queue), any cue a whole
    prompt would be read by will do ("Hi, this is Sam"); elsewhere only a strong one that
    more words cannot undo ("how can I help", "my name is", "Sam speaking"), since a menu or
    a voicemail greeting may begin like a person."""
    if classify(tokens) != "human":
        return False
    return expected or _any(Joined(tokens), _HUMAN_OPENING)


def calls_out(tokens: list[Token]) -> bool:
    """Is this someone checking that the caller is there ("Hello?", "Are you there?"): what
    a person says after greeting a caller who stays silent, and no recorded prompt does."""
    text = Joined(tokens).text.strip()
    return bool(text) and _CALLING_OUT.fullmatch(text) is not None


def digits_asked(tokens: list[Token], language: str) -> int | None:
    """How many digits an input prompt asks for, when it says: "your 8 digit account number".

    A range ("4 to 6 digit PIN") gives None: the crawler then ends its entry with the terminator
    or waits. A North American phone number "starting with the area code" is ten digits.
    """
    text = " ".join(t.text for t in tokens)
    match = _DIGITS.search(text)
    if match is not None and match.group("low") is None:
        n = match.group("n")
        return int(n) if n.isdigit() else _NUMBER_WORDS[n]
    if match is None and language.startswith("en") and re.search(
            r"\bphone number\b.*\barea code\b|\barea code\b.*\bphone number\b", text):
        return 10
    return None


_NAMED_A_KEY = re.compile(r" (?:key|button|sign)\b")
_SOUNDS_LIKE_TERMINATOR = ((re.compile(r"^[a-z]*(?:ound|own)s?$"), "#"),
                           (re.compile(r"^[a-z]*(?:ar|art|are)s?$"), "*"))
"""How a misheard terminator still sounds: whisper tiny.en hears the Debian prompt "followed by
the pound key" as "followed by the town key". Where a prompt plainly names a key to end an
entry with ("followed by the ... key") and the name is no key, a word that rhymes with pound
is the pound key and one that rhymes with star the star key; anything else is not guessed."""


def terminator_asked(tokens: list[Token]) -> str | None:
    """"#" or "*" if the prompt asks to end the entry with it ("followed by the pound key")."""
    text = " ".join(t.text for t in tokens)
    for pattern in (_TERMINATOR, _POUND_WHEN_DONE):
        for match in pattern.finditer(text):
            key = say_key(match.group("key"))
            if key in ("#", "*"):
                return key
    for match in _TERMINATOR.finditer(text):
        word = match.group("key").lower()
        if say_key(word) is None and _NAMED_A_KEY.match(text, match.end()):
            for sound, key in _SOUNDS_LIKE_TERMINATOR:
                if sound.match(word):
                    return key
    return None
