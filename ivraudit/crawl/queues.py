"""Queues: waiting through one for whoever answers it, and telling apart lookalike queues.

Waiting (:meth:`Queues.wait_through`): music, ringback, silence and announcements, for as long as
the policy's ``max_hold``; a "queue" that played nothing and went on within seconds was a message,
and a silence after words where music was expected was a person.

Queues that sound alike: one announcement ("One moment, please.") in front of two queues.
A queue is known by its prompt, like any node, but a prompt is no proof: dialplans reuse one
recording in front of every queue, and what a caller hears next (ringback here, music there)
is what tells the queues apart. So a known queue reached by a way not seen before is listened
to for its first seconds; if they do not sound like what that queue (or a twin found before)
played first, it is another queue with the same words, a node of its own (its *twin*), and
it is sat through like any new queue. Where they sound alike only as any queue of the line
may (silence, the line's ring), or as several known queues do, the first announcement that
queue made is listened for, as long after the prompt: other words that say hold there, or
its ring going on unanswered, are another queue's (crawl.announcements.says_otherwise).
Two that sound alike and announce alike (or not at all) are sat through as two while the
courtesy allows, and who answers tells (crawl.samequeues); else they stay one node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ivraudit.audit.hold import keep_hold_audio
from ivraudit.audit.model import Audit
from ivraudit.crawl.answers import by_the_same_key, told_by_who_answers
from ivraudit.crawl.announcements import (
    first_announced,
    on_the_beat,
    played_again,
    runs_on,
    says_otherwise,
)
from ivraudit.crawl.handover import (
    a_person_next,
    called_out_after,
    last_announcement_and_person,
    one_voice,
    without_the_last_note,
    without_the_ring,
)
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.openings import alike_as_any_queue, sounds_like
from ivraudit.crawl.people import StopTest, people_elsewhere, person_test
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.silences import falls_silent, speaks_again
from ivraudit.crawl.twins import Twins, Way
from ivraudit.interpret import calling_out, interpret
from ivraudit.listen.listener import HOLD_RESUMES_SECONDS, Ending, Heard
from ivraudit.telephony.constants import RING_CYCLE_SECONDS
from ivraudit.telephony.g711 import Pcm

QUEUE_MIN_SILENCE_SECONDS = 5.0
"""A prompt that says hold, then silence shorter than this before the next prompt (no music, no
ring, no announcement): the line did not hold the caller, it paused; a silent queue holds for
far longer (real ones for minutes)."""
OPENING_SECONDS = 4.0
"""How much of a queue's sound after its prompt tells it: a ring cycle (6 s in the US) need not
be complete, its first tone and the silence after it are enough, and music its track."""


class Queues:
    """Waiting through queues, and telling queues that sound alike apart: what each played
    first, the ways seen into it, and its twins."""

    def __init__(self, audit: Audit, policy: CrawlPolicy, mapper: Mapper, twins: Twins) -> None:
        self.audit = audit
        self.policy = policy
        self.mapper = mapper
        self.twins = twins
        self._openings: dict[str, Pcm] = {}
        self._ways: dict[str, set[Way]] = {}
        self.passed_by: list[tuple[int, str]] = []  # (call, queue) not waited through again

    def opened(self, queue: str, way: Way, opening: Pcm) -> None:
        """A new queue, reached by ``way``, played ``opening`` after its prompt."""
        self._openings[queue] = opening
        self._ways.setdefault(queue, set()).add(way)

    def knows(self, queue: str, way: Way) -> bool:
        """Was ``queue`` reached by ``way`` before (or is there nothing to compare with)?"""
        return way in self._ways.get(queue, set()) or queue not in self._openings

    def which(self, queue: str, way: Way, opening: Pcm,
              ahead: Callable[[], tuple[Pcm, float]]) -> str | None:
        """Of ``queue`` and its twins (those the same key led to first: crawl.answers), the
        one whose first seconds ``opening`` sounds like and, where that leaves a doubt
        (:meth:`_in_doubt`), whose first announcement what follows does not contradict (now
        also known by ``way``); None: none of them, it is another queue. ``ahead``: the line
        from some seconds past the prompt's end (read only where in doubt: it takes time)."""
        for candidate in by_the_same_key(self.audit, self.twins.of(queue), way[1], way[0]):
            if not sounds_like(opening, self._openings.get(candidate)):
                continue
            if self._in_doubt(candidate, opening) and (told_by_who_answers(
                    self.audit, self.policy, candidate, way) or says_otherwise(
                    *ahead(), opening, self.audit.nodes[candidate], self.mapper.reads_as_hold)):
                continue
            self._ways.setdefault(candidate, set()).add(way)
            return candidate
        return None

    def _in_doubt(self, queue: str, opening: Pcm) -> bool:
        """Does ``opening``, which sounds like ``queue``'s, still leave a doubt that this is
        another queue? It does where the two sound alike only as any queue of the line may
        (silence, the line's ring: ivraudit.crawl.openings.alike_as_any_queue), or where
        another known queue sounds like it too (the line plays one track in several queues).
        Where it is the queue's own music, heard alike, no more is listened to: what its
        first announcement says costs the call up to half a minute more."""
        return alike_as_any_queue(opening, self._openings[queue]) or any(
            sounds_like(opening, other) for node, other in self._openings.items()
            if node != queue)

    def wait_through(self, session: CallSession, hold: str, heard: Heard, new: bool) -> Heard:
        """Wait through the queue ``hold`` (its prompt ``heard``) for what answers it.

        In a queue that is silent or rings, an announcement ("your call is important to us",
        "you are caller number 3", the hold prompt again) ends in silence like any prompt:
        one that reads as part of a queue is one of its announcements, and the wait goes on."""
        node = self.audit.nodes[hold]
        reads_as = interpret(self.mapper.transcribe(heard.audio), self.mapper.language).kind \
            if not heard.sound_only else "hold"
        unsure = heard.ending is Ending.MUSIC and reads_as != "hold"
        people = self.people(hold)
        _, announcements, nxt = session.through_hold(heard, unsure=unsure, people=people)
        if nxt.ending is Ending.QUIET or (
                unsure and not announcements and session.listener.little_music()
                and not nxt.empty and calling_out(self.mapper.transcribe(nxt.audio))):
            # No music came after all, nor anything else: the "music" was the end of
            # someone's words, and they wait for the caller (see Prober._waits_for_the_caller),
            # or call out to them ("Thank you for calling Keystone Mutual, how may I help
            # you?", its last words scored as music for 1.1 s, then "Hello?": zoo seed 20005).
            # Words that asked for a message, then a moment of "music" and silence: the
            # box's beep, and it records (a 0.3 s beep at 950 Hz scored as music: 21012).
            node.kind = "voicemail" if reads_as == "voicemail" else "human"
            return nxt
        waited = False  # the last words were followed by the silence of someone waiting
        played = False  # the queue played music or rang at some time of the wait so far
        while not nxt.empty:
            split = (runs_on(nxt, [heard, *announcements], self._says_a_person)
                     or self._new_announcement_and_person(session, nxt, [heard, *announcements]))
            if split is not None:  # the last announcement, and whoever answered straight after
                announcements.append(split[0])
                nxt = split[1]
            played = played or session.listener.played()
            cut = None if split is not None or played else self._cut_then_silent(
                session, nxt, [heard, *announcements])
            if cut is not None:  # an announcement the agent cut, who then waits in silence
                announcements.append(cut[0])
                nxt = cut[1]
            if not self._announces(session, nxt, [heard, *announcements], played):
                break
            said = session.resume(nxt)
            words = bool(self.mapper.transcript(said.audio).words)  # (none: nobody's, 29887)
            _, more, nxt = session.through_hold(people=people, after_words=said if words else None)
            waited = words and nxt.onset == said.onset
            if not waited and not more and played and called_out_after(
                    self.mapper, session.listener, said, nxt, [heard, *announcements]):
                # (a silent queue's silence says nothing: Listener.through_hold)
                nxt, waited = replace(said, ending=Ending.SILENCE, waited=True), True
            if waited:
                break  # the queue fell silent after them: a person's words (see there)
            # (a sound with no words is the queue's, not something it said: _wordless)
            announcements += [said, *more] if words else more
        if not nxt.empty and not nxt.sound_only and nxt.ending is not Ending.TONE:
            joined = one_voice(self.mapper, session.listener, announcements, nxt)
            if joined is not None:  # a greeting taken for an announcement, "music" and words
                announcements.pop()
            nxt = without_the_ring(session.listener, joined or nxt)
            person = last_announcement_and_person(self.mapper, session.listener, nxt, waited)
            if person is not None:  # "All our agents are busy." and "Hi, this is Luis" at once
                announcements.append(person[0])
                nxt = person[1]
            elif session.listener.music or session.listener.rang:
                nxt = without_the_last_note(nxt)
        if new and not announcements and nxt.onset - heard.end < QUEUE_MIN_SILENCE_SECONDS and (
                not (session.listener.music or session.listener.rang) or self._asks_for_keys(nxt)):
            # "Please hold while I try that extension", and the next prompt after a pause:
            # the line did not hold the caller, so it was a message. Nor did it where it asks
            # for keys a moment later, whatever the sound window made of the pause: an eSpeak
            # "... you may experience longer than usual wait times.", its last words scored as
            # music, and the main menu 1.3 s later (zoo seed 29670).
            node.kind = "message"
            return nxt
        if nxt.ending is Ending.LIMIT:
            node.truncated = True
            self.audit.complete = False
            self.audit.problems.append(f"{hold}: no answer within --max-hold "
                                       f"({self.policy.max_hold:g} s)")
        if new:
            node.hold_seconds = round(nxt.onset - heard.end, 3)
            node.announcements = len(announcements)
            keep_hold_audio(node, session.listener.music, heard.end, announcements)
        return nxt

    def _new_announcement_and_person(self, session: CallSession, heard: Heard,
                                     before: list[Heard]) -> tuple[Heard, Heard] | None:
        """An announcement not heard before (``before``) and the person who answered right
        after it, heard as one prompt whose words say hold: split where the words that say a
        person begin (:func:`last_announcement_and_person`); None if it is not that. The
        queue's music between them, shorter than the lagging window needs to call music,
        did not end the prompt, and the whole was taken for one more announcement: the
        person's first words were lost, and their "Hello?" a moment later became a wordless
        person of its own (zoo seed 29367: "The estimated hold time is currently 8 minutes.",
        1.3 s of music, "Quotes, Keisha speaking." heard as one prompt). A prompt played
        before is one said before (:func:`runs_on` splits what follows it); one with no words
        is the queue's (:meth:`_wordless`). Only prompts that say hold are read again (with
        the second of music before them): the others are judged as they are."""
        if heard.empty or heard.sound_only or heard.ending is Ending.CUT \
                or played_again(heard, before) or self._wordless(heard) \
                or not self.mapper.reads_as_hold(heard):
            return None
        return last_announcement_and_person(self.mapper, session.listener, heard, waited=False)

    def _cut_then_silent(self, session: CallSession, heard: Heard,
                         before: list[Heard]) -> tuple[Heard, Heard] | None:
        """Words that say hold, in a queue that neither played music nor rang, after which
        the line stays silent longer than the queue ever did (:func:`falls_silent`): the agent
        cut that announcement and waits for the caller. Split where the words stop saying
        hold (:func:`last_announcement_and_person`, as the line waited); None if not that.
        A silent queue's announcement and an agent who speaks straight into it are one
        prompt that says hold, and were taken for one more announcement: the wait went on
        in the agent's silence to --max-hold, and nobody was reached (zoo seed 29719: "...
        and your call will be answered by the next" and "Customer service department, this
        is Anna.", heard as one prompt)."""
        if heard.empty or heard.sound_only or heard.ending is not Ending.SILENCE \
                or played_again(heard, before) or not self.mapper.reads_as_hold(heard) \
                or not falls_silent(session.listener, heard, before):
            return None
        return last_announcement_and_person(self.mapper, session.listener, heard, waited=True)

    def _announces(self, session: CallSession, heard: Heard, before: list[Heard],
                   played: bool) -> bool:
        """Is ``heard``, a prompt that came in the queue, one of its announcements (and the wait
        goes on)? It is when its words say hold, or it begins like something the queue said
        ``before``; else when the queue's sound comes back after it (a ring at its next cycle: up to
        4 s of silence). A prompt cut short was a person known by their first words; a courteous
        crawl does not wait to hear whether the queue comes back after words that say a person
        either. A sound with no words is the queue's, whatever it ended in (:meth:`_wordless`). A
        prompt that ends in a tone is a voicemail greeting, unless its words say hold: a greeting
        does not ask the caller to stay on the line, and the tone is the queue's ring, cutting in
        before its own comes back when announcements come more often than it rings (Europe's
        ring: 1 s in 5). In a queue that has neither ``played`` music nor rung, words that say
        nothing either way are its own if the line speaks again within the longest silence it
        kept before them (ivraudit.crawl.silences), and words on the beat if it does not stay
        silent longer (zoo seed 30298: "Account changes, Luis speaking." misread, on the beat)."""
        if heard.ending is Ending.CUT:
            return False
        if self.mapper.reads_as_hold(heard) or played_again(heard, before):
            return True
        if self._wordless(heard):
            return True
        if heard.ending is Ending.TONE:
            return self._rung_off(session, heard)
        if self._a_person(heard):
            return False
        if on_the_beat(heard, before):
            return played or not falls_silent(session.listener, heard, before)
        return session.listener.hold_resumes(
            RING_CYCLE_SECONDS if session.listener.rang else HOLD_RESUMES_SECONDS) or \
            a_person_next(self.mapper, session.listener) or (not played and speaks_again(
                session.listener, self.mapper.transcribe, heard, before))

    def _rung_off(self, session: CallSession, heard: Heard) -> bool:
        """Was ``heard``, which ended in a tone, an announcement the queue's own ring cut off?
        It was if the tone is the ring this queue played (by its spectrum), or the queue's
        sound comes back after it within a ring's cycle (a ring not learned as one), and
        the words are no greeting's (neither a box's nor a person's): a box beeps after
        words that ask for a message, and the ring's next cycle need not come before the
        agent answers (Europe's ring: 1 s in 5; zoo seed 27039: "You are caller number 5."
        heard as "You are quality member five.", the ring, and the agent 4 s later, was
        taken for a voicemail box)."""
        listener = session.listener
        if not (listener.is_the_ring(heard.tone)
                or listener.hold_resumes(RING_CYCLE_SECONDS, after_a_pause=True)):
            return False
        return interpret(self.mapper.transcribe(heard.audio), self.mapper.language).kind \
            not in ("voicemail", "human")

    def _wordless(self, heard: Heard) -> bool:
        """Is ``heard`` a sound with no words at all? Nobody who answers a queue says
        nothing, and a box's beep or a ring was told before: it is the queue's own sound,
        and the wait goes on. The last bars of a quiet track before it stops, scored as a
        voice by their pauses (zoo seed 21046: 1.26 s), or an announcement cut before its
        first word; a quiet track's bars heard as one "voice" after another (zoo seed 30045:
        seven in a row, each a node). Whether music was heard in this wait says nothing
        here: a track 10-15 dB under the prompts on a line with hiss of its own sits at the
        line's floor, is never sound long enough for the window to call it music, and only
        its loudest bars rise over the floor, a wordless "prompt" every few seconds (zoo
        seed 28017: ten nodes in a chain, the queue a message). Nor does a tone at its end make
        it a voicemail greeting, which has words: a ring's burst heard as a "voice" before its
        next one (zoo seed 29188: Britain's two bursts on a μ-law line with hiss 21 dB under
        them, whose frames were not tonal enough to be learned as the ring, and the queue
        became a box)."""
        return not self.mapper.transcript(heard.audio).words

    def people(self, queue: str | None = None) -> Callable[[], StopTest] | None:
        """What answers a queue is listened to for a person's first words, when courteous.
        Words that begin like someone who answers elsewhere than ``queue`` are heard out:
        the same person answers two queues (zoo seed 29074: Keisha after the payments queue,
        first met behind a key), and someone else of their house may begin as they do
        (21038); only the whole greeting tells, and one cut at its beginning was taken for
        the other person, a copy of the same one."""
        if not self.policy.courtesy:
            return None
        elsewhere = people_elsewhere(self.audit, queue) if queue is not None else frozenset()
        def begins_like(audio: Pcm) -> set[str]:
            return self.mapper.begins_like(audio, elsewhere)
        return lambda: person_test(self.mapper.transcribe, expected=True, begins_like=begins_like)

    def _asks_for_keys(self, heard: Heard) -> bool:
        """Do ``heard``'s words ask the caller for keys (a menu, or digits to enter)?"""
        return not heard.empty and not heard.sound_only and interpret(
            self.mapper.transcribe(heard.audio), self.mapper.language).kind in ("menu", "input")

    def _says_a_person(self, heard: Heard) -> bool:
        """Do ``heard``'s words say a person (courteous or not: what the map says)?"""
        return interpret(self.mapper.transcribe(heard.audio), self.mapper.language).kind == "human"

    def _a_person(self, heard: Heard) -> bool:
        """Do the words that answered a queue say a person (when courteous)?"""
        return self.policy.courtesy and interpret(
            self.mapper.transcribe(heard.audio), self.mapper.language).kind == "human"

    def passes_by(self, session: CallSession, queue: str) -> bool:
        """Is the known ``queue``, whose answer is not known yet (another call waits in it,
        or the wait before was cut), passed by on this call? It is once the policy's
        ``max_human_calls`` calls have reached a person: what answers it is left to the
        calls that waited through it (noted in :attr:`passed_by`), and the call ends."""
        node = self.audit.nodes[queue]
        if node.kind != "hold" or any(e.key == "auto" for e in self.audit.out_edges(queue)):
            return False
        return self.reached_people(session, queue)

    def reached_people(self, session: CallSession, queue: str) -> bool:
        """Have ``max_human_calls`` calls reached a person? If so, ``queue`` is not waited
        through on this call (noted in :attr:`passed_by`)."""
        if self.audit.human_calls < self.policy.max_human_calls:
            return False
        self.passed_by.append((session.record.index, queue))
        return True

    def which_queue(self, session: CallSession, way: Way, queue: str, heard: Heard,
                    path: list[str], via: list[str]) -> tuple[str, bool, Heard]:
        """A known queue's prompt, reached by ``way``: that queue, or another one that
        begins with the same words (see the module), told by its first seconds; and
        whether that one is new, and its prompt heard to the end."""
        edge_key = self.twins.edge_into(way[0], way[1], queue)
        if self.knows(queue, way) or edge_key is None:
            return queue, False, heard
        heard = session.resume(heard)
        opening = session.listener.peek(OPENING_SECONDS)
        lead = session.listener.position - heard.end  # (read past the prompt's end)
        read: list[tuple[Pcm, float]] = []
        def ahead() -> tuple[Pcm, float]:  # (up to when the queue, or a twin, first announced)
            if not read:
                due = first_announced(self.audit, self.twins.of(queue))
                read.append((session.listener.peek(due - lead), lead))
            return read[0]
        same = self.which(queue, way, opening, ahead)
        if same == queue:
            return queue, False, heard
        to = same if same is not None else self.twins.twin(
            queue, path, via, heard.audio if heard.sound_only else None)
        self.twins.redirect(edge_key, way, to)
        return to, same is None, heard

    def held(self, session: CallSession, kind: str, heard: Heard, nxt: Heard) -> bool:
        """Did the new prompt ``heard`` (of ``kind``), which ended in silence, hold the caller,
        ``nxt`` being what followed it? It did when a long silence (longer than a line pauses
        between prompts) came before words of a queue (given back, to be heard as its announcement)
        or, after words, a person's (zoo seed 30408: an eSpeak "Please hold for the next available
        agent." misread, 20 s of silence, the agent); and when the words were a message's, or read
        as nothing known, and what came after its pause was new music, nothing said: a queue's music
        that faded in (or a track that opens near silence) sounds under the line's floor for its
        first seconds, and the prompt seemed to end in silence (zoo seed 29089: "Please hold for the
        next available agent." as "Clean fold for my next, I'm a little agent."; fresh 30138:
        "Please hold while I try that extension." as "So, we'll try and write that next section.").
        Music after a message is a queue as music straight after it is
        (ivraudit.interpret.node_kind); a queue already known by its music (one with no prompt,
        reached before) stays that queue. So does a sound with no words after which the line, not
        waiting for the caller, sounds again with no words: the loudest bars of a queue's music
        under the line's floor (zoo seed 29837: a queue with no prompt heard as a chain of wordless
        "prompts", each a node)."""
        if nxt.empty or self.mapper.identify(nxt) is not None:
            return False
        if kind == "unknown" and not self.mapper.transcript(heard.audio).words \
                and not self.mapper.transcript(nxt.audio).words:
            session.listener.unread(nxt.audio)
            return True
        if kind in ("message", "unknown") and heard.ending is Ending.SILENCE \
                and nxt.sound_only and nxt.ending is Ending.MUSIC:
            return True  # (the wait goes on from the music, read already)
        if nxt.onset - heard.end >= QUEUE_MIN_SILENCE_SECONDS and (self.mapper.reads_as_hold(
                nxt) or (self.mapper.transcript(heard.audio).words and self._says_a_person(nxt))):
            session.listener.unread(nxt.audio)
            return True
        return False
