"""The prober: does one thing at a node and follows what the line does after it.

A probe presses a key (announced, escape, invalid), enters digits or waits; then the line may
play messages, hold music, repeat the menu, answer with a person, or hang up. Everything heard
becomes nodes and edges (the mapper) until the line waits for the caller again or the call is
over. How results are heard (to their end, or until known) and what happens in the pause after
a message are the strategies' (ivraudit.crawl.hangup, ivraudit.crawl.pause)."""

from __future__ import annotations

from ivraudit.audit.model import HANGUP_NODE, Audit
from ivraudit.crawl.comeback import came_from
from ivraudit.crawl.expectations import Expectations
from ivraudit.crawl.frontier import Probe
from ivraudit.crawl.hangup import HearingResultsOut
from ivraudit.crawl.limits import counted_as_wrong, limit_met, limit_reached
from ivraudit.crawl.lookalikes import Lookalikes
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.outlook import ENDS, MOVES, STAYS
from ivraudit.crawl.pause import Action, HearingThePause
from ivraudit.crawl.people import CALL_OUT_SECONDS, people_elsewhere
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.probes import UNKNOWN_ENTRY, WRONG_KEY_ROLES
from ivraudit.crawl.queues import OPENING_SECONDS, Queues
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.crawl.session import CallSession
from ivraudit.crawl.twins import Twins
from ivraudit.crawl.unmerge import heard_out, ran_on_into_new, split_earlier, split_shared
from ivraudit.crawl.voicemail import Voicemails
from ivraudit.crawl.wordless import sound_of_a_wait
from ivraudit.interpret import calling_out
from ivraudit.kinds import CALL_ENDING_KINDS
from ivraudit.listen.listener import PERSON_WAITS_SECONDS, Ending, Heard

ANSWER = "answer"  # the role of the caller's first act: what the line says before it waits
NOTHING = "(nothing)"  # what a probe led to when nothing at all was heard after it

Stop = tuple[str, Heard]  # where the line waits for the caller, and its prompt as heard


class Prober:
    """Tries probes on calls and maps what follows."""

    def __init__(self, audit: Audit, policy: CrawlPolicy, mapper: Mapper, scheduler: Scheduler,
                 expectations: Expectations, results: HearingResultsOut,
                 pause: HearingThePause) -> None:
        self.audit = audit
        self.policy = policy
        self.mapper = mapper
        self.scheduler = scheduler
        self.expectations = expectations
        self.results = results
        self.pause = pause
        # (menu, key) -> what it led to after other wrong keys (count, target, keys, lead-in)
        self._suspected: dict[tuple[str, str], tuple[int, str, str, float]] = {}
        self.twins = Twins(audit, mapper, expectations)
        self.queues = Queues(audit, policy, mapper, self.twins)
        self.voicemails = Voicemails(audit, self.twins)
        self.lookalikes = Lookalikes(audit, mapper, scheduler, self.twins)

    def answer(self, session: CallSession) -> Stop | None:
        """The first call: hear what the line says first; that prompt is the root. What it
        says before it first waits (a greeting, a legal notice, the menu) is followed like
        what follows any action: the answer is the caller's first."""
        heard = session.hear()
        if heard.empty:
            self.audit.problems.append(f"nothing heard after the answer ({heard.ending.value})")
            self.audit.complete = False
            return None
        self.audit.answer_lead = round(heard.onset, 3)
        parts = self._heard_as(heard, [], [])
        root = parts[0][0]
        assert root is not None
        return self._onwards(session, Action(root, "", ANSWER), parts, [], [])

    def try_probe(self, session: CallSession, probe: Probe, heard: Heard) -> Stop | None:
        """Do ``probe`` at its node, whose prompt ``heard`` is playing or over, and follow
        what happens; returns where the line then waits for the caller, if it does. What the
        probe did to the call is noted in the outlook."""
        if probe.role not in (*WRONG_KEY_ROLES, "limit", "announced"):  # (_follow: announced)
            session.wrong_keys.clear()  # IVRs count wrong keys in a row
        session.trying = probe
        session.acted.append(self.mapper.acting_at(probe.node))
        try:
            stop = self._try(session, probe, heard)
        finally:
            self.lookalikes.settle(probe)
        met_limit, session.trying = session.trying is None, None
        at = self.mapper.acting_at(probe.node)
        self.scheduler.outlook.saw(probe, ENDS if stop is None else STAYS if stop[0] == at else MOVES)
        if probe.role in (*WRONG_KEY_ROLES, "limit") and stop is not None and stop[0] == at \
                and len(session.wrong_keys.get(at, [])) >= self.policy.max_wrong_keys:
            self.scheduler.no_low_limit(at)
        if probe.role == "invalid" and (stop is None or stop[0] != at) and not met_limit:
            self._doubt_invalid(at)
        elif probe.role == "invalid" and stop is not None and self.audit.nodes[at].invalid_limit \
                is None:  # the wrong key brings the caller back: how many times will it?
            self.scheduler.queue_limit(self.audit.nodes[at], probe.keys)
        return stop

    def _doubt_invalid(self, node_id: str) -> None:
        """The invalid key did not bring the caller back to its menu: it may be an unannounced
        option (a language choice, a hidden operator). Another key is tried as the invalid
        key, unless the last two tried agree (a line whose wrong keys all say goodbye)."""
        tries = self.mapper.invalid_tries.get(node_id, [])
        if len(tries) >= 2 and tries[-1][1] == tries[-2][1]:
            return
        self.scheduler.queue_invalid_candidate(self.audit.nodes[node_id],
                                               [key for key, _ in tries])

    def _try(self, session: CallSession, probe: Probe, heard: Heard) -> Stop | None:
        node = self.audit.nodes[probe.node]
        keys = probe.keys
        been = frozenset(node.via + [node.id])
        if probe.role == "limit":
            return self._until_the_limit(session, probe, heard)
        if probe.role == "timeout":
            heard = session.resume(heard)
            action_at = heard.end
            nxt = self.results.hear(session, been)
        elif keys == UNKNOWN_ENTRY:
            keys, nxt, action_at = session.enter_digits(self.policy.allows,
                                                        session.resume(heard).end)
        else:
            action_at = session.press_at(node, heard, keys, self.mapper.print_of(node.id))
            expected = (self.expectations.after_press(node.id, keys)
                        if probe.role == "announced" else None)
            nxt = self.results.hear(session, been, expected)
        path, via = node.path + [keys], node.via + [node.id]
        if probe.role == "timeout":
            nxt, action_at = self._through_repeats(session, node.id, nxt, action_at, been)
        return self._follow(session, Action(node.id, keys, probe.role), probe.label, nxt,
                            action_at, path, via)

    def _until_the_limit(self, session: CallSession, probe: Probe, heard: Heard) -> Stop | None:
        """Press the wrong key of ``probe`` again each time the menu comes back, until the
        line does something else (the menu's invalid-entry limit, noted by :meth:`_follow`)
        or ``max_wrong_keys`` are pressed in a row, those this call pressed before counted."""
        stop: Stop | None = (probe.node, heard)
        menu = self.audit.nodes[probe.node]
        before = len(session.wrong_keys.get(probe.node, []))
        for _ in range(max(1, self.policy.max_wrong_keys - before)):
            if stop is None or stop[0] != self.mapper.acting_at(probe.node) or \
                    menu.invalid_limit is not None:
                break
            node = self.audit.nodes[stop[0]]
            action_at = session.press_at(node, stop[1], probe.keys, self.mapper.print_of(node.id))
            nxt = self.results.hear(session, frozenset(node.via + [node.id]))
            stop = self._follow(session, Action(node.id, probe.keys, "limit"), "invalid", nxt,
                                action_at, node.path + [probe.keys], node.via + [node.id])
        return stop

    def _through_repeats(self, session: CallSession, node_id: str, nxt: Heard, action_at: float,
                         been: frozenset[str]) -> tuple[Heard, float]:
        """A caller who says nothing may hear the menu again, alone (up to ``max_repeats``
        times; after another prompt it is that one's: 21043): a timeout edge back to it."""
        repeats = 0
        while repeats < self.policy.max_repeats:
            heard_as = self.mapper.identify if nxt.ending is Ending.CUT else self.mapper.known
            if not self.mapper.plays(node_id, heard_as(nxt)):
                break
            self.mapper.add_edge(node_id, node_id, "timeout", "timeout", nxt.onset - action_at,
                                 "timeout")
            repeats += 1
            action_at = session.resume(nxt).end
            nxt = self.results.hear(session, been)
        self.audit.nodes[node_id].repeats = repeats
        return nxt, action_at

    def _follow(self, session: CallSession, origin: Action, key: str, heard: Heard,
                action_at: float, path: list[str], via: list[str]) -> Stop | None:
        """From the caller's action ``origin`` (its edge labelled ``key``), follow the line
        until it waits for the caller again: returns the node where it waits and its prompt
        as heard (maybe only its beginning), or None when the call is over (hangup, a human,
        voicemail, nothing heard, a known queue not worth sitting through again)."""
        parts = self._heard_as(heard, path, via)
        origin = Action(self.mapper.acting_at(origin.node), origin.pressed, origin.role)
        parts = self.voicemails.boxes(session, origin.way, parts, path, via)
        source, pressed, role = origin.node, origin.pressed, origin.role
        target, new, first = parts[0]
        if target is None:
            self.mapper.first_target[(source, role)] = NOTHING
            self.audit.problems.append(
                f"{source} {pressed or key}: nothing heard for {self.policy.max_wait:g} s")
            return None
        if role == "limit":
            if limit_reached(self.mapper, session.wrong_keys.get(source, []), source, pressed,
                             target):
                before = session.wrong_keys.pop(source, [])
                self.audit.nodes[source].invalid_limit = len(before) + 1
                self.mapper.add_edge(source, target, "invalid", "".join(before) + pressed,
                                     first.onset - action_at, "invalid")
                self.mapper.led_to(target, source, pressed, "invalid")
                return self._onwards(session, origin, parts, path, via)
            # The menu's usual answer again. (What follows is followed as the limit probe's:
            # no other wrong key is typed into its pause, the menu would count it.)
            session.wrong_keys.setdefault(source, []).append(pressed)
            self.mapper.add_edge(source, target, key, pressed, first.onset - action_at, "invalid")
            return self._onwards(session, origin, parts, path, via)
        if role in (*WRONG_KEY_ROLES, "announced") and limit_met(
                self.mapper, session.wrong_keys.get(source, []), source, target, role, pressed):
            # Maybe the menu's limit, maybe an option (one heard announced may be misheard,
            # zoo 29816): the key alone, on a call of its own, tells; what followed is mapped.
            before = session.wrong_keys.setdefault(source, [])  # (still counted by the menu)
            self._suspected[(source, pressed)] = (len(before) + 1, target, "".join(before) + pressed,
                                                  first.onset - action_at)
            before.append(pressed)
            if session.trying is not None:
                self.scheduler.retry_fresh(session.trying)
            session.trying = None
            return self._onwards(session, Action(source, pressed, "invalid"), parts, path, via)
        if (wrong := counted_as_wrong(self.mapper, role, source, target)) is True:
            session.wrong_keys.setdefault(source, []).append(pressed)
            self._confirm_limit(source, pressed, target)
        elif wrong is False:
            session.wrong_keys.clear()  # a key that works: IVRs count wrong keys in a row
        if (twin := self.lookalikes.verdict(session.trying, source, target)) is not None:
            origin, source, path, via = Action(twin, pressed, role), twin, \
                self.audit.nodes[twin].path + [pressed], self.audit.nodes[twin].via + [twin]
        way_is_new = (source, target, key) not in self.audit.edges
        self.mapper.add_edge(source, target, key, pressed, first.onset - action_at, role)
        self.mapper.led_to(target, origin.node, origin.pressed, origin.role)
        self.mapper.first_result(source, role, pressed, target)
        if self.audit.nodes[target].acting:  # (ivraudit.crawl.comeback, crawl.lookalikes)
            self.scheduler.arrived(target, menu := came_from(self.audit, session.acted, target),
                                   (source, pressed))
            self.lookalikes.arrived(target, (source, pressed, role), menu, way_is_new and not new)
        return self._onwards(session, origin, parts, path, via)

    def _confirm_limit(self, menu: str, key: str, target: str) -> None:
        """``key`` alone led to ``target`` at ``menu``: if that is where wrong keys lead, what
        it led to after other wrong keys was the menu's invalid-entry limit."""
        suspected = self._suspected.pop((menu, key), None)
        if suspected is None or target != self.mapper.first_target.get((menu, "invalid")):
            return
        count, limit_target, pressed, lead_in = suspected
        self.audit.nodes[menu].invalid_limit = count
        self.mapper.add_edge(menu, limit_target, "invalid", pressed, lead_in, "invalid")
        self.mapper.led_to(limit_target, menu, key, "invalid")

    def _onwards(self, session: CallSession, origin: Action,
                 parts: list[tuple[str | None, bool, Heard]], path: list[str], via: list[str]
                 ) -> Stop | None:
        """From the nodes just heard after ``origin`` (``parts``: one prompt, or prompts the
        line ran into each other), follow the line as long as it moves on by itself:
        messages, queues, their automatic edges."""
        queued = False
        while True:
            target, new, heard = parts[0]
            assert target is not None
            for later, later_new, later_heard in parts[1:]:  # heard back to back
                assert later is not None
                self._arrived(target, new, heard)
                self._moved_on(session, origin, target, later, later_heard.onset - heard.end)
                target, new, heard = later, later_new, later_heard
            node = self.audit.nodes[target]
            if node.kind == "hold" and not new and heard.ending is not Ending.HANGUP:
                target, new, heard = self.queues.which_queue(session, origin.way, target,
                                                            heard, path, via)
                node = self.audit.nodes[target]
                if not new and self.queues.passes_by(session, target):
                    return None
            if new and node.kind == "voicemail" and heard.ending is Ending.TONE:
                self.voicemails.rings_again(session, target, heard, self.mapper)
            if not self._arrived(target, new, heard):
                self._ends(session, target, heard)
                return (target, heard) if node.acting and heard.ending is not Ending.HANGUP else None
            expected = (None if node.kind == "hold"
                        else self.expectations.after_message(origin.node, target))
            heard = heard_out(self.mapper, session, target, heard, expected is not None)
            if whole := ran_on_into_new(self.mapper, self.twins, origin.way, target, heard, path, via):
                parts = [whole]  # (a new prompt after all, followed as such)
                continue
            if node.kind == "hold":
                if new:
                    self.queues.opened(target, origin.way, session.listener.peek(OPENING_SECONDS))
                nxt = self.queues.wait_through(session, target, heard, new)
                if node.kind in CALL_ENDING_KINDS:
                    return self._ends(session, target, heard)
            else:
                if queued and self._waits_for_the_caller(session, target, None):
                    return self._ends(session, target, heard)
                paused = self.pause.through(session, origin, target, heard, via, expected)
                if paused is None:
                    return None
                heard, nxt = paused
                if self._waits_for_the_caller(session, target, nxt):
                    return self._ends(session, target, heard)
                if new and self.queues.held(session, node.kind, heard, nxt):
                    # "One moment, please.", silence, "Your call is important to us", or
                    # music fading in: the message was a queue's prompt (see Queues.held).
                    node.kind = "hold"
                    nxt = self.queues.wait_through(session, target, heard, new)
                    if node.kind in CALL_ENDING_KINDS:
                        return self._ends(session, target, heard)
            queued = node.kind == "hold"  # what comes next answered a queue
            parts = self.voicemails.boxes(session, origin.way, self._heard_as(
                nxt, path, via, target if queued else None), path, via)
            if node.kind in ("hold", "message") and not new and parts[0][0] is not None:
                target = self.twins.went_on_to(origin.way, target, parts[0][0], path, via,
                                               round(nxt.onset - heard.end, 3),
                                               came_from(self.audit, session.acted, origin.node))
            acting = self.mapper.acting_at(target)  # (unless a head split off goes on to it:
            target = acting if acting != parts[0][0] else target  # 30191's invalid message)
            if parts[0][0] == target and (not node.understood or (new and node.kind == "message")):
                # A prompt that comes again by itself, nothing between, was waiting for the
                # caller: a menu whose words were not understood (Spanish, heard by an English
                # recogniser as English words) offers what cannot be known.
                node.kind, node.understood = "unknown", False
                return None
            if parts[0][0] is None:
                self.expectations.continued(origin.node, target, None)
                self.audit.problems.append(
                    f"{target} auto: nothing heard for {self.policy.max_wait:g} s")
                return None
            self._moved_on(session, origin, target, parts[0][0], parts[0][2].onset - heard.end)

    def _ends(self, session: CallSession, node_id: str, heard: Heard) -> Stop | None:
        """The call ends at ``node_id``: a person's time counts from their first sound."""
        if self.audit.nodes[node_id].kind == "human":
            session.met_person(heard.onset)
        return None

    def _waits_for_the_caller(self, session: CallSession, node_id: str, nxt: Heard | None
                              ) -> bool:
        """Was the message ``node_id`` (or prompt not understood) a person whose words did not say
        so? A recording goes on to the next prompt or hangs up; a person who has greeted the
        caller waits for an answer, and after a few seconds of silence asks "Hello?". So a
        message the line follows with silence for as long as the crawl waits (the call still
        up), or with a call-out alone, was a person: whisper hears "how may I help you" as "I
        may I help y", and "Billing, Maria speaking" as two words and a name, but not the wait.
        Words that answered a queue are given ``PERSON_WAITS_SECONDS`` of it (``nxt`` None,
        asked before anything more is heard) when courteous, as the words a queue's wait ends on
        are (ivraudit.listen.listener), not the 20 s of ``max_wait``."""
        node = self.audit.nodes[node_id]
        if node.kind not in ("message", "unknown") or any(
                e.key == "auto" for e in self.audit.out_edges(node_id)):
            return False  # (words not understood wait too: a person in another language)
        if nxt is None:
            waited = self.policy.courtesy and session.listener.stays_quiet(PERSON_WAITS_SECONDS)
        elif nxt.empty:
            waited = nxt.ending is Ending.QUIET
        elif calling_out(self.mapper.transcribe(nxt.audio)):
            waited = True
        else:
            # A call-out heard as other words ("Hello?" as "I'll see you later."): a few
            # words, and after them the line waits for the caller again.
            waited = nxt.seconds <= CALL_OUT_SECONDS and session.listener.stays_quiet(
                PERSON_WAITS_SECONDS)
        if waited:
            node.kind = "human"
        return waited

    def _heard_as(self, heard: Heard, path: list[str], via: list[str], queue: str | None = None
                  ) -> list[tuple[str | None, bool, Heard]]:
        """The nodes a prompt as heard is (Mapper.nodes_for; what answered ``queue``, not one
        who answered another queue by its beginning alone); a new one that a node heard before
        turns out to end with splits that node (ivraudit.crawl.unmerge)."""
        others = people_elsewhere(self.audit, queue) if queue is not None else frozenset()
        parts = split_shared(self.mapper, self.mapper.nodes_for(heard, path, via, others))
        for node_id, new, part in parts:
            if new and node_id is not None and node_id != HANGUP_NODE:
                split_earlier(self.mapper, node_id, part.ending is Ending.HANGUP)
        return parts

    def _moved_on(self, session: CallSession, origin: Action, source: str, target: str,
                  lead_in: float) -> None:
        """``source`` went on by itself to ``target``: an automatic edge, and where it went
        after ``origin``'s node, for what the line is expected to do next time. A message
        that went back to the menu the caller came from to ``origin``'s node (not to that
        node) may go back elsewhere on another way in: the probe is done again on the other
        ways (ivraudit.crawl.comeback). A prompt not understood that went on so, heard apart
        or run into the next, is a message where Mapper.misheard_message says (zoo seed 27037)."""
        if self.mapper.misheard_message(origin.node, source, target):
            self.audit.nodes[source].kind = "message"
        elif sound_of_a_wait(self.audit.nodes[source], self.audit.nodes[target]):
            self.audit.nodes[source].kind = "hold"
        menu = came_from(self.audit, session.acted, origin.node)
        self.expectations.continued(origin.node, source, target, menu)
        self.mapper.add_edge(source, target, "auto", "", lead_in, "auto")
        self.mapper.led_to(target, origin.node, origin.pressed, origin.role)
        probe = session.trying
        if (menu is not None and target == menu != origin.node and probe is not None
                and self.mapper.acting_at(probe.node) == origin.node
                and self.audit.nodes[source].kind == "message"):
            self.scheduler.went_back(probe, origin.node, menu)

    def _arrived(self, node_id: str, new: bool, heard: Heard) -> bool:
        """Queue a new acting node's probes; True if the line moves on by itself from here."""
        node = self.audit.nodes[node_id]
        if node.acting:
            if new:
                self.scheduler.queue_probes(node)
            return False
        if node.kind in CALL_ENDING_KINDS or heard.ending is Ending.HANGUP:
            return node.kind not in CALL_ENDING_KINDS
        if node.kind == "hold" and not new and any(
                e.key == "auto" for e in self.audit.out_edges(node_id)):
            return False  # a known queue: no need to sit through it again
        return True
