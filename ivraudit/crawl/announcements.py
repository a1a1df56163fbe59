"""A queue's announcements, told by their sound and their time: what the agent who answers
cuts short is still the queue's (see ivraudit.crawl.queues).

The agent who answers cuts the queue's last announcement anywhere, and the sound window
that tells words from the music lags: what is heard of that announcement is a fragment
("The estim-", "You are" heard as "All right."), which says nothing of holding and, taken
for a prompt, became a node between the queue and the agent. It is known by its sound
(the beginning of an announcement heard before, :func:`played_again`), by its time (when
the next was due, :func:`on_the_beat`), or, run into the agent's words with less of a pause
than ends a prompt, split from them where the announcement heard before ends
(:func:`runs_on`).

Its first announcement also tells a queue from another that begins alike: two queues with no
prompt, or one shared prompt, and the same ring, announce other words after their first
seconds (:func:`says_otherwise`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.openings import plays_on
from ivraudit.identity.fingerprint import (
    SAME_AUDIO,
    PhasedAudio,
    begins_like_from_any,
    fingerprint,
    overlap_similarity,
)
from ivraudit.listen.activity import quiet_frames
from ivraudit.listen.listener import HOLD_BLIP_SECONDS, Ending, Heard
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

PLAYED_AGAIN_MIN_SECONDS = 0.3
"""The shortest part of a recording that is told by its fingerprint to be the same one. An
agent who answers cuts an announcement anywhere: "The estim-" was heard for 0.3-0.5 s on
four zoo trees of 60 (20002, 20019, 20034, 20043), and, at 0.5 s, became a node between
the queue and the agent. Measured on 115 zoo recordings (1954 pairs of one tree's): every
recording's first 0.3 s matches it (1.00), and another's only where both begin with the
same words in the same voice ("Hi, this is", "Please select"); at 0.15 s, different words
match too (0.91: a legal notice and an agent)."""
SOUND_BEFORE_SECONDS = 1.0
"""How much of a queue's music a prompt heard in it may begin with: the music's last notes
before an announcement are told from its words by the sound window (1 s). An announcement
the agent cut 0.3 s in was heard as 0.74 s, its first 0.4 s the music's."""
BEAT_SLACK_SECONDS = 0.5
"""How far from when it was due an announcement may begin: where the crawl heard a prompt
begin and end is a frame or two off, and a queue's timer counts in whole seconds."""
BEAT_MIN_SECONDS = 5.0
"""A queue announces no more often than this; a shorter "period" is two prompts in a row."""
PLAYED_AGAIN_SLACK_SECONDS = 0.3
"""A part of a recording is no longer than it, give or take where its ends were heard; a
longer prompt that begins like an announcement is that announcement and more (the agent
straight after it), which is split, not waited through."""


FIRST_DUE_SLACK_SECONDS = 1.5
"""How far from when a queue first announced, after its prompt, the same queue's first
announcement may begin on another call: where the crawl heard the prompt end and the
announcement begin is a frame or two off each time (BEAT_SLACK_SECONDS), and the sound
window that tells words from a ring or music lags by up to a second (SOUND_BEFORE_SECONDS)."""
SAYS_HOLD_WITHIN_SECONDS = 4.0
"""How much of what a queue says where an announcement was due is read for words that say
hold, at least: an announcement says so in its first sentence or two ("Your call is
important to us." alone read as a message; "... Please stay on the line.", 3.6 s, as a
queue's), and another queue's may be longer than the one it is told from."""
KNOWN_BY_SECONDS = 1.0
"""How much of an announcement's beginning is looked for: enough to tell "You are caller
number" from "Your call is important" (their first 0.3 s may match), short of where one
announcement says another number or wait each time ("caller number 6", "number 2")."""


def first_announced(audit: Audit, queues: list[str]) -> float:
    """Seconds after its prompt by which any of ``queues`` (one and its twins) would have made
    its first announcement again, to its end (0: none made one)."""
    return max((node.announcement_offsets[0] + _read_for(node.announcement)
                + FIRST_DUE_SLACK_SECONDS for node in map(audit.nodes.__getitem__, queues)
                if node.announcement_offsets), default=0.0)


def _read_for(said: Pcm) -> float:
    """How long what comes where ``said`` was said is read (see SAYS_HOLD_WITHIN_SECONDS)."""
    return max(len(said) / SAMPLE_RATE, SAYS_HOLD_WITHIN_SECONDS)


def says_otherwise(ahead: Pcm, lead: float, opening: Pcm, queue: NodeRecord,
                   reads_as_hold: Callable[[Heard], bool]) -> bool:
    """Does the queue heard in ``ahead`` (from ``lead`` seconds after the end of its prompt
    on, where it played ``opening`` first) say something else than ``queue``, which begins
    alike, said first? It does when, about as long after the prompt as ``queue`` made its
    first announcement, words come that say hold (an announcement of this queue, not someone
    answering it) and do not begin like that one: another queue with the same prompt and
    sound (zoo seed 20054: two queues of one ring and no prompt, "You are caller number 6."
    11.4 s in here, "Your call is important to us." there, the second taken for the first
    and its agent never reached). It does too when this one plays on as it opened, nothing
    said and nobody answering it (ivraudit.crawl.openings.plays_on), from as early as that
    announcement may begin to ``KNOWN_BY_SECONDS`` past its latest start: the same queue
    would have been saying it (zoo seed 29269: "Thank you for your patience." 24.4 s into
    one American ring and the agent 3.4 s later; in the other, the ring alone there and its
    own agent at the same time, never reached). Words that do not say hold (a person), the
    silence of someone who answered sooner and waits, or ``ahead`` ending before (the call
    ended) prove nothing: a queue may be answered sooner on one call than on another."""
    if not queue.announcement_offsets or len(queue.announcement) == 0:
        return False
    due, said = queue.announcement_offsets[0] - lead, queue.announcement
    first = max(0, round((due - FIRST_DUE_SLACK_SECONDS) / FRAME_SECONDS))
    last = round((due + _read_for(said) + FIRST_DUE_SLACK_SECONDS) / FRAME_SECONDS)
    if len(ahead) < last * FRAME_SAMPLES:
        return False
    window = ahead[first * FRAME_SAMPLES: last * FRAME_SAMPLES]
    if not reads_as_hold(Heard(window, 0.0, len(window) / SAMPLE_RATE, Ending.SILENCE)):
        begun = round((due + FIRST_DUE_SLACK_SECONDS + KNOWN_BY_SECONDS) / FRAME_SECONDS)
        return plays_on(opening, ahead[: begun * FRAME_SAMPLES],
                        ahead[first * FRAME_SAMPLES: begun * FRAME_SAMPLES])
    known = said[: round(KNOWN_BY_SECONDS * SAMPLE_RATE)]
    whole = fingerprint(known)
    if overlap_similarity(whole, fingerprint(window)) >= SAME_AUDIO:
        return False  # (on the frames' grid; else aligned to the sample, which costs more)
    starts = range(0, last - first - len(whole) + 1)
    return begins_like_from_any(PhasedAudio(window), known, whole, starts) < SAME_AUDIO


def on_the_beat(heard: Heard, before: list[Heard]) -> bool:
    """Did ``heard`` begin when the queue's next announcement was due? A queue announces on a
    period, counted from one announcement's start to the next or from one's end, and from
    the start of the hold for the first: the agent who answers cuts one short anywhere, and
    a cut announcement too short to say hold or to begin like the ones before (the fourth
    "You are caller number 2.", cut 0.3 s in: zoo seed 21014) is known by when it came.
    Only a prompt shorter than every announcement it could be cut from: new words that say
    more than an announcement did are someone's, whenever they come (zoo seed 29803: an
    agent's 5 s greeting on the beat of a silent queue's 4 s announcement, taken for one
    more, and the wait went on in their silence to --max-hold).
    ``before``: the queue's prompt, then its announcements."""
    if len(before) < 2 or heard.seconds >= min(said.seconds for said in before[1:]):
        return False
    last, previous = before[-1], before[-2]
    since = previous.end if len(before) == 2 else previous.onset  # the hold starts after its prompt
    period = last.onset - since
    if period < BEAT_MIN_SECONDS:
        return False
    return any(abs(heard.onset - (anchor + gap)) <= BEAT_SLACK_SECONDS
               for anchor, gap in ((last.onset, period), (last.end, last.onset - previous.end)))


def played_again(heard: Heard, before: list[Heard]) -> bool:
    """Does ``heard`` begin like something this queue already said (its prompt, or one of
    its announcements)? Announcements repeat, and the agent who answers cuts one short: "The
    estimated hole." heard alone is no proof of a queue, but it is the start of the
    announcement heard ten seconds before, after up to ``SOUND_BEFORE_SECONDS`` of the
    queue's music that the prompt was taken to begin with."""
    if heard.seconds < PLAYED_AGAIN_MIN_SECONDS - FRAME_SECONDS / 2:  # (15 frames)
        return False
    shortest = round(PLAYED_AGAIN_MIN_SECONDS / FRAME_SECONDS)
    starts = range(0, min(len(heard.audio) // FRAME_SAMPLES - shortest,
                          round(SOUND_BEFORE_SECONDS / FRAME_SECONDS)) + 1)
    phased = PhasedAudio(heard.audio)  # (its frames' energies once, for every start tried)
    for said in before:
        audio = _as_far_as_it_may_run(said)
        if said.sound_only or heard.seconds > len(audio) / SAMPLE_RATE + PLAYED_AGAIN_SLACK_SECONDS:
            continue
        whole = fingerprint(audio)  # (once, for every start tried)
        if begins_like_from_any(phased, audio, whole, starts) >= SAME_AUDIO:
            return True
    return False


def _as_far_as_it_may_run(said: Heard) -> Pcm:
    """What the queue said in ``said``, with what it ran into, where its end was heard
    early: a prompt that ran into music ends where the sound window, lagging, was taken to
    turn to music, a second or so before its last words (kept in ``ran_on``: see
    Listener._heard). The same announcement heard to its end the next time, when the agent
    answered after it and no music followed, is that much longer, and was taken for the
    announcement and more: its last word ("line." of "Please stay on the line.", 0.26 s,
    heard as "See ya.") a node between the queue and the agent (zoo seed 27048). What it
    ran into after its words is the queue's music, which nothing said matches."""
    if said.ran_on is None or said.ending is not Ending.MUSIC:
        return said.audio
    return np.concatenate([said.audio, said.ran_on])


def runs_on(heard: Heard, before: list[Heard],
            says_a_person: Callable[[Heard], bool] | None = None) -> tuple[Heard, Heard] | None:
    """An announcement the queue played before (``before``: its prompt, then its
    announcements) and, after a pause shorter than ends a prompt, what answered the queue,
    heard as one prompt ``heard``: split at the last pause up to which it begins like that
    announcement (:func:`played_again`); None if it is not that.

    The agent who cuts the last announcement short and speaks within half a second was
    heard with it as one prompt, on the queue's beat, and taken for the announcement: its
    words were the queue's, and "Hello?", 2 s after, was a node of its own, the agent
    (zoo seed 25030: "You are currently caller number-" and "Thank you for calling
    Riverside Power, how may I help you?", 0.5 s apart). A longer prompt that begins like
    an announcement and says more is that announcement and more: the words after it are
    judged on their own (a person's, or the queue's next announcement).

    The agent may cut it earlier, and say less before the caller is to answer than the
    announcement had left to say: the prompt is no longer than the announcement, and,
    with ``says_a_person``, is split where what follows says a person (zoo seed 29649:
    "... Please stay on the line. And your call will be-" and "Hi, this is Grace.", heard
    as one prompt of 7.1 s where the announcement is 7.6 s, was split at the pause after
    "line.", its words' last sentence that says hold, and the person was "your call will be
    high. This is great."). Only a person's words are taken there: what follows the
    beginning of an announcement heard before may be the rest of another like it ("You
    are caller number" and "5.")."""
    spoken = [said for said in before if not said.sound_only]
    shorter = [said for said in spoken if heard.seconds > said.seconds + PLAYED_AGAIN_SLACK_SECONDS]
    cut = [said for said in spoken if heard.seconds <= said.seconds + PLAYED_AGAIN_SLACK_SECONDS
           ] if says_a_person is not None else []
    if heard.sound_only or not (shorter or cut) or played_again(heard, before):
        return None  # (all of it is one said before, whose end was heard early then)
    quiet = quiet_frames(heard.audio)
    pauses = [i for i in range(1, len(quiet)) if quiet[i] and not quiet[i - 1]]
    for pause in reversed(pauses):
        resumes = next((i for i in range(pause, len(quiet)) if not quiet[i]), None)
        if resumes is None or heard.seconds - resumes * FRAME_SECONDS < HOLD_BLIP_SECONDS:
            continue  # (nothing said after this pause, or a click: nobody speaks that briefly)
        said = Heard(heard.audio[: pause * FRAME_SAMPLES], heard.onset,
                     heard.onset + pause * FRAME_SECONDS, Ending.SILENCE)
        if shorter and played_again(said, shorter):
            return said, from_frame(heard, resumes)
        if cut and played_again(said, cut):
            rest = from_frame(heard, resumes)
            if says_a_person is not None and says_a_person(rest):
                return said, rest
    return None


def from_frame(heard: Heard, frame: int) -> Heard:
    """What ``heard`` says from its ``frame``-th frame on (its end as it was)."""
    return Heard(heard.audio[frame * FRAME_SAMPLES:], heard.onset + frame * FRAME_SECONDS,
                 heard.end, heard.ending, heard.pressed_at, waited=heard.waited, tone=heard.tone,
                 person=heard.person)
