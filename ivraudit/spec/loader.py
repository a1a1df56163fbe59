"""Load and validate a tree spec before any call is made.

Every problem is reported as a :class:`~ivraudit.errors.SpecError` naming the node and the
field (``nodes.billing.options.7``), so the owner of a spec can fix it without guessing.
Audio is decoded here too: a missing or corrupt WAV is a spec error, found before the crawl.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ivraudit.errors import AudioError
from ivraudit.kinds import ACTING_KINDS, KINDS
from ivraudit.spec.checker import Checker
from ivraudit.spec.line import read_line
from ivraudit.spec.menu_fields import MENU_FIELDS, check_menu_targets, read_menu
from ivraudit.spec.model import BACK, HANGUP, REPEAT, NodeSpec, TreeSpec
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.tones import BEEP_HZ, BEEP_SECONDS
from ivraudit.telephony.wav import read_telephone_audio

FORMAT = "ivraudit.tree/1"

_COMMON_FIELDS = {"type", "prompt", "text", "language", "zoo"}
_FIELDS_BY_TYPE: dict[str, set[str]] = {
    "menu": MENU_FIELDS,
    "message": {"next"},
    "hold": {"music", "seconds", "announce", "announce_every", "first_announce", "next"},
    "human": set(),
    "voicemail": {"beep_hz", "beep_seconds"},
    "input": {"digits", "terminator", "wait", "next", "on_timeout", "repeats", "on_exhausted",
              "barge_in", "typeahead"},
}
_TOP_FIELDS = {"format", "name", "language", "start", "answer_after", "gap", "nodes", "line", "zoo"}
BEEP_HZ_RANGE = (200.0, 3400.0)
"""The telephone band: a beep outside it would not reach the caller."""
BEEP_SECONDS_RANGE = (0.05, 5.0)


def load_spec(path: Path | str) -> TreeSpec:
    """Read, validate and decode a tree spec; raises SpecError on the first problem."""
    path = Path(path)
    check = Checker(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise check.fail("spec", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise check.fail("spec", f"cannot read ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "spec"
        raise check.fail(where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise check.fail("spec", "must be a YAML mapping with format, start and nodes")
    if raw.get("format") != FORMAT:
        raise check.fail("format", f"must be {FORMAT!r}, not {raw.get('format')!r}")
    for key in raw:
        if key not in _TOP_FIELDS:
            raise check.fail(str(key), f"unknown field (known: {', '.join(sorted(_TOP_FIELDS))})")
    nodes_raw = raw.get("nodes")
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        raise check.fail("nodes", "must map node ids to nodes")
    nodes = {str(node_id): _read_node(check, str(node_id), body)
             for node_id, body in nodes_raw.items()}
    start = raw.get("start")
    if start not in nodes:
        raise check.fail("start", f"{start!r} is not a node id")
    _check_targets(check, nodes)
    _check_message_cycles(check, nodes)
    name = str(raw.get("name") or path.stem)
    line = read_line(check, raw.get("line"), name)
    zoo = raw.get("zoo") or {}
    if not isinstance(zoo, dict):
        raise check.fail("zoo", f"must be a mapping (seed, patterns, ...), not {zoo!r}")
    audio = _load_audio(check, path.parent, nodes)
    return TreeSpec(
        path=path,
        name=name,
        language=str(raw.get("language") or "en"),
        start=start,
        answer_after=check.number(raw, "answer_after", "spec", 0.0),
        gap=check.number(raw, "gap", "spec", 1.0),
        nodes=nodes,
        audio=audio,
        line=line,
        zoo=zoo,
    )


def _read_node(check: Checker, node_id: str, raw: Any) -> NodeSpec:
    where = f"nodes.{node_id}"
    if node_id in (HANGUP, BACK, REPEAT):
        raise check.fail(where, f"{node_id!r} is a reserved target, not a node id")
    if not isinstance(raw, dict):
        raise check.fail(where, "must be a mapping with a type")
    kind = raw.get("type")
    if kind not in KINDS:
        raise check.fail(f"{where}.type", f"{kind!r} is not one of {', '.join(KINDS)}")
    allowed = _COMMON_FIELDS | _FIELDS_BY_TYPE[kind]
    for key in raw:
        if key not in allowed:
            raise check.fail(f"{where}.{key}", f"not a field of a {kind} node")
    prompts = check.paths(raw, "prompt", where)
    if not prompts and kind not in ("hold",):
        raise check.fail(f"{where}.prompt", f"a {kind} node needs a prompt")
    language = check.text(raw, "language", where, None)
    if language is not None and not language.strip():
        raise check.fail(f"{where}.language", "must be a language code (en, es, ...)")
    fields: dict[str, Any] = {
        "id": node_id,
        "type": kind,
        "prompt": tuple(Path(p) for p in prompts),
        "text": check.text(raw, "text", where, None),
        "language": language,
        "zoo": raw.get("zoo"),
    }
    if kind == "menu":
        fields.update(read_menu(check, where, raw))
    if kind in ACTING_KINDS:
        fields["barge_in"] = check.flag(raw, "barge_in", where, True)
        fields["typeahead"] = check.flag(raw, "typeahead", where, True)
        fields["wait"] = check.number(raw, "wait", where, 5.0, minimum=0.1)
        fields["on_timeout"] = check.text(raw, "on_timeout", where, REPEAT)
        fields["repeats"] = check.integer(raw, "repeats", where, 2)
        fields["on_exhausted"] = check.text(raw, "on_exhausted", where, HANGUP)
    if kind in ("message", "hold", "input"):
        nxt = check.text(raw, "next", where, None)
        if nxt is None:
            raise check.fail(f"{where}.next", f"a {kind} node needs next (a node id, back or hangup)")
        fields["next"] = nxt
    if kind == "hold":
        fields.update(_read_hold(check, where, raw))
        if fields["music"] is None and not prompts:
            raise check.fail(f"{where}.music", "a hold without music needs a prompt: silence "
                                               "with nothing said first is not heard as a hold")
    if kind == "voicemail":
        fields["beep_hz"] = check.number(raw, "beep_hz", where, BEEP_HZ, minimum=BEEP_HZ_RANGE[0],
                                         maximum=BEEP_HZ_RANGE[1], unit="hertz")
        fields["beep_seconds"] = check.number(raw, "beep_seconds", where, BEEP_SECONDS,
                                              minimum=BEEP_SECONDS_RANGE[0],
                                              maximum=BEEP_SECONDS_RANGE[1])
    if kind == "input":
        digits = check.integer(raw, "digits", where, None, minimum=1)
        terminator = raw.get("terminator")
        if terminator is not None:
            terminator = check.key(terminator, f"{where}.terminator")
        if (digits is None) == (terminator is None):
            raise check.fail(f"{where}.digits", "an input node needs exactly one of digits or terminator")
        fields["digits"] = digits
        fields["terminator"] = terminator
    return NodeSpec(**fields)


def _read_hold(check: Checker, where: str, raw: dict[str, Any]) -> dict[str, Any]:
    """A hold's fields: music is optional (a queue may hold in silence), and ``announce`` may
    be one file or a list played in turn (position, then estimated wait)."""
    music = raw.get("music")
    if music is not None and not (isinstance(music, str) and music):
        raise check.fail(f"{where}.music", f"must be a WAV path, not {music!r}")
    announce = check.paths(raw, "announce", where)
    fields: dict[str, Any] = {
        "music": Path(music) if music else None,
        "seconds": check.number(raw, "seconds", where, 0.0),
        "announce": tuple(Path(p) for p in announce),
    }
    every = raw.get("announce_every")
    if announce and every is None:
        raise check.fail(f"{where}.announce_every", "needed when announce is given")
    if every is not None:
        fields["announce_every"] = check.number(raw, "announce_every", where, 0.0, minimum=1.0)
    if "first_announce" in raw:
        if not announce:
            raise check.fail(f"{where}.first_announce", "needs announce (what to play then)")
        fields["first_announce"] = check.number(raw, "first_announce", where, 0.0, minimum=0.0)
    return fields


def _check_targets(check: Checker, nodes: dict[str, NodeSpec]) -> None:
    def target(value: str | None, where: str, *, allow: tuple[str, ...]) -> None:
        if value is None or value in nodes or value in allow:
            return
        extra = f" or {', '.join(allow)}" if allow else ""
        raise check.fail(where, f"{value!r} is not a node id{extra}")

    for node in nodes.values():
        where = f"nodes.{node.id}"
        for key, dest in node.options.items():
            target(dest, f"{where}.options.{key}", allow=(HANGUP,))
        if node.type in ACTING_KINDS:
            target(node.on_timeout, f"{where}.on_timeout", allow=(REPEAT, HANGUP))
            target(node.on_exhausted, f"{where}.on_exhausted", allow=(HANGUP,))
        if node.type == "menu":
            check_menu_targets(check, node, nodes)
        allowed_next = (HANGUP, BACK) if node.type == "message" else (HANGUP,)
        target(node.next, f"{where}.next", allow=allowed_next)


def _check_message_cycles(check: Checker, nodes: dict[str, NodeSpec]) -> None:
    """A chain of message nodes that leads back to itself would play forever without input."""
    for node in nodes.values():
        seen = [node.id]
        current = node
        while current.type in ("message", "hold") and current.next in nodes:
            current = nodes[current.next]
            if current.id in seen:
                if current.id == node.id:
                    loop = " → ".join(seen + [current.id])
                    raise check.fail(f"nodes.{node.id}.next",
                                     f"messages loop without waiting for input ({loop})")
                break
            seen.append(current.id)


def _load_audio(check: Checker, folder: Path, nodes: dict[str, NodeSpec]) -> dict[Path, Pcm]:
    audio: dict[Path, Pcm] = {}
    for node in nodes.values():
        refs = [("prompt", p) for p in node.prompt]
        refs += [("music", node.music)] if node.music else []
        refs += [("announce", p) for p in node.announce]
        for field_name, rel in refs:
            if rel in audio:
                continue
            try:
                audio[rel] = read_telephone_audio(folder / rel)
            except AudioError as exc:
                raise check.fail(f"nodes.{node.id}.{field_name}", str(exc)) from None
    return audio
