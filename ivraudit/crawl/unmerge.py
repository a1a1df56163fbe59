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
from ivraudit.crawl.twins import Twins, Way
from ivraudit.identity import PromptIndex, fingerprint
from ivraudit.identity.index import (
    BOUNDARY_FRAMES, MIN_CHAINED_FRAMES, MIN_REST_FRAMES, QUIET_AT_BOUNDARY_FRAMES, known_at_the_end,
    known_at_the_start,
)
from ivraudit.interpret import interpret, names_keys_only
from ivraudit.interpret.node_kind import node_kind
from ivraudit.kinds import ACTING_KINDS
from ivraudit.listen.listener import Ending, Heard
from ivraudit.listen.activity import end_of_sound_before, quiet_frames
from ivraudit.telephony.constants import FRAME_SAMPLES, FRAME_SECONDS
from ivraudit.telephony.g711 import Pcm


def split_earlier(mapper: Mapper, new_id: str, hung_up: bool = False) -> list[str]:
    """Split every known node whose prompt ends with the new node's: returns their ids.
    One menu runs after several prompts ("This call may be recorded." on the first call, "We
    did not receive your selection." after a timeout: zoo seed 21043), each heard with it as
    one prompt the first time. ``hung_up``: the line hung up after the new node; a node
    that ends calls is then not split (its own closing words: Mapper.ends_calls). A person
    is not split at another person's words: lines chain recordings, not people, and two
    agents who greet in one synthetic voice end alike. Nothing is split at keys named
    without choices (:func:`~ivraudit.interpret.names_keys_only`): they end each prompt
    that said its choices before them."""
    audit, index = mapper.audit, mapper.index
    split: list[str] = []
    if names_keys_only(audit.nodes[new_id].transcript, mapper.language):
        return split
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
        if kind == "hold":
            # Words that say a wait ("you may experience longer than usual wait times"), run
            # into the next prompt with less silence than ends one: the line did not hold the
            # caller, so it was a message (as a "queue" that goes on within seconds is:
            # ivraudit.crawl.queues; zoo seed 29415's legal notice, a queue after its split)
            kind = "message"
        _move(mapper, old_id, new_id, round((start - before) * FRAME_SECONDS, 3), not split)
        old.kind, old.transcript, old.audio = kind, text, head
        old.options = []
        old.prompt_seconds = round(before * FRAME_SECONDS, 3)
        old.digits = old.terminator = None
        index.add(old_id, fingerprint(head), text)
        mapper.progress(f"  split {old_id}: {kind} '{text[:40]}', then {new_id}")
        split.append(old_id)
    return split


def split_shared(mapper: Mapper, parts: list[tuple[str | None, bool, Heard]]
                 ) -> list[tuple[str | None, bool, Heard]]:
    """The nodes a prompt was heard as (Mapper.nodes_for), where a new menu ends, after a
    pause and words that are not a menu, as a menu heard before ends after other words: the
    menu those both end with, a new node that both are split at (:func:`split_earlier`).

    A line that plays its menu only ever after a message ("This call may be recorded." on
    the way in, "That is not a valid choice." after a wrong key, "Your request has been
    received." on the way back), each run into it with less silence than ends a prompt,
    never lets it be heard alone: every way in was a node of its own, each a copy of the
    menu (zoo seed 28052). The same recording at the end of two prompts that begin
    differently is what one heard alone shows: where one prompt was heard.
    Only a menu's ending is taken so, and only after words that are no menu: two menus that
    close alike ("To return to the main menu, press star.") are two menus. An ending that
    names keys and no choice is no menu either: "For permits, parking tickets or water,
    press 1, 2 or 3." and "... for your balance, order status or hours and locations, press
    1, 2 or 3." end in one recording of their keys in one flite voice, and split there were
    two messages before one menu, its keys leading where either menu's did (zoo seed 29544)."""
    out: list[tuple[str | None, bool, Heard]] = []
    for node_id, new, part in parts:
        start = _shared_start(mapper, node_id) if new and node_id is not None else None
        if start is None or node_id is None:
            out.append((node_id, new, part))
            continue
        node, at = mapper.audit.nodes[node_id], start * FRAME_SECONDS
        tail = Heard(node.audio[start * FRAME_SAMPLES:], part.onset + at, part.end, part.ending,
                     part.pressed_at, tone=part.tone)
        menu, _ = mapper.node_for(tail, node.path, node.via)
        split = split_earlier(mapper, menu) if menu is not None else []
        if node_id not in split:
            if menu is not None and not split:  # (not split after all: taken back)
                del mapper.audit.nodes[menu]
                mapper.index.prints.pop(menu, None)
            out.append((node_id, new, part))
            continue
        head = Heard(node.audio, part.onset, part.onset + node.prompt_seconds, Ending.SILENCE)
        out += [(node_id, new, head), (menu, True, tail)]
    return out


def _shared_start(mapper: Mapper, node_id: str) -> int | None:
    """The frame of new node ``node_id``'s prompt where a menu begins, after a pause and
    words that are no menu, that another node's prompt ends with after words that are no
    menu either; None where there is none."""
    audit, index = mapper.audit, mapper.index
    node = audit.nodes[node_id]
    if node.kind != "menu" or node_id not in index.prints:
        return None
    quiet = quiet_frames(node.audio)
    others = [o for o in audit.nodes.values() if o.id != node_id and o.kind in ACTING_KINDS
              and o.id in index.prints and len(o.audio)]
    whole = PromptIndex()
    whole.add(node_id, index.prints[node_id], "")
    if any(known_at_the_end(whole, o.audio, quiet_frames(o.audio), print_=index.prints[o.id])
           for o in others):
        return None  # the menu heard alone, at last: split_earlier splits the others at it
        # (a menu that begins "Please choose from the following." was split there: 26012)
    for start in range(MIN_REST_FRAMES, len(quiet) - MIN_CHAINED_FRAMES):
        if quiet[start] or not quiet[start - 1] or \
                sum(quiet[start - BOUNDARY_FRAMES:start]) < QUIET_AT_BOUNDARY_FRAMES:
            continue  # not where sound begins again after a pause
        alone = PromptIndex()
        alone.add(node_id, fingerprint(node.audio[start * FRAME_SAMPLES:]), "")
        for other in others:
            other_quiet = quiet_frames(other.audio)
            found = known_at_the_end(alone, other.audio, other_quiet, print_=index.prints[other.id])
            if found is None:
                continue
            if _acting(mapper, node.audio[: end_of_sound_before(quiet, start) * FRAME_SAMPLES]):
                return None  # a menu's words before it: one menu, not a chain
            if _acting(mapper, other.audio[
                    : end_of_sound_before(other_quiet, found[1]) * FRAME_SAMPLES]):
                continue
            if names_keys_only(mapper.transcribe(node.audio[start * FRAME_SAMPLES:]),
                               mapper.language):
                return None  # the keys of choices said before them, in each its own words
            return start
    return None


def _acting(mapper: Mapper, audio: Pcm) -> bool:
    """Do the words of ``audio`` read as a prompt that waits for the caller?"""
    text = mapper.transcribe(audio)
    kind = node_kind(interpret(text, mapper.language).kind, text, ran_into_music=False,
                     ends_in_tone=False)
    return kind in ACTING_KINDS


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


def ran_on_into_new(mapper: Mapper, twins: Twins, way: Way, node_id: str, heard: Heard,
                    path: list[str], via: list[str]) -> tuple[str, bool, Heard] | None:
    """The node a known message recognised by its beginning (``heard``, as heard out by
    :func:`heard_out`) turns out to be when it went on, after a pause shorter than ends a
    prompt, into words of no known prompt: a new one, the whole of what was heard, that
    ``way`` leads to instead; None if it did not go on so.

    Heard alone, the known message ends where its recording does; here the line ran
    another recording in after it ("Our offices are now closed." and, 0.33 s later, a
    voicemail greeting and its tone: zoo seed 27039). Taken for the known message, the
    greeting was more of it, and its tone a queue of its own. Two prompts run together are
    one prompt to a caller unless the later one is heard alone somewhere (Mapper.nodes_for,
    ivraudit.testing.truth): what the way leads to is one new node, as it is when this
    chain is heard before the message alone, whichever order the calls go in."""
    node = mapper.audit.nodes[node_id]
    known = mapper.print_of(node_id)
    if node.kind != "message" or known is None or heard.ending is Ending.HANGUP or \
            known_at_the_start(known, heard.audio, quiet_frames(heard.audio)) is None:
        return None
    edge_key = twins.edge_into(way[0], way[1], node_id)
    if edge_key is None:
        return None  # (reached through other prompts: the known one is not twinned)
    whole = Heard(heard.audio, heard.onset, heard.end, heard.ending, heard.pressed_at,
                  tone=heard.tone)
    to, new = mapper.node_for(whole, path, via)
    if to is None or to == node_id:
        return None
    twins.redirect(edge_key, way, to)
    return to, new, whole


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
