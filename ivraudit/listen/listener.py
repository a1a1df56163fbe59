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

from dataclasses import dataclass
from enum import Enum

import numpy as np

from ivraudit.lines.base import Call
from ivraudit.listen.sound import Sound, SoundClassifier
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm

END_SILENCE_SECONDS = 0.7
"""Silence that ends a prompt: longer than the pauses inside one (≤ 0.5 s in the recordings
measured), shorter than the gap IVRs leave between prompts and the time they wait for a key."""

MUSIC_CONFIRM_SECONDS = 0.6
"""Music must persist this long before it ends a prompt (a chord under speech does not)."""


class Ending(str, Enum):
    """Why the listener stopped."""

    SILENCE = "silence"   # speech, then silence: the IVR waits (menu, input) or moves on
    MUSIC = "music"       # speech ran into music: a hold queue
    TONE = "tone"         # a steady tone: a voicemail beep
    HANGUP = "hangup"     # the line went dead
    QUIET = "quiet"       # nothing at all was heard for max_wait
    LIMIT = "limit"       # the prompt went on longer than max_prompt


@dataclass
class Heard:
    """One prompt as heard: its audio (first sound to end of speech) and its place in time."""

    audio: Pcm
    onset: float          # call seconds at the first sound (= end when nothing was heard)
    end: float            # call seconds where the speech ended
    ending: Ending
    pressed_at: float | None = None  # when keys given to hear(press_after_onset=...) went out

    @property
    def seconds(self) -> float:
        return self.end - self.onset

    @property
    def empty(self) -> bool:
        return len(self.audio) == 0


class Listener:
    """Hears one call, prompt by prompt."""

    def __init__(self, call: Call, *, end_silence: float = END_SILENCE_SECONDS) -> None:
        self.call = call
        self.end_silence = end_silence
        self.sound = SoundClassifier()

    def _frame(self) -> Pcm | None:
        frame = self.call.read(1)
        if len(frame) < FRAME_SAMPLES:
            return None
        self.sound.push(frame)
        return frame

    def hear(self, *, max_wait: float = 20.0, max_prompt: float = 180.0,
             press_after_onset: tuple[str, float] | None = None) -> Heard:
        """Wait up to ``max_wait`` for sound, then hear one prompt to its end.

        ``press_after_onset=(keys, delay)`` presses keys ``delay`` seconds into the prompt (to
        find out whether the node takes keys while it speaks).
        """
        waited = 0.0
        while True:
            start = self.call.seconds
            frame = self._frame()
            if frame is None:
                return Heard(_empty(), start, start, Ending.HANGUP)
            if self.sound.active:
                break
            waited += FRAME_SECONDS
            if waited >= max_wait:
                now = self.call.seconds
                return Heard(_empty(), now, now, Ending.QUIET)
        onset = start
        frames = [frame]
        last_active = 0
        music_frames = 0
        pressed_at: float | None = None
        while True:
            now = self.call.seconds
            if press_after_onset and pressed_at is None and now - onset >= press_after_onset[1]:
                self.call.press(press_after_onset[0])
                pressed_at = now
            frame = self._frame()
            if frame is None:
                return self._heard(frames, onset, last_active, Ending.HANGUP, pressed_at)
            frames.append(frame)
            index = len(frames) - 1
            if self.sound.active:
                last_active = index
            if (index - last_active + 1) * FRAME_SECONDS >= self.end_silence:
                return self._heard(frames, onset, last_active, Ending.SILENCE, pressed_at)
            window = self.sound.window()
            if window is Sound.TONE:
                tone_start = _start_of_run(frames, self.sound)
                return self._heard(frames, onset, tone_start - 1, Ending.TONE, pressed_at)
            music_frames = music_frames + 1 if window is Sound.MUSIC else 0
            if music_frames * FRAME_SECONDS >= MUSIC_CONFIRM_SECONDS:
                speech_end = max(-1, index - round((MUSIC_CONFIRM_SECONDS + 1.0) / FRAME_SECONDS))
                return self._heard(frames, onset, speech_end, Ending.MUSIC, pressed_at)
            if index * FRAME_SECONDS >= max_prompt:
                return self._heard(frames, onset, last_active, Ending.LIMIT, pressed_at)

    def _heard(self, frames: list[Pcm], onset: float, last: int, ending: Ending,
               pressed_at: float | None) -> Heard:
        keep = frames[: last + 1]
        audio = np.concatenate(keep) if keep else _empty()
        return Heard(audio, onset, onset + len(keep) * FRAME_SECONDS, ending, pressed_at)

    def through_hold(self, *, max_hold: float = 900.0, max_wait: float = 20.0
                     ) -> tuple[float, list[Heard], Heard]:
        """Listen through hold music and its announcements until something else speaks.

        Returns ``(hold_started, announcements, next_prompt)``; the hold lasted until
        ``next_prompt.onset`` (or the end of the call).
        """
        started = self.call.seconds
        announcements: list[Heard] = []
        while True:
            if self.call.seconds - started > max_hold:
                now = self.call.seconds
                return started, announcements, Heard(_empty(), now, now, Ending.LIMIT)
            if self.sound.window() is Sound.MUSIC:
                if self._frame() is None:
                    now = self.call.seconds
                    return started, announcements, Heard(_empty(), now, now, Ending.HANGUP)
                continue
            heard = self.hear(max_wait=max_wait)
            if heard.ending is Ending.MUSIC:
                if heard.seconds >= 0.5:
                    announcements.append(heard)
                continue
            return started, announcements, heard


def _empty() -> Pcm:
    return np.zeros(0, dtype=np.int16)


def _start_of_run(frames: list[Pcm], sound: SoundClassifier) -> int:
    """Index of the first frame of the tone that just ended the prompt (≈ the last 0.2 s)."""
    return max(0, len(frames) - round(0.2 / FRAME_SECONDS))
