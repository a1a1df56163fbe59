"""Load and validate a tree spec before any call is made.

Every problem is reported as a :class:`~ivraudit.errors.SpecError` naming the node and the
field (``nodes.billing.options.7``), so the owner of a spec can fix it without guessing.
Audio is decoded here too: a missing or corrupt WAV is a spec error, found before the crawl.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ivraudit.errors import AudioError, SpecError
from ivraudit.kinds import ACTING_KINDS, KINDS
from ivraudit.spec.model import BACK, HANGUP, REPEAT, NodeSpec, TreeSpec
from ivraudit.telephony.constants import DTMF_KEYS
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.wav import read_telephone_audio

FORMAT = "ivraudit.tree/1"

_COMMON_FIELDS = {"type", "prompt", "text"}
_FIELDS_BY_TYPE: dict[str, set[str]] = {
    "menu": {"options", "barge_in", "typeahead", "wait", "on_timeout", "repeats", "on_exhausted",
             "on_invalid"},
    "message": {"next"},
    "hold": {"music", "seconds", "announce", "announce_every", "next"},
    "human": set(),
    "voicemail": set(),
    "input": {"digits", "terminator", "wait", "next", "on_timeout", "repeats", "on_exhausted",
              "barge_in", "typeahead"},
}
_TOP_FIELDS = {"format", "name", "language", "start", "answer_after", "gap", "nodes"}


class _Checker:
    """Reads fields of one YAML mapping, raising SpecError with the field's full name."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> SpecError:
        return SpecError(where, problem, source=str(self.source))

    def number(self, raw: dict[str, Any], key: str, where: str, default: float,
               *, minimum: float = 0.0) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where}.{key}", f"must be a number of seconds, not {value!r}")
        if value < minimum:
            raise self.fail(f"{where}.{key}", f"must be at least {minimum}, not {value}")
        return float(value)

    def integer(self, raw: dict[str, Any], key: str, where: str, default: int | None,
                *, minimum: int = 0) -> int | None:
        value = raw.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"{where}.{key}", f"must be a whole number ≥ {minimum}, not {value!r}")
        return value

    def flag(self, raw: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", f"must be true or false, not {value!r}")
        return value

    def text(self, raw: dict[str, Any], key: str, where: str, default: str | None) -> str | None:
        value = raw.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"must be text, not {value!r}")
        return value

    def key(self, value: Any, where: str) -> str:
        key = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if key not in DTMF_KEYS:
            raise self.fail(where, f"{value!r} is not a phone key (0-9, *, #)")
        return key


def load_spec(path: Path | str) -> TreeSpec:
    """Read, validate and decode a tree spec; raises SpecError on the first problem."""
    path = Path(path)
    check = _Checker(path)
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
    audio = _load_audio(check, path.parent, nodes)
    return TreeSpec(
        path=path,
        name=str(raw.get("name") or path.stem),
        language=str(raw.get("language") or "en"),
        start=start,
        answer_after=check.number(raw, "answer_after", "spec", 0.0),
        gap=check.number(raw, "gap", "spec", 1.0),
        nodes=nodes,
        audio=audio,
    )


def _read_node(check: _Checker, node_id: str, raw: Any) -> NodeSpec:
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
    prompt = raw.get("prompt", [])
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        raise check.fail(f"{where}.prompt", "must be a WAV path or a list of WAV paths")
    if not prompts and kind not in ("hold",):
        raise check.fail(f"{where}.prompt", f"a {kind} node needs a prompt")
    fields: dict[str, Any] = {
        "id": node_id,
        "type": kind,
        "prompt": tuple(Path(p) for p in prompts),
        "text": check.text(raw, "text", where, None),
    }
    if kind == "menu":
        options = raw.get("options")
        if not isinstance(options, dict) or not options:
            raise check.fail(f"{where}.options", "a menu needs at least one key → target")
        parsed: dict[str, str] = {}
        for key, target in options.items():
            key = check.key(key, f"{where}.options.{key}")
            if not isinstance(target, str):
                raise check.fail(f"{where}.options.{key}", f"target must be a node id, not {target!r}")
            parsed[key] = target
        fields["options"] = parsed
        fields["on_invalid"] = check.text(raw, "on_invalid", where, REPEAT)
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
        music = raw.get("music")
        if not isinstance(music, str):
            raise check.fail(f"{where}.music", "a hold node needs music (a WAV path)")
        fields["music"] = Path(music)
        fields["seconds"] = check.number(raw, "seconds", where, 0.0)
        announce = check.text(raw, "announce", where, None)
        fields["announce"] = Path(announce) if announce else None
        every = raw.get("announce_every")
        if announce and every is None:
            raise check.fail(f"{where}.announce_every", "needed when announce is given")
        if every is not None:
            fields["announce_every"] = check.number(raw, "announce_every", where, 0.0, minimum=1.0)
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


def _check_targets(check: _Checker, nodes: dict[str, NodeSpec]) -> None:
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
            target(node.on_invalid, f"{where}.on_invalid", allow=(REPEAT,))
            if node.on_invalid in nodes and nodes[node.on_invalid].type != "message":
                raise check.fail(f"{where}.on_invalid", "must name a message node (or repeat)")
        allowed_next = (HANGUP, BACK) if node.type == "message" else (HANGUP,)
        target(node.next, f"{where}.next", allow=allowed_next)


def _check_message_cycles(check: _Checker, nodes: dict[str, NodeSpec]) -> None:
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


def _load_audio(check: _Checker, folder: Path, nodes: dict[str, NodeSpec]) -> dict[Path, Pcm]:
    audio: dict[Path, Pcm] = {}
    for node in nodes.values():
        refs = [("prompt", p) for p in node.prompt]
        refs += [(name, p) for name, p in (("music", node.music), ("announce", node.announce)) if p]
        for field_name, rel in refs:
            if rel in audio:
                continue
            try:
                audio[rel] = read_telephone_audio(folder / rel)
            except AudioError as exc:
                raise check.fail(f"nodes.{node.id}.{field_name}", str(exc)) from None
    return audio
