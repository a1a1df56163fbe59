"""The bundled phone-tree fixtures (fixtures/recordings/*/tree.yaml) are valid and well recorded.

Checks every tree against the ``ivraudit.tree/1`` format (shared/docs/ivr-tree-format.md) on its
own, without the spec loader, and checks the audio the crawler will hear: every WAV is mono
16-bit PCM at 8 kHz, and every prompt starts and ends promptly with no pause inside it long enough
for the crawler (which ends a prompt after ~0.7 s of silence) to cut it in two.

Silence is measured in 20 ms frames: a frame is silent when its RMS is more than 35 dB below the
loudest frame of the file (of the whole prompt, for a prompt that is a list of files).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import wave
from collections import deque
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
RECORDINGS = FIXTURES / "recordings"
TREES = sorted(RECORDINGS.rglob("tree.yaml"))
TREE_IDS = [str(p.parent.relative_to(RECORDINGS)) for p in TREES]

FORMAT = "ivraudit.tree/1"
KEYS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"}
NODE_TYPES = {"menu", "message", "hold", "human", "voicemail", "input"}
HANGUP, BACK, REPEAT = "hangup", "back", "repeat"
TOP_FIELDS = {"format", "name", "language", "start", "answer_after", "gap", "nodes"}
FIELDS = {
    "menu": {"options", "barge_in", "wait", "on_timeout", "repeats", "on_exhausted", "on_invalid"},
    "message": {"next"},
    "hold": {"music", "seconds", "announce", "announce_every", "next"},
    "human": set(),
    "voicemail": set(),
    "input": {"digits", "terminator", "wait", "next", "on_timeout", "repeats", "on_exhausted",
              "barge_in"},
}
COMMON_FIELDS = {"type", "prompt", "text"}

RATE = 8000
FRAME = 160  # 20 ms
SILENCE_DB = 35.0
MAX_INTERNAL_PAUSE = 0.5
MAX_EDGE_SILENCE = 0.35
MAX_TOTAL_BYTES = 6 * 1024 * 1024


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def prompts_of(node: dict) -> list[str]:
    prompt = node.get("prompt", [])
    return [prompt] if isinstance(prompt, str) else list(prompt)


def wav_refs(node: dict) -> list[tuple[str, str]]:
    """(field, file) for every WAV a node plays."""
    refs = [("prompt", p) for p in prompts_of(node)]
    refs += [(f, node[f]) for f in ("music", "announce") if f in node]
    return refs


def read_pcm(path: Path) -> np.ndarray:
    """A mono 16-bit PCM 8 kHz WAV as int16; fails the test for any other encoding."""
    raw = path.read_bytes()
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE", f"{path}: not a RIFF/WAVE file"
    fmt_at = raw.find(b"fmt ")
    assert fmt_at >= 12, f"{path}: no fmt chunk"
    tag = int.from_bytes(raw[fmt_at + 8 : fmt_at + 10], "little")
    assert tag == 1, f"{path}: format tag {tag:#06x}, expected 1 (PCM)"
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1, f"{path}: {w.getnchannels()} channels, expected mono"
        assert w.getsampwidth() == 2, f"{path}: {8 * w.getsampwidth()}-bit, expected 16-bit"
        assert w.getframerate() == RATE, f"{path}: {w.getframerate()} Hz, expected {RATE}"
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert len(pcm) > 0, f"{path}: no audio"
    return pcm


def silences(pcm: np.ndarray) -> tuple[float, float, float]:
    """(leading silence, trailing silence, longest silence inside) in seconds."""
    n = len(pcm) // FRAME
    frames = pcm[: n * FRAME].astype(np.float64).reshape(n, FRAME)
    rms_db = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-9)
    voiced = rms_db > rms_db.max() - SILENCE_DB
    idx = np.flatnonzero(voiced)
    lead = idx[0] * FRAME / RATE
    trail = (len(pcm) - (idx[-1] + 1) * FRAME) / RATE
    longest = run = 0
    for v in voiced[idx[0] : idx[-1] + 1]:
        run = 0 if v else run + 1
        longest = max(longest, run)
    return lead, trail, longest * FRAME / RATE


def edges(node: dict) -> list[tuple[str, str, int]]:
    """(via, target, keys pressed) for every way out of a node."""
    out = [(f"options.{k}", t, 1) for k, t in (node.get("options") or {}).items()]
    if "next" in node:
        out.append(("next", node["next"], 1 if node["type"] == "input" else 0))
    for name in ("on_invalid", "on_timeout", "on_exhausted"):
        if name in node:
            out.append((name, node[name], 1 if name == "on_invalid" else 0))
    return out


def key_depths(tree: dict) -> dict[str, int]:
    """Fewest keys pressed from the answer to reach each node (a digit entry counts as one)."""
    nodes = tree["nodes"]
    best = {tree["start"]: 0}
    queue: deque[str] = deque([tree["start"]])
    while queue:  # 0-1 BFS
        node_id = queue.popleft()
        for _, target, cost in edges(nodes[node_id]):
            if target not in nodes:
                continue
            depth = best[node_id] + cost
            if depth < best.get(target, 1 << 30):
                best[target] = depth
                (queue.appendleft if cost == 0 else queue.append)(target)
    return best


def reachable(tree: dict) -> set[str]:
    return set(key_depths(tree))


@pytest.fixture(params=TREES, ids=TREE_IDS)
def tree_path(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture
def tree(tree_path: Path) -> dict:
    return load(tree_path)


def tree_named(name: str) -> tuple[Path, dict]:
    path = RECORDINGS / name / "tree.yaml"
    assert path.exists(), f"missing fixture tree {path}"
    return path, load(path)


# ------------------------------------------------------------------------------------------------
# every tree
# ------------------------------------------------------------------------------------------------


def test_the_three_trees_exist() -> None:
    assert {"acme-pbx", "synthetic-voices", "tiny"} <= set(TREE_IDS)


def test_parses_with_format_and_documented_fields(tree_path: Path, tree: dict) -> None:
    assert isinstance(tree, dict)
    assert tree.get("format") == FORMAT
    assert set(tree) <= TOP_FIELDS, f"unknown top-level fields {set(tree) - TOP_FIELDS}"
    assert isinstance(tree.get("nodes"), dict) and tree["nodes"]
    assert tree.get("start") in tree["nodes"]
    for field in ("answer_after", "gap"):
        if field in tree:
            assert isinstance(tree[field], (int, float)) and tree[field] >= 0
    for node_id, node in tree["nodes"].items():
        assert node_id not in (HANGUP, BACK, REPEAT), f"{node_id} is a reserved word"
        assert node.get("type") in NODE_TYPES, f"{node_id}: type {node.get('type')!r}"
        extra = set(node) - COMMON_FIELDS - FIELDS[node["type"]]
        assert not extra, f"{node_id}: fields {extra} are not fields of a {node['type']} node"
        if node["type"] != "hold":
            assert prompts_of(node), f"{node_id}: a {node['type']} node needs a prompt"


def test_every_wav_exists_and_is_mono_8khz_16bit(tree_path: Path, tree: dict) -> None:
    for node_id, node in tree["nodes"].items():
        for field, rel in wav_refs(node):
            path = tree_path.parent / rel
            assert path.is_file(), f"{node_id}.{field}: {rel} does not exist"
            read_pcm(path)


def test_no_unused_wav_in_tree_folder(tree_path: Path, tree: dict) -> None:
    used = {(tree_path.parent / f).resolve() for n in tree["nodes"].values() for _, f in wav_refs(n)}
    unused = sorted(p.name for p in tree_path.parent.glob("*.wav") if p.resolve() not in used)
    assert not unused, f"WAVs no node plays: {unused}"


def test_every_node_has_text(tree: dict) -> None:
    for node_id, node in tree["nodes"].items():
        text = node.get("text")
        assert isinstance(text, str) and text.strip(), f"{node_id}: no text"


def test_prompts_have_short_edges_and_no_long_pause(tree_path: Path, tree: dict) -> None:
    problems = []
    for node_id, node in tree["nodes"].items():
        # What the line plays as one prompt: the prompt list back to back, or an announcement.
        played = [("prompt", prompts_of(node))]
        if "announce" in node:
            played.append(("announce", [node["announce"]]))
        for field, files in played:
            if not files:
                continue
            parts = [read_pcm(tree_path.parent / f) for f in files]
            checks = [(f, p) for f, p in zip(files, parts)]
            if len(parts) > 1:
                checks.append(("+".join(files), np.concatenate(parts)))
            for name, pcm in checks:
                lead, trail, pause = silences(pcm)
                if lead > MAX_EDGE_SILENCE or trail > MAX_EDGE_SILENCE:
                    problems.append(f"{node_id}.{field} {name}: lead {lead:.2f}s trail {trail:.2f}s")
                if pause > MAX_INTERNAL_PAUSE:
                    problems.append(f"{node_id}.{field} {name}: internal pause {pause:.2f}s")
    assert not problems, "\n".join(problems)


def test_keys_and_targets_are_valid(tree_path: Path) -> None:
    raw = tree_path.read_text(encoding="utf-8")
    tree = yaml.safe_load(raw)
    nodes = tree["nodes"]
    for node_id, node in nodes.items():
        kind = node["type"]
        for key, target in (node.get("options") or {}).items():
            assert isinstance(key, str), f"{node_id}.options: key {key!r} must be quoted in YAML"
            assert key in KEYS, f"{node_id}.options: {key!r} is not a phone key"
            assert target in nodes or target == HANGUP, f"{node_id}.options.{key}: {target!r}"
        if kind == "menu":
            assert node.get("options"), f"{node_id}: a menu needs options"
            on_invalid = node.get("on_invalid", REPEAT)
            assert on_invalid == REPEAT or nodes.get(on_invalid, {}).get("type") == "message", (
                f"{node_id}.on_invalid: {on_invalid!r} must be repeat or a message node")
        if kind in ("menu", "input"):
            assert node.get("on_timeout", REPEAT) in set(nodes) | {REPEAT, HANGUP}
            assert node.get("on_exhausted", HANGUP) in set(nodes) | {HANGUP}
        if kind in ("message", "hold", "input"):
            allowed = set(nodes) | {HANGUP} | ({BACK} if kind == "message" else set())
            assert node.get("next") in allowed, f"{node_id}.next: {node.get('next')!r}"
        if kind == "input":
            has_digits, has_terminator = "digits" in node, "terminator" in node
            assert has_digits != has_terminator, f"{node_id}: exactly one of digits, terminator"
            if has_digits:
                assert isinstance(node["digits"], int) and node["digits"] >= 1
            if has_terminator:
                assert isinstance(node["terminator"], str) and node["terminator"] in KEYS
        if kind == "hold":
            assert isinstance(node.get("music"), str), f"{node_id}: a hold needs music"
            assert isinstance(node.get("seconds"), (int, float)) and node["seconds"] > 0
            if "announce" in node:
                assert node.get("announce_every", 0) >= 1, f"{node_id}: announce_every"


def test_no_cycle_of_messages_without_input(tree: dict) -> None:
    nodes = tree["nodes"]
    for start_id in nodes:
        seen = [start_id]
        node = nodes[start_id]
        while node["type"] in ("message", "hold") and node.get("next") in nodes:
            nxt = node["next"]
            assert nxt != start_id, f"messages loop without input: {' -> '.join(seen + [nxt])}"
            if nxt in seen:
                break
            seen.append(nxt)
            node = nodes[nxt]


def test_every_node_is_reachable(tree: dict) -> None:
    orphans = set(tree["nodes"]) - reachable(tree)
    assert not orphans, f"nodes no call can reach: {sorted(orphans)}"


def test_spec_loader_accepts_tree(tree_path: Path) -> None:
    loader = pytest.importorskip("ivraudit.spec.loader")
    spec = loader.load_spec(tree_path)
    assert set(spec.nodes) == set(load(tree_path)["nodes"])


def test_fixtures_stay_small() -> None:
    total = sum(p.stat().st_size for p in RECORDINGS.rglob("*") if p.is_file())
    assert total < MAX_TOTAL_BYTES, f"fixtures/recordings holds {total} bytes"


# ------------------------------------------------------------------------------------------------
# each tree's purpose
# ------------------------------------------------------------------------------------------------


def test_acme_pbx_is_a_full_demo_tree() -> None:
    path, tree = tree_named("acme-pbx")
    nodes = tree["nodes"]
    depths = key_depths(tree)
    assert len(depths) >= 12, f"only {len(depths)} nodes reachable"
    assert max(depths.values()) >= 3, f"depth {max(depths.values())}"
    types = {nodes[n]["type"] for n in depths}
    assert types == NODE_TYPES, f"missing node types {NODE_TYPES - types}"
    main = nodes[tree["start"]]
    assert main["type"] == "menu" and {"1", "2", "3", "4", "0"} <= set(main["options"])
    # a loop back to the main menu by star
    assert any(n.get("options", {}).get("*") == tree["start"] for n in nodes.values())
    # an invalid-key message that returns
    invalids = {n.get("on_invalid") for n in nodes.values()} - {None, REPEAT}
    assert invalids and all(nodes[i]["type"] == "message" and nodes[i]["next"] == BACK
                            for i in invalids)
    # a dead end
    assert any(n["type"] == "message" and n["next"] == HANGUP for n in nodes.values())
    # hold with music, an announcement and a human after it
    holds = [n for n in nodes.values() if n["type"] == "hold"]
    assert any(30 <= h["seconds"] <= 45 and "announce" in h and nodes[h["next"]]["type"] == "human"
               for h in holds)
    assert tree.get("answer_after", 0) > 0
    # the music loop is a clip, not a whole track
    for h in holds:
        music = read_pcm(path.parent / h["music"])
        assert 15 * RATE <= len(music) <= 35 * RATE


def test_synthetic_voices_has_six_options_and_a_hidden_key() -> None:
    _, tree = tree_named("synthetic-voices")
    nodes = tree["nodes"]
    depths = key_depths(tree)
    assert max(depths.values()) >= 2
    assert {"hold", "human"} & {n["type"] for n in nodes.values()}
    menus = {i: n for i, n in nodes.items() if n["type"] == "menu"}
    spoken_key = {"0": "0", "*": "star", "#": "pound"}
    digits = {str(d) for d in range(1, 10)}

    def announced(node: dict, key: str) -> bool:
        text = node["text"].lower()
        return f"press {spoken_key.get(key, key)}" in text

    assert any(len([k for k in n["options"] if announced(n, k)]) >= 6 for n in menus.values())
    # every announced digit is said as "press N for X"
    for node_id, node in menus.items():
        for key in node["options"]:
            if key in digits:
                assert f"press {key} for " in node["text"].lower(), f"{node_id}: key {key}"
    said_as = {"0": ("0", "zero", "operator"), "*": ("star",), "#": ("pound", "hash", "#")}
    hidden = [(i, k) for i, n in menus.items() for k in n["options"] if k in said_as
              and not any(word in n["text"].lower() for word in said_as[k])]
    assert hidden, "no working key among 0, *, # that the prompt never announces"


def test_tiny_is_tiny() -> None:
    path, tree = tree_named("tiny")
    nodes = tree["nodes"]
    assert tree["answer_after"] == 0.5
    main = nodes[tree["start"]]
    assert main["type"] == "menu" and len(main["options"]) == 2
    kinds = {nodes[t]["type"] if t in nodes else t for t in main["options"].values()}
    assert "human" in kinds
    samples = sum(len(read_pcm(path.parent / f)) for n in nodes.values()
                  for _, f in wav_refs(n))
    assert samples / RATE < 10.0


# ------------------------------------------------------------------------------------------------
# provenance: the committed WAVs are what build_fixtures.py makes
# ------------------------------------------------------------------------------------------------


def _build_module():
    spec = importlib.util.spec_from_file_location("build_fixtures", FIXTURES / "build_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_rebuild_reproduces_committed_files(tmp_path: Path) -> None:
    builder = _build_module()
    missing = [t for t in ("sox", "flite", "espeak-ng", "dpkg-query") if not shutil.which(t)]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    versions = builder.installed_versions()
    if versions != builder.TOOL_PACKAGES:
        pytest.skip(f"package versions differ from the build's: {versions}")
    built = builder.build(tmp_path)
    differ = [str(p.relative_to(tmp_path)) for p in built
              if (RECORDINGS / p.relative_to(tmp_path)).read_bytes() != p.read_bytes()]
    assert not differ, f"build_fixtures.py output differs from the committed files: {differ}"
