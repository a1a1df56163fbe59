"""Options heard again: an announced option that did what the menu's wrong keys do.

A menu does not announce a choice that does not work, so an announced key or extension that
led where wrong keys lead was misheard: Whisper tiny.en wrote the flite "For the front desk,
dial six hundred eighty." at the end of a 20 s menu as "... dial 600." (zoo seed 29284: the
front desk never reached). What a recogniser writes depends on what else it hears with the
words, so the part of the prompt that says the option is decoded again on its own, from the
start of its sentence and of its clause (Whisper wrote "dial 60080" and "dial 680" there);
a choice read there at the misheard one's place, under another key, is tried as announced.

This is judged when nothing else is left to try: by then the menu's wrong keys have shown
where they lead, and every announced key where it leads. Re-decoding costs no line time, only
a decode of a few seconds of audio per start (cached like any transcript).
"""

from __future__ import annotations

from ivraudit.asr.base import Word
from ivraudit.audit.model import Audit, NodeRecord, Option
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.hidden import what_wrong_keys_do
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.interpret import as_said_in_hundreds, interpret
from ivraudit.telephony.constants import SAMPLE_RATE

CLAUSE_ENDS = (".", ",", "?", "!", ";", ":")
"""How the recogniser ends a sentence or a clause after a word."""


class Rehearing:
    """Menus whose misheard options were heard again, and the options found so."""

    def __init__(self, audit: Audit, mapper: Mapper, scheduler: Scheduler) -> None:
        self.audit = audit
        self.mapper = mapper
        self.scheduler = scheduler
        self._heard: set[tuple[str, str]] = set()  # (menu, key) heard again already

    def judge(self) -> bool:
        """Hear again the options that did what their menu's wrong keys do, and queue the
        choices read anew there; True when any was queued."""
        probes: list[Probe] = []
        for node in list(self.audit.nodes.values()):
            tries = self.mapper.invalid_tries.get(node.id)
            if node.kind != "menu" or not tries:
                continue
            wrong = what_wrong_keys_do(self.audit, tries, node.id)
            for edge in self.audit.out_edges(node.id):
                if edge.probe != "announced" or edge.target != wrong or \
                        (node.id, edge.key) in self._heard:
                    continue
                self._heard.add((node.id, edge.key))
                for option in self.heard_again(node, edge.key):
                    if all(o.key != option.key for o in node.options):
                        node.options.append(option)
                        probes.append(Probe(node.id, "announced", option.key))
        probes = [p for p in probes if self.scheduler.frontier.push(p)]
        return bool(probes)

    def heard_again(self, node: NodeRecord, key: str) -> list[Option]:
        """The choices the menu ``node`` says where its reading put ``key``, read from its
        prompt decoded again from the start of the sentence and of the clause ``key`` was
        said in, under another key: each of them, and for a number whose figures may be
        a hundreds number and its tens run together, that reading first; ``key``'s own
        such reading before them (fresh zoo seed 30229: "dial six hundred eighty" written
        "dial 60080" in the whole and again in its sentence, and 680 never dialled)."""
        label = next((o.label for o in node.options if o.key == key), "")
        hundreds = as_said_in_hundreds(key)
        found = [Option(hundreds, label)] if hundreds is not None else []
        words = list(self.mapper.transcript(node.audio).words)
        said_at = _said_at(words, key, self.mapper.language)
        if said_at is None:
            return found
        for start in _starts(words, said_at):
            tail = node.audio[round(start * SAMPLE_RATE):]
            reading = interpret(self.mapper.transcribe(tail), self.mapper.language)
            for option in reading.options:
                if option.key == key or not _same_choice(option.label, label):
                    continue
                for other in (as_said_in_hundreds(option.key), option.key):
                    if other is not None and all(o.key != other for o in found):
                        found.append(Option(other, option.label))
        return found


def _said_at(words: list[Word], key: str, language: str) -> int | None:
    """The index of the word by which the prompt has said ``key``: the first that reading
    the words up to it names the option."""
    for count in range(1, len(words) + 1):
        text = " ".join(w.text for w in words[:count])
        if any(o.key == key for o in interpret(text, language).options):
            return count - 1
    return None


def _starts(words: list[Word], said_at: int) -> list[float]:
    """Where to decode again from: where the recogniser began the sentence and the clause
    holding the word ``said_at`` (the end of the word that ended the one before; the start
    of the prompt for its first)."""
    ends = [i for i in range(said_at) if words[i].text.endswith(CLAUSE_ENDS)]
    sentence = [i for i in ends if not words[i].text.endswith(",")]
    starts = [words[i].end for i in (sentence[-1:] + ends[-1:])]
    return sorted(set(starts)) or [0.0]


def _same_choice(label: str, misheard: str) -> bool:
    """Could ``label`` name the choice a misheard option was read with (``misheard``)?
    Either says nothing, or they share a word longer than a particle ("the front desk")."""
    words = {w for w in label.lower().split() if len(w) > 3}
    others = {w for w in misheard.lower().split() if len(w) > 3}
    return not words or not others or bool(words & others)
