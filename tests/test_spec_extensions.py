"""The tree spec's extensions (issue 16, docs/tree-format.md "Extensions"): each field is
validated with the node and field named, each behaviour is heard on the replay line (audio
and the session's events), and the ground truth follows its rules (ivraudit.testing.truth).

No speech recognition: prompts are tones of known lengths and pitches."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.reader import read_audit
from ivraudit.audit.writer import audit_to_json, write_audit
from ivraudit.errors import SpecError
from ivraudit.lines.replay import ReplayCall, ReplayLine
from ivraudit.listen.sound import frame_dbfs
from ivraudit.spec import load_spec
from ivraudit.spec.model import LineSpec, TreeSpec
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import ALAW_DECODE, ULAW_DECODE, alaw_round_trip, ulaw_round_trip
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import write_wav
from ivraudit.testing.truth import ground_truth

# prompt name -> (pitch Hz, seconds): pitches tell prompts apart in the audio
WAVS = {"main.wav": (440, 3.0), "invalid.wav": (520, 1.0), "bye.wav": (600, 0.8),
        "info.wav": (680, 1.5), "hold.wav": (760, 1.0), "pos.wav": (1200, 0.6),
        "wait.wav": (1600, 0.6), "agent.wav": (840, 1.2), "vm.wav": (920, 1.0),
        "es.wav": (1000, 2.0), "music.wav": (300, 2.0)}


def make(tmp_path: Path, text: str) -> TreeSpec:
    for name, (hz, seconds) in WAVS.items():
        write_wav(tmp_path / name, tone(float(hz), seconds, dbfs=-20))
    path = tmp_path / "tree.yaml"
    path.write_text(textwrap.dedent(text))
    return load_spec(path)


def refused(tmp_path: Path, text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        make(tmp_path, text)
    assert str(tmp_path / "tree.yaml") in str(caught.value)
    return caught.value


def listen(call: ReplayCall, until: float) -> np.ndarray:
    """The audio of the call up to ``until`` line seconds after the answer."""
    frames = max(0, round((until - call.seconds) / 0.02))
    return call.read(frames)


def after_menu(spec: TreeSpec, keys: str, until: float) -> tuple[ReplayCall, np.ndarray]:
    """A call that hears the main menu's 3 s prompt, presses ``keys``, and listens on: the
    call and all it heard from the answer on."""
    call = ReplayLine(spec).dial()
    head = listen(call, 3.0)
    call.press(keys)
    return call, np.concatenate([head, listen(call, until)])


def prompts(call: ReplayCall) -> list[tuple[float, str]]:
    return [(e.seconds, e.detail) for e in call.session.events if e.what == "prompt"]


def events(call: ReplayCall, *what: str) -> list[tuple[float, str, str]]:
    return [(e.seconds, e.what, e.detail) for e in call.session.events if e.what in what]


def pitch(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.fft.rfftfreq(len(pcm), 1 / SAMPLE_RATE)[int(np.argmax(spectrum))])


def at(pcm: np.ndarray, start: float, seconds: float = 0.2) -> np.ndarray:
    return pcm[round(start * SAMPLE_RATE): round((start + seconds) * SAMPLE_RATE)]


# --- a small tree that uses every extension -------------------------------------------------

ZOO = """
format: ivraudit.tree/1
name: Zoo line
start: main
answer_after: 1.0
line: {codec: alaw, gain_db: -6, noise_dbfs: -60}
zoo:
  seed: 7
  patterns: [hidden-operator, invalid-limit]
  nodes: {main: [hidden-operator]}
nodes:
  main:
    type: menu
    prompt: main.wav
    options: {"1": info, "600": queue, "8500": mailbox, "0": queue, "9": espanol}
    hidden: ["0", 9]
    digit_timeout: 2
    invalid_limit: 3
    on_invalid_limit: bye
    on_invalid: invalid
    wait: 2
    zoo: {pattern: hidden-operator}
  invalid: {type: message, prompt: invalid.wav, next: back}
  info: {type: message, prompt: info.wav, next: main}
  queue:
    type: hold
    prompt: hold.wav
    seconds: 10
    announce: [pos.wav, wait.wav]
    announce_every: 3
    first_announce: 1
    next: agent
  agent: {type: human, prompt: agent.wav}
  mailbox: {type: voicemail, prompt: vm.wav, beep_hz: 440, beep_seconds: 0.25}
  espanol: {type: menu, prompt: es.wav, language: es, options: {"1": agent}}
  bye: {type: message, prompt: bye.wav, next: hangup}
"""


def on_a_plain_line(text: str) -> str:
    return text.replace("line: {codec: alaw, gain_db: -6, noise_dbfs: -60}\n", "")


def test_every_extension_loads(tmp_path):
    spec = make(tmp_path, ZOO)
    assert spec.line == LineSpec(codec="alaw", gain_db=-6.0, noise_dbfs=-60.0,
                                 noise_seed=spec.line.noise_seed)
    assert spec.zoo == {"seed": 7, "patterns": ["hidden-operator", "invalid-limit"],
                        "nodes": {"main": ["hidden-operator"]}}
    main = spec.nodes["main"]
    assert main.hidden == ("0", "9") and main.announced == ["1", "600", "8500"]
    assert (main.digit_timeout, main.invalid_limit, main.on_invalid_limit) == (2.0, 3, "bye")
    assert main.collects_digits and main.zoo == {"pattern": "hidden-operator"}
    queue = spec.nodes["queue"]
    assert queue.music is None and queue.announce == (Path("pos.wav"), Path("wait.wav"))
    assert queue.first_announce == 1.0
    assert (spec.nodes["mailbox"].beep_hz, spec.nodes["mailbox"].beep_seconds) == (440.0, 0.25)
    assert spec.language_of(spec.nodes["espanol"]) == "es"
    assert spec.language_of(main) == "en"


def test_without_extensions_every_default_is_todays_line(tmp_path):
    text = on_a_plain_line(ZOO).replace(
        ", beep_hz: 440, beep_seconds: 0.25", "")
    spec = make(tmp_path, text)
    assert spec.line.plain and spec.nodes["info"].language is None
    assert spec.nodes["mailbox"].beep_hz == 1000.0 and spec.nodes["mailbox"].beep_seconds == 0.5


@pytest.mark.parametrize(("old", "new", "where"), [
    ("codec: alaw", "codec: gsm", "line.codec"),
    ("gain_db: -6", "gain_db: 24", "line.gain_db"),
    ("gain_db: -6", "gain_db: loud", "line.gain_db"),
    ("noise_dbfs: -60", "noise_dbfs: 0", "line.noise_dbfs"),
    ("noise_dbfs: -60", "hiss: -60", "line.hiss"),
    ("line: {codec: alaw, gain_db: -6, noise_dbfs: -60}", "line: alaw", "line"),
    ("zoo:\n  seed: 7\n  patterns: [hidden-operator, invalid-limit]\n"
     "  nodes: {main: [hidden-operator]}", "zoo: [7]", "zoo"),
    ('hidden: ["0", 9]', 'hidden: ["0", 7]', "nodes.main.hidden.1"),
    ('hidden: ["0", 9]', 'hidden: "0"', "nodes.main.hidden"),
    ('"8500": mailbox', '"850000": mailbox', "nodes.main.options.850000"),
    ('"8500": mailbox', '"8A": mailbox', "nodes.main.options.8A"),
    ("digit_timeout: 2", "digit_timeout: 0", "nodes.main.digit_timeout"),
    ("invalid_limit: 3", "invalid_limit: 1", "nodes.main.invalid_limit"),
    ("    invalid_limit: 3\n", "", "nodes.main.on_invalid_limit"),
    ("on_invalid_limit: bye", "on_invalid_limit: nowhere", "nodes.main.on_invalid_limit"),
    ("on_invalid_limit: bye", "on_invalid_limit: invalid", "nodes.main.on_invalid_limit"),
    ("invalid.wav, next: back", "invalid.wav, next: info", "nodes.main.invalid_limit"),
    ("    seconds: 10", "    music: 5\n    seconds: 10", "nodes.queue.music"),
    ("    prompt: hold.wav\n", "", "nodes.queue.music"),
    ("    first_announce: 1", "    first_announce: soon", "nodes.queue.first_announce"),
    ("announce: [pos.wav, wait.wav]", "announce: [pos.wav, missing.wav]", "nodes.queue.announce"),
    ("beep_hz: 440", "beep_hz: 50", "nodes.mailbox.beep_hz"),
    ("beep_seconds: 0.25", "beep_seconds: 9", "nodes.mailbox.beep_seconds"),
    ("language: es", "language: 5", "nodes.espanol.language"),
    ("beep_hz: 440", "beep_hz: 440, hidden: [1]", "nodes.mailbox.hidden"),
])
def test_a_bad_extension_is_refused_naming_node_and_field(tmp_path, old, new, where):
    assert old in ZOO
    error = refused(tmp_path, ZOO.replace(old, new, 1))
    assert error.where == where, str(error)


def test_first_announce_needs_announce(tmp_path):
    text = ZOO.replace("    announce: [pos.wav, wait.wav]\n    announce_every: 3\n", "")
    assert refused(tmp_path, text).where == "nodes.queue.first_announce"


# --- line effects ------------------------------------------------------------------------------

PLAIN = """
format: ivraudit.tree/1
name: Plain line
start: main
nodes:
  main: {type: menu, prompt: main.wav, options: {"1": bye}, wait: 2}
  bye: {type: message, prompt: bye.wav, next: hangup}
"""


def _with_line(spec: TreeSpec, **line: object) -> TreeSpec:
    return replace(spec, line=LineSpec(**line))  # type: ignore[arg-type]


def test_gain_scales_every_prompt(tmp_path):
    spec = make(tmp_path, PLAIN)
    plain = listen(ReplayLine(spec).dial(), 3.0)
    quiet = listen(ReplayLine(_with_line(spec, gain_db=-20.0)).dial(), 3.0)
    loud = listen(ReplayLine(_with_line(spec, gain_db=6.0)).dial(), 3.0)
    assert frame_dbfs(quiet) == pytest.approx(frame_dbfs(plain) - 20, abs=0.3)
    assert frame_dbfs(loud) == pytest.approx(frame_dbfs(plain) + 6, abs=0.3)


def test_noise_floor_is_everywhere_and_the_same_on_every_call(tmp_path):
    spec = make(tmp_path, PLAIN)
    plain = listen(ReplayLine(spec).dial(), 5.0)
    assert not at(plain, 3.5, 1.0).any()  # the wait after the prompt: digital silence
    noisy_spec = _with_line(spec, noise_dbfs=-50.0, noise_seed=3)
    first, second = (listen(ReplayLine(noisy_spec).dial(), 5.0) for _ in range(2))
    assert np.array_equal(first, second)
    assert frame_dbfs(at(first, 3.5, 1.0)) == pytest.approx(-50.0, abs=1.0)
    other_seed = listen(ReplayLine(_with_line(spec, noise_dbfs=-50.0, noise_seed=4)).dial(), 5.0)
    assert not np.array_equal(first, other_seed)
    # the prompt is still there, under the noise
    assert frame_dbfs(at(first, 1.0, 1.0)) == pytest.approx(frame_dbfs(at(plain, 1.0, 1.0)), abs=0.5)


def test_alaw_line_quantises_to_alaw(tmp_path):
    spec = make(tmp_path, PLAIN)
    alaw = listen(ReplayLine(_with_line(spec, codec="alaw")).dial(), 3.0)
    ulaw = listen(ReplayLine(spec).dial(), 3.0)
    raw = np.concatenate([spec.prompt_audio(spec.nodes["main"])])[: len(alaw)]
    assert np.array_equal(alaw, alaw_round_trip(raw))
    assert np.array_equal(ulaw, ulaw_round_trip(raw))
    assert np.isin(alaw, ALAW_DECODE).all() and not np.isin(alaw, ULAW_DECODE).all()


def test_the_default_line_of_a_spec_is_named_by_its_noise_seed(tmp_path):
    spec = make(tmp_path, ZOO)
    again = make(tmp_path, ZOO)
    renamed = make(tmp_path, ZOO.replace("name: Zoo line", "name: Other line"))
    assert spec.line.noise_seed == again.line.noise_seed != renamed.line.noise_seed
    pinned = make(tmp_path, ZOO.replace("noise_dbfs: -60}", "noise_dbfs: -60, noise_seed: 5}"))
    assert pinned.line.noise_seed == 5


# --- menus -----------------------------------------------------------------------------------

def test_hidden_option_works_like_any_other(tmp_path):
    call = ReplayLine(make(tmp_path, ZOO)).dial()
    listen(call, 3.0)
    call.press("0")  # hidden, and not a prefix of a longer option: taken at once
    listen(call, 5.0)
    assert prompts(call) == [(0.0, "main"), (4.1, "queue")]


def _next_prompt(call: ReplayCall, within: float = 30.0) -> tuple[float, str]:
    """Listen until the next prompt starts (or the call ends); that prompt."""
    seen = len(prompts(call))
    end = call.seconds + within
    while len(prompts(call)) == seen and not call.ended and call.seconds < end:
        call.read(1)
    return prompts(call)[-1]


def _press_after_each_prompt(call: ReplayCall, key: str, times: int, prompt: float) -> None:
    """A listening caller: ``key`` each time the menu has finished speaking, then on to the
    prompt the key leads to."""
    for _ in range(times):
        start, node = prompts(call)[-1] if prompts(call) else _next_prompt(call)
        while node != "main":
            start, node = _next_prompt(call)
        listen(call, start + prompt)
        call.press(key)
        _next_prompt(call)


def test_invalid_limit_goes_elsewhere_on_the_nth_invalid_entry_in_a_row(tmp_path):
    call = ReplayLine(make(tmp_path, ZOO)).dial()
    _press_after_each_prompt(call, "7", 3, 3.0)
    # 7 at 3.0 (invalid message 4.1, menu 6.1), at 9.1 (10.2, 12.2), at 15.2: the limit
    assert prompts(call) == [(0.0, "main"), (4.1, "invalid"), (6.1, "main"), (10.2, "invalid"),
                             (12.2, "main"), (16.3, "bye")]
    assert events(call, "limit") == [(15.3, "limit", "main")]


def test_a_valid_key_starts_the_invalid_count_again(tmp_path):
    call = ReplayLine(make(tmp_path, ZOO)).dial()
    _press_after_each_prompt(call, "7", 2, 3.0)
    _press_after_each_prompt(call, "1", 1, 3.0)   # info, then back to main
    _press_after_each_prompt(call, "7", 2, 3.0)
    assert not events(call, "limit")
    assert [node for _, node in prompts(call)].count("invalid") == 4
    _press_after_each_prompt(call, "7", 1, 3.0)
    assert events(call, "limit") and prompts(call)[-1][1] == "bye"


def test_invalid_limit_with_repeat(tmp_path):
    text = ZOO.replace("    on_invalid: invalid\n", "")
    call = ReplayLine(make(tmp_path, text)).dial()
    _press_after_each_prompt(call, "7", 3, 3.0)
    assert prompts(call) == [(0.0, "main"), (4.1, "main"), (8.2, "main"), (12.3, "bye")]


def test_timeouts_do_not_break_a_run_of_invalid_entries(tmp_path):
    call = ReplayLine(make(tmp_path, ZOO.replace("wait: 2", "wait: 2\n    repeats: 5"))).dial()
    _press_after_each_prompt(call, "7", 2, 3.0)
    assert _next_prompt(call)[1] == _next_prompt(call)[1] == "main"  # timed out, repeated
    _press_after_each_prompt(call, "7", 1, 3.0)
    assert events(call, "limit")


@pytest.mark.parametrize(("keys", "spacing", "entry", "node", "starts"), [
    ("600", 0.0, "600", "queue", 4.3),       # complete, nothing longer: taken at once
    ("8500", 0.0, "8500", "mailbox", 4.4),
    ("65", 0.0, "65", "invalid", 4.2),       # no option begins with 65: invalid at once
    ("8", 0.0, "8", "invalid", 6.1),         # could be 8500: digit_timeout (2 s), then invalid
    ("60", 0.0, "60", "invalid", 6.2),
    ("600", 1.5, "600", "queue", 7.3),       # digits 1.5 s apart: within digit_timeout
    ("60", 2.5, "6", "invalid", 6.1),        # too slow: "6" alone was taken, and is invalid
])
def test_multi_digit_options_collect_digits(tmp_path, keys, spacing, entry, node, starts):
    call = ReplayLine(make(tmp_path, ZOO)).dial()
    listen(call, 3.0)
    for key in keys:
        call.press(key)
        if spacing:
            listen(call, call.seconds + 0.1 + spacing)
    listen(call, 12.0)
    assert [e[2] for e in events(call, "entry")][:1] == [entry]
    assert prompts(call)[1] == (pytest.approx(starts), node)


def test_an_option_that_begins_a_longer_one_waits_for_digit_timeout(tmp_path):
    text = ZOO.replace('"1": info,', '"1": info, "6": bye,')
    call = ReplayLine(make(tmp_path, text)).dial()
    listen(call, 3.0)
    call.press("6")
    listen(call, 8.0)
    assert prompts(call)[1] == (pytest.approx(3.1 + 2.0 + 1.0), "bye")


def test_multi_digit_keys_typed_during_the_prompt_count_with_barge_in(tmp_path):
    call = ReplayLine(make(tmp_path, ZOO)).dial()
    listen(call, 1.0)
    call.press("600")
    listen(call, 4.0)
    assert prompts(call) == [(0.0, "main"), (2.3, "queue")]
    no_barge = ZOO.replace("    wait: 2", "    wait: 2\n    barge_in: false")
    call = ReplayLine(make(tmp_path, no_barge)).dial()
    listen(call, 1.0)
    call.press("600")
    listen(call, 4.5)
    assert [e[1] for e in events(call, "ignored")] == ["ignored"] * 3
    assert [node for _, node in prompts(call)] == ["main"]


# --- hold, voicemail ---------------------------------------------------------------------------

def test_hold_without_music_sends_silence_and_announcements_take_turns(tmp_path):
    spec = make(tmp_path, on_a_plain_line(ZOO))
    call, audio = after_menu(spec, "0", 20.0)
    assert prompts(call)[1:] == [(4.1, "queue"), (pytest.approx(16.1), "agent")]
    hold_starts = 5.1  # after the hold prompt
    assert not at(audio, hold_starts + 0.1, 0.8).any()             # no music: silence
    # first announcement at 1 s, then every 3 s, in turn: position, wait, position
    for offset, hz in [(1.0, 1200), (4.0, 1600), (7.0, 1200)]:
        assert pitch(at(audio, hold_starts + offset + 0.1, 0.4)) == pytest.approx(hz, abs=20)
    assert not at(audio, hold_starts + 1.7, 1.2).any()             # silence between them
    assert len(audio) == round(20.0 * SAMPLE_RATE)                 # frames all along


def test_hold_with_one_announcement_and_music_is_as_before(tmp_path):
    text = ZOO.replace("announce: [pos.wav, wait.wav]", "announce: pos.wav").replace(
        "    first_announce: 1\n", "    music: music.wav\n")
    spec = make(tmp_path, on_a_plain_line(text))
    call, audio = after_menu(spec, "0", 17.0)
    hold_starts = 5.1
    assert pitch(at(audio, hold_starts + 1.0, 0.5)) == pytest.approx(300, abs=20)
    for offset in (3.0, 6.0, 9.0):
        assert pitch(at(audio, hold_starts + offset + 0.1, 0.4)) == pytest.approx(1200, abs=20)


def test_voicemail_beep_pitch_and_length(tmp_path):
    spec = make(tmp_path, on_a_plain_line(ZOO))
    call, audio = after_menu(spec, "8500", 9.0)
    starts = dict((node, s) for s, node in prompts(call))["mailbox"]
    beep = at(audio, starts + 1.0, 1.0)
    loud = np.flatnonzero(np.abs(beep) > 100)
    assert (loud[-1] - loud[0]) / SAMPLE_RATE == pytest.approx(0.25, abs=0.02)
    assert pitch(beep) == pytest.approx(440, abs=10)


# --- ground truth ------------------------------------------------------------------------------

def test_truth_hidden_keys_found_by_the_probes_only(tmp_path):
    text = ZOO.replace('"9": espanol}', '"9": espanol, "5": bye, "*": info}').replace(
        'hidden: ["0", 9]', 'hidden: ["0", 9, 5, "*"]')
    truth = ground_truth(make(tmp_path, text))
    out = {(k, t): e.pressed for (s, t, k), e in truth.audit.edges.items() if s == "main"}
    assert out[("0", "queue")] == "0" and out[("*", "info")] == "*"   # escape keys
    assert out[("9", "espanol")] == "9"                               # the first candidate
    assert out[("invalid", "invalid")] == "8"                         # then the next one
    assert ("5", "bye") not in out                                    # never pressed
    assert [o.key for o in truth.audit.nodes["main"].options] == ["1", "600", "8500"]
    assert truth.audit.edges[("main", "invalid", "invalid")].also_pressed == ["#"]


@pytest.mark.parametrize("repeat", [False, True])
def test_truth_invalid_limit_edge_and_its_time(tmp_path, repeat):
    spec = make(tmp_path, ZOO.replace("    on_invalid: invalid\n", "") if repeat else ZOO)
    truth = ground_truth(spec)
    # 9 is hidden; 8 is the invalid key (it could begin 8500: the menu waits 2 s after it)
    once = truth.audit.edges[("main", "main" if repeat else "invalid", "invalid")]
    limit = truth.audit.edges[("main", "bye", "invalid")]
    assert (once.pressed, limit.pressed) == ("8", "888")
    assert truth.audit.nodes["main"].invalid_limit == 3
    assert truth.audit.nodes["info"].invalid_limit is None
    # the listening time along it is the line's
    call = ReplayLine(spec).dial()
    _press_after_each_prompt(call, "8", 3, 3.0)
    bye = prompts(call)[-1]
    assert bye[1] == "bye"
    source = truth.audit.nodes["main"]
    assert source.prompt_seconds + 0.1 * 3 + limit.lead_in == pytest.approx(bye[0])


def test_truth_multi_digit_keys_and_time_to_human(tmp_path):
    text = ZOO.replace('"0": queue, ', "").replace('hidden: ["0", 9]', "hidden: [9]")
    spec = make(tmp_path, text)
    truth = ground_truth(spec)
    edge = truth.audit.edges[("main", "queue", "600")]
    assert edge.pressed == "600" and edge.lead_in == pytest.approx(1.0)
    assert truth.audit.nodes["queue"].path == ["600"]
    assert truth.metrics["path_to_human"] == ["600"]
    # heard on the line: 600 after the menu, queue at 4.3, agent at 16.3, plus 1 s ringing
    call = ReplayLine(spec).dial()
    listen(call, 3.0)
    call.press("600")
    listen(call, 18.0)
    agent = dict((node, s) for s, node in prompts(call))["agent"]
    assert agent == pytest.approx(16.3)
    assert truth.metrics["time_to_human_seconds"] == pytest.approx(spec.answer_after + agent)
    # the invalid key, 8, could begin 8500: the menu waits digit_timeout (2 s) for more
    invalid = truth.audit.edges[("main", "invalid", "invalid")]
    assert invalid.pressed == "8" and invalid.lead_in == pytest.approx(2.0 + 1.0)


def test_truth_keys_that_begin_a_longer_option_wait_for_digit_timeout(tmp_path):
    text = ZOO.replace('"1": info,', '"1": info, "6": bye, "60": agent,')
    truth = ground_truth(make(tmp_path, text))
    assert truth.audit.edges[("main", "bye", "6")].lead_in == pytest.approx(3.0)
    assert truth.audit.edges[("main", "agent", "60")].lead_in == pytest.approx(3.0)
    assert truth.audit.edges[("main", "queue", "600")].lead_in == pytest.approx(1.0)


def test_truth_a_node_in_another_language_is_not_understood(tmp_path):
    text = ZOO.replace("  bye: {type: message, prompt: bye.wav, next: hangup}",
                       "  bye: {type: message, prompt: bye.wav, next: hangup, language: es}")
    truth = ground_truth(make(tmp_path, text))
    espanol = truth.audit.nodes["espanol"]
    assert (espanol.kind, espanol.understood, espanol.language) == ("unknown", False, "es")
    assert espanol.options == [] and espanol.barge_in is None
    assert not truth.audit.out_edges("espanol")                  # a menu: not probed
    bye = truth.audit.nodes["bye"]
    assert (bye.kind, bye.understood) == ("unknown", False)
    assert ("bye", "hangup", "auto") in truth.edges              # a message: followed
    assert truth.audit.nodes["main"].understood and truth.metrics["unknown"] == 2


@pytest.mark.parametrize("music", [True, False])
def test_truth_hold_time_with_and_without_music(tmp_path, music):
    text = ZOO.replace("    first_announce: 1\n", "    music: music.wav\n" if music else "")
    spec = make(tmp_path, text.replace('"0": queue, ', "").replace('["0", 9]', "[9]"))
    truth = ground_truth(spec)
    assert truth.kinds["queue"] == "hold"
    assert truth.audit.nodes["queue"].hold_seconds == pytest.approx(11.0)
    assert truth.metrics["time_to_human_seconds"] == pytest.approx(1.0 + 16.3)


def test_truth_a_hold_without_a_prompt_has_no_lead_in(tmp_path):
    text = ZOO.replace("    prompt: hold.wav\n", "    music: music.wav\n").replace(
        '"0": queue, ', "").replace('["0", 9]', "[9]")
    spec = make(tmp_path, text)
    call, audio = after_menu(spec, "600", 18.0)
    assert pitch(at(audio, 3.3, 0.5)) == pytest.approx(300, abs=20)   # music at once
    agent = dict((node, s) for s, node in prompts(call))["agent"]
    truth = ground_truth(spec)
    assert truth.audit.edges[("main", "queue", "600")].lead_in == 0.0
    assert truth.metrics["time_to_human_seconds"] == pytest.approx(1.0 + agent)


def test_truth_fields_round_trip_through_audit_json(tmp_path):
    truth = ground_truth(make(tmp_path, ZOO))
    nodes = {n["id"]: n for n in audit_to_json(truth.audit, truth.metrics)["nodes"]}  # type: ignore[union-attr]
    assert nodes["main"]["invalid_limit"] == 3 and "understood" not in nodes["main"]
    assert nodes["espanol"]["understood"] is False and "invalid_limit" not in nodes["espanol"]
    assert "invalid_limit" not in nodes["info"] and "understood" not in nodes["info"]
    write_audit(truth.audit, tmp_path / "audit")
    back = read_audit(tmp_path / "audit", audio=False).audit
    assert back.nodes["main"].invalid_limit == 3 and back.nodes["main"].understood
    assert back.nodes["espanol"].understood is False and back.nodes["info"].invalid_limit is None
