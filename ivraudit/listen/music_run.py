"""A run of the line read as music, and where in it the music stopped.

The sound window lags a second, so whoever speaks as a queue's music stops is read as music
until the window hears them: :meth:`ivraudit.listen.listener.Listener._give_back_after_music`
gives them back from the first sound after the pause where the music stopped. What it needs
is kept here: the run's last frames, how many were read in all (a run longer than the frames
kept sounded for longer than they span), and the pause itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from ivraudit.telephony.g711 import Pcm


class MusicRun:
    """The frames last read while the sound window said music: the last ``keep`` of them
    (the audio loop adds one every 20 ms, for minutes of a queue), and the count of all."""

    def __init__(self, keep: int) -> None:
        self.frames: deque[Pcm] = deque(maxlen=keep)
        self.read = 0

    def clear(self) -> None:
        self.frames.clear()
        self.read = 0

    def add(self, frames: Iterable[Pcm]) -> None:
        for frame in frames:
            self.frames.append(frame)
            self.read += 1

    @property
    def dropped(self) -> int:
        """Frames read in this run before the ones kept."""
        return self.read - len(self.frames)

    def __bool__(self) -> bool:
        return bool(self.frames)


def longest_pause(sounds: list[bool], least: int) -> tuple[int, int] | None:
    """The longest run of ``least`` frames or more that are not sound (the last of equals:
    the one nearest whoever speaks next), as (first frame, frame after it); None if none."""
    best: tuple[int, int] | None = None
    run = 0
    for i, is_sound in enumerate(sounds):
        run = 0 if is_sound else run + 1
        if run >= least and (best is None or run >= best[1] - best[0]):
            best = (i + 1 - run, i + 1)
    return best
