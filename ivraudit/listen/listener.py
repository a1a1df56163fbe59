"""The listener: a call's audio in, prompts out.

It decides from the audio alone where a prompt ends: when the speech is followed by silence
(``end_silence``), when it runs into hold music, into a tone (a voicemail beep), or when the
line goes dead. Hold music is not silence, so a prompt followed by music is ended by the
music, and :meth:`Listener.through_hold` keeps listening through music and the announcements
that interrupt it until something else (an agent, a menu) speaks.

One listener serves one call, because the sound classifier's state (noise floor, the last
second of sound) carries over from prompt to prompt.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np

from ivraudit.lines.base import Call
from ivraudit.listen.activity import (
    BEEP_QUIET_AFTER_FRAMES,
    RingProfile,
    before_a_tone,
    sound_after_a_pause,
    sounding,
    sounding_frame,
    tonal,
)
from ivraudit.listen.music_run import MusicRun, longest_pause
from ivraudit.listen.sound import BATCH, WINDOW_S, Sound, SoundClassifier, classify
from ivraudit.telephony.constants import (
    FRAME_SAMPLES,
    FRAME_SECONDS,
    RING_CYCLE_SECONDS,
    SAMPLE_RATE,
)
from ivraudit.telephony.g711 import Pcm

END_SILENCE_SECONDS = 0.7
"""Silence that ends a prompt: longer than the pauses inside one (≤ 0.5 s in the recordings
measured), shorter than the gap IVRs leave between prompts and the time they wait for a key."""

MUSIC_CONFIRM_SECONDS = 0.6
"""Music must persist this long before it ends a prompt (a chord under speech does not)."""
VOICE_CHECK_SECONDS = 1.0
"""How much of what follows music, once confirmed, is looked at to see if it is speech."""
NOTHING_SAID_CHECK_SECONDS = 2.0
"""The same look where nothing was said before the music: a wrong "music" there drops the
whole prompt (a queue with no announcement: ``_sound_only``), and a voice's first syllables
fill the lagging window alone, so a second of it is judged with too little of the voice
around it (zoo seed 29003 before the line's noise was taken out of the sound statistics: a
Spanish menu after its key, espeak-ng, music for 2.8 s of window verdicts; its first second
after the music was confirmed scored music, the first 1.5 s and 2 s speech). Queues with
no announcement scored music over 1 to 3 s in every zoo track and line (bench/noisy_voices
clips), and their opening is heard for ``SOUND_ONLY_SECONDS`` anyway."""
VOICE_CHECKS = 2
"""Times one stretch of music (verdicts with no speech between them) may turn out to be the
prompt's voice going on; then music is music."""

KNOWN_END_SILENCE_SECONDS = 0.2
"""Silence that ends a known prompt heard for as long as it lasts (see :meth:`Listener.resume`):
nothing of it is left to come, so a caller who acts in the pause after it need not wait out
``END_SILENCE_SECONDS``."""
KNOWN_END_TOLERANCE_SECONDS = 0.1
"""How much shorter than its known length a known prompt may come out and still be over."""
KNOWN_PAUSE_MARGIN_SECONDS = 0.3
"""How much longer than ``END_SILENCE_SECONDS`` a pause inside a known prompt, before its known
length, may be heard and not end it. A pause near the silence that ends a prompt is heard
either way on a noisy line: the quietest ends of words sink under the noise on one call and
not on the next (zoo seed 30209: a greeting and a legal notice 0.66 s apart, heard as one
prompt on the first call and as two on every later one). Noise moves such a silence by a few
frames, not by a third of a second."""

STOP_WHEN_FROM_SECONDS = 1.0
"""``hear(stop_when=...)`` is first asked after this much of a prompt (the issue's 'first
second': enough to tell known prompts apart, far less than hearing them out)."""
STOP_WHEN_EVERY_FRAMES = 10

BARGE_IN_CHECK_SECONDS = 0.8
"""After keys went into a prompt: how long to listen on for the prompt going on regardless."""
BARGE_IN_JUDGED_SECONDS = 0.3
"""Of that check, the last part that judges: a prompt stopped by the keys is silent there,
even on a line whose delay brings a moment more of it after the keys."""
BARGE_IN_CONFIRM_SECONDS = 1.0
"""A prompt that seems to go on after the keys is heard this much longer, and judged on all
of it: 0.3 s of the next prompt in the same voice can pass for more of the known one (zoo
seed 21047: "One moment, please." after a menu cut by its 0, in the menu's flite voice, was
taken for the menu going on, and the 0 pressed again into the queue's music), 1.3 s of it
does not. Heard only where the prompt seems to go on, which a menu that takes keys does
not, so it costs them nothing."""

ANNOUNCEMENT_MIN_SECONDS = 0.5
"""Sound between stretches of hold music shorter than this is part of the music."""
RING_SPEECH_SECONDS = 0.5
"""On hold, a "prompt" that is this short before a tone is the tone itself: ringback."""
BEEP_MIN_SECONDS = 0.2
BEEP_MAX_SECONDS = 1.2
"""A steady tone from BEEP_MIN_SECONDS to this long that ends what was taken for music, with
nothing after it for a ring's cycle, is a voicemail beep: boxes beep for 0.2-1 s, a
synthesiser note in hold music holds its spectrum for 0.24 s at most and more music follows
it (ivraudit.listen.sound, TONE_RUN_AFTER_MUSIC_S), and a ring's burst (US 2 s) comes back."""
HOLD_BLIP_SECONDS = 0.25
"""A sound this short between silences is no prompt (a track's last note as the music stops,
its first bars as it fades in, a click), not someone speaking: even "Hi?" lasts longer."""
PERSON_WAITS_SECONDS = 8.0
"""In a queue that played music or rang, silence this long right after a prompt: the music
never came back, so the prompt was a person (whose last words may have scored as music) now
waiting for the caller. Queues pause between tracks or rings for a second or two."""
UNSURE_MUSIC_SECONDS = 1.5
"""Music that made a queue of a prompt is real once this much of it has sounded; less is
what the window, lagging a second, still called music of the words' end."""
RING_PAUSE_SECONDS = 1.0
"""A queue's sound that stops for this long and comes back by itself, nothing said, rings,
whatever its spectrum: rings pause 2-4 s, music rests far less; and the two tones of a US
ring beat, which under hiss scores as music, not as a tone."""
HOLD_RESUMES_SECONDS = 2.5
"""After a prompt in a queue, how long music or a ring may take to come back."""
HOLD_RESUMES_FRAMES = 15
"""Music (or a tone) for 0.3 s of sounding frames in a row: the queue is back, not the end of
a prompt lingering in the sound window (nor the vowel of a "Hello?")."""
MUSIC_GOES_ON_SECONDS = 1.5
"""How long music that came back after a prompt in a queue is followed, to know it for music."""
WAITING_PAUSE_SECONDS = 1.0
"""A pause this long within :data:`MUSIC_GOES_ON_SECONDS` of music coming back says it was
not music: tracks rest far less, and someone who called out ("Hello?") waits for seconds."""
RING_RESUMES_FRAMES = 5
"""The ring learned, for 0.1 s in a row: the queue is back. Its spectrum is evidence enough
that no vowel gives, and the agent may cut the first ring after an announcement short (zoo
trees: a 0.16 s ring between the last announcement and the agent)."""
RING_COMES_BACK_MARGIN = 1.0
"""Past a ring cycle, for the rest of the ring that cut a prompt short (up to 2 s in the US)."""
RING_SHARE = 0.8
"""The share of a tone's sounding frames that must sound like the ring for it to be the ring
(its first and last frames may be only partly filled, or mixed with the words before it)."""
RING_MEMORY_FRAMES = 50
"""How much of a ring is kept to find speech that began as it stopped (the sound window)."""
RING_SETTLE_FRAMES = round(WINDOW_S / FRAME_SECONDS)
MUSIC_AGAIN_MIN_SECONDS = 0.5
"""Music after a pause in a queue's music, before the sound window turned from music, lasts
this long at least to be the music come back (see :meth:`Listener._music_again`)."""
"""After a ring, how long the sound window may say music before what follows the ring is
taken for music: the window that judges sound spans a second, and while it holds both the
ring's last burst and the words that came straight after it, it scores the mix as music
(zoo seed 30015: "Thank you for your patience." 0.2 s after a UK ring's second burst, the
window said music for 0.5 s, then speech). Once the window holds only what followed the
ring, its verdict is about that alone."""
MUSIC_MEMORY_FRAMES = 100
"""How much of a queue's music is kept to find speech that began as it stopped: the sound
window's second, and the pause before it whole. With only the second kept, a 0.45 s pause
between the music and an agent was seen as its last 0.26 s, no pause, and the agent's
first words stayed music ("Hi, this is Grace." heard as "That's great.": zoo seed 21030)."""

PLAYED_ON_SECONDS = 6.0
"""Music or a ring that plays on this long after words heard on hold: a queue that announced
them. A person's greeting (2-5 s), read as music, is over sooner, and then they wait."""
SOUND_ONLY_SECONDS = 2.0
"""How much of a queue that begins with music or a ring, nothing said, is its prompt."""
RECORD_SECONDS = 40.0
"""How much of the line the listener keeps, by line time, to hear a stretch again
(:meth:`Listener.heard_between`): a greeting taken for an announcement, the music after it
(up to PLAYED_ON_SECONDS) and the person's words that followed."""
RECORD_FRAMES = round(RECORD_SECONDS / FRAME_SECONDS)
RECORD_SLACK_FRAMES = 250  # (the record is trimmed every 5 s, not every frame)
MUSIC_PAUSE_FRAMES = 15
"""0.3 s without sound ends a stretch of music: what sounds after it may be someone else (a
queue hands a caller over with a moment of silence; the rests within a track are shorter,
and taking one for the end gives music back to be heard as words)."""
MUSIC_SAMPLE_SECONDS = 12.0
"""How much hold music :meth:`Listener.through_hold` keeps (:attr:`Listener.music`), so an
audit can be frozen into a replayable tree (ivraudit.regress.freeze) without storing whole
queues."""


class Ending(str, Enum):
    """Why the listener stopped."""

    SILENCE = "silence"   # speech, then silence: the IVR waits (menu, input) or moves on
    MUSIC = "music"       # speech ran into music: a hold queue
    TONE = "tone"         # a steady tone: a voicemail beep
    HANGUP = "hangup"     # the line went dead
    QUIET = "quiet"       # nothing at all was heard for max_wait
    LIMIT = "limit"       # the prompt went on longer than max_prompt
    CUT = "cut"           # the caller stopped listening early (hear(stop_when=...))


@dataclass
class Heard:
    """One prompt as heard: its audio (first sound to end of speech) and its place in time."""

    audio: Pcm
    onset: float          # call seconds at the first sound (= end when nothing was heard)
    end: float            # call seconds where the speech ended
    ending: Ending
    pressed_at: float | None = None  # when keys given to hear(press_after_onset=...) went out
    sound_only: bool = False  # music or a ring with nothing said: a queue with no announcement
    waited: bool = False  # the line then fell silent, waiting for the caller: a person's words
    person: bool = False  # cut short in a queue by words that said a person (through_hold)
    """Kept with the prompt when its start is trimmed (the queue's last note): the words of a
    greeting, read again from a few tenths of a second later, can say something else to the
    recogniser ("Hi, this is Omari." heard as "Bye. This is a marine.": zoo seed 29031, a
    node of unknown kind and the rest of the greeting another)."""
    ran_on: Pcm | None = None  # ending MUSIC: what followed, read while the music was confirmed
    tone: Pcm | None = field(default=None, repr=False, compare=False)
    """For ``Ending.TONE``: the tone as heard from its first frame to where it was told. A
    tone is told only once it has sounded a while (a short beep after words: once it is
    over), so what the line plays next starts in its middle or after it; its pitch and
    length are the mail system's and tell two voicemail boxes apart (ivraudit.crawl.voicemail)."""
    ahead: Callable[[float], Pcm | None] | None = field(default=None, repr=False, compare=False)
    """For ``sound_only``: the line's next seconds after where the prompt ended, read and
    given back (None once anything else was heard), for one who must hear more of a queue's
    sound than its first seconds to know it (ivraudit.crawl.wordless)."""
    _prompt: "_Prompt | None" = field(default=None, repr=False, compare=False)

    @property
    def seconds(self) -> float:
        return self.end - self.onset

    @property
    def empty(self) -> bool:
        return len(self.audio) == 0


class Listener:
    """Hears one call, prompt by prompt."""

    def __init__(self, call: Call, *, end_silence: float = END_SILENCE_SECONDS,
                 line_floor: float | None = None) -> None:
        self.call = call
        self.end_silence = end_silence
        self.sound = SoundClassifier(line_floor=line_floor)  # the noise earlier calls heard
        self._unread: list[Pcm] = []
        self._ahead: _Prompt | None = None  # the next prompt, heard already (see _heard)
        self._given_back_to = 0.0  # the furthest line time after a ring was given back from
        # the last frames read while the window said music (bounded: the audio loop adds to
        # it every 20 ms)
        self._music_tail = MusicRun(MUSIC_MEMORY_FRAMES)
        self._holding = False  # within through_hold
        self.music: list[Pcm] = []  # frames of the last hold's music, up to MUSIC_SAMPLE_SECONDS
        self.rang = False  # the last hold rang (ringback) at some point
        self._played = False  # the queue being waited through played music or rang so far
        self.ring = RingProfile()  # what this line's ring sounds like, once it has rung
        self._record: dict[int, Pcm] = {}  # the last frames read, by their place on the line

    def heard_between(self, start: float, end: float) -> Pcm | None:
        """The line's audio from ``start`` to ``end`` (line times), as read: to hear again, as
        one, what was taken for two things at first (a greeting whose middle scored as music,
        heard as an announcement and the person's last words: ivraudit.crawl.handover). None
        if any of it was not read, or was read too long ago (``RECORD_SECONDS``)."""
        first, last = round(start / FRAME_SECONDS), round(end / FRAME_SECONDS)
        frames = [self._record.get(i) for i in range(first, last)]
        if not frames or any(frame is None for frame in frames):
            return None
        return np.concatenate([frame for frame in frames if frame is not None])

    def stays_quiet(self, seconds: float) -> bool:
        """Does the line stay silent for ``seconds``? What is read to find out is given back
        (as soon as anything sounds), so the next :meth:`hear` hears it all, at its time."""
        sound = self._looking_ahead()
        read: list[Pcm] = []
        quiet = True
        for _ in range(round(seconds / FRAME_SECONDS)):
            frame = self._frame()
            if frame is None:
                quiet = False  # the line hung up: that is no wait for the caller
                break
            read.append(frame)
            if self.sound.active:
                quiet = False
                break
        if read:
            self.unread(np.concatenate(read), sound)
        return quiet

    def forget_ahead(self) -> None:
        """Drop the prompt heard already after the last one's pause (see :meth:`_heard`): the
        caller acted, and what the line played before that is none of the action's result."""
        self._ahead = None

    def skip(self, seconds: float) -> None:
        """Hear nothing of the next ``seconds`` of the line (the classifier still does)."""
        for _ in range(round(seconds / FRAME_SECONDS)):
            if self._frame() is None:
                return

    @property
    def position(self) -> float:
        """The line time of the next frame to be heard: the call's, less what was given back
        (:meth:`unread`), which is heard again where it was first read."""
        return self.call.seconds - len(self._unread) * FRAME_SECONDS

    def unread(self, audio: Pcm, sound: SoundClassifier | None = None) -> None:
        """Give back audio read too early: the next reads hear it again, first. ``sound``:
        the classifier as it was before that audio was read (:meth:`_looking_ahead`), so that
        it hears the audio again once, not twice."""
        count = len(audio) // FRAME_SAMPLES
        # before what is still unread: it was read from there, in this order
        self._unread[:0] = list(audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES))
        if sound is not None:
            self.sound = sound

    def peek(self, seconds: float) -> Pcm:
        """The next ``seconds`` of the line, read and given back: what follows is heard as if
        nothing had been read (a queue's first seconds, to tell it from another)."""
        sound = self._looking_ahead()
        frames: list[Pcm] = []
        for _ in range(round(seconds / FRAME_SECONDS)):
            frame = self._frame()
            if frame is None:
                break
            frames.append(frame)
        audio = np.concatenate(frames) if frames else _empty()
        self.unread(audio, sound)
        return audio

    def _looking_ahead(self) -> SoundClassifier:
        """The classifier as it is now, to give back with audio read ahead (:meth:`unread`)."""
        return copy.deepcopy(self.sound)

    def _frame(self) -> Pcm | None:
        if self._ahead is not None:
            # Read by something other than hear() (a peek, a wait through a hold): the prompt
            # heard already comes first, as the line played it.
            self._unread[:0] = self._ahead.frames
            self._ahead = None
        at = round(self.position / FRAME_SECONDS)
        frame = self._next_frame()
        if frame is not None:
            self._record[at] = frame
            if len(self._record) > RECORD_FRAMES + RECORD_SLACK_FRAMES:
                for old in [k for k in self._record if k <= at - RECORD_FRAMES]:
                    del self._record[old]
        return frame

    def _next_frame(self) -> Pcm | None:
        if self._unread:
            frame = self._unread.pop(0)
            self.sound.push(frame)
            return frame
        frame = self.call.read(1)
        if len(frame) < FRAME_SAMPLES:
            return None
        self.sound.push(frame)
        return frame

    def hear(self, *, max_wait: float = 20.0, max_prompt: float = 180.0,
             press_after_onset: tuple[str, float] | None = None,
             stop_when: Callable[[Pcm], bool | None] | None = None,
             ask_from: float = STOP_WHEN_FROM_SECONDS) -> Heard:
        """Wait up to ``max_wait`` for sound, then hear one prompt to its end.

        ``press_after_onset=(keys, delay)`` presses keys ``delay`` seconds into the prompt (to
        find out whether the node takes keys while it speaks). ``stop_when(audio_so_far)``,
        asked every 0.2 s from the first second on (first at ``ask_from`` seconds, then on the
        0.2 s: a caller typing ahead through a prompt it knows asks sooner), lets the caller
        stop listening as soon as it knows enough (a known prompt recognised by its
        beginning): the prompt comes back with ending ``CUT`` and :meth:`resume` hears the
        rest of it. ``None`` from it means "do not ask again for this prompt" (the audio loop
        then stops copying the prompt).

        A sound shorter than ``HOLD_BLIP_SECONDS`` between silences is no prompt, and the
        wait goes on past it (to ``max_wait`` from the start): nobody speaks that
        briefly, and no IVR plays a prompt that short, but a queue's music that fades in
        rises over the line's floor in such blips before it is heard as music (zoo seed
        29104: two 0.06 s "prompts" after the key, each a node, then the music), and a click
        is one too.
        """
        began = self.position  # blips do not lengthen the wait: a line that clicks every
        while True:            # second has still said nothing
            waited = self.position - began
            heard = self._hear_one(max(max_wait - waited, FRAME_SECONDS), max_prompt,
                                   press_after_onset, stop_when, ask_from)
            if not (heard.ending is Ending.SILENCE and heard.seconds < HOLD_BLIP_SECONDS
                    and not heard.empty and heard.pressed_at is None):
                return heard

    def _hear_one(self, max_wait: float, max_prompt: float,
                  press_after_onset: tuple[str, float] | None,
                  stop_when: Callable[[Pcm], bool | None] | None, ask_from: float) -> Heard:
        if self._ahead is not None:  # a prompt heard already, after a pause in the last
            ahead, self._ahead = self._ahead, None
            return self._heard(ahead, ahead.last_active, Ending.SILENCE)
        waited = 0.0
        self._music_tail.clear()
        while True:
            start = self.position
            frame = self._frame()
            if frame is None:
                return Heard(_empty(), start, start, Ending.HANGUP)
            if self.sound.active:
                break
            waited += FRAME_SECONDS
            if waited >= max_wait:
                now = self.position
                return Heard(_empty(), now, now, Ending.QUIET)
        prompt = _Prompt(onset=start, frames=[frame])
        return self._listen(prompt, max_prompt, press_after_onset, stop_when, ask_from)

    def resume(self, heard: Heard, *, max_prompt: float = 180.0,
               known_seconds: float | None = None) -> Heard:
        """Hear the rest of a prompt that :meth:`hear` stopped early (ending ``CUT``).

        ``known_seconds``: the prompt is a known one that lasts this long; once it has, a
        short silence (``KNOWN_END_SILENCE_SECONDS``) ends it. Before, a pause inside it takes
        ``end_silence`` and ``KNOWN_PAUSE_MARGIN_SECONDS`` more, so a prompt that goes on after
        a pause is not cut in two where this call hears the pause a little longer."""
        if heard.ending is not Ending.CUT or heard._prompt is None:
            return heard
        return self._listen(heard._prompt, max_prompt, None, None, known_seconds=known_seconds)

    def listen_on(self, heard: Heard, seconds: float) -> Pcm:
        """Keep listening ``seconds`` past a prompt cut short; returns that audio.

        Used after keys went in early, to see whether the prompt goes on regardless (no
        barge-in). The audio stays part of the prompt, so :meth:`resume` still hears all of it.
        """
        prompt = heard._prompt
        assert prompt is not None, "listen_on() needs a prompt from hear(stop_when=...)"
        start = len(prompt.frames)
        for _ in range(round(seconds / FRAME_SECONDS)):
            frame = self._frame()
            if frame is None:
                break
            prompt.frames.append(frame)
            if self.sound.active:
                prompt.last_active = len(prompt.frames) - 1
        extra = prompt.frames[start:]
        return np.concatenate(extra) if extra else _empty()

    def stopped_by_keys(self, heard: Heard, sending: float,
                        goes_on: Callable[[Pcm, int, int], bool],
                        longer: Callable[[Pcm], float] = lambda after: 0.0,
                        left: float | None = None) -> bool:
        """Did keys pressed into a prompt cut short (``heard``) stop it? Listens on past it.

        The prompt plays on while the keys go out (``sending`` seconds), and on a line with
        delay it is heard a while longer, so it is judged by the end of the check, where a
        stopped prompt is silent: ``goes_on`` says whether it is more of the prompt. A stopped prompt's check may
        already hold the beginning of the next one: sound still going at its end is given
        back, so the next :meth:`hear` starts with it. A prompt that goes on stays part of
        ``heard``, so :meth:`resume` hears all of it. ``goes_on`` gets the audio heard after
        the keys went out, how many frames after the cut it starts, and how many of its last
        frames judge. Where it seems to go on, it is heard ``BARGE_IN_CONFIRM_SECONDS`` longer
        and judged again on all of that. ``longer``: how much longer to listen before judging,
        given what the check heard (where the known prompt pauses there, silence tells nothing).
        ``left``: seconds the prompt has left to say past the cut, if known: it is not
        listened to past its own end to confirm that it goes on (it would fall silent there
        as if stopped), and where no time is left to confirm, the check's judgement holds.
        """
        skip = round(sending / FRAME_SECONDS)
        check = barge_in_check(sending)
        after = self.listen_on(heard, check)[skip * FRAME_SAMPLES:]
        extra = longer(after)
        if extra > 0:
            after = np.concatenate([after, self.listen_on(heard, extra)])
        if goes_on(after, skip, round(BARGE_IN_JUDGED_SECONDS / FRAME_SECONDS)):
            confirm = BARGE_IN_CONFIRM_SECONDS if left is None else \
                min(BARGE_IN_CONFIRM_SECONDS, left - len(after) / SAMPLE_RATE - sending)
            if confirm < BARGE_IN_JUDGED_SECONDS:
                return False
            more = self.listen_on(heard, confirm)
            after = np.concatenate([after, more])
            judged = round((BARGE_IN_JUDGED_SECONDS + confirm) / FRAME_SECONDS)
            if goes_on(after, skip, judged):
                return False
        begun = sound_after_a_pause(after)
        if sounding(begun):
            self.unread(begun)  # the next prompt began within the check
        return True

    def hold_resumes(self, within: float = HOLD_RESUMES_SECONDS, *,
                     after_a_pause: bool = False) -> bool:
        """Does music or a ring come back within ``within`` seconds? Asked after a prompt
        heard in a queue: an announcement is followed by more of the queue, a person by
        silence. What is read to find out is given back, so nothing is lost.
        ``after_a_pause``: the prompt ended in a tone that may still be sounding (a 1 s
        voicemail beep outlasts the window that told it): only a tone or music that
        begins again after a quiet frame counts, quiet by the line's noise (hiss above the
        absolute floor is no sound: at -44 dBFS no pause was ever heard); and music counts
        however briefly it plays: after a tone, nobody speaks, and a box records in
        silence, while a ring under hiss scores as music for the last 0.3 s of its bursts
        and pauses for seconds (a British ring under hiss 20 dB below it: zoo seed 29288,
        a queue mapped as a queue and a voicemail box). Sound is judged by the line's own
        noise (SoundClassifier.over_the_line) in every case, as the give-back after music
        judges it: one notion of "over the line" for the listener. (It was held against the
        recent peak too, SoundClassifier.sounds, while the British ring under hiss was never
        learned; learned now, zoo seeds 29188, 29288, 27045, 28037 and 24051 crawl the same
        either way.)"""
        read: list[Pcm] = []
        sound = self._looking_ahead()
        resumes = False
        paused = not after_a_pause
        held = 0  # frames in a row the window has said music or tone, past the prompt's tail
        left = round(within / FRAME_SECONDS)  # (counted from the pause: a cycle's silence
        # and next burst follow the burst still sounding; a US ring told 0.2 s into its 2 s
        # burst comes back 5.8 s later, past a cycle counted from there: zoo seed 28054)
        while left > 0:
            frame = self._frame()
            if frame is None:
                break
            read.append(frame)
            paused = paused or not self.sound.over_the_line(frame)
            if not paused:
                if len(read) * FRAME_SECONDS >= within:
                    break  # a tone that sounds on for a whole cycle is no ring
                continue
            left -= 1
            window = self.sound.window()
            over = self.sound.over_the_line(frame)
            held = held + 1 if window in (Sound.MUSIC, Sound.TONE) and over else 0
            if held >= HOLD_RESUMES_FRAMES:
                resumes = window is Sound.TONE or after_a_pause or self._music_goes_on(read)
                break
            if self.ring.learned and len(read) >= RING_RESUMES_FRAMES \
                    and all(self.ring.ringing(read[-RING_RESUMES_FRAMES:])):
                resumes = True
                break
        if read:
            self.unread(np.concatenate(read), sound)
        return resumes

    def _music_goes_on(self, read: list[Pcm]) -> bool:
        """Does what scored as music after a prompt in a queue go on as music does? A track
        that comes back plays on; a word that scored as music for a moment, a person's
        "Hello?" after their greeting, is followed by the silence of someone waiting (an
        agent's greeting under hiss, its "Hello?" 2.3 s later taken for the music: zoo seed
        27033). The frames looked at are added to ``read``, to be given back with it."""
        quiet = 0
        for _ in range(round(MUSIC_GOES_ON_SECONDS / FRAME_SECONDS)):
            frame = self._frame()
            if frame is None:
                return False
            read.append(frame)
            quiet = quiet + 1 if not self.sound.over_the_line(frame) else 0
            if quiet * FRAME_SECONDS >= WAITING_PAUSE_SECONDS:
                return False
        return True

    def is_the_ring(self, tone: Pcm | None) -> bool:
        """Is ``tone`` (:attr:`Heard.tone`: the tone a prompt ended in, heard on hold) the
        ring this line's queue played, by its spectrum? Most of its sounding frames must be."""
        frames = [frame for frame in _frames_of(tone) if sounding_frame(frame)]
        if not self.ring.learned or not frames:
            return False
        return sum(self.ring.ringing(frames)) >= RING_SHARE * len(frames)

    def _the_ring_comes_back(self, profile: RingProfile) -> bool:
        """Does the learned ring sound again once the tone sounding now has stopped (read
        and given back)? A queue's ring comes back at its next cycle: 0.2 s later in the UK
        (0.4 s on, 0.2 s off, 0.4 s on), 4 s later in Europe and North America. A voicemail
        greeting's beep is followed by the silence of a recording."""
        if not profile.learned:
            return False
        ahead = self.peek(RING_CYCLE_SECONDS + RING_COMES_BACK_MARGIN)
        ringing = profile.ringing(_frames_of(ahead))
        now = next((i for i, r in enumerate(ringing) if not r), len(ringing))
        run = 0  # (any run of ring frames after a pause: one frame of noise in a burst is
        for is_ring in ringing[now:]:  # no pause in it, and the next burst still counts)
            run = run + 1 if is_ring else 0
            if run >= RING_RESUMES_FRAMES:
                return True
        return False

    def _give_back_after_ring(self, ring: list[Pcm], profile: RingProfile) -> None:
        """A ring has just stopped counting as the sound of the line: what came after its
        last tonal frame may be someone who began to speak right after it (the window that
        judges sound lags by up to a second), so it is heard again as the start of a prompt."""
        ringing = profile.ringing(ring)
        last_tone = max((i for i, is_ring in enumerate(ringing) if is_ring), default=-1)
        after = ring[last_tone + 1:]
        first = next((i for i, frame in enumerate(after) if sounding_frame(frame)), None)
        if first is not None and self.position > self._given_back_to:
            # (once: audio given back and read again may end a ring the same way again,
            # and the hold would then never move on)
            self._given_back_to = self.position
            self.unread(np.concatenate(after[first:]))

    def _give_back_after_music(self, run: MusicRun) -> None:
        """Music has just stopped counting as the sound of the line: whatever began after it
        stopped (someone who answered as it ended) was read while the lagging window still
        said music, and is heard again as the start of a prompt. Where the music stopped is
        the longest pause in what was read (a queue hands over to an agent after a moment of
        silence; the pauses between someone's words are shorter). Music that runs straight
        into words, with no pause, keeps them: there is no telling where the one ends.

        A pause is the line's own noise (SoundClassifier.over_the_line), not the absolute
        floor: under hiss at -47 dBFS, over that floor, the 0.43 s before "Outages, Luis
        speaking" was sound, and the agent stayed the music's (zoo seed 24051). Music that
        sounded for less than UNSURE_MUSIC_SECONDS before the pause (counted from where the
        prompt before it was taken to end) was no music that stopped there: it was the end
        of someone's words that the window still called music, and the pause one between
        their sentences (zoo seed 29127: an eSpeak greeting under hiss at -41 dBFS, "Thanks
        for calling the City of Fairview." ran into 0.8 s of "music", then 0.3 s of silence,
        and "This is Sam. How can I help?" was heard as a prompt of its own); they are
        heard again as one voice later (ivraudit.crawl.handover.one_voice)."""
        tail = list(run.frames)
        sounds = [self.sound.over_the_line(frame) for frame in tail]
        pause = longest_pause(sounds, MUSIC_PAUSE_FRAMES)
        if pause is None:
            return
        music = run.dropped + sum(sounds[:pause[0]])
        if music * FRAME_SECONDS < UNSURE_MUSIC_SECONDS:
            return
        first = next((j for j in range(pause[1], len(tail)) if sounds[j]), None)
        given = tail[first:] if first is not None else []
        if given and self._music_again(given):
            return  # the music again, after a pause in it (or after an announcement)
        if given and self.position > self._given_back_to:
            self._given_back_to = self.position  # once (see _give_back_after_ring)
            self.unread(np.concatenate(given))
            taken = {id(frame) for frame in given}  # (not the queue's music after all)
            self.music = [frame for frame in self.music if id(frame) not in taken]

    def _music_again(self, given: list[Pcm]) -> bool:
        """Is what sounds after the pause in a queue's music the music again? Judged on a
        whole window (WINDOW_S) of it, the line read on (and given back) where less was
        read: the classifier's statistics are a second's, and 0.68 s of a flite "Hi," and
        its pause scored as music alone (zoo seed 28037: -1.4, the agent's greeting kept as
        the music's and heard as "So, mark it."), the second from it as speech (+3.8).

        Only what came before the window's last second and its last update can be: that is
        what the window has just heard as no music, and under half a second before it is no
        music come back after its pause. An eSpeak greeting scores as music on its first
        second, and the window turned 1.38 s after the pause before it: judged whole, it
        was the music again, and the agent was heard from their third word and taken for
        another (zoo seed 29974: "Thanks for calling Coastal Air. This is Sam." as "coast
        layer within M.")."""
        turned = round((WINDOW_S + BATCH * FRAME_SECONDS) / FRAME_SECONDS)
        if (len(given) - turned) * FRAME_SECONDS < MUSIC_AGAIN_MIN_SECONDS:
            return False
        audio = np.concatenate(given)
        missing = WINDOW_S - len(given) * FRAME_SECONDS
        if missing > FRAME_SECONDS / 2:
            audio = np.concatenate([audio, self.peek(missing)])
        return classify(audio) is Sound.MUSIC

    def _listen(self, prompt: "_Prompt", max_prompt: float,
                press_after_onset: tuple[str, float] | None,
                stop_when: Callable[[Pcm], bool | None] | None,
                ask_from: float = STOP_WHEN_FROM_SECONDS,
                known_seconds: float | None = None) -> Heard:
        onset, frames = prompt.onset, prompt.frames
        first_ask = math.ceil(ask_from / FRAME_SECONDS - 1e-9)  # then every 0.2 s on the 0.2 s
        known_frames = (None if known_seconds is None else
                        round((known_seconds - KNOWN_END_TOLERANCE_SECONDS) / FRAME_SECONDS))
        while True:
            now = self.position
            if (press_after_onset and prompt.pressed_at is None
                    and now - onset >= press_after_onset[1]):
                self.call.press(press_after_onset[0])
                prompt.pressed_at = now
            index = len(frames) - 1
            if (stop_when is not None and index >= first_ask
                    and (index == first_ask or index % STOP_WHEN_EVERY_FRAMES == 0)
                    and index - prompt.last_active < 3):
                audio = np.concatenate(frames)
                verdict = stop_when(audio)
                if verdict:
                    return Heard(audio, onset, now, Ending.CUT, prompt.pressed_at, _prompt=prompt)
                if verdict is None:
                    stop_when = None  # the caller will not stop this prompt: stop asking
            frame = self._frame()
            if frame is None:
                return self._heard(prompt, prompt.last_active, Ending.HANGUP)
            frames.append(frame)
            index += 1
            if self.sound.active:
                prompt.last_active = index
            quiet = (index - prompt.last_active + 1) * FRAME_SECONDS
            short = known_frames is not None and prompt.last_active + 1 < known_frames
            if quiet >= self.end_silence + (KNOWN_PAUSE_MARGIN_SECONDS if short else 0.0) or (
                    known_frames is not None and not short
                    and quiet >= KNOWN_END_SILENCE_SECONDS):
                return self._heard(prompt, prompt.last_active, Ending.SILENCE,
                                   known=known_frames is not None)
            window = self.sound.window()
            if window is Sound.TONE:
                tone_start = _start_of_run(frames)
                if _said_nothing_before(frames, tone_start):
                    return self._sound_only(prompt, Ending.TONE)  # a ring, and nothing said
                heard = self._heard(prompt, tone_start - 1, Ending.TONE)
                heard.tone = np.concatenate(frames[tone_start:]) if frames[tone_start:] else None
                return heard
            prompt.music_frames = prompt.music_frames + 1 if (
                window is Sound.MUSIC and index >= prompt.voice_until) else 0
            if window is Sound.SPEECH:
                prompt.voice_checks = 0  # (the window heard the voice again by itself)
            if prompt.music_frames * FRAME_SECONDS >= MUSIC_CONFIRM_SECONDS and \
                    self._voice_goes_on(prompt):
                prompt.music_frames = 0
                prompt.voice_until = index + round(VOICE_CHECK_SECONDS / FRAME_SECONDS)
            if prompt.music_frames * FRAME_SECONDS >= MUSIC_CONFIRM_SECONDS and \
                    index - prompt.last_active >= MUSIC_PAUSE_FRAMES and not self._holding:
                # The window lags a second: its "music" after the last sound (a synthetic
                # voice's "... wait times", then silence: zoo seed 24002) stopped longer ago
                # than a track rests, so it is no music the prompt ran into; the pause ends it.
                # (Not on hold, where a queue's music stops as its agent answers: the last
                # bars of a quiet track were a message of their own, zoo seed 24003.)
                continue
            if prompt.music_frames * FRAME_SECONDS >= MUSIC_CONFIRM_SECONDS:
                beep = self._beep_at_the_end(prompt)
                if beep is not None:
                    heard = self._heard(prompt, beep - 1, Ending.TONE)
                    heard.tone = np.concatenate(prompt.frames[beep:prompt.last_active + 1])
                    return heard
                speech_end = _speech_end(index)
                # (what was read while the music was confirmed may end with someone
                # who began to speak as it stopped: through_hold gives it back)
                self._music_tail.clear()
                self._music_tail.add(frames[speech_end + 1:])
                if _nothing_said(index):
                    return self._sound_only(prompt, Ending.MUSIC)  # music, and nothing said
                return self._heard(prompt, speech_end, Ending.MUSIC)
            if index * FRAME_SECONDS >= max_prompt:
                return self._heard(prompt, prompt.last_active, Ending.LIMIT)

    def _voice_goes_on(self, prompt: "_Prompt") -> bool:
        """Did a voice only sound like music for a moment? A buzzy synthetic voice can score
        as music for half a second ("...may be recorded. By staying on the line..."), and
        the prompt was cut in two, its second half a queue. Music goes on; a voice goes on
        as speech: what follows is looked at (given back), up to ``VOICE_CHECKS`` times in
        one stretch of music verdicts, so that music with singing in it still ends the prompt
        soon. The second looked at is the voice's: the window, lagging, may call it music
        all through (a synthetic voice's "... is available to take your call ...", 3 s of
        music verdicts: zoo seed 24006), and it is not asked about again, which spent the
        checks on one second and cut the greeting after its first word."""
        if prompt.voice_checks >= VOICE_CHECKS:
            return False
        prompt.voice_checks += 1
        # A line that hangs up within the second looked at (after "... Goodbye.", its last
        # words scored as music: zoo seed 25011) ran into no queue: the prompt ends with it.
        # (Silence alone says less: a queue's music stops as the agent picks up.)
        look = NOTHING_SAID_CHECK_SECONDS if _nothing_said(len(prompt.frames) - 1) \
            else VOICE_CHECK_SECONDS
        # Judged up to a beep after the voice (a greeting's last words are followed by one),
        # told by all of it and the silence after it, which may lie past the look's end.
        after = self.peek(look + BEEP_MAX_SECONDS + BEEP_QUIET_AFTER_FRAMES * FRAME_SECONDS)
        size = round(look / FRAME_SECONDS) * FRAME_SAMPLES
        hung_up = len(after) < size
        voice = before_a_tone(after, round(BEEP_MIN_SECONDS / FRAME_SECONDS))[:size]
        return hung_up or classify(voice) is Sound.SPEECH

    def _beep_at_the_end(self, prompt: "_Prompt") -> int | None:
        """Is what the window confirms as music a beep after words that scored as music? A
        synthetic voice's last words can (seconds of "music" verdicts), and a tone after
        music must last 0.8 s to be told (ivraudit.listen.sound), longer than most beeps: the
        greeting ran into "music", and the box was taken for a queue (zoo seeds 24006,
        25046). The first frame of the steady tone the read frames end in, if it lasts from
        ``BEEP_MIN_SECONDS`` to ``BEEP_MAX_SECONDS`` and nothing sounds after it for a ring's
        cycle (looked at, given back): a box records in silence, while a ring's burst, as
        steady, comes back (a queue's intro run into a ring told late: zoo seed 30023), and
        music goes on. None for anything else."""
        frames, last = prompt.frames, prompt.last_active
        start = last
        while start >= 0 and tonal(frames[start]):
            start -= 1
        if (last - start) * FRAME_SECONDS < BEEP_MIN_SECONDS:
            return None
        ahead = self.peek(RING_CYCLE_SECONDS + BEEP_MAX_SECONDS)
        after = [*frames[last + 1:], *ahead[: len(ahead) // FRAME_SAMPLES * FRAME_SAMPLES]
                 .reshape(-1, FRAME_SAMPLES)]
        going_on = 0
        if last == len(frames) - 1:  # the tone still sounds: how much longer?
            while going_on < len(after) and self.sound.sounds(after[going_on]) and \
                    tonal(after[going_on]):
                going_on += 1
        if (last - start + going_on) * FRAME_SECONDS > BEEP_MAX_SECONDS:
            return None
        # (sound by the line's noise as learned: hiss at -35 dBFS is no ring: zoo seed 24006)
        return None if any(self.sound.sounds(f) for f in after[going_on:]) else start + 1

    def _sound_only(self, prompt: "_Prompt", ending: Ending) -> Heard:
        """What a queue with no announcement plays first (music, ringback), as its prompt:
        nothing is said, but a caller knows the queue by it: by its first
        ``SOUND_ONLY_SECONDS`` whenever it is heard (the music is confirmed after a varying
        time, and under a second of it matches nothing). What is read past the point it was
        confirmed at is only looked at (given back): someone may answer within it."""
        missing = SOUND_ONLY_SECONDS - len(prompt.frames) * FRAME_SECONDS
        ahead = [self.peek(missing)] if missing > 0 else []
        audio = np.concatenate([*prompt.frames, *ahead])
        return Heard(audio, prompt.onset, prompt.onset + len(prompt.frames) * FRAME_SECONDS,
                     ending, prompt.pressed_at, sound_only=True, ahead=self._from(self.position))

    def _from(self, position: float) -> Callable[[float], Pcm | None]:
        """A look at the line's next seconds from ``position``, while it is still there."""
        def ahead(seconds: float) -> Pcm | None:
            return self.peek(seconds) if abs(self.position - position) < FRAME_SECONDS / 2 \
                else None
        return ahead

    def _heard(self, prompt: "_Prompt", last: int, ending: Ending, known: bool = False) -> Heard:
        # The line's noise, heard as sound before the line's floor was known (the start of
        # a call on a hissing line), is not the prompt's: trimmed at both ends. ``known``: a
        # known prompt heard to its length, whose pauses take KNOWN_PAUSE_MARGIN_SECONDS more.
        first = 0
        while last > 0 and not self.sound.sounds(prompt.frames[last]):
            last -= 1
        while first < last and not self.sound.sounds(prompt.frames[first]):
            first += 1
        pause_seconds = self.end_silence + (KNOWN_PAUSE_MARGIN_SECONDS if known else 0.0)
        pause = (_first_pause(prompt.frames, first, last, self.sound,
                              round(pause_seconds / FRAME_SECONDS))
                 if ending is Ending.SILENCE else None)
        if pause is not None:
            # A pause that ends a prompt, now that the line's noise is known: what follows
            # it is the next prompt (see _first_pause), which the next hear() gives.
            cut, resume = pause
            self._ahead = _Prompt(prompt.onset + resume * FRAME_SECONDS, prompt.frames[resume:],
                                  last - resume)
            prompt = _Prompt(prompt.onset, prompt.frames[:resume], cut - 1,
                             pressed_at=prompt.pressed_at)
            last = cut - 1
        keep = prompt.frames[first: last + 1]
        audio = np.concatenate(keep) if keep else _empty()
        onset = prompt.onset + first * FRAME_SECONDS
        # A prompt that ran into music ends where the sound window, lagging, is taken to have
        # turned to music: a second or so early at times, so its last words are in what
        # followed (kept, for telling a known queue's prompt: ivraudit.identity.index).
        after = prompt.frames[last + 1:] if ending is Ending.MUSIC else []
        return Heard(audio, onset, onset + len(keep) * FRAME_SECONDS, ending, prompt.pressed_at,
                     ran_on=np.concatenate(after) if after else None)

    def little_music(self) -> bool:
        """Has the last hold played too little music, and no ring, for it to be a queue's
        (``UNSURE_MUSIC_SECONDS``): the end of someone's words that the window still called
        music?"""
        return not self.rang and sum(
            map(sounding_frame, self.music)) * FRAME_SECONDS < UNSURE_MUSIC_SECONDS

    def played(self) -> bool:
        """Has the last hold played music or rung (:meth:`little_music` not)? Only then does
        silence after words say something of them: a queue that plays or rings does not
        fall silent. Frames the lagging window called music after words, with no sound in
        them, are no music played: a silent queue whose announcement's last words a flite
        voice said were scored as music for 0.22 s (11 frames, none over the floor) was
        taken for one that played, and the 8 s of its silence after the announcement for a
        person waiting (zoo seed 29416: "Your call is important to us. Please stay on the
        line." became the agent, and the agent who answered 18 s later was never heard)."""
        return not self.little_music()

    def through_hold(self, *, max_hold: float = 900.0, began: Pcm | None = None,
                     unsure: bool = False,
                     stop_test: Callable[[], Callable[[Pcm], bool | None]] | None = None,
                     after_words: Heard | None = None
                     ) -> tuple[float, list[Heard], Heard]:
        """Listen through a hold until something else speaks, for up to ``max_hold`` seconds.

        A hold is whatever a queue does while the caller waits: music (which may start too
        quietly to count as sound), ringback (a tone, 2 s on 4 s off or another cadence),
        silence, and announcements between them. Real queues are silent or ring for minutes,
        so silence here is waited out like music, not taken for a dead line. Returns
        ``(hold_started, announcements, next_prompt)``; the hold lasted until
        ``next_prompt.onset``; the next prompt is empty (ending ``LIMIT``) when nothing else
        spoke within ``max_hold``, or (``HANGUP``) when the call ended. ``began``: the ring the
        hold began with, when it began with one and nothing said (the ring is learned from it).
        ``unsure``: the prompt before said nothing of holding, only the music it seemed to run
        into made this a queue; if no music, ring or word comes for ``PERSON_WAITS_SECONDS``,
        that was the end of someone's words scored as music, and the next prompt is empty
        with ending ``QUIET``: the line waits for the caller. ``stop_test``: makes a
        ``stop_when`` test (see :meth:`hear`) for each prompt heard in the hold; a prompt it
        stops (a person known by their first words) ends the hold, cut short, and is marked
        ``person``.
        ``after_words``: the wait goes on after words the caller took for an announcement of
        this queue, which played music or rang before them; if it stays silent for
        ``PERSON_WAITS_SECONDS``, they were a person's, and are the next prompt (an agent
        who cut the last announcement short and spoke on, heard as one prompt).
        """
        self._holding = True
        try:
            return self._through_hold(max_hold, began, unsure, stop_test, after_words)
        finally:
            self._holding = False

    def _through_hold(self, max_hold: float, began: Pcm | None, unsure: bool,
                      stop_test: Callable[[], Callable[[Pcm], bool | None]] | None,
                      after_words: Heard | None) -> tuple[float, list[Heard], Heard]:
        started = self.position
        announcements: list[Heard] = []
        # (music or a ring at any time in this wait, not only since the last words: an agent
        # who cuts an announcement short speaks before the ring comes back, and words of
        # theirs taken for the next announcement are followed by their silence, which no
        # queue that rang or played music keeps: zoo seed 29176, "Your balance, Grace
        # speaking." heard as "your m" on the queue's beat, then 120 s waited out as silence)
        self._played = after_words is not None and (self._played or self.played())
        played = self._played
        self.music = list(self._music_tail.frames)  # the music that ended the prompt before
        ring: list[Pcm] = []  # the last second read while the window said tone
        profile = self.ring  # learned from what was read before that second
        for part in _frames_of(began):
            profile.learn(part)
        self.rang = False
        said = after_words if played else None  # the last thing said, nothing played since
        spoke: Heard | None = None  # the last words heard, however they were taken
        after: list[Pcm] = []  # what was read as music or a ring since those words
        settling = 0  # frames read since the window last said tone, while it says music
        while True:
            if ring and self.sound.window() is not Sound.TONE and not (
                    self.sound.window() is Sound.MUSIC and settling < RING_SETTLE_FRAMES):
                self._give_back_after_ring(ring, profile)
                ring, settling = [], 0
            if self._music_tail and self.sound.window() is not Sound.MUSIC:
                self._give_back_after_music(self._music_tail)
                self._music_tail.clear()
            left = max_hold - (self.position - started)
            if left <= 0:
                now = self.position
                return started, announcements, Heard(_empty(), now, now, Ending.LIMIT)
            window = self.sound.window()
            if window is Sound.MUSIC or window is Sound.TONE:
                frame = self._frame()
                if frame is None:
                    now = self.position
                    return started, announcements, Heard(_empty(), now, now, Ending.HANGUP)
                settling = settling + 1 if ring and window is Sound.MUSIC else 0
                if settling:  # (what followed the ring, not known to be music yet)
                    ring.append(frame)
                    continue
                if window is Sound.MUSIC and len(self.music) * FRAME_SECONDS < MUSIC_SAMPLE_SECONDS:
                    self.music.append(frame)
                if window is Sound.MUSIC:
                    self._music_tail.add([frame])
                if sounding_frame(frame):
                    said = None
                if spoke is not None:
                    after.append(frame)
                    if len(after) * FRAME_SECONDS >= PLAYED_ON_SECONDS:
                        spoke, after = None, []
                if window is Sound.TONE:
                    self.rang = True
                    ring.append(frame)
                    if len(ring) > RING_MEMORY_FRAMES:
                        profile.learn(ring.pop(0))
                continue
            words = said is not None or spoke is not None
            waits = words and (self.played() or played)
            # (words whose end the window called music, where none played: they ended in
            # silence, and are the next prompt once that silence has gone on, judged by
            # what they say as any prompt heard in a silent queue is)
            lagged = words and not waits
            nothing_yet = unsure and not announcements and self.little_music()
            quiet_from = self.position
            heard = self.hear(max_wait=min(left, PERSON_WAITS_SECONDS)
                              if waits or nothing_yet or lagged else left,
                              stop_when=stop_test() if stop_test is not None else None)
            if heard.sound_only and heard.onset - quiet_from >= RING_PAUSE_SECONDS:
                self.rang = True  # a sound that stops and comes back by itself: a ring
            if heard.ending is Ending.HANGUP and heard.empty:
                return started, announcements, heard  # (nothing is "all ringing" for ever)
            if heard.ending is Ending.QUIET and nothing_yet:
                return started, announcements, heard
            if heard.ending is Ending.QUIET and waits and said is not None:
                # A queue that played music or rang does not fall silent for this long
                # after a prompt: the prompt was a person, who waits for the caller.
                if announcements and announcements[-1] is said:
                    announcements.pop()
                return started, announcements, replace(said, ending=Ending.SILENCE, waited=True)
            if heard.ending is Ending.QUIET and waits and spoke is not None:
                # The same, for words that were taken for the ring or the music (a short
                # "Hi," scored as ringing, the rest of the greeting as music).
                if announcements and announcements[-1] is spoke:
                    announcements.pop()
                return started, announcements, _with_what_followed(spoke, after)
            if heard.ending is Ending.QUIET and lagged:
                last = said if said is not None else spoke
                assert last is not None
                if announcements and announcements[-1] is last:
                    announcements.pop()
                return started, announcements, replace(last, ending=Ending.SILENCE)
            if heard.ending is Ending.QUIET:
                continue  # a silent queue: waited out to max_hold above
            if not heard.sound_only:
                spoke, after = heard, []
            if heard.sound_only or (profile.learned and _all_ringing(heard.audio, profile)):
                for part in _frames_of(heard.audio if heard.ending is Ending.TONE else None):
                    profile.learn(part)
                continue  # more music, or the ring again (a short cadence: two 0.4 s rings)
            if heard.ending is Ending.MUSIC or (heard.ending is Ending.TONE and (
                    heard.seconds < RING_SPEECH_SECONDS or self._the_ring_comes_back(profile))):
                # (words the queue's own ring cuts off are an announcement: a voicemail
                # greeting ends in a beep, which is not the ring)
                if heard.seconds >= ANNOUNCEMENT_MIN_SECONDS:
                    announcements.append(heard)
                    said = heard
                continue  # music, or a ring, goes on
            return started, announcements, replace(heard, person=heard.ending is Ending.CUT)


def barge_in_check(sending: float) -> float:
    """Seconds :meth:`Listener.stopped_by_keys` first listens past keys that take
    ``sending`` seconds to go out: a prompt with less than that left to say falls silent
    within the check whether it stopped for them or not."""
    return max(BARGE_IN_CHECK_SECONDS, sending + BARGE_IN_JUDGED_SECONDS)


@dataclass
class _Prompt:
    """A prompt being heard: what :meth:`Listener.resume` needs to carry on."""

    onset: float
    frames: list[Pcm]
    last_active: int = 0
    music_frames: int = 0
    pressed_at: float | None = None
    voice_checks: int = 0  # times music was confirmed and speech went on (_voice_goes_on)
    voice_until: int = -1  # the frame up to which the last of those checks heard the voice


def _first_pause(frames: list[Pcm], first: int, last: int, sound: SoundClassifier,
                 length: int) -> tuple[int, int] | None:
    """The first run of ``length`` frames or more, between sound at ``first`` and ``last``,
    that is silence by what ``sound`` knows now: where it begins and the frame after it;
    None if there is none.

    The first call on a line with noise of its own hears its first prompts before it knows
    that noise, and takes it for sound: a greeting and a notice 0.7 s apart came out as one
    prompt on the call that learned them, and as two on every later call, which then did not
    know where they were (zoo seed 18026, hiss at -40 dBFS). Judged again by the end of the
    prompt, as later calls judge it, the pause ends the first prompt there too."""
    run = 0
    for index in range(first, last + 1):
        if sound.sounds(frames[index]):
            if run >= length:
                return index - run, index
            run = 0
        else:
            run += 1
    return None


def _speech_end(index: int) -> int:
    """The last frame of words before music confirmed at frame ``index`` of a prompt: the
    window lags a second behind the sound, and the music was confirmed over
    ``MUSIC_CONFIRM_SECONDS`` of it."""
    return max(-1, index - round((MUSIC_CONFIRM_SECONDS + 1.0) / FRAME_SECONDS))


def _nothing_said(index: int) -> bool:
    """Would music confirmed at frame ``index`` of a prompt leave nothing said before it (a
    queue with no announcement)?"""
    return _speech_end(index) * FRAME_SECONDS < RING_SPEECH_SECONDS


def _with_what_followed(words: Heard, after: list[Pcm]) -> Heard:
    """``words`` and the sound read after them (up to the silence that followed), as one
    prompt ending in that silence, in which the line waited for the caller."""
    while after and not sounding_frame(after[-1]):
        after = after[:-1]
    audio = np.concatenate([words.audio, *after]) if after else words.audio
    return Heard(audio, words.onset, words.onset + len(audio) / SAMPLE_RATE, Ending.SILENCE,
                 words.pressed_at, waited=True)


def _empty() -> Pcm:
    return np.zeros(0, dtype=np.int16)


def _frames_of(audio: Pcm | None) -> list[Pcm]:
    if audio is None:
        return []
    count = len(audio) // FRAME_SAMPLES
    return list(audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES))


def _all_ringing(audio: Pcm, profile: RingProfile) -> bool:
    """Is every sounding frame of ``audio`` the ring ``profile`` knows (no words in it)?"""
    frames = _frames_of(audio)
    words = sum(1 for frame, ring in zip(frames, profile.ringing(frames))
                if sounding_frame(frame) and not ring)
    return words * FRAME_SECONDS < RING_SPEECH_SECONDS


def _said_nothing_before(frames: list[Pcm], tone_start: int) -> bool:
    """Is everything before a tone more of it (a ring's earlier bursts: the UK's rings twice,
    0.4 s each) or silence, rather than words?"""
    profile = RingProfile()
    for frame in frames[tone_start:]:
        profile.learn(frame)
    before = frames[:tone_start]
    if not profile.learned:  # no frame of the tone to compare with: all sound is words
        return sum(map(sounding_frame, before)) * FRAME_SECONDS < RING_SPEECH_SECONDS
    words = sum(1 for frame, ring in zip(before, profile.ringing(before))
                if sounding_frame(frame) and not ring)
    return words * FRAME_SECONDS < RING_SPEECH_SECONDS


def _start_of_run(frames: list[Pcm]) -> int:
    """Index of the first frame of the tone that just ended the prompt: the last run of
    tone frames in the sound window. A short beep after words is told only once the words
    have left the window, by when the beep is over (a voicemail's 0.2 s beep, told 0.6 s
    after it ended: its greeting, taken to end 0.2 s before the tone was told, was
    all "more of the tone" to the test of words before it, and the box became a queue).
    The last 0.2 s when no frame in the window is a tone. A run that fills the window back to
    its first frame is followed back past it: after words that scored as music (a buzzy
    synthetic voice) a tone is told only once it has lasted ``TONE_RUN_AFTER_MUSIC_S``, and
    under hiss its burst may be told at its very end, by when it began before the window (zoo
    seed 30023: a queue's prompt kept 1.2 s of its 2 s US ring, and was not known again
    where the voice had ended the same prompt as music)."""
    window = round((WINDOW_S + BATCH * FRAME_SECONDS) / FRAME_SECONDS)
    is_tone = [sounding_frame(frame) and tonal(frame) for frame in frames[-window:]]
    if not any(is_tone):
        return max(0, len(frames) - round(0.2 / FRAME_SECONDS))
    last = len(is_tone) - 1 - is_tone[::-1].index(True)
    first = last
    while first > 0 and is_tone[first - 1]:
        first -= 1
    first += len(frames) - len(is_tone)
    if first == len(frames) - len(is_tone):
        while first > 0 and sounding_frame(frames[first - 1]) and tonal(frames[first - 1]):
            first -= 1
    return first
