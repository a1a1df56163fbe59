"""The mapper: prompts heard on calls become the audit's nodes, edges and paths.

A prompt heard before is the same node (ivraudit.identity), so a loop is an edge back,
not a copy; a new one is transcribed once and read (ivraudit.interpret) for its kind and
options. Every action seen to lead somewhere is kept, so each node's path can be settled at
the end as its shortest way from the answer, whatever order the calls went in.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from ivraudit.asr.base import Recognizer, Transcript
from ivraudit.asr.cache import CachedRecognizer
from ivraudit.audit.metrics import root_of
from ivraudit.audit.model import HANGUP_NODE, Audit, EdgeRecord, NodeRecord, Option
from ivraudit.crawl.openings import sounds_like
from ivraudit.crawl.wordless import known_by_more, music_from_the_start
from ivraudit.identity import Fingerprint, PromptIndex, fingerprint
from ivraudit.identity.fingerprint import SAME_AUDIO, overlap_similarity
from ivraudit.identity.index import known_at_the_end
from ivraudit.interpret import first_option_said_by, interpret
from ivraudit.interpret.node_kind import node_kind
from ivraudit.kinds import CALL_ENDING_KINDS, HANGUP_KIND
from ivraudit.listen.activity import end_of_sound_before, ends_in_tone, quiet_frames
from ivraudit.listen.listener import Ending, Heard
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

PROBE_ORDER = {"invalid": 0, "announced": 1, "escape": 2, "timeout": 3, "input": 4}
"""The order the naive crawl tries a menu's probes in, which settles ties between paths."""


class Mapper:
    """Turns heard prompts into nodes and actions into edges of one audit."""

    def __init__(self, audit: Audit, recognizer: Recognizer | None, language: str,
                 progress: Callable[[str], None]) -> None:
        self.audit = audit
        self.index = PromptIndex()
        self.language = language
        self.progress = progress
        # The one transcript cache: by audio content (a prompt heard again is not
        # transcribed again), whether or not the caller's recogniser already has one.
        self.recognizer = (recognizer if recognizer is None or isinstance(recognizer, CachedRecognizer)
                           else CachedRecognizer(recognizer))
        self.asr_seconds = 0.0
        # (node, role or escape key) -> what that probe led to the first time it was tried
        self.first_target: dict[tuple[str, str], str] = {}
        # menu -> the keys pressed there as its invalid key, in order, and where each led
        self.invalid_tries: dict[str, list[tuple[str, str]]] = {}
        # a node split in two (ivraudit.crawl.unmerge) -> the node its actions moved to
        self._moved: dict[str, str] = {}
        self.on_rename: list[Callable[[str, str], None]] = []
        # target -> the (source, action, role) seen to lead to it
        self._ways: dict[str, list[tuple[str, str, str]]] = {}
        # a twin (ivraudit.crawl.twins) -> the node first heard with its recording
        self.sounds_like: dict[str, str] = {}
        self._made = 0  # node ids given so far

    # -- what a prompt is -------------------------------------------------------------------

    def transcribe(self, audio: Pcm) -> str:
        return self.transcript(audio).text.strip()

    def transcript(self, audio: Pcm) -> Transcript:
        if self.recognizer is None:
            raise RuntimeError("this crawl has no speech recogniser")
        started = time.perf_counter()
        transcript = self.recognizer.transcribe(audio, SAMPLE_RATE)
        self.asr_seconds += time.perf_counter() - started
        return transcript

    def known(self, heard: Heard) -> str | None:
        """The known node a prompt heard to its end is (the hangup node for a dead line)."""
        if heard.empty:
            return HANGUP_NODE if heard.ending is Ending.HANGUP else None
        if heard.sound_only:
            return self._known_sound(heard)
        return self._known_words(heard, fingerprint(heard.audio))

    def _known_words(self, heard: Heard, print_: Fingerprint) -> str | None:
        """The known node a prompt with words is; for one that ran into music, also a known
        queue's prompt that it and the start of what followed are (its end may be put too
        early: PromptIndex.match_ended_early)."""
        known = self.index.match(print_, lambda: self.transcribe(heard.audio), heard.audio)
        if known is not None or heard.ran_on is None:
            return known
        queues = {n for n in self.index.prints if n in self.audit.nodes
                  and self.audit.nodes[n].kind == "hold" and self.audit.nodes[n].transcript}
        known = self.index.match_ended_early(heard.audio, heard.ran_on, queues, self.transcribe)
        return known if known is not None else music_from_the_start(heard, self._wordless())

    def _wordless(self) -> list[NodeRecord]:
        """The known queues with no prompt (known by their sound)."""
        return [self.audit.nodes[n] for n in self.index.prints if n in self.audit.nodes
                and self.audit.nodes[n].kind == "hold" and not self.audit.nodes[n].transcript]

    def _known_sound(self, heard: Heard) -> str | None:
        """The known queue that begins with this sound (music or a ring, nothing said): by
        any stretch of it, as what a caller hears first of it depends on when the listening
        began (the same track from its start one time and from 0.7 s in the next, after keys
        whose barge-in was checked, is not two queues); music by its windows' mean; a ring
        by its cadence and pitch (ivraudit.crawl.openings), not by its fingerprint, whose
        windows between the tones hold the line's noise, other noise on each call (one
        European ring heard on two calls of a hissing line scored 0.89, a British one
        against it 0.83: zoo seed 28036)."""
        audio, music = heard.audio, heard.ending is Ending.MUSIC
        print_, wordless = fingerprint(audio), [n.id for n in self._wordless()]
        sounds = [(overlap_similarity(print_, self.index.prints[node_id], worst=not music),
                   node_id) for node_id in wordless]
        best = max(sounds, default=None)
        if best is not None and best[0] >= SAME_AUDIO:
            return best[1]
        if music:  # (a fade-in, its first seconds under the hiss: ivraudit.crawl.wordless)
            return known_by_more(heard, self._wordless())
        rings = [(score, node_id) for score, node_id in sounds if not music
                 and sounds_like(audio, self.audit.nodes[node_id].audio)]
        return max(rings)[1] if rings else None

    def identify(self, heard: Heard) -> str | None:
        """The known node a prompt is: by its beginning if it was cut short, else in full;
        for known prompts heard back to back, the last of them (where the line is now)."""
        if heard.ending is Ending.CUT:
            return self.index.match_prefix(fingerprint(heard.audio))
        known = self.known(heard)
        if known is None and not heard.empty:
            split = self.split(heard)
            if split is not None and self.identify(split[0]) is not None:
                return split[1]
        return known

    def nodes_for(self, heard: Heard, path: list[str], via: list[str],
                  others: frozenset[str] = frozenset()) -> list[tuple[str | None, bool, Heard]]:
        """The nodes a prompt as heard is, in order, each with whether it is new and its part
        of the audio: one node, or several where the line ran prompts into each other with
        less silence between them than ends a prompt (a new message and a known menu, known
        prompts back to back). Only known prompts are found inside others: two new prompts
        run together are one node until one of them is heard alone. A twin's prompt heard
        again right after the caller acted at it is the twin's (ivraudit.crawl.twins)."""
        here = via[-1] if via and via[-1] in self.sounds_like else ""
        return [(here if self.plays(here, n) else n, new, part)
                for n, new, part in self._nodes_for(heard, path, via, others)]

    def _nodes_for(self, heard: Heard, path: list[str], via: list[str],
                   others: frozenset[str] = frozenset()) -> list[tuple[str | None, bool, Heard]]:
        if (heard.empty or heard.ending is Ending.CUT or heard.sound_only
                or self.known(heard) is not None):
            return [(*self.node_for(heard, path, via, others), heard)]
        split = self.split(heard)
        if split is None:
            return [(*self.node_for(heard, path, via), heard)]
        head, known, tail = split
        return [*self._nodes_for(head, path, via), (known, False, tail)]

    def split(self, heard: Heard) -> tuple[Heard, str, Heard] | None:
        """A heard prompt that ends with a known one: what came before it, the known node,
        and its part; None if it does not."""
        quiet = quiet_frames(heard.audio)
        found = known_at_the_end(self.index, heard.audio, quiet)
        if found is None:
            return None
        known, start = found
        if heard.ending is Ending.HANGUP and self.ends_calls(known):
            return None  # its own closing words (see ends_calls)
        before = end_of_sound_before(quiet, start)
        head = Heard(heard.audio[: before * FRAME_SAMPLES], heard.onset,
                     heard.onset + before * FRAME_SECONDS, Ending.SILENCE)
        tail = Heard(heard.audio[start * FRAME_SAMPLES:], heard.onset + start * FRAME_SECONDS,
                     heard.end, heard.ending, heard.pressed_at, tone=heard.tone)
        return head, known, tail

    def ends_calls(self, node_id: str) -> bool:
        """Does the line hang up after ``node_id``, and do nothing else there?

        A prompt is split at a known one it ends with so that what the line does from there
        (a menu's keys, a message's way on) belongs to the known one. A prompt that ends the
        call and ends with the words of a known prompt that ends calls too is not split:
        those words lead nowhere the prompt does not, and lines close one farewell with
        another's recording, joined into one prompt (Asterisk's
        "sorry-youre-having-problems&please-try-call-later" after too many wrong keys, and
        "please-try-call-later" alone after a timeout). A caller hears one farewell either
        way; the split made a node of "Sorry you're having problems." that went on to the
        goodbye (zoo seeds 21052, 30017, 30028)."""
        edges = self.audit.out_edges(node_id)
        return bool(edges) and all(e.target == HANGUP_NODE for e in edges)

    def misheard_message(self, origin: str, node_id: str, then: str) -> bool:
        """Is ``node_id``, a prompt whose words were not understood, a message by what the
        line did around it: played after the caller's act at a prompt that was understood,
        it went on by itself (the line did not wait for the caller) to another that was? A
        line speaks one language within a branch: "That is not a valid choice." after a
        wrong key at an English menu, and the menu again, is English, only heard badly (an
        eSpeak voice under hiss: whisper's mean word confidence 0.41, zoo seed 30023). A
        prompt in another language sits among prompts of that language (a Spanish menu,
        its message, a hang-up), and stays not understood. The line's first words (``origin``
        is ``node_id``: the answer) have only what follows: its front door speaks its
        language as a branch does, and a welcome's words are mostly a name the recogniser
        cannot know ("Welcome to Harbor Federal Bank." as "... Faber Center, Old Ben.", mean
        word confidence 0.48, a whisker over the threshold: zoo seed 29304)."""
        node = self.audit.nodes[node_id]
        if node.kind != "unknown" or then == node_id:
            return False
        before, after = self.audit.nodes[origin], self.audit.nodes[then]
        return ((before.understood or origin == node_id) and after.understood
                and after.kind not in CALL_ENDING_KINDS)

    def reads_as_hold(self, heard: Heard) -> bool:
        """Is this prompt part of a queue (a known queue's prompt, or words that say hold)?"""
        known = self.identify(heard)
        if known is not None:
            return self.audit.nodes[known].kind == "hold"
        return interpret(self.transcribe(heard.audio), self.language).kind == "hold"

    def begins_like(self, audio: Pcm, elsewhere: frozenset[str] = frozenset()) -> set[str]:
        """The kinds of the known prompts ``audio`` begins like (at SAME_AUDIO or closer); a
        person of ``elsewhere`` (people_elsewhere: who answers other ways) as "unsure", since
        only the whole greeting tells them from another of their house who begins alike."""
        return {"unsure" if node_id in elsewhere else self.audit.nodes[node_id].kind
                for score, node_id in self.index.prefix_scores(fingerprint(audio))
                if score >= SAME_AUDIO and node_id in self.audit.nodes}

    def print_of(self, node_id: str) -> Fingerprint | None:
        """The fingerprint of ``node_id``'s prompt (a twin's is its first's)."""
        return self.index.prints.get(self.sounds_like.get(node_id, node_id))

    def plays(self, node_id: str, heard_as: str | None) -> bool:
        """Is a prompt identified as ``heard_as`` what ``node_id`` (maybe a twin) plays?"""
        return heard_as is not None and heard_as == self.sounds_like.get(node_id, node_id)

    def node_for(self, heard: Heard, path: list[str], via: list[str],
                 others: frozenset[str] = frozenset()) -> tuple[str | None, bool]:
        """The node this prompt is (a known one, a new one, or the hangup node), and whether
        it is new; None for nothing heard. A prompt cut short that only begins like one of
        ``others`` is not that one (see ivraudit.crawl.people.people_elsewhere)."""
        if heard.empty:
            if heard.ending is not Ending.HANGUP:
                return None, False
            if HANGUP_NODE in self.audit.nodes:
                return HANGUP_NODE, False
            self.audit.nodes[HANGUP_NODE] = NodeRecord(HANGUP_NODE, HANGUP_KIND, list(path), list(via),
                                                       language=self.language)
            return HANGUP_NODE, True
        like_a_person = False
        if heard.ending is Ending.CUT:  # cut short only once recognised
            known = self.index.match_prefix(fingerprint(heard.audio))
            if known is not None and known not in others:
                return known, False
            like_a_person = known is not None and self.audit.nodes[known].kind == "human"
        print_ = fingerprint(heard.audio)
        known = (self._known_sound(heard) if heard.sound_only
                 else self._known_words(heard, print_))
        if known is not None:
            return known, False
        transcript = Transcript("") if heard.sound_only else self.transcript(heard.audio)
        text = transcript.text.strip()
        reading = interpret(text, self.language)
        music = heard.ending is Ending.MUSIC
        # Words not understood still tell a menu, a person or a queue when they say so
        # ("... Christ is speaking." for "Baggage service, Omar speaking"); only a plain
        # message of them is honestly nothing but "not understood".
        understood = transcript.understood or reading.kind != "message"
        if not text and not heard.sound_only:
            understood = False  # speech, and not one word of it recognised
        kind = node_kind(reading.kind if understood else "unknown", text,
                         ran_into_music=music or heard.sound_only,
                         ends_in_tone=not music and (heard.ending is Ending.TONE
                                                     or ends_in_tone(heard.audio)))
        if like_a_person or ((heard.waited or heard.person)
                             and kind in ("message", "hold", "unknown")):
            kind = "human"  # words after which the line waited for the caller, in a queue,
            # or that said a person when first read (Heard.person)
        node = NodeRecord(
            id=self.new_node_id(),
            kind=kind, path=list(path), via=list(via), transcript=text,
            options=[Option(o.key, o.label) for o in reading.options] if kind == "menu" else [],
            prompt_seconds=round(heard.seconds, 3), audio=heard.audio,
            digits=reading.digits, terminator=reading.terminator, language=self.language,
            understood=understood,
        )
        self.audit.nodes[node.id] = node
        told_at = first_option_said_by([(w.text.strip(), w.end) for w in transcript.words],
                                       self.language) if kind == "menu" else 0.0
        self.index.add(node.id, print_, text, told_at)
        self.progress(f"  new {node.kind} {node.id} at [{' '.join(path)}]: {text[:70]} "
                      f"({heard.onset:.2f}-{heard.end:.2f} s, {heard.ending.name.lower()}"
                      f"{', sound only' if heard.sound_only else ''})")
        return node.id, True

    def new_node_id(self) -> str:
        """The id of the next node found: n0, n1, ... in the order they were first heard,
        never one a node taken back had (ivraudit.crawl.lookalikes)."""
        self._made = max(self._made, sum(1 for n in self.audit.nodes if n != HANGUP_NODE)) + 1
        return f"n{self._made - 1}"

    def forget(self, node_id: str) -> None:  # (a node taken back: ivraudit.crawl.lookalikes)
        self._ways = {t: [w for w in ways if w[0] != node_id] for t, ways in self._ways.items()
                      if t != node_id}
        self.first_target = {k: t for k, t in self.first_target.items() if k[0] != node_id}
        self.sounds_like.pop(node_id, None)

    def moved_way(self, old: str, new: str, way: tuple[str, str, str]) -> None:
        """The action ``way`` led to ``new``, not to ``old`` as first thought (a queue that
        only sounded like ``old``, ivraudit.crawl.queues)."""
        if way in self._ways.get(old, []):
            self._ways[old].remove(way)
        self.led_to(new, way[0], way[1], way[2])
        for what, target in list(self.first_target.items()):
            if target == old and what[0] == way[0] and what[1] in (way[2], way[1]):
                self.first_target[what] = new

    def acting_at(self, node_id: str) -> str:
        """The node the actions once taken at ``node_id`` belong to now (itself, unless it
        was found to be a prompt the line ran into another, ivraudit.crawl.unmerge)."""
        while node_id in self._moved:
            node_id = self._moved[node_id]
        return node_id

    def renamed(self, old_id: str, new_id: str) -> None:
        """The actions at ``old_id`` are ``new_id``'s from now on: so is all that was learned
        of them here and by whoever listens (``on_rename``)."""
        self._moved[old_id] = new_id
        self._ways = {target: [(new_id if s == old_id and a else s, a, r) for s, a, r in ways]
                      for target, ways in self._ways.items()}
        self._ways.setdefault(new_id, []).append((old_id, "", "auto"))
        for (node, what), target in list(self.first_target.items()):
            if node == old_id:
                del self.first_target[(node, what)]
                self.first_target.setdefault((new_id, what), target)
        if old_id in self.invalid_tries:
            self.invalid_tries.setdefault(new_id, []).extend(self.invalid_tries.pop(old_id))
        for listener in self.on_rename:
            listener(old_id, new_id)

    # -- edges and paths --------------------------------------------------------------------

    def add_edge(self, source: str, target: str, key: str, pressed: str, lead_in: float,
                 role: str) -> None:
        self.audit.add_edge(EdgeRecord(source, target, key, pressed, round(max(0.0, lead_in), 3),
                                       role))

    def first_result(self, source: str, role: str, pressed: str, target: str) -> None:
        """Note where a probe of ``role`` led at ``source``, if it is the first of its kind
        there (escape keys each count as their own kind)."""
        self.first_target.setdefault((source, role if role != "escape" else pressed), target)
        tries = self.invalid_tries.setdefault(source, []) if role == "invalid" else None
        if tries is not None and pressed not in (key for key, _ in tries):
            tries.append((pressed, target))

    def led_to(self, target: str, source: str, action: str, role: str) -> None:
        """Note that doing ``action`` at ``source`` led to ``target`` (maybe through messages
        and queues); a shorter way there than the node's path so far becomes its path."""
        ways = self._ways.setdefault(target, [])
        if (source, action, role) not in ways:
            ways.append((source, action, role))
        node, origin = self.audit.nodes[target], self.audit.nodes[source]
        path, via = _extended(origin.path, origin.via, source, action)
        if target != source and len(path) < len(node.path):
            node.path, node.via = path, via

    def settle_paths(self) -> None:
        """Each node's path: its shortest way from the answer among the ways calls saw,
        found breadth-first in the order the naive crawl probes (so the same whatever order
        this crawl went in). Each way is an action at a node that led here on a real call."""
        root = root_of(self.audit)
        if root is None:
            return
        leads: dict[str, list[tuple[int, int, str, str]]] = {}
        for target, ways in self._ways.items():
            for source, action, role in ways:
                rank = self._option_rank(source, action)
                leads.setdefault(source, []).append((PROBE_ORDER.get(role, 9), rank, action, target))
        found: dict[str, tuple[list[str], list[str]]] = {root: ([], [])}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            path, via = found[node]
            for _, _, action, target in sorted(leads.get(node, [])):
                if target not in found:
                    found[target] = _extended(path, via, node, action)
                    queue.append(target)
        for node_id, (path, via) in found.items():
            self.audit.nodes[node_id].path, self.audit.nodes[node_id].via = path, via

    def _option_rank(self, node_id: str, key: str) -> int:
        keys = [o.key for o in self.audit.nodes[node_id].options]
        return keys.index(key) if key in keys else len(keys)


def _extended(path: list[str], via: list[str], at: str, action: str) -> tuple[list[str], list[str]]:
    """A path and its acting nodes, one action at ``at`` longer; the answer's chain (no
    action: what the line said before it first waited) adds no step."""
    if not action:
        return path, via
    return path + [action], via + [at]
