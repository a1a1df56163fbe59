"""How a call hears what a probe led to: to its end, or only until it is known.

- :class:`HearingResultsOut` (the naive crawl): the result is heard to its end.
- :class:`EarlyHangup`: a known prompt is recognised by its beginning and the call moves on
  (hangs up, or goes on with the next probe) instead of hearing it out.
"""

from __future__ import annotations

from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.recognition import recognised
from ivraudit.crawl.session import CallSession
from ivraudit.identity import CERTAIN_AUDIO
from ivraudit.kinds import CALL_ENDING_KINDS
from ivraudit.listen.listener import Heard

RESULT_MIN_SECONDS = 2.5
RESULT_MARGIN_SECONDS = 1.5
"""What a probe led to is only taken for a known prompt after 2.5 s, and 1.5 s past the point
where it matched exactly one known prompt."""


class HearingResultsOut:
    """Every result heard to its end."""

    def hear(self, session: CallSession, been: frozenset[str] = frozenset(),
             expect: str | None = None) -> Heard:
        """Hear what a probe led to (``been``: the nodes this call was at; ``expect``: the
        node the line has shown comes next, if any)."""
        return session.hear_result()


class EarlyHangup(HearingResultsOut):
    """Results known by their beginning."""

    def __init__(self, mapper: Mapper) -> None:
        self.mapper = mapper
        self.index = mapper.index

    def hear(self, session: CallSession, been: frozenset[str] = frozenset(),
             expect: str | None = None) -> Heard:
        """A known prompt is recognised by its beginning, with a margin: listening goes on
        ``RESULT_MARGIN_SECONDS`` past the point where it became unmistakable among the known
        prompts, as a new prompt may begin like a known one (the demo's directory and
        accounting menus share their first 1.5 s). Where the call ends with the known
        prompt (a person, a voicemail box, a message before the line hangs up), listening
        goes on to its last second: a known prompt may be two the line ran together, and the
        first of them may play alone elsewhere, and nothing after a prompt that ends the
        call would tell. One "Our offices are now closed..." ran into a voicemail greeting
        behind one key and went back to its menu behind another (zoo seed 30067): taken for
        the voicemail from its first 4 s, the second branch was never mapped. (Other known
        prompts are heard on after: a menu's keys, a message's way on.)

        A return to a node this call has ``been`` at (the probe's node, a menu on its path,
        the main menu) is what IVRs do after an invalid key, a message, "star for the
        previous menu": one of those is taken once it has matched that prompt alone among the
        known ones (at SAME_AUDIO, as on a mapped path) for ``RETURN_MARGIN_SECONDS``.

        What the line has shown comes next (``expect``: a known message back to the menu
        that played it) is a step of a mapped path, and taken as one: on its first second.
        """
        return session.hear_result(recognised(self.index, RESULT_MIN_SECONDS,
                                              RESULT_MARGIN_SECONDS, CERTAIN_AUDIO, been, expect,
                                              whole=self._ends_the_call))

    def _ends_the_call(self, node_id: str) -> bool:
        node = self.mapper.audit.nodes.get(node_id)
        return node is not None and (node.kind in CALL_ENDING_KINDS
                                     or self.mapper.ends_calls(node_id))
