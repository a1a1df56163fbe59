"""Queues heard as two that the line does not tell apart, judged once the crawl is over.

A queue is known again by its prompt and by what it plays first (ivraudit.crawl.queues,
crawl.openings, crawl.wordless), and a known queue reached a new way is listened to for a
while in case it is another one behind the same sound. Where that hearing goes wrong, one
queue becomes two or three nodes: a queue with no prompt of its own that rings is heard from
wherever its ring was when the listening began, and a quiet prompt scored as music on one call
("One moment, please." heard as the queue's sound) is words on the next (zoo seeds 29855: one
ringing operator queue reached from three menus, three nodes; 29848: a prompt heard once as
music and once as words, two).

What a caller gets from a queue is who answers it and after how long. Queues whose answer
is the same person after the same wait, and whose sound does not set them apart (no words of
their own or the same words; no music, or the same music), are one queue, as a caller would
take them to be. Queues that sound alike and lead to different people stay apart: those are
the twins ivraudit.crawl.lookalikes looks for.

So where a known queue reached by a new key sounds like it only as any queue of the line may
(a ring, silence) or as another known queue does, and nothing it announces tells them apart,
the call sits through it as a queue of its own (crawl.answers.told_by_who_answers) while the
courtesy's ``max_human_calls`` allows: who answers tells. Two queues with no prompt that ring
alike behind two keys of one menu were one node, and the second key's person, another
person, was never reached (zoo seed 29998); one queue behind two keys is two nodes until the
crawl is over, then one here.
"""

from __future__ import annotations

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.answers import answer_of, keyed_into
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.twins import Twins
from ivraudit.identity.fingerprint import (
    MAYBE_SAME_AUDIO, SAME_AUDIO, fingerprint, overlap_similarity, prefix_similarity,
)
from ivraudit.identity.index import PromptIndex, known_at_the_end
from ivraudit.listen.activity import quiet_frames
from ivraudit.listen.listener import UNSURE_MUSIC_SECONDS
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

SAME_WAIT_SECONDS = 3.0
SAME_WAIT_SHARE = 0.1
"""Two hearings of one queue's wait, from the key (or its prompt's first word) to the
person's first sound, differ by where that sound was found (a frame or two) and by how long
the key took to reach the IVR (a keypress, 0.1 s, and a line's delay): within 3 s, or a tenth
of a long wait."""


def merge_same_queues(mapper: Mapper, twins: Twins) -> dict[str, str]:
    """Merge the queues of the crawl's map that are one (see the module): each later one's
    ways in lead to the first, and it is gone. Returns {merged queue: the queue it is}."""
    audit = mapper.audit
    by_answer: dict[str, list[NodeRecord]] = {}
    for node in audit.nodes.values():
        answer = answer_of(audit, node)
        if answer is not None:
            by_answer.setdefault(_the_person(audit, answer), []).append(node)
    merged: dict[str, str] = {}
    for person, queues in by_answer.items():
        kept: list[NodeRecord] = []
        for queue in sorted(queues, key=lambda q: (len(q.path), _number(q.id))):
            first = next((k for k in kept if _alike(audit, k, queue)), None)
            if first is None:
                kept.append(queue)
                continue
            answer = answer_of(audit, queue)
            _merge(audit, mapper, twins, queue.id, first.id)
            merged[queue.id] = first.id
            if answer is not None and answer != person:  # (heard whole: the same person)
                _merge(audit, mapper, twins, answer, person)
                merged[answer] = person
    return merged


GREETING_CUT_SECONDS = 1.0
"""A greeting cut at its first words (ivraudit.crawl.people) lasts this long at least."""


def _the_person(audit: Audit, answer: str) -> str:
    """The person first met whose greeting, cut at their first words by courtesy, the greeting
    of ``answer`` begins with, or whose greeting ends with all of ``answer``'s after a pause;
    ``answer`` if none. A queue sat through as a twin of a known one (crawl.answers) has its
    person heard out where they begin like someone met elsewhere (Queues.people): the same
    Omar, cut after 1.5 s behind one way in and heard whole behind the other, was two people,
    and the one queue two (fresh zoo seeds 30172, 30173). A quiet track's last bars and a
    greeting's first word, "Hi,", read as the music by the lagging window, leave the same
    person heard from the pause after it ("This is Priya. How can I help you today?"
    behind one way in, "Hi, this is Priya..." behind the other: fresh 30281). Their queues
    are one only where they also wait as long and sound alike."""
    heard = audit.nodes[answer]
    if heard.kind != "human":
        return answer
    print_ = fingerprint(heard.audio)
    alone = PromptIndex()
    alone.add(answer, print_, "")
    for node in sorted(audit.nodes.values(), key=lambda n: _number(n.id)):
        if node.kind != "human":
            continue
        if GREETING_CUT_SECONDS * SAMPLE_RATE <= len(node.audio) < len(heard.audio) and \
                prefix_similarity(fingerprint(node.audio), print_) >= SAME_AUDIO:
            return node.id
        if len(node.audio) > len(heard.audio) and \
                known_at_the_end(alone, node.audio, quiet_frames(node.audio)) is not None:
            return node.id
    return answer


def _wait(audit: Audit, node: NodeRecord, spoken: bool) -> float | None:
    """Seconds to the person who answers the queue ``node``: from its prompt's first word
    where both queues compared have one (``spoken``); else from the caller's key, since
    where a queue with no prompt was first heard depends on where its ring was when the
    listening began (a US ring sounds 2 s in 6), not where it started, which the key set.
    A timeout is no such key: its lead-in holds the menu's wait (zoo seed 30058: one queue
    reached by a menu's timeout and by a key, 46.6 s and 41.4 s from them, two nodes)."""
    if node.hold_seconds is None:
        return None
    if spoken:
        return node.prompt_seconds + node.hold_seconds
    keyed = keyed_into(audit, node)
    return keyed[0].lead_in + node.prompt_seconds + node.hold_seconds if keyed else None


def _alike(audit: Audit, first: NodeRecord, other: NodeRecord) -> bool:
    """Do two queues that lead to one person wait as long and sound alike?"""
    spoken = bool(first.transcript.strip() and other.transcript.strip())
    one, two = _wait(audit, first, spoken), _wait(audit, other, spoken)
    if one is None or two is None or \
            abs(one - two) > max(SAME_WAIT_SECONDS, SAME_WAIT_SHARE * max(one, two)):
        return False
    if spoken and not _same_sound(first.audio, other.audio):
        return False  # two prompts of their own, two recordings
    if spoken and _same_sound(first.audio, other.audio, SAME_AUDIO):
        return True  # one recording (a quiet track is heard in moments: fresh seed 30173)
    return not (_a_track(first.music) and _a_track(other.music)) or \
        _same_sound(first.music, other.music)


def _a_track(music: Pcm) -> bool:
    """Is ``music`` a queue's track, not a moment of a silent queue scored as music (0.2 and
    0.3 s of its announcement's tail, zoo seed 29997, two hearings of one queue)?"""
    return len(music) >= UNSURE_MUSIC_SECONDS * SAMPLE_RATE


def _same_sound(one: Pcm, two: Pcm, least: float = MAYBE_SAME_AUDIO) -> bool:
    return overlap_similarity(fingerprint(one), fingerprint(two), worst=False) >= least


def _merge(audit: Audit, mapper: Mapper, twins: Twins, other: str, first: str) -> None:
    """``other`` is ``first``: the edges into it lead there, its own edges go with it."""
    for key, edge in list(audit.edges.items()):
        if edge.target == other and edge.source != other:
            twins.redirect(key, (edge.source, edge.pressed, edge.probe), first)
    for key in [k for k, e in audit.edges.items() if other in (e.source, e.target)]:
        del audit.edges[key]
    for node in audit.nodes.values():
        node.via = [first if v == other else v for v in node.via]
    del audit.nodes[other]
    mapper.forget(other)


def _number(node_id: str) -> int:
    digits = node_id.lstrip("n")
    return int(digits) if digits.isdigit() else 0
