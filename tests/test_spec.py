"""Tree specs: validation names the node and field; the behaviour follows the spec's rules."""

from __future__ import annotations

import pytest

from ivraudit.errors import SpecError
from ivraudit.spec import load_spec
from ivraudit.spec.behaviour import IvrSession

GOOD = """
format: ivraudit.tree/1
name: Test line
start: main
answer_after: 1.0
nodes:
  main:
    type: menu
    prompt: main.wav
    options: {"1": info, "2": queue, 3: bye}
    wait: 2
    on_invalid: invalid
  invalid:
    type: message
    prompt: invalid.wav
    next: back
  info:
    type: message
    prompt: info.wav
    next: main
  queue:
    type: hold
    prompt: hold.wav
    music: music.wav
    seconds: 10
    announce: announce.wav
    announce_every: 4
    next: agent
  agent:
    type: human
    prompt: agent.wav
  bye:
    type: message
    prompt: bye.wav
    next: hangup
"""
WAVS = {"main.wav": 3.0, "invalid.wav": 1.0, "info.wav": 1.5, "hold.wav": 1.0,
        "music.wav": 2.0, "announce.wav": 1.0, "agent.wav": 1.2, "bye.wav": 0.8}


def test_valid_spec_loads_with_defaults(make_spec):
    spec = load_spec(make_spec(GOOD, WAVS))
    assert spec.start == "main"
    assert spec.nodes["main"].options == {"1": "info", "2": "queue", "3": "bye"}
    assert spec.nodes["main"].repeats == 2 and spec.nodes["main"].barge_in is True
    assert spec.gap == 1.0
    assert len(spec.audio) == len(WAVS)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("options: {\"1\": info", "options: {\"1\": nowhere"), "nodes.main.options.1"),
        (("options: {\"1\": info", "options: {\"A\": info"), "nodes.main.options.A"),
        (("type: hold", "type: queue"), "nodes.queue.type"),
        (("next: back\n  info", "next: elsewhere\n  info"), "nodes.invalid.next"),
        (("prompt: bye.wav", "prompt: missing.wav"), "nodes.bye.prompt"),
        (("    seconds: 10", "    seconds: ten"), "nodes.queue.seconds"),
        (("    next: main", "    next: 5"), "nodes.info.next"),
        (("start: main", "start: nope"), "start"),
        (("format: ivraudit.tree/1", "format: ivraudit.tree/9"), "format"),
        (("    wait: 2", "    wait: 2\n    colour: blue"), "nodes.main.colour"),
    ],
)
def test_invalid_spec_names_node_and_field(make_spec, change, where):
    old, new = change
    assert old in GOOD
    path = make_spec(GOOD.replace(old, new, 1), WAVS)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.where == where, str(caught.value)
    assert str(path) in str(caught.value)


def test_message_cycle_is_refused(make_spec):
    text = GOOD.replace("    next: main", "    next: bye").replace("next: hangup", "next: info")
    with pytest.raises(SpecError, match="loop without waiting"):
        load_spec(make_spec(text, WAVS))


def test_corrupt_wav_is_a_spec_error(make_spec, tmp_path):
    path = make_spec(GOOD, WAVS)
    (tmp_path / "agent.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.where == "nodes.agent.prompt"
    assert "corrupt" in caught.value.problem or "no fmt" in caught.value.problem


def test_invalid_yaml_names_the_line(make_spec):
    with pytest.raises(SpecError, match="line"):
        load_spec(make_spec("format: ivraudit.tree/1\nnodes: [unclosed\n", {}))


def _run(session: IvrSession, seconds: float) -> None:
    for _ in range(round(seconds / 0.02)):
        if session.next_frame() is None:
            return


def test_behaviour_key_timing_and_gap(make_spec):
    spec = load_spec(make_spec(GOOD, WAVS))
    session = IvrSession(spec)
    _run(session, 1.0)           # inside main's 3 s prompt, barge-in on
    session.press("1")
    _run(session, 2.0)
    prompts = [(e.seconds, e.detail) for e in session.events if e.what == "prompt"]
    # key pressed at 1.0 s takes 0.1 s; info starts after the 1.0 s gap
    assert prompts == [(0.0, "main"), (2.1, "info")]


def test_invalid_key_plays_message_then_back(make_spec):
    spec = load_spec(make_spec(GOOD, WAVS))
    session = IvrSession(spec)
    _run(session, 3.2)
    session.press("7")
    _run(session, 6.0)
    assert [e.detail for e in session.events if e.what == "prompt"] == ["main", "invalid", "main"]


def test_timeouts_repeat_then_hang_up(make_spec):
    spec = load_spec(make_spec(GOOD, WAVS))
    session = IvrSession(spec)
    _run(session, 60.0)
    assert session.ended
    starts = [e.seconds for e in session.events if e.what == "prompt"]
    # prompt 3 s + wait 2 s, then a 1 s gap before each of the 2 repeats, then hang up
    assert starts == [0.0, 6.0, 12.0]
    assert session.events[-1].what == "hangup"
    assert session.events[-1].seconds == pytest.approx(17.0)


def test_hold_plays_announcements_then_agent(make_spec):
    spec = load_spec(make_spec(GOOD, WAVS))
    session = IvrSession(spec)
    _run(session, 0.5)
    session.press("2")
    _run(session, 20.0)
    prompts = [(e.seconds, e.detail) for e in session.events if e.what == "prompt"]
    # key at 0.6 s, gap 1 s, hold prompt 1 s, 10 s of hold, gap 1 s, agent
    assert prompts[1] == (1.6, "queue")
    assert prompts[2] == (pytest.approx(13.6), "agent")


def test_keys_ignored_without_barge_in(make_spec):
    spec = load_spec(make_spec(GOOD.replace("    wait: 2", "    wait: 2\n    barge_in: false"), WAVS))
    session = IvrSession(spec)
    _run(session, 1.0)
    session.press("1")
    _run(session, 3.0)
    assert [e.what for e in session.events][:2] == ["prompt", "ignored"]
    assert session.node == "main"


TWO_MENUS = """
format: ivraudit.tree/1
name: Two menus
start: main
nodes:
  main:
    type: menu
    prompt: main.wav
    options: {"1": sub}
  sub:
    type: menu
    prompt: main.wav
    options: {"2": bye}
  bye:
    type: message
    prompt: bye.wav
    next: hangup
"""


@pytest.mark.parametrize("typeahead, events", [
    (True, [("prompt", "main"), ("key", "1"), ("key", "2"), ("prompt", "bye")]),
    (False, [("prompt", "main"), ("key", "1"), ("ignored", "2"), ("prompt", "sub")]),
])
def test_keys_typed_before_a_node_speaks_are_kept_unless_it_drops_them(make_spec, typeahead, events):
    """Two keys typed at once: the second reaches the IVR while it moves to the submenu. It
    is kept for the submenu (the default), or dropped by one with ``typeahead: false``."""
    text = TWO_MENUS if typeahead else TWO_MENUS.replace(
        'options: {"2": bye}', 'options: {"2": bye}\n    typeahead: false')
    spec = load_spec(make_spec(text, {"main.wav": 3.0, "bye.wav": 0.8}))
    assert spec.nodes["sub"].typeahead is typeahead and spec.nodes["main"].typeahead is True
    session = IvrSession(spec)
    _run(session, 1.0)
    session.press("1")
    session.press("2")
    _run(session, 6.0)
    assert [(e.what, e.detail) for e in session.events][:4] == events


def test_typeahead_must_be_a_boolean(make_spec):
    text = TWO_MENUS.replace('options: {"2": bye}', 'options: {"2": bye}\n    typeahead: sometimes')
    with pytest.raises(SpecError, match=r"sub\.typeahead"):
        load_spec(make_spec(text, {"main.wav": 3.0, "bye.wav": 0.8}))


def test_ground_truth_graph_and_times(make_spec):
    from ivraudit.testing.truth import ground_truth

    truth = ground_truth(load_spec(make_spec(GOOD, WAVS)))
    assert truth.edges == {
        ("main", "info", "1"), ("main", "queue", "2"), ("main", "bye", "3"),
        ("main", "invalid", "invalid"), ("invalid", "main", "auto"), ("info", "main", "auto"),
        ("main", "main", "timeout"), ("main", "hangup", "timeout"),
        ("queue", "agent", "auto"), ("bye", "hangup", "auto"),
    }
    assert truth.kinds["queue"] == "hold" and truth.kinds["hangup"] == "hangup"
    # ring 1 + main 3 + key 0.1 + gap 1 + hold prompt 1 + hold 10 + gap 1
    assert truth.metrics["time_to_human_seconds"] == pytest.approx(17.1)
    # typing ahead: main takes its key at once
    assert truth.metrics["time_to_human_typeahead_seconds"] == pytest.approx(14.1)
    assert truth.metrics["path_to_human"] == ["2"]
    assert truth.metrics["dead_ends"] == ["bye"]
    assert truth.metrics["hangs_up_on_no_input"] == ["main"]
