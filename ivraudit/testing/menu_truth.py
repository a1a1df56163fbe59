"""What a perfect crawl learns at one menu of a spec: the edges its probes find, with lead-ins.

The probing rules are the crawler's (ivraudit.crawl.probes), applied to what the menu really
does, including what its prompt does not say (the rules as a list: ivraudit.testing.truth):

- each announced option, its full key pressed (``"600"`` for a multi-digit one);
- the invalid key, the first of 9, 8, ... 1 the menu does not announce; one that turns out to
  be a hidden option is an option edge of its own key, and the next candidate is pressed, until
  one is invalid;
- the escape keys 0, * and # where not announced: a hidden option's own edge, else invalid;
- with ``invalid_limit`` N, the invalid key N times: an ``invalid`` edge to
  ``on_invalid_limit``.

Lead-ins follow the session (ivraudit.spec.behaviour): the gap before the next prompt, after
``digit_timeout`` too where the keys pressed could still begin a longer option.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivraudit.crawl.probes import invalid_key
from ivraudit.spec.behaviour import frames_for, split_frames
from ivraudit.spec.model import REPEAT, NodeSpec, TreeSpec
from ivraudit.telephony.constants import ESCAPE_KEYS, FRAME_SECONDS


@dataclass(frozen=True)
class Step:
    """One edge a probe finds: where it leads, its key, what was pressed, and the lead-in."""

    target: str
    key: str
    pressed: str
    lead_in: float


def line_seconds(seconds: float) -> float:
    """``seconds`` as the line spends them: whole 20 ms frames."""
    return frames_for(seconds) * FRAME_SECONDS


def prompt_seconds(spec: TreeSpec, node: NodeSpec) -> float:
    """How long the node's prompt plays, in whole frames (0 without a prompt)."""
    return len(split_frames(spec.prompt_audio(node))) * FRAME_SECONDS if node.prompt else 0.0


def menu_steps(spec: TreeSpec, node: NodeSpec) -> list[Step]:
    """Every edge the probes of a perfect crawl find at ``node`` (a menu), in the order a
    node reached two ways keeps the first: invalid, announced, hidden, escapes, the limit."""
    gap = line_seconds(spec.gap)

    def lead(pressed: str) -> float:
        """From the last key to the next prompt: the menu may wait for another digit first."""
        return gap + (line_seconds(node.digit_timeout) if node.waits_for_more(pressed) else 0.0)

    announced = node.announced
    invalid_target = node.id if node.on_invalid == REPEAT else node.on_invalid
    hidden: list[Step] = []
    tried: list[str] = []
    invalid = invalid_key(announced)
    while invalid is not None and invalid in node.options:  # a hidden option, not invalid
        hidden.append(Step(node.options[invalid], invalid, invalid, lead(invalid)))
        tried.append(invalid)
        invalid = invalid_key(announced + tried)
    steps: list[Step] = []
    if invalid is not None or not tried:
        pressed = invalid or "9"  # every digit announced: 9 stands in, as the crawler's does
        steps.append(Step(invalid_target, "invalid", pressed, lead(pressed)))
    steps += [Step(node.options[key], key, key, lead(key)) for key in announced]
    steps += hidden
    for key in ESCAPE_KEYS:
        if key in announced:
            continue
        if key in node.options:
            steps.append(Step(node.options[key], key, key, lead(key)))
        else:
            steps.append(Step(invalid_target, "invalid", key, lead(key)))
    if node.invalid_limit is not None and invalid is not None:
        steps.append(_limit_step(spec, node, invalid, lead(invalid)))
    return steps


def _limit_step(spec: TreeSpec, node: NodeSpec, invalid: str, lead: float) -> Step:
    """The invalid key ``invalid_limit`` times, each after the menu has been heard again in
    full. The lead-in holds everything between the first key and the target's first sound
    but the keys themselves (0.1 s each, counted by the formulas from ``pressed``), so the
    listening time along this edge is the line's: the menu's prompt, the keys, and this."""
    count = node.invalid_limit or 0
    again = lead - line_seconds(spec.gap)  # any digit_timeout, then the invalid handling
    if node.on_invalid != REPEAT:
        again += line_seconds(spec.gap) + prompt_seconds(spec, spec.nodes[node.on_invalid])
    again += line_seconds(spec.gap) + prompt_seconds(spec, node)
    return Step(node.on_invalid_limit, "invalid", invalid * count, (count - 1) * again + lead)
