"""The generated maze (fixtures/generate_maze.py): a 50-node tree spliced from Debian's human-
recorded words, valid, repeatable, and mapped exactly by the optimised crawl, alone and with
four calls at once (the bench's 200-node maze is the same code at a larger size)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.lines.replay import ReplayLine
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.testing.truth import ground_truth, map_to_spec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_maze", FIXTURES / "generate_maze.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maze(tmp_path_factory) -> Path:
    return _generator().write_maze(50, tmp_path_factory.mktemp("maze"))


def test_the_maze_is_a_valid_tree_of_about_the_size_asked(maze: Path):
    spec = load_spec(maze)
    truth = ground_truth(spec)
    kinds = {node.type for node in spec.nodes.values()}
    assert 48 <= len(spec.nodes) <= 52
    assert kinds == {"menu", "message", "hold", "human", "voicemail"}
    assert truth.metrics["max_depth"] >= 3 and truth.metrics["human_reachable"]
    texts = [node.text for node in spec.nodes.values()]
    assert len(set(texts)) == len(texts)  # every prompt says something of its own
    main = spec.nodes[spec.start]
    assert "0" in main.options and "zero" not in main.text  # the operator is not announced


def test_the_same_size_and_seed_give_the_same_files(maze: Path, tmp_path: Path):
    again = _generator().write_maze(50, tmp_path)
    assert again.read_text() == maze.read_text()
    wavs = sorted(w.name for w in maze.parent.glob("*.wav"))
    assert len(wavs) >= 45 and wavs == sorted(w.name for w in again.parent.glob("*.wav"))
    for wav in maze.parent.glob("*.wav"):
        assert (again.parent / wav.name).read_bytes() == wav.read_bytes(), wav.name


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_optimised_crawl_maps_the_maze_exactly(maze: Path, concurrency: int, recognizer):
    spec = load_spec(maze)
    audit = Explorer(ReplayLine(spec), recognizer, strategy=CrawlStrategy.parse("all"),
                     concurrency=concurrency).crawl()
    mapping = map_to_spec(spec, audit)
    assert audit.complete, audit.problems
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == ground_truth(spec).edges


def test_every_prompt_begins_as_its_own_beginning(maze: Path):
    """The first 0.4 s and the first second of every maze prompt match that prompt's known
    fingerprint. A fingerprint is centred on the whole prompt, so its first part must be
    centred again before comparing: uncentred, "Zulu golf..." scored 0.82 at 0.4 s (its z's
    are brighter than the prompt as a whole) and typing through it never happened."""
    from ivraudit.identity import SAME_AUDIO, fingerprint, prefix_similarity

    spec = load_spec(maze)
    prompts = [node for node in spec.nodes.values() if node.prompt]
    assert len(prompts) >= 45
    for node in prompts:
        audio = spec.prompt_audio(node)
        first_sound = int(np.flatnonzero(np.abs(audio.astype(np.int32)) > 300)[0])
        audio = audio[max(0, first_sound - 80):]  # heard from its first sound, as a listener does
        whole = fingerprint(audio)
        for seconds in (0.4, 1.0):
            head = fingerprint(audio[: int(seconds * SAMPLE_RATE)])
            assert prefix_similarity(head, whole) >= SAME_AUDIO, (node.id, seconds)
