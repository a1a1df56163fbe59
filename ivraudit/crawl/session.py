"""A call session: one answered call as the crawl uses it.

It holds the call's listener and its record in the audit, and does what a caller does on a
call: hear prompts, press keys (checking, when keys go into a prompt, whether the prompt
stopped for them: barge-in), enter digits one at a time, and count the line time spent
walking known paths. It knows nothing of the map; what a prompt *is* is the mapper's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ivraudit.audit.model import CallRecord, NodeRecord
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.people import StopTest, either
from ivraudit.crawl.probes import DIGIT_PATIENCE_SECONDS, MAX_ENTRY_DIGITS
from ivraudit.identity import (
    MAYBE_SAME_AUDIO, SAME_AUDIO, Fingerprint, continues_prompt, fingerprint,
)
from ivraudit.lines.base import Call
from ivraudit.listen.activity import SOUNDING_MIN_FRAMES, quiet_frames, sounding
from ivraudit.listen.listener import (
    BARGE_IN_JUDGED_SECONDS, STOP_WHEN_FROM_SECONDS, Ending, Heard, Listener,
    barge_in_check,
)
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, KEY_PRESS_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

STOP_LATENCY_SECONDS = 0.1
"""After keys went in early: how long to listen for the prompt going on (over the 0.1 s a key
takes, under the pause IVRs leave before the next prompt)."""
ENTRY_DIGITS = "1234567890"
"""Digits tried, in order, to answer an input node that did not say how much to enter."""
LATE_KEY_SECONDS = 1.5
"""A key that went in this long after its prompt ended may have come after the IVR stopped
waiting for it. A caller's key goes in 0.8 s after the prompt ends (the end of speech, 0.7 s,
and the key); a crawler that fell behind the line while it transcribed a new prompt sends it
later (on a loaded 2-core machine, 2.4 s after a real Asterisk menu ended: past its
WaitExten(3)). IVRs wait 3 s or more for a key."""


class KeyTooLate(Exception):
    """A key went in after the line had moved on by itself: what followed is not its result."""


class CallSession:
    """One answered call: its listener, its record, and the caller's acts on it."""

    def __init__(self, listener: Listener, record: CallRecord, max_wait: float,
                 max_hold: float = 900.0) -> None:
        self.listener = listener
        self.record = record
        self.max_wait = max_wait
        self.max_hold = max_hold
        # menu -> the wrong keys pressed there in a row on this call, each of which brought
        # the caller back (IVRs count them, and hang up on the Nth: an invalid-entry limit)
        self.wrong_keys: dict[str, list[str]] = {}
        self.trying: Probe | None = None  # the probe being tried (None once it met a limit)
        self.acted: list[str] = []  # the nodes the caller acted at, in order (crawl.comeback)
        # courtesy (ivraudit.crawl.people): a new test for a person's first words, to listen
        # to what the line does with; what to say to a person before hanging up
        self.people: Callable[[], StopTest] | None = None
        self.apology: Pcm | None = None
        # keys sent late, until their result is heard: (the prompt's end, the first key's end)
        self._late: tuple[float, float] | None = None

    @property
    def call(self) -> Call:
        return self.listener.call

    @property
    def seconds(self) -> float:
        """Line seconds since the answer."""
        return self.listener.call.seconds

    def hear(self, *, max_wait: float | None = None,
             stop_when: Callable[[Pcm], bool | None] | None = None,
             ask_from: float = STOP_WHEN_FROM_SECONDS,
             press_after_onset: tuple[str, float] | None = None) -> Heard:
        """The next prompt (see :meth:`Listener.hear`), waiting the policy's ``max_wait``."""
        self._late = None
        return self.listener.hear(max_wait=self.max_wait if max_wait is None else max_wait,
                                  stop_when=stop_when, ask_from=ask_from,
                                  press_after_onset=press_after_onset)

    def hear_result(self, stop_when: StopTest | None = None) -> Heard:
        """What the line does next (after a key, a message, a wait): :meth:`hear`, stopped
        also where the first words say a person answered (when the crawl is courteous)."""
        people = self.people() if self.people is not None else None
        return self._believed(self._late, self.hear(stop_when=either(stop_when, people)))

    @staticmethod
    def _believed(late: tuple[float, float] | None, heard: Heard) -> Heard:
        """``heard``, what followed keys sent ``late`` (see :meth:`press`), unless the line
        had gone on by itself before they were over (:class:`KeyTooLate`)."""
        if late is not None and heard.onset < late[1] - FRAME_SECONDS:
            # An IVR acts on a key once it is over (its RFC 4733 end, the tone's end): a
            # result that began sooner (or a hang-up: nothing heard, its onset the line's
            # end) was the line going on by itself, a no-input timeout's goodbye or menu
            # again, before the key reached it (the key itself may have gone into that).
            # Only a key sent late can meet that; on time, it is the IVR's.
            raise KeyTooLate(f"a key went in {late[1] - late[0]:.1f} s after the prompt ended, "
                             f"and the line had gone on by itself "
                             f"{late[1] - heard.onset:.2f} s before it was over")
        return heard

    def met_person(self, onset: float) -> None:
        """A person answered this call, their first sound at line second ``onset``: noted on
        the call's record (their time is counted from there to the hang-up, which follows);
        the apology, if there is one, is said to them first."""
        if self.record.person_at is not None:
            return
        self.record.person_at = round(onset, 3)
        if self.apology is not None and len(self.apology) and not self.call.ended:
            self.say(self.apology)

    def say(self, audio: Pcm) -> None:
        """Send ``audio`` to the far end (a line that cannot send audio sends nothing), and
        let the line time it takes go by, listening."""
        play = getattr(self.call, "play", None)
        if play is not None:
            play(audio)
        self.listener.skip(len(audio) / SAMPLE_RATE)

    def resume(self, heard: Heard, known_seconds: float | None = None) -> Heard:
        """The rest of a prompt heard only in part (see :meth:`Listener.resume`)."""
        return self.listener.resume(heard, known_seconds=known_seconds)

    def through_hold(self, began: Heard | None = None, unsure: bool = False,
                     people: Callable[[], StopTest] | None = None,
                     after_words: Heard | None = None) -> tuple[float, list[Heard], Heard]:
        """Wait through a queue (see :meth:`Listener.through_hold`), up to ``max_hold``;
        ``began``: its prompt, if the queue began with a ring or music and nothing said.
        ``unsure``: only the music its prompt ran into made it a queue (see there).
        ``people``: a test for a person's first words, which end the wait cut short.
        ``after_words``: the wait goes on after words taken for an announcement (see there)."""
        rang = began is not None and began.sound_only and began.ending is Ending.TONE
        seed = began.audio if began is not None and rang else None
        return self.listener.through_hold(max_hold=self.max_hold, began=seed, unsure=unsure,
                                          stop_test=people, after_words=after_words)

    def press(self, keys: str, prompt_end: float | None = None) -> float:
        """Press ``keys`` now; returns the line time the last one ended. ``prompt_end``: the
        line time the prompt they answer ended; keys sent ``LATE_KEY_SECONDS`` or more after
        it make :meth:`hear_result` check that the line waited for them (:class:`KeyTooLate`).

        A crawler that falls behind the line (its reading thread starved of CPU while it
        transcribes) has audio received and not yet heard: the line played it before the
        keys reached it, so it is none of their result, and it is passed over."""
        lag = self._lag()
        self.listener.forget_ahead()
        self.call.press(keys)
        if lag:
            self.listener.skip(lag)
        first_over = self.call.seconds + KEY_PRESS_SECONDS  # (an entry may end before the last)
        self._late = None
        if prompt_end is not None and first_over - prompt_end >= LATE_KEY_SECONDS:
            self._late = (prompt_end, first_over)
        return self.call.seconds + KEY_PRESS_SECONDS * len(keys)

    def _lag(self) -> float:
        """Seconds of audio the line has sent and the crawler not yet heard (a SIP line's
        backlog; none on a replay line, which plays as it is read)."""
        return float(getattr(self.call, "backlog_seconds", 0.0))

    def _read_ahead(self) -> float:
        """Seconds of audio the listener read and gave back (a barge-in check that heard the
        next prompt begin, a peek) and has not heard again: the line played it before keys
        pressed now reach it, so it is more of the prompt they go into. Left out, the keys
        were judged to reach the line that much earlier than they did, and the prompt's
        last moment before it stopped for them was taken for the next prompt's beginning
        (zoo seed 24008: 0.12 s of a menu cut by its '#', run into the invalid message 0.32 s
        later, became a node of its own)."""
        return max(0.0, self.call.seconds - self.listener.position)

    def press_at(self, node: NodeRecord, heard: Heard, keys: str,
                 known: Fingerprint | None) -> float:
        """Press ``keys`` at ``node``, whose prompt (fingerprint ``known``) is ``heard``;
        returns the line time the press ended.

        If the prompt was cut short (recognised by its beginning) the keys go in at once,
        unless the node is known not to take keys while it speaks. Whether it does is seen
        right there, and noted on the node: a prompt that goes on after the keys ignored
        them, so it is heard out and the keys pressed again. Where that is not known yet,
        the keys go in early only if the prompt has enough left to say for its going on to
        be heard (ivraudit.listen.listener.barge_in_check), else it is heard out; and it is
        not heard going on past its own end (``left``): a menu that ignored a key pressed
        0.9 s before its end went on through the check, fell silent in the confirmation as
        if the key had stopped it, and its timeout's message was filed under the key (zoo
        seed 29954). A node known to stop for keys
        goes on only where what follows is its own audio beyond a maybe: the next prompt in
        its voice may begin with the words it was about to say (zoo seed 29012: a menu cut by
        its '*' after "Cancellations.", and the main menu's "Press 1 for ..." 0.5 s later,
        scored 0.67 against its own "Press 1 for ..."; pressed again, '*' went to the main
        menu and came back as an invalid entry from the submenu).
        """
        # the prompt as the line played it before the keys got there: a SIP line's
        # backlog, and what the listener read ahead and gave back (see _read_ahead)
        lag = self._lag() + self._read_ahead()
        # A burst of typed keys is judged once its last key went out.
        sending = lag + KEY_PRESS_SECONDS * len(keys) + STOP_LATENCY_SECONDS
        left = node.prompt_seconds - heard.seconds - lag  # (of the prompt, as first heard)
        if heard.ending is Ending.CUT and (node.barge_in or node.barge_in is None and (
                left >= barge_in_check(sending))):
            self.call.press(keys)
            pressed = self.call.seconds + KEY_PRESS_SECONDS * len(keys)
            start = len(heard.audio) // FRAME_SAMPLES

            def goes_on(after: Pcm, skip: int, judged: int) -> bool:
                if judged <= JUDGED_FRAMES:
                    return _goes_on(after, start + skip, known, node.audio)
                return _continues(after, start + skip, known, judged, aligned=True,
                                  least=SAME_AUDIO if node.barge_in else MAYBE_SAME_AUDIO)

            def longer(after: Pcm) -> float:
                return _past_own_pause(node.audio, start, round(sending / FRAME_SECONDS), after)

            if self.listener.stopped_by_keys(heard, sending, goes_on, longer,
                                             left=None if node.barge_in else left):
                if node.barge_in is None:
                    node.barge_in = True
                return pressed
            if node.barge_in is None:
                node.barge_in = False
        prompt = self.resume(heard)
        return self.press(keys, prompt.end if prompt.ending is Ending.SILENCE else None)

    def enter_digits(self, allows: Callable[[str], bool], prompt_end: float | None = None
                     ) -> tuple[str, Heard, float]:
        """Enter digits one by one until an input node moves on; then the pound key.

        Only keys ``allows`` go out: the digit is the first allowed one, and the pound key is
        left out when it is forbidden. Returns what was entered, what the line said next and
        the line time the last key ended. ``prompt_end``: where the input's prompt ended, for
        the first digit (see :meth:`press`).
        """
        digit = next(d for d in ENTRY_DIGITS if allows(d))
        entered = ""
        for _ in range(MAX_ENTRY_DIGITS):
            entered += digit
            action_at = self.press(digit, None if entered[1:] else prompt_end)
            late = self._late
            heard = self._believed(late, self.hear(max_wait=DIGIT_PATIENCE_SECONDS))
            if heard.ending is not Ending.QUIET:
                return entered, heard, action_at
        if not allows("#"):
            action_at = self.seconds
            return entered, self.hear(), action_at
        action_at = self.press("#")
        return entered + "#", self.hear(), action_at

    @contextmanager
    def navigating(self) -> Iterator[None]:
        """Count the line time of a walk on known paths in the call's navigating seconds:
        the part of a crawl's cost the floor leaves out (the floor hears each prompt once)."""
        started = self.seconds
        try:
            yield
        finally:
            self.record.navigating_seconds += self.seconds - started


JUDGED_FRAMES = round(BARGE_IN_JUDGED_SECONDS / FRAME_SECONDS)
DELAY_FRAMES = 15
"""How much later than sent (0.3 s) a line may bring audio: the delays typing ahead is tested
against."""
PAUSE_FRAMES = 8
"""A pause (0.16 s) heard after keys where the prompt has none means it stopped for them."""


def _past_own_pause(known_audio: Pcm, at: int, skip: int, after: Pcm) -> float:
    """How much longer to listen after keys went in ``at`` frames into a known prompt (heard
    before as ``known_audio``), whose check heard ``after`` from ``skip`` frames after the
    keys, before judging whether it stopped: 0 to judge now, or, where the known prompt
    itself pauses in the stretch that judges (0.1 s of it quiet) and the check went quiet
    only where the known prompt does, until it has spoken again for most of a judged stretch.

    A prompt stopped by the keys is silent there, and so is one that ignored them and is in
    its own pause: a menu without barge-in whose key went in at the end of its first
    sentence (zoo seed 26009: '#' 1.1 s into "You have reached your balance. Press 1 for
    ..."), or a message and the menu after it, heard as one prompt, whose key went in as the
    message ended (28052). Judged on that silence, the ignored key was taken to have
    stopped the prompt, and the rest of the same prompt became a new one after the key.
    Only where the known prompt speaks again is there anything to tell the two apart. A
    check silent where the known prompt speaks is judged at once: the prompt stopped (zoo
    seed 21010: a menu stopped by its '*' at the end of its first sentence, and the next
    menu begun, in the same voice, with the words the first goes on with)."""
    quiet = quiet_frames(known_audio)
    judge = at + skip + len(after) // FRAME_SAMPLES

    def pausing(end: int) -> bool:
        return sum(quiet[max(0, end - JUDGED_FRAMES): end]) >= SOUNDING_MIN_FRAMES

    if judge >= len(quiet) or not pausing(judge):
        return 0.0  # the known prompt is over by then, or speaks there: judged as usual
    heard_quiet = quiet_frames(after, floor_of=known_audio)
    went_quiet = at + skip + max((i + 1 for i, q in enumerate(heard_quiet) if not q), default=0)
    if went_quiet < judge and quiet[went_quiet: judge].count(False) >= SOUNDING_MIN_FRAMES:
        return 0.0  # quiet where the known prompt speaks: it stopped
    end = judge
    while judge < len(quiet) and (quiet[judge - 1] or pausing(judge)):
        judge += 1  # heard on to where it has spoken again
    return 0.0 if judge >= len(quiet) else (judge - end) * FRAME_SECONDS  # (its pause: its end)


def _goes_on(after: Pcm, at: int, known: Fingerprint | None, known_audio: Pcm) -> bool:
    """Is ``after`` (heard from ``at`` frames into a known prompt, after keys went in) more
    of that prompt, rather than silence or the next prompt? The first look (see
    Listener.stopped_by_keys for the second).

    Judged at its end, where on a line with delay a stopped prompt is silent: sound there
    that continues the known prompt goes on. A line may run the next prompt in soon after
    the keys, and it may begin with the very words the menu was saying (a menu cut in "for
    payment arrangements", and the next prompt "For payment arrangements, please visit our
    website", in one voice: zoo seed 20050); then the pause between the two gives it away:
    a pause the known prompt does not have at that point (allowing for the line's delay)
    means it stopped. Pauses are found by the known prompt's floor, there and in what was
    heard: a short stretch's own floor is its quietest frames, which in a stretch half pause
    is the pause's, and a pause of 0.06 s in the prompt, heard after keys with that floor,
    was 0.16 s long and one the prompt did not have (zoo seed 30018).
    """
    if not _continues(after, at, known, JUDGED_FRAMES):
        return False
    pause = _longest_run(quiet_frames(after, floor_of=known_audio))
    if pause is None or pause[1] - pause[0] < PAUSE_FRAMES or len(known_audio) == 0:
        return True
    lo, hi = at + pause[0] - DELAY_FRAMES, at + pause[1]
    own = _longest_run(quiet_frames(known_audio)[max(0, lo): max(0, hi)])
    return own is not None and own[1] - own[0] >= (pause[1] - pause[0]) // 2


def _longest_run(flags: list[bool]) -> tuple[int, int] | None:
    """The longest run of True in ``flags`` as (start, end), or None."""
    best: tuple[int, int] | None = None
    start: int | None = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _continues(after: Pcm, at: int, known: Fingerprint | None, judged: int,
               aligned: bool = False, least: float = MAYBE_SAME_AUDIO) -> bool:
    """Is ``after`` (heard from ``at`` frames into a known prompt, after keys went in) more
    of that prompt, rather than silence or the next prompt? Judged on its last ``judged``
    frames, where on a line with delay a stopped prompt is silent: sound there that goes on
    as the known prompt does there goes on (Listener.stopped_by_keys says how long)."""
    last = after[-judged * FRAME_SAMPLES:]
    if not sounding(last):
        return False
    if known is None:
        return True
    last_at = at + (len(after) - len(last)) // FRAME_SAMPLES
    return continues_prompt(fingerprint(last), known, last_at, aligned, least)
