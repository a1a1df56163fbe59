"""Load and validate a tree spec before any call is made.

Every problem is reported as a :class:`~ivraudit.errors.SpecError` naming the node and the
field (``nodes.billing.options.7``), so the owner of a spec can fix it without guessing.
Audio is decoded here too: a missing or corrupt WAV is a spec error, found before the crawl.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ivraudit.errors import AudioError, InputFileError, quote
from ivraudit.kinds import ACTING_KINDS, KINDS
from ivraudit.spec.checker import Checker
from ivraudit.spec.line import read_line
from ivraudit.spec.menu_fields import MENU_FIELDS, check_menu_targets, read_menu
from ivraudit.spec.model import BACK, HANGUP, REPEAT, NodeSpec, TreeSpec
from ivraudit.spec.yaml_reader import read_yaml_file
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


def load_spec(path: Path | str, *, audio_roots: Sequence[Path] = ()) -> TreeSpec:
    """Read, validate and decode a tree spec; raises SpecError on the first problem.

    Its audio must resolve inside the spec's folder (links are followed first), so a spec
    cannot make a crawl copy a WAV from elsewhere on the machine into its audit.
    ``audio_roots`` are further folders whose audio may be played, for a caller that put the
    links there itself (the Asterisk tests link Debian's prompts beside their truth specs); a
    spec file can never add one."""
    path = Path(path)
    check = Checker(path)
    try:
        raw = read_yaml_file(path)
    except FileNotFoundError:
        raise check.fail("spec", "file not found") from None
    except InputFileError as exc:
        raise check.fail("spec", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise check.fail("spec", f"cannot read ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "spec"
        raise check.fail(where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except RecursionError:
        raise check.fail("spec", "nested too deeply to be a tree spec") from None
    if not isinstance(raw, dict):
        raise check.fail("spec", "must be a YAML mapping with format, start and nodes")
    if raw.get("format") != FORMAT:
        raise check.fail("format", f"must be {FORMAT!r}, not {quote(raw.get('format'))}")
    for key in raw:
        if key not in _TOP_FIELDS:
            raise check.fail(str(key), f"unknown field (known: {', '.join(sorted(_TOP_FIELDS))})")
    nodes_raw = raw.get("nodes")
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        raise check.fail("nodes", "must map node ids to nodes")
    nodes = {str(node_id): _read_node(check, str(node_id), body)
             for node_id, body in nodes_raw.items()}
    start = raw.get("start")
    if not isinstance(start, str) or start not in nodes:
        raise check.fail("start", f"{quote(start)} is not a node id (start names one node)")
    _check_targets(check, nodes)
    _check_message_cycles(check, nodes)
    name = _label(check, raw, "name") or path.stem
    line = read_line(check, raw.get("line"), name)
    zoo = raw.get("zoo") or {}
    if not isinstance(zoo, dict):
        raise check.fail("zoo", f"must be a mapping (seed, patterns, ...), not {quote(zoo)}")
    audio = _load_audio(check, path.parent, nodes, audio_roots)
    return TreeSpec(
        path=path,
        name=name,
        language=_label(check, raw, "language") or "en",
        start=start,
        answer_after=check.number(raw, "answer_after", "spec", 0.0),
        gap=check.number(raw, "gap", "spec", 1.0),
        nodes=nodes,
        audio=audio,
        line=line,
        zoo=zoo,
    )


def _label(check: Checker, raw: dict[str, Any], key: str) -> str | None:
    """A top-level ``name`` or ``language`` as text: YAML may read ``name: 2024`` as a number,
    which is still a name; a list or a mapping is not (and printing one could flood)."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise check.fail(key, f"must be text, not {quote(value)}")


def _read_node(check: Checker, node_id: str, raw: Any) -> NodeSpec:
    where = f"nodes.{node_id}"
    if node_id in (HANGUP, BACK, REPEAT):
        raise check.fail(where, f"{node_id!r} is a reserved target, not a node id")
    if not isinstance(raw, dict):
        raise check.fail(where, "must be a mapping with a type")
    kind = raw.get("type")
    if kind not in KINDS:
        raise check.fail(f"{where}.type", f"{quote(kind)} is not one of {', '.join(KINDS)}")
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
        raise check.fail(f"{where}.music", f"must be a WAV path, not {quote(music)}")
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
        raise check.fail(where, f"{quote(value)} is not a node id{extra}")

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
    """A chain of message nodes that leads back to itself would play forever without input.

    Each message or hold has one ``next``, so the chains form a functional graph: every node is
    walked once, and a walk that meets a node of its own path has found a loop (linear in the
    nodes; a walk from every node, as this was once checked, took minutes on 10,000)."""
    order = {node_id: index for index, node_id in enumerate(nodes)}
    done: set[str] = set()
    for node_id in nodes:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current: str | None = node_id
        while current is not None and current not in done:
            if current in on_path:
                loop = path[on_path[current]:]
                first = min(range(len(loop)), key=lambda i: order[loop[i]])
                loop = loop[first:] + loop[:first]
                raise check.fail(f"nodes.{loop[0]}.next",
                                 f"messages loop without waiting for input ({_chain(loop)})")
            on_path[current] = len(path)
            path.append(current)
            node = nodes[current]
            nxt = node.next
            current = nxt if node.type in ("message", "hold") and nxt in nodes else None
        done.update(path)


def _chain(loop: list[str], shown: int = 6) -> str:
    """``a → b → c → a``, with a long loop's middle left out (the message stays one line)."""
    ids = loop + [loop[0]]
    if len(ids) > shown + 1:
        ids = ids[:shown] + [f"… {len(loop) - shown} more …", ids[-1]]
    return " → ".join(ids)


def _load_audio(check: Checker, folder: Path, nodes: dict[str, NodeSpec],
                roots: Sequence[Path]) -> dict[Path, Pcm]:
    """Every WAV the nodes name, decoded; each must be a file inside the spec's folder."""
    audio: dict[Path, Pcm] = {}
    home = folder.resolve()
    allowed = [home, *(root.resolve() for root in roots)]
    for node in nodes.values():
        refs = [("prompt", p) for p in node.prompt]
        refs += [("music", node.music)] if node.music else []
        refs += [("announce", p) for p in node.announce]
        for field_name, rel in refs:
            if rel in audio:
                continue
            where = f"nodes.{node.id}.{field_name}"
            resolved = (folder / rel).resolve()
            if not any(resolved.is_relative_to(root) for root in allowed):
                raise check.fail(where, f"{quote(str(rel))} is {resolved}, outside the spec's "
                                        f"folder {home}: audio must be inside it, since a crawl "
                                        "copies what it hears into its audit")
            try:
                audio[rel] = read_telephone_audio(folder / rel)
            except AudioError as exc:
                raise check.fail(where, str(exc)) from None
    return audio
