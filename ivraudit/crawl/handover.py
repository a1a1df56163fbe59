"""The hand-over from a queue to the person who answers it: where their greeting begins.

A queue hands a caller over with its sound (music, a ring, an announcement cut short) just
before the first words, and the sound window, which lags a second and scores a buzzy
synthetic voice as music, may place the hand-over late. What answered is then heard from the
middle of its greeting ("How can I help?" for "Thanks for calling the City of Fairview. This
is Sam. How can I help?"), and a greeting known by its end is no greeting at all: its start,
which names the person, was taken for the queue's. Two ways it is taken:

- :func:`one_voice`: the greeting's first words, then its middle scored as music, so the
  words ended "in music", an announcement, and the "music" was waited through until the
  window heard the voice again (zoo seeds 29127 after music, 29004 after an announcement the
  agent cut short: "Hello?" 3 s after the greeting became the person);
- :func:`without_the_ring`: the ring's last burst, cut short as the agent answered, before
  the window could call it a tone, heard as the start of their prompt (29168: 1.2 s of US
  ring, 0.4 s of silence, "Hi, this is Sam" heard as "Bye, this is it.").

Where the queue stops and the person begins within one prompt: an agent who cuts the queue's
last announcement short, or speaks a moment after its music's last note, is heard with it as
one prompt, split at a pause (:func:`after_pauses`) or after the last note
(:func:`without_the_last_note`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np

from ivraudit.asr.base import UNDERSTOOD_MIN_WORDS
from ivraudit.crawl.announcements import SOUND_BEFORE_SECONDS, from_frame, played_again
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.people import CALL_OUT_SECONDS, greets_and_waits
from ivraudit.interpret import calling_out, interpret, person_answers
from ivraudit.listen.activity import (
    cut_off,
    end_before_a_pause,
    end_of_sound_before,
    quiet_frames,
    sounding_frame,
    tonal,
)
from ivraudit.listen.listener import (
    HOLD_BLIP_SECONDS,
    HOLD_RESUMES_SECONDS,
    MUSIC_PAUSE_FRAMES,
    PERSON_WAITS_SECONDS,
    PLAYED_ON_SECONDS,
    RING_SHARE,
    Ending,
    Heard,
    Listener,
)
from ivraudit.telephony.constants import (
    FRAME_SAMPLES,
    FRAME_SECONDS,
    RING_CYCLE_SECONDS,
    SAMPLE_RATE,
)
from ivraudit.telephony.g711 import Pcm

SPLIT_PAUSE_SECONDS = 0.3
"""A pause in a prompt this long or longer may be where one speaker stopped and another
began: longer than the closure of a stop consonant or a voice's breath between words (0.1 s),
the length of the line's pause between a cut announcement and the agent (0.5 s on zoo seed
29022's line)."""


def after_pauses(audio: Pcm, starts: list[float]) -> dict[int, tuple[int, int]]:
    """The words (by index, never the first) that begin right after a pause of
    SPLIT_PAUSE_SECONDS or more: the first one to start past its middle (the recogniser's
    word times are rough), each with the pause (its first quiet frame and the frame after
    it). An agent who cuts the queue's announcement short is not a new
    sentence to the recogniser: "Your estimated wait time is-", 0.5 s, and "Hi, this is
    David. How can I help you today?" were written "Your estimated wait time is high this is
    David. ...", one sentence that said a person, so the queue's words became his (zoo seed
    29022), and the same announcement, in another queue, was taken for him answering."""
    quiet = quiet_frames(audio)
    least = round(SPLIT_PAUSE_SECONDS / FRAME_SECONDS)
    found: dict[int, tuple[int, int]] = {}
    run = 0
    for i, q in enumerate([*quiet, False]):
        if q:
            run += 1
            continue
        if run >= least and run < i:  # (not the quiet the prompt begins with)
            middle = (i - run / 2) * FRAME_SECONDS
            k = next((k for k, start in enumerate(starts) if start >= middle), None)
            if k:
                found.setdefault(k, (i - run, i))
        run = 0
    return found


def with_its_first_words(listener: Listener, heard: Heard) -> tuple[Pcm, float]:
    """``heard``'s audio, with the second before its onset where the queue's sound ran into
    it with no pause, and how long that is (0: nothing added). Music that runs straight into
    an announcement keeps its first words: the lagging window still says music, and no pause
    tells where the one ends (Listener._give_back_after_music), so the announcement is heard
    from its middle and its words say nothing of holding (zoo seed 27016: "The estimated hold
    time is-", cut by the agent, heard from 0.6 s in as "The whole time is..."; read with the
    second before it, "The estimated whole time is..."). The recogniser reads music as no
    words; what the announcement said there is read with the rest."""
    lead = min(SOUND_BEFORE_SECONDS, heard.onset)
    before = listener.heard_between(heard.onset - lead, heard.onset)
    if before is None or len(before) < FRAME_SAMPLES or heard.empty \
            or not sounding_frame(before[-FRAME_SAMPLES:]):
        return heard.audio, 0.0
    return np.concatenate([before, heard.audio]), len(before) / SAMPLE_RATE


def without_the_last_note(heard: Heard) -> Heard:
    """What answered a queue, without the queue's last note: a sound too short for a word
    (HOLD_BLIP_SECONDS), then a pause a track does not make (MUSIC_PAUSE_FRAMES) but shorter
    than ends a prompt, then the words (zoo seed 21028: 0.1 s of music and 0.5 s of silence
    before "Customer service department, this is David", heard as his greeting's start, and
    named after another agent by it)."""
    quiet = quiet_frames(heard.audio)
    note = next((i for i, q in enumerate(quiet) if q), None)
    if note is None or note * FRAME_SECONDS >= HOLD_BLIP_SECONDS:
        return heard
    begins = next((i for i in range(note, len(quiet)) if not quiet[i]), None)
    if begins is None or begins - note < MUSIC_PAUSE_FRAMES:
        return heard
    return from_frame(heard, begins)


def one_voice(mapper: Mapper, listener: Listener, announcements: list[Heard],
              nxt: Heard) -> Heard | None:
    """The last announcement, the "music" after it and ``nxt`` heard again as one prompt, if
    they were one voice; None if not.

    They were when the announcement ended in music (the window's verdict, not a pause) that
    played on for less than PLAYED_ON_SECONDS, after which a queue's music goes on, and that
    "music" has words in it (:func:`said_there`; not one or two the recogniser made up for
    quiet music): a queue's music says nothing (as its wordless sounds are its
    own: Queues._wordless), a voice the window scored as music does. The words are read
    from the recording of the line (Listener.heard_between), one transcription more, only
    where a queue's announcement was followed that soon by words."""
    if not announcements or nxt.empty or nxt.sound_only:
        return None
    last = announcements[-1]
    if last.ending is not Ending.MUSIC or nxt.onset - last.end >= PLAYED_ON_SECONDS:
        return None
    between = listener.heard_between(last.end, nxt.onset)
    whole = listener.heard_between(last.onset, nxt.end)
    if between is None or whole is None or not any(map(sounding_frame, _frames(between))):
        return None
    if not said_there(mapper, between, whole, last.end - last.onset, nxt.onset - last.onset):
        return None  # (a word or two the recogniser made up for quiet music: zoo seed 21024)
    quiet = quiet_frames(whole)
    ends = end_before_a_pause(quiet, round((last.end - last.onset) / FRAME_SECONDS),
                         round(listener.end_silence / FRAME_SECONDS))
    if ends is not None and ends * FRAME_SECONDS >= nxt.onset - last.onset:
        ends = None  # (the voice did not stop before ``nxt``)
    if ends is not None:
        # The voice stopped for as long as ends a prompt before ``nxt``: the greeting ended
        # there and the line waited for the caller.
        joined = Heard(whole[: ends * FRAME_SAMPLES], last.onset,
                       last.onset + ends * FRAME_SECONDS, Ending.SILENCE, last.pressed_at,
                       waited=True)
    else:
        joined = replace(nxt, audio=whole, onset=last.onset, ran_on=None)
    kind = interpret(mapper.transcribe(joined.audio), mapper.language).kind
    # Words that, heard as one, still read as the queue's: an announcement that ran into
    # the music and its agent's first words at once (zoo seed 21047), told apart where
    # they were heard (last_announcement_and_person splits a prompt at the person).
    if kind == "hold":
        return None
    # A greeting is one when it says a person, or when ``nxt``, after it, was their call-out
    # ("Hello?"); anything else after that pause is a prompt of its own, and nothing is
    # joined. (A greeting heard from its first word, "Thanks for calling Oak County
    # Services. This is Luis. How can I help?", its name 3 s in and its end scored as
    # music under hiss at -32 dBFS, was followed by "Hello?" heard as "below.": zoo seed
    # 27045, the person known 7 s late.)
    if ends is not None and kind != "human" and not calling_out(mapper.transcribe(nxt.audio)):
        return None
    return joined


SPAN_SLACK_SECONDS = 0.1
"""How far before the stretch a word read in the whole may start and still be its: the
recogniser's word times are rough by about a frame or five (a word cut at the stretch's
start is read from before it)."""


def said_there(mapper: Mapper, between: Pcm, whole: Pcm, start: float, end: float) -> bool:
    """Are there words in ``between`` (``start`` to ``end`` seconds into ``whole``), the
    stretch the window scored as music after an announcement: a voice, not the queue's music?

    They are when the recogniser understood UNDERSTOOD_MIN_WORDS or more read on their own,
    or read that many there when it read ``whole`` (the announcement, the stretch and the
    words after it) as one. A stretch cut from the middle of a sentence, often mid-word, read
    alone is a fragment the recogniser is unsure of whatever the voice: of 28 voice middles
    (flite, eSpeak, Debian prompts, a third of each, under -41 dBFS hiss, Whisper tiny.en on
    this CPU) 12 read alone gave fewer than 3 words or words not understood (zoo seed 29127:
    "...City of Fair|view. This is Sam." read "there and you live in", mean word confidence
    0.446 where 0.45 is needed, on a CPU whose CTranslate2 reads it a little otherwise than
    the one it passed on). Read in the sentence, every one of
    them had 3 words or more there (3 to 49), and 28 stretches of the Debian hold tracks (1.5
    to 4.5 s, at 0, -6 and -12 dB) put between two thirds of a voice had 0 to 2 there: music
    is what the recogniser passes over when words surround it, and made-up words for music
    read alone ("I'm going to go to the the the ..." for 3.5 s of a track) are not
    understood. A single threshold (UNDERSTOOD_MIN_WORDS), no confidence, judges the words
    read in context: the margin is one word each side (see tests/test_handover.py)."""
    alone = mapper.transcript(between)
    if len(alone.words) >= UNDERSTOOD_MIN_WORDS and alone.understood:
        return True
    there = [w for w in mapper.transcript(whole).words
             if start - SPAN_SLACK_SECONDS <= w.start < end - SPAN_SLACK_SECONDS]
    return len(there) >= UNDERSTOOD_MIN_WORDS


def without_the_ring(listener: Listener, heard: Heard) -> Heard:
    """``heard`` without the ring's last burst it begins with: sound that is a ring (the
    line's, by the spectrum learned: Listener.ring; before one is learned, steady tones,
    which a voice is not: a US ring under hiss scores as music, and is never learned), then
    a pause a voice does not make within a word (MUSIC_PAUSE_FRAMES), then the words. A
    burst cut short by the agent's pick-up is not told as a tone by the lagging window, and
    was heard as the start of their prompt."""
    if heard.empty:
        return heard
    quiet = quiet_frames(heard.audio)
    frames = _frames(heard.audio)
    run = 0
    for i, q in enumerate(quiet):
        run = run + 1 if q else 0
        if run < MUSIC_PAUSE_FRAMES:
            continue
        burst = [frame for frame in frames[: i + 1 - run] if sounding_frame(frame)]
        ringing = listener.ring.ringing(burst) if listener.ring.learned else map(tonal, burst)
        if not burst or sum(ringing) < RING_SHARE * len(burst):
            return heard  # words before the pause: the prompt begins with them
        begins = next((k for k in range(i + 1, len(quiet)) if not quiet[k]), None)
        return heard if begins is None else from_frame(heard, begins)
    return heard


def _frames(audio: Pcm) -> list[Pcm]:
    count = len(audio) // FRAME_SAMPLES
    return list(audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES))


def called_out_after(mapper: Mapper, listener: Listener, said: Heard, nxt: Heard,
                     before: list[Heard]) -> bool:
    """Were the words ``said``, taken for an announcement of a queue that played or rang
    before them (``before``: its prompt and announcements), a person's greeting after all?
    They were where the queue's sound did not come back after them, and what came next,
    out of that silence, was someone checking that the caller is there ("Hello?"), known
    by its words or, misheard, as a few words after which the line waits for the caller
    again (ivraudit.crawl.people.CALL_OUT_SECONDS): a person calls out 2-3 s after a
    greeting the caller did not answer, before the crawl's wait for them (the line's
    silence, Listener.through_hold) is over. A greeting that came when the queue's next
    announcement was due was taken for it (zoo seed 29266: "Thank you for calling Keystone
    Mutual, how may I help you?", heard as "... Keystone News Show. I'll help you.", 3.1 s
    of silence, then "Hello?" heard as "below.", a person of its own). Words that say hold,
    or that the queue said before, are its own, whoever speaks after them; so is a sound with
    no words, which greets nobody (zoo seed 29887: two bars of a quiet track that rose over the
    line's hiss, the second taken for a call-out after the first, a "person" of no words)."""
    if nxt.empty or nxt.sound_only or played_again(said, before) or \
            not mapper.transcript(said.audio).words:
        return False
    between = listener.heard_between(said.end, nxt.onset)
    around = listener.heard_between(said.onset, nxt.end)  # (the line's noise: their pauses)
    if between is None or around is None or not all(quiet_frames(between, floor_of=around)):
        return False  # (the queue's music or ring came back, or the line was not recorded)
    if interpret(mapper.transcribe(said.audio), mapper.language).kind == "hold":
        return False
    return calling_out(mapper.transcribe(nxt.audio)) or (
        nxt.seconds <= CALL_OUT_SECONDS and listener.stays_quiet(PERSON_WAITS_SECONDS))


SENTENCE_ENDS = (".", "?", "!")
"""How the recogniser ends a sentence (Whisper writes punctuation; Vosk does not, and its
prompts are not split)."""


def last_announcement_and_person(mapper: Mapper, listener: Listener, heard: Heard,
                                 waited: bool) -> tuple[Heard, Heard] | None:
    """A last announcement and the person who answered straight after it, with less of a
    pause than ends a prompt, heard as one prompt: the announcement and the person, split
    at the sentence or pause (:func:`after_pauses`) where the words that
    say hold end and the ones that say a person begin (or, where the line then ``waited``
    for the caller, the first ones that do not say hold: a person is known by that too):
    after the last sentence that says hold, as one announcement can be several; None if
    the prompt is not that. The words are read with those the queue's music ran straight
    into (:func:`with_its_first_words`). The line waited too where the
    queue's music or ring did not come back after the prompt, nor anyone spoke (its silence
    is the person's: Queues._announces asked that of it already). Before words that say a person,
    the words before the pause may say hold read by themselves (:func:`_says_hold_alone`), or
    be cut off mid-word, as the line stops a recording and no one stops their own words
    (:func:`~ivraudit.listen.activity.cut_off`: zoo seed 30202, an eSpeak "All of our
    representatives are currently busy. Please stay on the line an-", read as "All of our
    members have been concurrently really. Please stay.", alone and in context), unless
    they say a person: an eSpeak "Hi, this is Anna." ends as abruptly (zoo seed 19004).
    A split at a pause is made at the pause: the recogniser may write the first word after it
    seconds late (zoo seed 30148: "... and your-", 0.4 s, and "Customer service, Grace
    speaking." written "... and your Okay, you can.", its "Okay," 2.1 s after the pause, in
    the agent's last word; the person was the 0.6 s from there)."""
    audio, lead = with_its_first_words(listener, heard)
    words = mapper.transcript(audio).words
    starts = [w.start - lead for w in words]  # (from the prompt's onset)
    pauses = after_pauses(heard.audio, starts)
    ends = sorted({i + 1 for i, w in enumerate(words[:-1]) if w.text.endswith(SENTENCE_ENDS)}
                  | set(pauses))
    @cache  # (asked only of a prompt that may be split there, once: it reads the line)
    def line_waited() -> bool:
        # (and stayed silent: words again within that time were no person who waits, zoo
        # seed 29994: "All of our representatives are currently busy. Please." cut by the
        # agent, whose "Thank you for calling..." came 0.8 s after "Please.", taken for them)
        return waited or (heard.ending is Ending.SILENCE and listener.played()
                          and not listener.hold_resumes(RING_CYCLE_SECONDS if listener.rang
                                                        else HOLD_RESUMES_SECONDS)
                          and listener.stays_quiet(HOLD_RESUMES_SECONDS))
    quiet = quiet_frames(heard.audio)  # (once: every place it may be split reads it)
    for split, after in zip(ends, [*ends[1:], len(words)]):
        if starts[split] <= 0:
            continue  # (a sentence of what came before the prompt)
        said = " ".join(w.text for w in words[:split])
        rest = " ".join(w.text for w in words[split:])
        then = interpret(rest, mapper.language).kind
        next_sentence = " ".join(w.text for w in words[split:after])
        if interpret(next_sentence, mapper.language).kind == "hold":
            continue  # still the announcement ("... busy. Please stay on the line.")
        said_kind = interpret(said, mapper.language).kind
        in_context = said_kind == "hold"
        if not in_context and then != "human":
            continue
        first = min(round(starts[split] / FRAME_SECONDS), len(quiet) - 1)
        before = end_of_sound_before(quiet, first)
        if split in pauses:  # (at the pause, not at the word's time: see above)
            before, first = pauses[split]
        announcement = heard.audio[: before * FRAME_SAMPLES]
        if not in_context and (before == 0 or not (
                (split in pauses and said_kind != "human" and cut_off(heard.audio, before))
                or _says_hold_alone(mapper, announcement))):
            continue
        if then == "human" or (then != "hold" and line_waited()):
            if before == 0:
                return None
            begins = next((i for i in range(before, first + 1) if not quiet[i]), first)
            return (Heard(announcement, heard.onset, heard.onset + before * FRAME_SECONDS,
                          Ending.SILENCE), from_frame(heard, begins))
    return None


def _says_hold_alone(mapper: Mapper, announcement: Pcm) -> bool:
    """Do the words before a person's, read by themselves, say hold? Read with the greeting
    after them they may not: Whisper wrote a flite "All of our representatives are currently
    busy.", 0.3 s before "Thank you for calling, this is Maria...", as "All in our right
    presented to Bearker and leave this." on one machine's CPU and right on another's
    (tests/test_unheard_lines.py, the announcement that runs into the agent). Two readings,
    alone and in context, are two chances, as :func:`said_there` takes them; asked only
    where the words after the pause say a person."""
    return interpret(mapper.transcribe(announcement), mapper.language).kind == "hold"


PERSON_NEXT_SECONDS = 3.0
"""How much of a person's first words, after a prompt heard in a queue, is read for them."""
PERSON_NEXT_WITHIN_SECONDS = 3.0
"""A person who answers as the queue's last prompt is cut speaks within this: the line's
pause before a new node (up to 3 s on a slow system: zoo trees' gap-long, 1.5-2.5 s, and
the recording's lead; 24004, 25010 and 25012 cut an announcement and spoke 1.0, 1.7 and
2.3 s later)."""


def a_person_next(mapper: Mapper, listener: Listener) -> bool:
    """Do words that say a person follow, after a pause that ended the prompt before?
    That prompt, which said no person, was the queue's last: an announcement the agent
    cut short ("Your estimate-", "Thank you for your pa-" heard as "Thank you for
    hearing.": zoo seeds 21059, 21035), not their own first words, which run on with
    the pauses of one speaker. The person's words are read from where they begin, after
    the line's pause however long (a slow line's 2.3 s left "I'm speaking." of "Claims,
    Sam speaking" in the first 3 s: 25012). Someone calling out ("Hello?") is no
    person's first words: they call out 2-3 s after a greeting the caller did not
    answer, and the prompt before was that greeting, not the queue's. In a queue that
    rang, the line is silent up to a ring's cycle between its rings, an announcement's
    end and the agent too (zoo seed 30276: Europe's ring, 1 s in 5, "Your estimated wait
    time is 2 minutes." read as "your estimated weight find is two minutes.", then 3.9 s
    of the ring's silence, and "Thank you for calling City Eye Care, how may I help
    you?": the announcement was taken for a message of its own, the agent for a queue)."""
    pause = listener.peek(RING_CYCLE_SECONDS if listener.rang else PERSON_NEXT_WITHIN_SECONDS)
    first = next((i for i, q in enumerate(quiet_frames(pause)) if not q), None)
    if first is None:
        return False
    after = listener.peek(first * FRAME_SECONDS + PERSON_NEXT_SECONDS)
    words = mapper.transcribe(after[first * FRAME_SAMPLES:])
    if calling_out(words):
        return False
    return person_answers(words, expected=True) or (
        interpret(words, mapper.language).kind in ("message", "human")
        and greets_and_waits(listener, first, mapper.transcribe, mapper.language))
