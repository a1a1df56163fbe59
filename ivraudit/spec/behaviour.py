"""What an IVR built from a spec does on a call, frame by frame.

This is the one implementation of the spec's rules (ivr-tree-format.md). The replay line pulls
frames from it as fast as the crawler listens (line time); the SIP simulator pulls them every
20 ms (real time). Both press keys into it the same way, so they cannot drift apart.

Timing model, as the format defines it: ringing happens before the session starts; time then
moves only by frames sent. A key press occupies the line for 0.1 s (5 frames) and the IVR acts
on it when the press ends. Before every prompt but the first of the call the IVR leaves ``gap``
seconds of silence, during which keys count as if pressed during the prompt.

The line's effects (``line``: gain, noise, law; :mod:`ivraudit.spec.effects`) are applied to
every frame here, silence included, so both transports carry them. A menu with multi-digit
options collects digits, waiting ``digit_timeout`` after each while a longer option could
still match; a menu with ``invalid_limit`` counts invalid entries in a row within the call.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import numpy as np

from ivraudit.spec.effects import LineEffects
from ivraudit.spec.model import BACK, HANGUP, REPEAT, NodeSpec, TreeSpec
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, KEY_PRESS_SECONDS
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.tones import beep

KEY_PRESS_FRAMES = round(KEY_PRESS_SECONDS / FRAME_SECONDS)
HUMAN_PATIENCE_SECONDS = 600.0
"""A live agent hangs up on a silent caller after this long (the crawler hangs up long before)."""
VOICEMAIL_RECORD_SECONDS = 120.0
"""A voicemail box records this long, then hangs up."""

_SILENT_FRAME = np.zeros(FRAME_SAMPLES, dtype=np.int16)

Frames = Generator[Pcm, None, str | None]
"""A script that yields frames and returns the key that interrupted it, if any."""


def frames_for(seconds: float) -> int:
    """How many whole frames the line spends on ``seconds`` of audio or silence."""
    return max(0, round(seconds / FRAME_SECONDS))


def split_frames(pcm: Pcm) -> list[Pcm]:
    """Audio cut into 20 ms frames, the last one padded with silence."""
    count = -(-len(pcm) // FRAME_SAMPLES)
    padded = np.zeros(count * FRAME_SAMPLES, dtype=np.int16)
    padded[: len(pcm)] = pcm
    return list(padded.reshape(count, FRAME_SAMPLES))


@dataclass(frozen=True)
class Event:
    """Something the IVR did, for tests, logs and the simulator's trace."""

    seconds: float  # since answer
    what: str       # "prompt" (a node's prompt starts), "key" (accepted), "ignored", "hangup";
                    # "entry" (the digits a multi-digit menu acted on), "limit" (invalid_limit hit)
    detail: str     # node id, key or digits


class IvrSession:
    """One answered call into a spec: ``next_frame()`` gives what the IVR sends, ``press()`` keys."""

    def __init__(self, spec: TreeSpec) -> None:
        self.spec = spec
        self.frames_sent = 0
        self.ended = False
        self.node: str | None = None
        self.events: list[Event] = []
        self._sending: deque[list] = deque()   # [key, frames left] while the press is on the line
        self._heard: deque[str] = deque()      # presses the IVR has received and not yet used
        self._prompts_played = 0
        self._last_menu: str | None = None
        self._invalid_streak: tuple[str, int] = ("", 0)  # menu, invalid entries in a row there
        self._script: Iterator[Pcm] = self._run()
        self._frames_cache: dict[str, list[Pcm]] = {}
        self._effects = None if spec.line.plain else LineEffects(spec.line)

    @property
    def seconds(self) -> float:
        """Line seconds since the IVR answered."""
        return self.frames_sent * FRAME_SECONDS

    def press(self, key: str) -> None:
        """Start pressing ``key`` now; presses queue behind each other, 0.1 s each."""
        self._sending.append([key, KEY_PRESS_FRAMES])

    def next_frame(self) -> Pcm | None:
        """The next 20 ms the IVR sends, or None once it has hung up."""
        if self.ended:
            return None
        try:
            frame = next(self._script)
        except StopIteration:
            self.ended = True
            self._log("hangup", self.node or "")
            return None
        self.frames_sent += 1
        if self._sending:
            self._sending[0][1] -= 1
            if self._sending[0][1] <= 0:
                self._heard.append(self._sending.popleft()[0])
        return frame if self._effects is None else self._effects.apply(frame)

    # -- the script -----------------------------------------------------------------------

    def _log(self, what: str, detail: str) -> None:
        self.events.append(Event(round(self.seconds, 3), what, detail))

    def _run(self) -> Iterator[Pcm]:
        nodes = self.spec.nodes
        target: str = self.spec.start
        while target != HANGUP:
            node = nodes[target]
            self.node = node.id
            visit = {
                "menu": self._menu,
                "input": self._input,
                "message": self._message,
                "hold": self._hold,
                "human": self._human,
                "voicemail": self._voicemail,
            }[node.type]
            went = yield from visit(node)
            if went == BACK:
                went = self._last_menu
            target = went or HANGUP
            self._keep_streak_for(target)

    def _take_key(self, accept: bool) -> str | None:
        if not self._heard:
            return None
        key = self._heard.popleft()
        if accept:
            self._log("key", key)
            return key
        self._log("ignored", key)
        return None

    def _play(self, frames: list[Pcm], *, accept: bool) -> Frames:
        for frame in frames:
            key = self._take_key(accept)
            if key is not None:
                return key
            yield frame
        return self._take_key(accept)

    def _silence(self, seconds: float, *, accept: bool) -> Frames:
        for _ in range(frames_for(seconds)):
            key = self._take_key(accept)
            if key is not None:
                return key
            yield _SILENT_FRAME
        return self._take_key(accept)

    def _prompt_frames(self, node: NodeSpec) -> list[Pcm]:
        if node.id not in self._frames_cache:
            self._frames_cache[node.id] = split_frames(self.spec.prompt_audio(node))
        return self._frames_cache[node.id]

    def _prompt(self, node: NodeSpec, *, accept: bool) -> Frames:
        """The gap (except before the call's first prompt), then the node's prompt. A node
        without ``typeahead`` drops keys that came before its prompt began."""
        early = accept and node.typeahead
        if not node.typeahead:
            while self._heard:
                self._take_key(False)
        if self._prompts_played:
            key = yield from self._silence(self.spec.gap, accept=early)
            if key is not None:
                return key
        self._prompts_played += 1
        self._log("prompt", node.id)
        return (yield from self._play(self._prompt_frames(node), accept=accept))

    def _after_timeout(self, node: NodeSpec, timeouts: int) -> str | None:
        """Where a timeout leads: None to repeat the node, else a target."""
        if node.on_timeout != REPEAT:
            return node.on_timeout
        return None if timeouts <= node.repeats else node.on_exhausted

    def _menu(self, node: NodeSpec) -> Frames:
        self._last_menu = node.id
        timeouts = 0
        while True:
            key = yield from self._prompt(node, accept=node.barge_in)
            if key is None:
                key = yield from self._silence(node.wait, accept=True)
            if key is None:
                timeouts += 1
                target = self._after_timeout(node, timeouts)
                if target is not None:
                    return target
                continue
            if node.collects_digits:
                key = yield from self._collect(node, key)
            if key in node.options:
                self._invalid_streak = ("", 0)
                return node.options[key]
            if self._invalid_limit_reached(node):
                return node.on_invalid_limit
            if node.on_invalid != REPEAT:
                return node.on_invalid

    def _collect(self, node: NodeSpec, entered: str) -> Frames:
        """Digits for a menu with multi-digit options, from the first one on: while a longer
        option could still match, wait ``digit_timeout`` for the next. Returns the entry."""
        while node.waits_for_more(entered):
            key = yield from self._silence(node.digit_timeout, accept=True)
            if key is None:
                break
            entered += key
        self._log("entry", entered)
        return entered

    def _invalid_limit_reached(self, node: NodeSpec) -> bool:
        """Count one more invalid entry at ``node``; True when it is the ``invalid_limit``-th
        in a row (the count then starts again)."""
        menu, count = self._invalid_streak
        count = count + 1 if menu == node.id else 1
        if node.invalid_limit is not None and count >= node.invalid_limit:
            self._invalid_streak = ("", 0)
            self._log("limit", node.id)
            return True
        self._invalid_streak = (node.id, count)
        return False

    def _keep_streak_for(self, target: str) -> None:
        """Invalid entries are counted in a row at one menu: the count survives the menu
        itself and its invalid-entry message (the way back to it), and ends anywhere else."""
        menu = self._invalid_streak[0]
        if menu and target not in (menu, self.spec.nodes[menu].on_invalid):
            self._invalid_streak = ("", 0)

    def _input(self, node: NodeSpec) -> Frames:
        timeouts = 0
        while True:
            entered: list[str] = []
            key = yield from self._prompt(node, accept=node.barge_in)
            while True:
                if key is not None:
                    entered.append(key)
                    if _entry_complete(node, entered):
                        return node.next or HANGUP
                key = yield from self._silence(node.wait, accept=True)
                if key is None:
                    break
            timeouts += 1
            target = self._after_timeout(node, timeouts)
            if target is not None:
                return target

    def _message(self, node: NodeSpec) -> Frames:
        yield from self._prompt(node, accept=False)
        return node.next or HANGUP

    def _hold(self, node: NodeSpec) -> Frames:
        if node.prompt:
            yield from self._prompt(node, accept=False)
        else:
            self._log("prompt", node.id)
        music = split_frames(self.spec.audio[node.music]) if node.music else [_SILENT_FRAME]
        announcements = [split_frames(self.spec.audio[a]) for a in node.announce]
        every = frames_for(node.announce_every or 0.0)
        total = frames_for(node.seconds)
        position = 0  # in the music loop; it pauses during announcements and resumes after
        sent = 0
        first = every if node.first_announce is None else frames_for(node.first_announce)
        next_announce = first if announcements and every else total
        played = 0  # announcements so far: they take turns
        while sent < total:
            if sent >= next_announce:
                for frame in announcements[played % len(announcements)][: total - sent]:
                    yield from self._play([frame], accept=False)
                    sent += 1
                played += 1
                next_announce += every
                continue
            yield from self._play([music[position % len(music)]], accept=False)
            position += 1
            sent += 1
        return node.next or HANGUP

    def _human(self, node: NodeSpec) -> Frames:
        yield from self._prompt(node, accept=False)
        yield from self._silence(HUMAN_PATIENCE_SECONDS, accept=False)
        return HANGUP

    def _voicemail(self, node: NodeSpec) -> Frames:
        yield from self._prompt(node, accept=False)
        yield from self._play(split_frames(beep(node.beep_hz, node.beep_seconds)), accept=False)
        yield from self._silence(VOICEMAIL_RECORD_SECONDS, accept=False)
        return HANGUP


def _entry_complete(node: NodeSpec, entered: list[str]) -> bool:
    if node.terminator is not None:
        return entered[-1] == node.terminator
    return len(entered) >= (node.digits or 1)
