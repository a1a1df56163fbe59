"""A prompt heard alone that a node heard before turns out to end with: two nodes, not one.

Lines run prompts into each other ("This call may be recorded." and the main menu, 0.3 s
apart): the first time, the crawl hears one long prompt and makes it one node. When the later
prompt is then heard alone (the menu again after an invalid key, "star for the main menu"),
that node is split: its beginning stays the node that calls reached (now a message that goes
on by itself), and what the caller did there belongs to the prompt heard alone, which waits
for the caller. Everything learned about the old node's actions moves with them.
"""

from __future__ import annotations

from ivraudit.audit.model import EdgeRecord, Option
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.session import CallSession
from ivraudit.identity import PromptIndex, fingerprint
from ivraudit.identity.index import known_at_the_end
from ivraudit.interpret import interpret
from ivraudit.interpret.node_kind import node_kind
from ivraudit.kinds import ACTING_KINDS
from ivraudit.listen.listener import Ending, Heard
from ivraudit.listen.activity import end_of_sound_before, quiet_frames
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS


def split_earlier(mapper: Mapper, new_id: str, hung_up: bool = False) -> list[str]:
    """Split every known node whose prompt ends with the new node's: returns their ids.
    One menu runs after several prompts ("This call may be recorded." on the first call, "We
    did not receive your selection." after a timeout: zoo seed 21043), each heard with it as
    one prompt the first time. ``hung_up``: the line hung up after the new node; a node
    that ends calls is then not split (its own closing words: Mapper.ends_calls). A person
    is not split at another person's words: lines chain recordings, not people, and two
    agents who greet in one synthetic voice end alike."""
    audit, index = mapper.audit, mapper.index
    split: list[str] = []
    alone = PromptIndex()
    alone.add(new_id, index.prints[new_id], index.transcripts[new_id])
    for old_id, old in list(audit.nodes.items()):
        if old_id == new_id or old_id not in index.prints or len(old.audio) == 0:
            continue
        if hung_up and mapper.ends_calls(old_id):
            continue
        if old.kind == "human" and audit.nodes[new_id].kind == "human":
            continue  # two people who close alike ("how can I help you?": zoo seed 21021)
        quiet = quiet_frames(old.audio)
        found = known_at_the_end(alone, old.audio, quiet, print_=index.prints[old_id])
        if found is None:
            continue
        start = found[1]
        before = end_of_sound_before(quiet, start)
        head = old.audio[: before * FRAME_SAMPLES]
        text = mapper.transcribe(head)
        reading = interpret(text, mapper.language)
        kind = node_kind(reading.kind, text, ran_into_music=False, ends_in_tone=False)
        if kind in ACTING_KINDS:
            continue  # a menu does not run into another: not a chain
        _move(mapper, old_id, new_id, round((start - before) * FRAME_SECONDS, 3), not split)
        old.kind, old.transcript, old.audio = kind, text, head
        old.options = []
        old.prompt_seconds = round(before * FRAME_SECONDS, 3)
        old.digits = old.terminator = None
        index.add(old_id, fingerprint(head), text)
        mapper.progress(f"  split {old_id}: {kind} '{text[:40]}', then {new_id}")
        split.append(old_id)
    return split


def heard_out(mapper: Mapper, session: CallSession, node_id: str, heard: Heard,
              expected: bool) -> Heard:
    """``node_id``'s prompt, ``heard`` so far, heard to its end (Listener.resume): at its
    known length where what it goes on to is ``expected``; else, if it was recognised by its
    beginning, without a known prompt the line ran into it, which is given back for the next
    prompt.

    Where what a known prompt goes on to is not yet known, it has no known length to end at
    (a longer recording may begin as it does), so a prompt the line runs in after less
    silence than ends one is heard as more of it. Where the whole is the known prompt, a
    pause, then another known prompt, it was those two (zoo seed 24008: "Your request has
    been received..." reached by a new key, run 0.32 s later into the menu it goes back to,
    was heard as one prompt that went on to the menu's timeout, a twin of the message)."""
    node = mapper.audit.nodes[node_id]
    cut = heard.ending is Ending.CUT and node.kind != "hold"
    heard = session.resume(heard, known_seconds=node.prompt_seconds if expected else None)
    if not cut or heard.ending is not Ending.SILENCE or heard.seconds <= node.prompt_seconds:
        return heard
    split = mapper.split(heard)
    if split is None or mapper.known(split[0]) != node_id:
        return heard
    head, _, tail = split
    session.listener.unread(tail.audio)
    return head


def _move(mapper: Mapper, old_id: str, new_id: str, gap: float, first: bool) -> None:
    """What was learned of the actions at ``old_id`` now belongs to ``new_id`` (the way to
    it too, from the ``first`` node split, the one reached first)."""
    audit = mapper.audit
    old, new = audit.nodes[old_id], audit.nodes[new_id]
    if new.barge_in is None:
        new.barge_in = old.barge_in
    old.barge_in = None
    new.options = new.options or [Option(o.key, o.label) for o in old.options]
    new.repeats = new.repeats if new.repeats is not None else old.repeats
    if first:
        new.path, new.via = list(old.path), list(old.via)
    for node in audit.nodes.values():
        node.via = [new_id if v == old_id else v for v in node.via]
    for key, edge in list(audit.edges.items()):
        if edge.source != old_id:
            continue
        del audit.edges[key]
        # (an action that led back to the old node heard it whole: its beginning first)
        audit.add_edge(EdgeRecord(new_id, edge.target, edge.key, edge.pressed, edge.lead_in,
                                  edge.probe, list(edge.also_pressed)))
    mapper.add_edge(old_id, new_id, "auto", "", gap, "auto")
    mapper.renamed(old_id, new_id)
