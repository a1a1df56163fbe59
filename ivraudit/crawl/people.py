"""Courtesy to the people who answer: a person is known from their first words, and the call
hangs up then, unless the policy says to hear people out (``CrawlPolicy.courtesy`` False).

A crawler needs of a person only that they answered (the node, its kind, the way there, the
time to reach them); every second after that is a second of someone's working day. So what a
probe leads to, and what answers a queue, is listened to with :func:`person_test`: from the
first ``FIRST_WORDS_SECONDS`` of speech on, the words so far are read, and words that say a
person stop the listening there (the prompt comes back cut short, the node is made of what
was heard) and the call ends. Where a person is expected (after a queue), any cue a whole
greeting is read by counts ("Hi, this is Sam"); elsewhere only a cue more words cannot undo
("how can I help", "Sam speaking"), as menus and voicemail greetings may begin like a person.
After a queue the words are looked at twice (``SECOND_LOOK_SECONDS``), elsewhere once, and not
again once they say something that is no person (a menu's options, a queue's announcement).

How long the crawl kept a person on each call is counted on its record (``CallRecord``:
``person_at``, ``agent_seconds``); ``max_human_calls`` limits how many calls may reach a
person before known queues are no longer waited through (ivraudit.crawl.queues).
"""

from __future__ import annotations

from collections.abc import Callable

from ivraudit.audit.model import Audit
from ivraudit.interpret import calling_out, interpret, person_answers
from ivraudit.listen.activity import end_before_a_pause, quiet_frames
from ivraudit.listen.listener import END_SILENCE_SECONDS, PERSON_WAITS_SECONDS, Listener
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

StopTest = Callable[[Pcm], "bool | None"]
"""Asked with the audio of a prompt so far: True stops listening, None stops asking (as
ivraudit.crawl.recognition's tests)."""

FIRST_WORDS_SECONDS = 1.5
"""How much of a prompt is read to know a person by: "Sam speaking", "Hi, this is Sam"."""
SECOND_LOOK_SECONDS = 2.5
"""Where a person is expected (after a queue), the words are read again this far in, while
they may still say a person ("Thank you for holding, my name is..."); a prompt not known by
then is heard out. Elsewhere they are read once: a second look at every new prompt whose
first words say nothing yet (most messages) cost a third more transcriptions on acme-pbx
(13.4 s against 10.0 s of ASR), a look at 3.2 s as well twice as many, for one more slow
greeting caught in four zoo trees (2026-12-05)."""


def person_test(transcribe: Callable[[Pcm], str], *, expected: bool,
                begins_like: Callable[[Pcm], set[str]] = lambda audio: set()) -> StopTest:
    """A ``stop_when`` test (ivraudit.listen.listener.Listener.hear) that stops listening to
    a prompt whose first words say a person answered (``expected``: after a queue).

    ``begins_like`` gives the kinds of the known prompts some audio begins like: a prompt
    that begins like known ones is no new person's if none of them is a person (the words
    are not read: a transcription is the costly part), and a person heard before if all are;
    one of them "unsure" (Mapper.begins_like) is heard out, as anything else they begin like."""
    looks = [FIRST_WORDS_SECONDS, SECOND_LOOK_SECONDS] if expected else [FIRST_WORDS_SECONDS]

    def test(audio: Pcm) -> bool | None:
        if len(audio) < looks[0] * SAMPLE_RATE:
            return False
        looks.pop(0)
        kinds = begins_like(audio)
        if kinds:
            return True if kinds == {"human"} else None
        words = transcribe(audio)
        if person_answers(words, expected):
            return True
        if not looks or interpret(words).kind not in ("message", "human"):
            return None  # (words that already say something else: a queue's announcement)
        return False

    return test


def either(first: StopTest | None, second: StopTest | None) -> StopTest | None:
    """A test that stops when either stops, and is asked as long as either is."""
    if first is None or second is None:
        return first or second
    alive = [first, second]

    def test(audio: Pcm) -> bool | None:
        for one in list(alive):
            verdict = one(audio)
            if verdict:
                return True
            if verdict is None:
                alive.remove(one)
        return None if not alive else False

    return test


def people_elsewhere(audit: Audit, queue: str) -> frozenset[str]:
    """The people known who have not answered ``queue``. A courteous crawl hears 1.5 s of a
    greeting, and two people of one house begin alike ("Thanks for calling Lakeside Family
    Clinic. This is ..."): one who answers ``queue`` and only begins like one of them is
    someone else (zoo seed 21038: the operator's Maria, named after Priya, who answers a key
    of another menu)."""
    here = {e.target for e in audit.edges.values() if e.source == queue and e.key == "auto"}
    return frozenset(node.id for node in audit.nodes.values()
                     if node.kind == "human" and node.id not in here)


GREETING_MAX_SECONDS = 12.0
"""How long a person's greeting may go on before a pause (a name, a house, "how may I help
you": two sentences take 4-7 s); words that go on longer are a recording's."""
CALL_OUT_SECONDS = 1.5
"""A person checking the caller is there ("Hello?", "Are you there?") says it within this."""
_END_FRAMES = round(END_SILENCE_SECONDS / FRAME_SECONDS)
_CALL_OUT_FRAMES = round(CALL_OUT_SECONDS / FRAME_SECONDS)


def greets_and_waits(listener: Listener, first: int, transcribe: Callable[[Pcm], str],
                     language: str = "en") -> bool:
    """Is the prompt that begins ``first`` frames on (read ahead, given back: Listener.peek)
    a person's, by its words heard to their end, or by the line waiting for the caller
    after it (silent for ``PERSON_WAITS_SECONDS``, or a call-out: "Hello?")?

    A person's first seconds need not say one ("Thank you for calling Oak County Services,"
    before "how may I help you?"), and whisper may miss the words that do ("how may I help
    you" heard as "I may I help you": zoo seeds 29060, 29083); the wait for the caller that
    follows them no recording does (a menu waits too, and is known by its words)."""
    seconds = first * FRAME_SECONDS
    end = None
    while end is None and seconds < first * FRAME_SECONDS + GREETING_MAX_SECONDS:
        seconds += END_SILENCE_SECONDS * 4
        ahead = listener.peek(seconds)
        quiet = quiet_frames(ahead)
        end = end_before_a_pause(quiet, first, _END_FRAMES)
        if len(ahead) < round(seconds / FRAME_SECONDS) * FRAME_SAMPLES:
            break  # the line hung up
    if end is None:
        return False
    words = transcribe(ahead[first * FRAME_SAMPLES: end * FRAME_SAMPLES])
    if person_answers(words, expected=True):
        return True
    if interpret(words, language).kind not in ("message", "human") or \
            end - first <= _CALL_OUT_FRAMES:
        return False  # a menu, a queue's words, a box's greeting: they wait otherwise; and
        # a call-out misheard ("Hello?" as "I'll see you later.") after a greeting is no greeting
    after = listener.peek(end * FRAME_SECONDS + PERSON_WAITS_SECONDS)
    quiet = quiet_frames(after)[end:]
    if len(quiet) < round(PERSON_WAITS_SECONDS / FRAME_SECONDS):
        return False  # the line hung up: no wait for the caller
    again = next((i for i, q in enumerate(quiet) if not q), None)
    if again is None:
        return True
    over = end_before_a_pause(quiet, again, _END_FRAMES)
    return over is not None and over - again <= _CALL_OUT_FRAMES and calling_out(
        transcribe(after[(end + again) * FRAME_SAMPLES: (end + over) * FRAME_SAMPLES]))
