"""Lines the crawler was not tuned on: each test builds a small tree in voices and sounds of
its own (flite, eSpeak NG, sox tones, Debian's hold music) and checks that a crawl maps the
spec's ground truth exactly. Each is one way real lines broke the crawler (issue 16): a greeting
before the first menu, queues that are silent, ring or start quietly, an invalid key that is a
real option, prompts the line runs into each other, and a prompt in a language the recogniser
cannot read.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.findings import find_issues
from ivraudit.audit.metrics import compute_metrics
from ivraudit.audit.model import Audit
from ivraudit.audit.writer import audit_to_json
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.strategy import CrawlStrategy
from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.activity import quiet_frames
from ivraudit.listen.listener import Ending, Listener
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import FRAME_SECONDS, SAMPLE_RATE
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import read_telephone_audio, write_wav
from ivraudit.testing.truth import ground_truth, map_to_spec

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("flite") and shutil.which("espeak-ng") and shutil.which("sox")),
                       reason="flite, espeak-ng and sox make these trees (scripts/test-deps.sh)"),
]

SOX = ["sox", "-D", "-R"]
"""SoX without dither, repeatable: by default it dithers with a new random seed on every run,
so a voice made twice differed in its last bits, and Whisper, near a decision, read it
differently from run to run (a test that failed in 3 full runs of 5, "order-dependent")."""

MUSIC = Path("/usr/share/asterisk/moh/macroform-robot_dity.wav")

PROMPTS = {
    # name: (engine, voice, words)
    "welcome": ("flite", "slt", "Welcome to Harbor Lights Insurance."),
    "legal": ("flite", "kal", "This call may be recorded for quality purposes."),
    "main": ("flite", "rms", "Press 1 for claims. Press 2 to speak with an agent."),
    "claims": ("flite", "awb", "Claims are handled online. Goodbye."),
    "invalid": ("flite", "kal", "Sorry, that is not a valid option."),
    "no_input": ("espeak-ng", "en-us", "We did not receive your selection."),
    "hold": ("flite", "slt", "Please hold while we connect you."),
    "agent": ("espeak-ng", "en-us", "Thank you for calling, this is Maria, how may I help you?"),
    "terse": ("espeak-ng", "en-us", "Harbor Lights, good morning."),
    "moment": ("flite", "kal", "One moment, please."),
    "busy": ("flite", "slt", "All of our representatives are currently busy."),
    "hello": ("flite", "slt", "Hello?"),
    "still_busy": ("flite", "rms", "All of our representatives are currently busy. Please stay "
                                   "on the line and your call will be answered by the next "
                                   "available representative."),
    "notice": ("flite", "kal16", "Please note that this call may be recorded. By staying on "
                                 "the line, you consent to the recording."),
    "spanish": ("espeak-ng", "es", "Para español, oprima nueve."),
    "mailbox": ("flite", "rms", "Nobody is available to take your call. Please leave your "
                                "message after the tone."),
    "boxes_menu": ("flite", "rms", "Press 1 for claims. Press 2 for billing. Press 3 for sales."),
    "closed": ("flite", "kal", "Our offices are now closed."),
    "promo_bill": ("flite", "slt", "Did you know that you can pay your bill on our website?"),
    "promo_app": ("flite", "slt", "Our mobile app lets you manage your policy from anywhere."),
    "promo_web": ("flite", "slt", "Visit our website to file a claim at any time of day."),
    "spanish_menu": ("espeak-ng", "es", "Bienvenido. Para consultar su saldo, oprima uno. "
                                        "Para hablar con un agente, oprima dos."),
    "choices_main": ("flite", "kal16", "For claims, billing or an agent,"),
    "choices_billing": ("flite", "kal16", "For your balance, payments or our hours,"),
    "keys": ("flite", "kal16", "press 1, 2 or 3."),
}


def _speak(folder: Path, name: str) -> str:
    engine, voice, words = PROMPTS[name]
    raw = folder / f"{name}.raw.wav"
    if engine == "flite":
        subprocess.run(["flite", "-voice", voice, "-t", words, "-o", str(raw)], check=True)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), words], check=True)
    subprocess.run([*SOX, str(raw), "-r", "8000", "-c", "1", "-b", "16", str(folder / f"{name}.wav")],
                   check=True)
    return f"{name}.wav"


def _queue_sounds(folder: Path) -> None:
    """Ringback as North American lines play it (440+480 Hz, 2 s on, 4 s off), silence, and
    hold music that fades in from nothing over its first 8 s."""
    sox = [*SOX, "-n", "-r", "8000", "-c", "1", "-b", "16"]
    subprocess.run([*sox, str(folder / "tone.wav"), "synth", "2", "sin", "440", "sin", "480",
                    "remix", "1,2", "vol", "0.1"], check=True)
    subprocess.run([*sox, str(folder / "off.wav"), "trim", "0", "4"], check=True)
    subprocess.run([*SOX, str(folder / "tone.wav"), str(folder / "off.wav"),
                    str(folder / "ringback.wav")], check=True)
    subprocess.run([*sox, str(folder / "silence.wav"), "trim", "0", "10"], check=True)
    # Europe's ringback: 425 Hz, 1 s on, 4 s off (as long as a long voicemail beep)
    subprocess.run([*sox, str(folder / "tone-eu.wav"), "synth", "1", "sin", "425", "vol", "0.1"],
                   check=True)
    subprocess.run([*SOX, str(folder / "tone-eu.wav"), str(folder / "off.wav"),
                    str(folder / "ringback-eu.wav")], check=True)
    # The UK's ringback: 400+450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off
    subprocess.run([*sox, str(folder / "tone-uk.wav"), "synth", "0.4", "sin", "400", "sin", "450",
                    "remix", "1,2", "vol", "0.1"], check=True)
    subprocess.run([*sox, str(folder / "gap-uk.wav"), "trim", "0", "0.2"], check=True)
    subprocess.run([*sox, str(folder / "off-uk.wav"), "trim", "0", "2"], check=True)
    subprocess.run([*SOX, str(folder / "tone-uk.wav"), str(folder / "gap-uk.wav"),
                    str(folder / "tone-uk.wav"), str(folder / "off-uk.wav"),
                    str(folder / "ringback-uk.wav")], check=True)
    # A person who greets, waits 2.5 s for the caller, and asks "Hello?"
    subprocess.run([*sox, str(folder / "wait.wav"), "trim", "0", "2.5"], check=True)
    subprocess.run([*SOX, str(folder / "terse.wav"), str(folder / "wait.wav"),
                    str(folder / "hello.wav"), str(folder / "terse-hello.wav")], check=True)
    if MUSIC.exists():
        subprocess.run([*SOX, str(MUSIC), "-r", "8000", "-c", "1", "-b", "16",
                        str(folder / "quiet-music.wav"), "trim", "0", "20", "fade", "t", "8",
                        "0", "0", "vol", "0.3"], check=True)
        subprocess.run([*SOX, str(MUSIC), "-r", "8000", "-c", "1", "-b", "16",
                        str(folder / "music.wav"), "trim", "0", "40"], check=True)


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("voices")
    for name in PROMPTS:
        _speak(folder, name)
    _queue_sounds(folder)
    return folder


def _tree(folder: Path, voices: Path, nodes: str, *, start: str = "main", gap: float = 1.0,
          line: str = "") -> Path:
    for wav in voices.glob("*.wav"):
        if not wav.name.endswith(".raw.wav"):
            shutil.copy(wav, folder / wav.name)
    (folder / "tree.yaml").write_text(
        f"format: ivraudit.tree/1\nname: unheard\nlanguage: en\nstart: {start}\n"
        f"answer_after: 0.5\ngap: {gap}\n{line}nodes:\n{nodes}")
    return folder / "tree.yaml"


MAIN = """  main:
    type: menu
    prompt: main.wav
    text: "Press 1 for claims. Press 2 to speak with an agent."
    options: {"1": claims, "2": QUEUE}
    on_invalid: invalid
  invalid:
    type: message
    prompt: invalid.wav
    text: "Sorry, that is not a valid option."
    next: back
  claims:
    type: message
    prompt: claims.wav
    text: "Claims are handled online. Goodbye."
    next: hangup
  agent:
    type: human
    prompt: agent.wav
    text: "Thank you for calling, this is Maria, how may I help you?"
"""
GREETING = """  welcome:
    type: message
    prompt: welcome.wav
    text: "Welcome to Harbor Lights Insurance."
    next: legal
  legal:
    type: message
    prompt: legal.wav
    text: "This call may be recorded for quality purposes."
    next: main
"""


def _queue(music: str, seconds: float = 40, announce: str | None = None,
           every: float = 0.0) -> str:
    """A queue to the agent: "Please hold while we connect you.", then ``music`` (or a ring)
    for ``seconds``, with ``announce`` every ``every`` s if given."""
    announcing = f"    announce: {announce}\n    announce_every: {every}\n" if announce else ""
    return f"""  queue:
    type: hold
    prompt: hold.wav
    text: "Please hold while we connect you."
    music: {music}
    seconds: {seconds}
{announcing}    next: agent
"""


def _assert_exact(spec_path: Path, recognizer, strategy: str = "all") -> Audit:  # type: ignore[no-untyped-def]
    spec = load_spec(spec_path)
    audit = Explorer(ReplayLine(spec), recognizer, strategy=CrawlStrategy.parse(strategy)).crawl()
    truth = ground_truth(spec)
    mapping = map_to_spec(spec, audit)
    assert audit.complete, audit.problems
    assert sorted(mapping.values()) == sorted(truth.kinds), [
        (n.id, n.kind, n.transcript) for n in audit.nodes.values()]
    assert {mapping[n.id]: n.kind for n in audit.nodes.values()} == truth.kinds
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == truth.edges
    expected = truth.metrics["time_to_human_seconds"]
    measured = compute_metrics(audit)["time_to_human_seconds"]
    assert (measured is None) == (expected is None)
    if isinstance(expected, float) and isinstance(measured, float):
        assert abs(measured - expected) <= 0.05 * expected
    return audit


@pytest.mark.parametrize("strategy", ["naive", "all"])
def test_a_greeting_and_a_legal_notice_before_the_menu_are_followed(tmp_path, voices, recognizer,
                                                                     strategy):
    spec = _tree(tmp_path, voices, GREETING + MAIN.replace("QUEUE", "agent"), start="welcome")
    _assert_exact(spec, recognizer, strategy)


@pytest.mark.parametrize("strategy", ["naive", "all"])
def test_a_greeting_heard_before_the_lines_noise_was_known_is_cut_at_its_pause(
        tmp_path, voices, recognizer, strategy):
    """On a line with hiss at -40 dBFS, the first call hears the greeting before it knows the
    hiss, takes it for sound, and heard the greeting and the notice (0.6 s apart, and their
    recordings' own silences) as one prompt; every later call, which knows the hiss, heard
    them apart, did not know where it was, and gave up: three nodes of seven (zoo seeds
    18026, 18037). Judged again by the end of the prompt, the pause ends the greeting on the
    first call too."""
    spec = _tree(tmp_path, voices, GREETING + MAIN.replace("QUEUE", "agent"), start="welcome",
                 gap=0.6, line="line: {noise_dbfs: -40}\n")
    _assert_exact(spec, recognizer, strategy)


def _spoken_seconds(wav: Path) -> float:
    """From the first sounding frame of a recording to its last."""
    sounding = [i for i, quiet in enumerate(quiet_frames(read_telephone_audio(wav))) if not quiet]
    return (sounding[-1] - sounding[0] + 1) * FRAME_SECONDS


def test_the_first_prompts_of_a_noisy_line_end_at_their_pauses(tmp_path, voices):
    """The listener alone, on the first call of that line: the greeting ends at its pause, and
    the notice after it is the next prompt, heard already (its onset where it began); a key
    pressed after the greeting would make what was heard after it none of the key's."""
    spec = load_spec(_tree(tmp_path, voices, GREETING + MAIN.replace("QUEUE", "agent"),
                           start="welcome", gap=0.6, line="line: {noise_dbfs: -40}\n"))
    listener = Listener(ReplayLine(spec).dial())
    greeting, notice = listener.hear(), listener.hear()
    assert greeting.ending is Ending.SILENCE and notice.ending is Ending.SILENCE
    assert greeting.seconds == pytest.approx(_spoken_seconds(voices / "welcome.wav"), abs=0.3)
    assert notice.seconds == pytest.approx(_spoken_seconds(voices / "legal.wav"), abs=0.3)
    assert notice.onset - greeting.end >= 0.7
    again = Listener(ReplayLine(spec).dial())
    again.hear()
    again.forget_ahead()
    assert again.hear().onset > notice.end  # the notice is not heard as the key's result
    looked = Listener(ReplayLine(spec).dial())
    looked.hear()
    peeked = looked.peek(1.0)  # what follows, looked at and given back: the notice first
    after = looked.hear()
    assert after.onset == pytest.approx(notice.onset, abs=0.05)
    assert np.array_equal(peeked, after.audio[:len(peeked)])


@pytest.mark.parametrize("music", ["silence.wav", "ringback.wav", "quiet-music.wav"])
def test_a_queue_that_is_silent_rings_or_starts_quietly_still_reaches_the_human(
        tmp_path, voices, recognizer, music):
    if music == "quiet-music.wav" and not MUSIC.exists():
        pytest.skip("asterisk-moh-opsound-wav is not installed")
    spec = _tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + _queue(music))
    _assert_exact(spec, recognizer)


def test_the_invalid_key_that_is_a_real_option_is_mapped_as_one(tmp_path, voices, recognizer):
    """9, the first key tried as invalid, is a language choice announced in Spanish, which an
    English recogniser does not read: it leads elsewhere than wrong keys do, so it is an
    option and another key is tried as the invalid one."""
    nodes = MAIN.replace("QUEUE", "agent").replace(
        '"2": agent}', '"2": agent, "9": spanish}').replace(
        "prompt: main.wav", "prompt: [main.wav, spanish.wav]") + """  spanish:
    type: message
    prompt: spanish_menu.wav
    text: "Bienvenido. Para consultar su saldo, oprima uno. Para hablar con un agente, oprima dos."
    next: hangup
"""
    spec_path = _tree(tmp_path, voices, nodes)
    spec = load_spec(spec_path)
    audit = Explorer(ReplayLine(spec), recognizer).crawl()
    mapping = map_to_spec(spec, audit)
    truth = ground_truth(spec)
    assert {(mapping[s], mapping[t], k) for s, t, k in audit.edges} == truth.edges
    spanish = next(n for n in audit.nodes.values() if mapping[n.id] == "spanish")
    assert audit.edges[(next(n for n in audit.nodes if mapping[n] == "main"), spanish.id, "9")].probe \
        == "hidden"


def test_speech_the_recogniser_cannot_read_is_not_understood(voices, recognizer):
    """An English model writes English for Spanish too, with little confidence in it."""
    from ivraudit.telephony.g711 import ulaw_round_trip
    from ivraudit.telephony.wav import read_telephone_audio, write_wav

    def heard(name: str):  # type: ignore[no-untyped-def]
        return recognizer.transcribe(ulaw_round_trip(read_telephone_audio(voices / f"{name}.wav")))

    assert not heard("spanish_menu").understood
    assert all(heard(name).understood for name in ("main", "legal", "agent", "invalid"))


@pytest.mark.parametrize("tree", ["invalid-then-menu", "greeting-into-menu"])
def test_prompts_the_line_runs_into_each_other_are_told_apart(tmp_path, voices, recognizer, tree):
    """0.3 s between prompts, less than ends one: "Sorry, that is not a valid option." runs
    into the menu again, and the legal notice into the menu at every answer."""
    if tree == "invalid-then-menu":
        spec = _tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + _queue("ringback.wav", 20),
                     gap=0.3)
    else:
        spec = _tree(tmp_path, voices, GREETING + MAIN.replace("QUEUE", "agent"), start="welcome",
                     gap=0.3)
    _assert_exact(spec, recognizer)


def test_two_menus_that_end_in_one_recording_of_their_keys_are_two_menus(
        tmp_path, voices, recognizer):
    """"For claims, billing or an agent," and "For your balance, payments or our hours,"
    each run into one recording of "press 1, 2 or 3." (as one synthetic voice says those
    words alike at the end of two sentences, zoo seed 29544): the keys end each menu, whose
    choices were said before them. Taken for a menu the two share, each menu became a
    message before it, and its keys led where either menu's did."""
    nodes = """  main:
    type: menu
    prompt: [choices_main.wav, keys.wav]
    text: "For claims, billing or an agent, press 1, 2 or 3."
    options: {"1": claims, "2": billing, "3": agent}
    on_invalid: invalid
  billing:
    type: menu
    prompt: [choices_billing.wav, keys.wav]
    text: "For your balance, payments or our hours, press 1, 2 or 3."
    options: {"1": claims, "2": closed, "3": main}
    on_invalid: invalid
  closed:
    type: message
    prompt: closed.wav
    text: "Our offices are now closed."
    next: hangup
""" + MAIN[MAIN.index("  invalid:"):]
    _assert_exact(_tree(tmp_path, voices, nodes), recognizer)


@pytest.mark.parametrize("answer", ["direct", "direct-hello", "after-music"])
def test_a_person_whose_words_do_not_say_so_is_known_by_waiting_for_the_caller(
        tmp_path, voices, recognizer, answer):
    """"Harbor Lights, good morning." says nothing a recording would not (no name, no offer
    of help), but then the line waits, or asks "Hello?": a person. A recording goes on to
    the next prompt or hangs up."""
    prompt = "terse-hello.wav" if answer == "direct-hello" else "terse.wav"
    person = f"""  agent:
    type: human
    prompt: {prompt}
    text: "Harbor Lights, good morning."
"""
    nodes = MAIN.replace("QUEUE", "queue" if answer == "after-music" else "agent")
    nodes = nodes[:nodes.index("  agent:")] + person
    if answer == "after-music" and MUSIC.exists():
        nodes += _queue("quiet-music.wav", seconds=20)
    elif answer == "after-music":
        pytest.skip("Debian's hold music is not installed (scripts/test-deps.sh)")
    _assert_exact(_tree(tmp_path, voices, nodes), recognizer)


def test_a_queue_that_rings_like_a_long_beep_is_a_queue_not_voicemail(tmp_path, voices, recognizer):
    """"One moment, please." then Europe's ringback (425 Hz for 1 s, 4 s off): the prompt
    ends in a tone as a voicemail greeting ends in its beep, and says nothing of holding; the
    tone coming back tells the ring."""
    queue = """  queue:
    type: hold
    prompt: moment.wav
    text: "One moment, please."
    music: ringback-eu.wav
    seconds: 20
    next: agent
"""
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue), recognizer)


def test_a_long_beep_after_words_that_say_nothing_is_voicemail(tmp_path, voices, recognizer):
    """A voicemail greeting whose words say nothing of voicemail ("Harbor Lights, good
    morning.", as a mumbled greeting is heard), then a 1 kHz beep of 1 s and the silence of
    the recording: the beep outlasts the window that told it, and what is still sounding of
    it is not a ring that came back (zoo seed 13003 waited 120 s in a voicemail box as in a
    queue)."""
    box = """  box:
    type: voicemail
    prompt: terse.wav
    text: "Harbor Lights, good morning."
    beep_hz: 1000.0
    beep_seconds: 1.0
"""
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "box") + box), recognizer)


@pytest.mark.parametrize("hz,seconds", [(440.0, 0.2), (1000.0, 0.3), (1400.0, 0.2)])
def test_a_short_beep_after_a_greeting_ends_it_and_is_no_ring(tmp_path, voices, recognizer, hz,
                                                               seconds):
    """A beep of 0.2-0.3 s is told as a tone only once the greeting's words have left the
    sound window, after the beep has ended: the tone's frames are looked for in the window,
    not taken to be the last 0.2 s (silence, which taught the ring nothing, so every word of
    the greeting was "more of the ring" and the box a queue with nothing said: zoo seed
    20001, 440 Hz for 0.2 s)."""
    box = f"""  box:
    type: voicemail
    prompt: mailbox.wav
    text: "Nobody is available to take your call. Please leave your message after the tone."
    beep_hz: {hz}
    beep_seconds: {seconds}
"""
    spec = load_spec(_tree(tmp_path, voices, MAIN.replace("QUEUE", "box") + box))
    call = ReplayLine(spec).dial()
    listener = Listener(call)
    listener.hear()
    call.press("2")
    heard = listener.hear()
    assert heard.ending is Ending.TONE
    assert not heard.sound_only
    greeting = len(spec.prompt_audio(spec.nodes["box"])) / SAMPLE_RATE
    assert heard.seconds == pytest.approx(greeting, abs=0.4)
    _assert_exact(spec.path, recognizer)


@pytest.mark.parametrize("hz,seconds,line", [
    (1400.0, 0.2, ""),                                        # another pitch
    (440.0, 0.5, "line: {codec: ulaw, noise_dbfs: -50.0}\n"),  # longer, on a hissing line
    (440.0, 0.2, ""),                                         # the same beep: one box
])
def test_boxes_with_one_greeting_are_told_apart_by_their_beeps(tmp_path, voices, recognizer, hz,
                                                               seconds, line):
    """Three boxes play one greeting: the first (440 Hz, 0.2 s) behind key 1, another behind
    a closed-hours message behind key 2, and one beeping as the first behind key 3. A box is
    all a caller hears of it, its beep too: one of another pitch or length is another box,
    reached straight or through a message (zoo seeds 24007, 24045, 25007), and one that beeps
    alike is the first box again (the truth counts them once, ivraudit.testing.twins). A 0.2 s
    beep is over by the time it is told as a tone, and was measured from there (nothing: it
    matched any beep)."""
    boxes = "".join(f"""  box_{name}:
    type: voicemail
    prompt: mailbox.wav
    text: "Nobody is available to take your call. Please leave your message after the tone."
    beep_hz: {box_hz}
    beep_seconds: {box_seconds}
""" for name, box_hz, box_seconds in (("a", 440.0, 0.2), ("b", hz, seconds), ("c", 440.0, 0.2)))
    nodes = """  main:
    type: menu
    prompt: boxes_menu.wav
    text: "Press 1 for claims. Press 2 for billing. Press 3 for sales."
    options: {"1": box_a, "2": closed, "3": box_c}
    on_invalid: invalid
  invalid:
    type: message
    prompt: invalid.wav
    text: "Sorry, that is not a valid option."
    next: back
  closed:
    type: message
    prompt: closed.wav
    text: "Our offices are now closed."
    next: box_b
""" + boxes
    audit = _assert_exact(_tree(tmp_path, voices, nodes, line=line), recognizer)
    same = (hz, seconds) == (440.0, 0.2)
    assert sum(n.kind == "voicemail" for n in audit.nodes.values()) == (1 if same else 2)


def test_a_person_whose_last_words_score_as_music_and_who_calls_out_is_a_person(
        tmp_path, voices, recognizer):
    """"Thank you for calling Keystone Mutual, how may I help you?" in a flite voice whose
    last words score as music for a second, then the silence of a person waiting and
    "Hello?": the words heard say nothing of holding, the "music" was too short to be a
    queue's, and the words after it call out to the caller. The zoo's recording of that
    person (seed 20005, built here) was mapped as a queue and a person saying "Hello."."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
    from zoo.generate import build_tree

    zoo = tmp_path / "zoo"
    build_tree(20005, zoo)
    nodes = MAIN.replace("QUEUE", "person") + """  person:
    type: human
    prompt: person.wav
    text: "Thank you for calling Keystone Mutual, how may I help you? Hello?"
"""
    spec = _tree(tmp_path, voices, nodes)
    shutil.copy(zoo / "agent-omar.wav", tmp_path / "person.wav")
    _assert_exact(spec, recognizer)


def test_a_greeting_that_asks_for_a_message_then_a_beep_heard_as_music_is_voicemail(
        tmp_path, voices, recognizer):
    """A mailbox's greeting in an eSpeak voice, then its 0.3 s beep at 950 Hz, which the
    sound window scored as music, then the silence of a box recording: the words asked for a
    message, so it is voicemail, not a person waiting for the caller (the zoo's box of seed
    21012, built here, with its recording and beep on its mu-law line)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
    from zoo.generate import build_tree

    zoo = tmp_path / "zoo"
    build_tree(21012, zoo)
    shutil.copy(zoo / "order-status-voicemail.wav", tmp_path / "box.wav")
    nodes = MAIN.replace("QUEUE", "box") + """  box:
    type: voicemail
    prompt: box.wav
    text: "You have reached the order status voicemail. Please leave a message after the beep."
    beep_hz: 950.0
    beep_seconds: 0.3
"""
    _assert_exact(_tree(tmp_path, voices, nodes, line="line: {codec: ulaw}\n"), recognizer)


def test_one_menu_run_into_after_two_prompts_is_split_from_both(tmp_path, voices, recognizer):
    """The legal notice runs into the menu on the first call, and after a timeout "We did not
    receive your selection." runs into it, with no pause between them: two long prompts that
    end with the menu, each split into its message and the menu once the menu is heard alone
    (a wrong key repeats it). Only the first was (zoo seed 21043), and the timeout's message
    and the menu, heard again after a timeout, were taken for the menu repeating."""
    main = MAIN.replace("QUEUE", "agent").replace(
        "    on_invalid: invalid\n", "    on_invalid: repeat\n    on_timeout: no_input\n")
    main = main[:main.index("  invalid:")] + main[main.index("  claims:"):]
    nodes = GREETING + main + """  no_input:
    type: message
    prompt: no_input.wav
    text: "We did not receive your selection."
    next: back
"""
    _assert_exact(_tree(tmp_path, voices, nodes, start="legal", gap=0.0), recognizer)


def test_a_line_with_loud_noise_of_its_own_still_has_pauses(tmp_path, voices, recognizer):
    """Hiss at -34 dBFS under speech lifted 6 dB (22 dB below it, within the 20-35 dB of real
    noisy trunks): over the listener's fixed noise cap (-40 dBFS), so every frame was sound
    and no prompt ever ended. The hiss heard alone in a pause sets the line's floor."""
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "agent"),
                        line="line: {gain_db: 9.0, noise_dbfs: -37.0}\n"), recognizer)


def test_a_voice_that_sounds_like_music_for_a_moment_goes_on_as_one_prompt(tmp_path, voices):
    """flite's kal16 on a μ-law line with hiss scores as music for 0.7 s in the middle of
    "...may be recorded. By staying on the line...": the notice was cut in two, its first
    half a queue and its second a message. Music goes on; the voice went on as speech."""
    spec = load_spec(_tree(tmp_path, voices, MAIN.replace("QUEUE", "agent") + """  notice:
    type: message
    prompt: notice.wav
    text: "Please note that this call may be recorded. By staying on the line, you consent."
    next: main
""", start="notice", line="line: {codec: ulaw, gain_db: -3.4, noise_dbfs: -52.5}\n"))
    heard = Listener(ReplayLine(spec).dial()).hear()
    notice = len(spec.prompt_audio(spec.nodes["notice"])) / SAMPLE_RATE
    assert heard.ending is Ending.SILENCE and heard.seconds == pytest.approx(notice, abs=0.8)


def test_a_ring_under_hiss_that_scores_as_music_still_rings(tmp_path, voices):
    """The two tones of a US ring beat; under hiss 20 dB down they score as music, not as a
    tone. That it stops for 4 s and comes back by itself still makes it a ring, so an
    announcement in it is followed by a ring cycle, not by 2.5 s, before it is taken for a
    person (zoo seed 16004: "You are currently caller number 2" heard as "color number two.")."""
    spec = load_spec(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue")
                           + _queue("ringback.wav", seconds=14), start="queue",
                           line="line: {codec: ulaw, noise_dbfs: -40.8}\n"))
    listener = Listener(ReplayLine(spec).dial())
    listener.hear()
    listener.through_hold(max_hold=12.0)
    assert listener.rang


@pytest.mark.parametrize("on_limit", ["hangup", "goodbye"])
def test_a_menu_that_counts_wrong_keys_is_pressed_until_its_limit(tmp_path, voices, recognizer,
                                                                  on_limit):
    """Real dialplans count invalid tries and hang up on the third, with a goodbye or not:
    the wrong key that brings the caller back is pressed again until the line does
    something else, and the menu's limit is mapped (one more edge, and the count)."""
    nodes = MAIN.replace("QUEUE", "agent").replace(
        "    on_invalid: invalid\n",
        f"    on_invalid: invalid\n    invalid_limit: 3\n    on_invalid_limit: {on_limit}\n")
    if on_limit == "goodbye":
        nodes += """  goodbye:
    type: message
    prompt: claims.wav
    text: "Claims are handled online. Goodbye."
    next: hangup
"""
        nodes = nodes.replace('"1": claims', '"1": agent')
    spec_path = _tree(tmp_path, voices, nodes)
    audit = _assert_exact(spec_path, recognizer)
    mapping = map_to_spec(load_spec(spec_path), audit)
    main = next(n for n in audit.nodes.values() if mapping[n.id] == "main")
    assert main.invalid_limit == 3


def test_a_silent_queue_whose_prompt_says_nothing_of_holding_is_a_queue(
        tmp_path, voices, recognizer):
    """"One moment, please.", then silence, then "Please hold while we connect you." and
    silence again until the agent: the first words say nothing of a queue, but the long
    silence and the announcement after it do (zoo seed 305 mapped it as a message and the
    announcement as a queue of its own)."""
    queue = """  queue:
    type: hold
    prompt: moment.wav
    text: "One moment, please."
    seconds: 24
    announce: hold.wav
    announce_every: 9.0
    next: agent
"""
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue), recognizer)


def test_an_announcement_in_a_ringing_queue_is_followed_by_the_rings_silence(
        tmp_path, voices, recognizer):
    """Europe's ringback is silent for 4 s between rings: an announcement that says nothing of
    holding ("This call may be recorded...") may be followed by up to 4 s of silence before the
    ring comes back, longer than music takes to resume, and is still the queue's (zoo seed
    11004 made each announcement a message and the ring after it a queue of its own)."""
    queue = _queue("ringback-eu.wav", 30, "legal.wav", 8.0)
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue), recognizer)


NOISY_ALAW = "line: {codec: alaw, gain_db: 0.0, noise_dbfs: -47.5}\n"


@pytest.mark.parametrize("ring, line", [("ringback-uk.wav", ""), ("ringback-eu.wav", ""),
                                        ("ringback-uk.wav", NOISY_ALAW)],
                         ids=["uk", "eu", "uk-noisy-alaw"])
def test_an_announcement_the_ring_cuts_short_is_the_queues(tmp_path, voices, recognizer, ring,
                                                           line):
    """The ring resumes at once after an announcement that says nothing of holding and ends
    in the tone, as a voicemail greeting ends in its beep; the ring sounding again after its
    pause (0.2 s in the UK, 4 s in Europe) tells it (zoo seed 11005: "You are caller number
    six." became a queue of its own). On a noisy A-law line one frame of a burst may not
    score as the ring: the burst still counts (zoo seed 13005: "Your estimated wait time is
    seven minutes." became a queue of its own, and its agent was heard behind it)."""
    queue = _queue(ring, 30, "legal.wav", 8.0)
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue, gap=0.2,
                        line=line), recognizer)


DEBIAN_SOUNDS = Path("/usr/share/asterisk/sounds/en")


@pytest.mark.skipif(not (DEBIAN_SOUNDS / "pls-hold-while-try.wav").exists(),
                    reason="Debian's asterisk-core-sounds-en-wav (scripts/test-deps.sh)")
def test_a_british_ring_under_hiss_heard_as_a_sound_that_ends_in_a_tone_is_the_queues(
        tmp_path, voices, recognizer):
    """Britain's two bursts on a μ-law line with hiss 21 dB under them: their frames are not
    tonal enough to be learned as the ring, and the third was heard as a "prompt" of no words
    that ends in its second burst's tone. A greeting has words: a sound with none is the
    queue's, and the wait goes on to the agent (zoo seed 29188: the queue became a voicemail
    box 8 s in, its agent never reached). Human-recorded Debian prompts, the zoo's ring."""
    burst = tone((400.0, 450.0), 0.4, dbfs=-16)
    write_wav(tmp_path / "ring-uk.wav", np.concatenate([
        burst, np.zeros(round(0.2 * SAMPLE_RATE), np.int16), burst,
        np.zeros(2 * SAMPLE_RATE, np.int16)]))
    for name in ("pls-hold-while-try", "queue-thankyou"):
        shutil.copy(DEBIAN_SOUNDS / f"{name}.wav", tmp_path / f"{name}.wav")
    queue = """  queue:
    type: hold
    prompt: pls-hold-while-try.wav
    text: "Please hold while I try to connect you."
    music: ring-uk.wav
    seconds: 30
    announce: queue-thankyou.wav
    announce_every: 20.0
    next: agent
  agent:
    type: human
    prompt: agent.wav
    text: "Thank you for calling, this is Maria, how may I help you?"
"""
    _assert_exact(_tree(tmp_path, voices, queue, start="queue", gap=0.41,
                        line="line: {codec: ulaw, gain_db: -5.0, noise_dbfs: -45.1}\n"),
                  recognizer)


def test_announcements_more_often_than_the_ring_are_the_queues(tmp_path, voices, recognizer):
    """Europe's ring sounds 1 s in 5; a queue whose 7 s announcement comes every 10 s rings
    once after each, and the next one begins before the ring comes back. Words that say hold
    and end in that ring are the queue's, not a voicemail greeting's beep (zoo seed 13028:
    "All of our representatives are currently busy..." became a queue of its own)."""
    queue = _queue("ringback-eu.wav", 25, "still_busy.wav", 10.0)
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue), recognizer)


@pytest.mark.parametrize("sound, seconds", [("ringback-uk.wav", 17.0), ("music.wav", 17.3)],
                         ids=["ring-0.8s-in", "music-0.3s-in"])
def test_an_announcement_the_agent_cuts_short_is_the_queues(tmp_path, voices, recognizer,
                                                            sound, seconds):
    """The agent answers a second into an announcement: "This call may..." and then the
    agent. The fragment says nothing of holding and no ring follows it, but it begins like
    the announcement heard 8 s before, so it is the queue's (zoo seed 13015: "The estimated
    hole." became a message between the queue and its agent), down to the shortest piece a
    fingerprint tells (0.3 s: zoo seeds 20002, 20019, 20034 and 20043 heard 0.3-0.5 s of
    "The estimated..." and made it a message, "Aller.", "represent.", or nothing said)."""
    if not (voices / sound).exists():
        pytest.skip(f"{MUSIC} makes the music (scripts/test-deps.sh)")
    queue = _queue(sound, seconds, "legal.wav", 8.0)
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue), recognizer)


@pytest.mark.parametrize("announce, seconds", [
    ("busy.wav", 8.5), ("still_busy.wav", 15.5)])
def test_an_announcement_that_runs_into_the_agent_is_the_queues(tmp_path, voices, recognizer,
                                                                announce, seconds):
    """The last announcement and the agent 0.3 s apart, less than ends a prompt: heard as one
    prompt, split where the words that say hold end and a person's begin (zoo seed 11004:
    the agent's node began "All of our representatives are currently busy. Hi, this is"),
    after the announcement's last sentence that says hold (16006: split after "busy.", the
    agent began "Please stay on the line...")."""
    queue = _queue("ringback.wav", seconds, announce, 6.0)
    audit = _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue,
                                gap=0.3), recognizer)
    agent = next(n for n in audit.nodes.values() if n.kind == "human")
    assert "busy" not in agent.transcript.lower()


def test_an_announcement_cut_short_when_the_next_was_due_is_the_queues(tmp_path, voices,
                                                                      recognizer):
    """Three announcements in turn that say nothing of holding (promotions), one every 7 s;
    the agent cuts the third 1 s in and speaks after a pause. Its words ("Visit our") say no
    hold and begin like nothing heard before, but they came when the queue's next
    announcement was due: the queue's, not a node between it and the agent (zoo seed 21044:
    "The whole time is currently two.", a message)."""
    if not (voices / "music.wav").exists():
        pytest.skip(f"{MUSIC} is not installed (asterisk-moh-opsound-wav)")
    promos = "[promo_bill.wav, promo_app.wav, promo_web.wav]"
    queue = _queue("music.wav", 3 * 7.0 + _lead(voices / "promo_web.wav") + 1.0, promos, 7.0)
    _assert_exact(_tree(tmp_path, voices, MAIN.replace("QUEUE", "queue") + queue), recognizer)


def test_the_last_bars_of_a_quiet_track_are_the_queues(tmp_path, voices, recognizer):
    """A queue's quiet music (10-15 dB under its track's level) whose last 1.3 s before the
    agent answers scored as a voice by their pauses: a sound with no words at all, after
    the music, is the queue's. The zoo's queue of seed 21046 (built here: its track, its
    announcement, its agent, on its mu-law line) had an `unknown` node with no words between
    the queue and the agent."""
    nodes = _zoo_queue(tmp_path, 21046, "music-macroform-cold-day.wav", 28.0, "position-2.wav",
                       15.0, "agent-omar.wav",
                       "Thanks for calling the City of Fairview. This is Omar. How can I help?")
    _assert_exact(_tree(tmp_path, voices, nodes, gap=1.92,
                        line="line: {codec: ulaw}\n"), recognizer)


def test_an_agent_who_answers_as_the_music_stops_is_heard_from_their_first_word(
        tmp_path, voices, recognizer):
    """Music, 0.45 s of silence, then "Hi, this is Grace. How can I help you today?": the
    window said music over the agent's first words, and the pause before them, seen as its
    last 0.26 s, was too short to be where the music stopped, so the agent was heard from
    "Grace." ("That's great.", a node the truth could not name). The zoo's queue of seed
    21030, built here with its track, announcement and agent, on its mu-law line with hiss."""
    nodes = _zoo_queue(tmp_path, 21030, "music-reno-project-system.wav", 16.0, "wait-4.wav", 20.0,
                       "agent-grace.wav", "Hi, this is Grace. How can I help you today?")
    audit = _assert_exact(_tree(tmp_path, voices, nodes, gap=0.45,
                                line="line: {codec: ulaw, noise_dbfs: -53.5}\n"), recognizer)
    grace = next(n for n in audit.nodes.values() if n.kind == "human")
    assert "grace" in grace.transcript.lower() and "hi" in grace.transcript.lower()


def test_an_agent_whose_first_second_scores_as_music_after_the_music_stops_is_heard_whole(
        tmp_path, voices, recognizer):
    """Music, 0.44 s of silence, then an eSpeak "Thanks for calling Coastal Air. This is Sam.":
    its first second scores as music, and the window turned from the music 1.4 s after the
    pause; judged whole, what followed the pause was the music come back, and the agent was
    heard from "Coastal Air" on, and taken for another (zoo seed 29974's queue, built here
    with its track and agent, on its A-law line with hiss)."""
    nodes = _zoo_queue(tmp_path, 29974, "music-macroform-cold-day-2.wav", 20.0, "welcome.wav",
                       100.0, "agent-sam.wav",
                       "Thanks for calling Coastal Air. This is Sam. How can I help? Hello?")
    audit = _assert_exact(_tree(tmp_path, voices, nodes, gap=0.31,
                                line="line: {codec: alaw, noise_dbfs: -40.8}\n"), recognizer)
    sam = next(n for n in audit.nodes.values() if n.kind == "human")
    assert "calling" in sam.transcript.lower(), sam.transcript  # (heard from its first words)


def test_the_queues_last_note_before_an_agent_is_the_queues(tmp_path, voices, recognizer):
    """0.1 s of music, 0.5 s of silence, then "Customer service department, this is David":
    the note, too short for a word, and the pause, shorter than ends a prompt, were heard as
    the start of his greeting, which then began like no recording, and he was named after
    Sam, whose greeting begins with the same words (the zoo's tree of seed 21028: its queue,
    track, announcement and people, on its line, built here)."""
    nodes = _zoo_queue(tmp_path, 21028, "music-manolo-camp-morning-coffee.wav", 31.0,
                       "still-busy.wav", 15.0, "agent-david.wav",
                       "Customer service department, this is David. Hello?")
    nodes = _on_1(tmp_path, nodes, "agent-sam.wav", "Customer service department, this is Sam.")
    _assert_exact(_tree(tmp_path, voices, nodes, gap=0.42,
                        line="line: {codec: ulaw, gain_db: 6.6}\n"), recognizer)


def test_a_person_behind_a_queue_who_begins_like_another_person_is_someone_else(
        tmp_path, voices, recognizer):
    """"Thanks for calling Lakeside Family Clinic. This is Priya." answers a key; "Thanks for
    calling Lakeside Family Clinic. This is Maria." answers the queue. A courteous crawl
    leaves a person 1.5 s into their greeting, before the name: Maria was known by her
    beginning as Priya, and the queue led to Priya (the zoo's tree of seed 21038, built
    here). Someone who answers a queue and only begins like a person who never answered it
    is another person."""
    nodes = _zoo_queue(tmp_path, 21038, "ringback-eu.wav", 48.0, "position-6.wav", 15.0,
                       "agent-maria.wav", "Thanks for calling Lakeside Family Clinic. This is "
                       "Maria. How can I help? Hello?")
    nodes = _on_1(tmp_path, nodes, "agent-priya.wav", "Thanks for calling Lakeside Family "
                  "Clinic. This is Priya. How can I help? Hello?")
    _assert_exact(_tree(tmp_path, voices, nodes, gap=0.88,
                        line="line: {codec: ulaw, gain_db: -5.6}\n"), recognizer)


def test_an_announcement_cut_before_it_says_hold_then_a_person_is_the_queues(
        tmp_path, voices, recognizer):
    """A ringing queue's first announcement, "Thank you for your patience.", cut 1 s in by
    the agent, heard as "Thank you for hearing.", then a pause, then "Hi, this is Keisha":
    the cut words say no hold, begin like nothing heard before and come on no beat yet, but
    a person's words follow them within a moment: they were the queue's, not a message
    between it and the agent (the zoo's queue of seed 21035, built here)."""
    keisha = "Hi, this is Keisha. How can I help you today?"
    nodes = _zoo_queue(tmp_path, 21035, "ringback-eu.wav", 26.0, "still-busy-2.wav", 25.0,
                       "agent-keisha.wav", keisha)
    _assert_exact(_tree(tmp_path, voices, nodes, gap=0.89,
                        line="line: {codec: alaw, gain_db: 5.5}\n"), recognizer)


@pytest.mark.parametrize("seed, music, seconds, announce, every, agent, says, gap, line", [
    (25012, "music-manolo-camp-morning-coffee.wav", 32.0, "still-busy.wav", 15.0,
     "agent-sam-2.wav", "Claims, Sam speaking.", 2.17, "{codec: alaw, gain_db: -8.1}"),
    (25030, "music-manolo-camp-morning-coffee.wav", 38.0, "position-2.wav", 12.0,
     "agent-priya.wav", "Thank you for calling Riverside Power, how may I help you? Hello?",
     0.46, "{codec: ulaw}")], ids=["slow-line", "run-into-the-agent"])
def test_the_queues_last_announcement_cut_by_the_agent_is_the_queues(
        tmp_path, voices, recognizer, seed, music, seconds, announce, every, agent, says, gap,
        line):
    """The agent cuts the queue's last announcement short; its start is lost to the music
    window. On a slow line (2.2 s before a new node) the fragment ("your patients." of "Thank
    you for your patience") and then "Claims, Sam speaking." 2.3 s later: the person's words
    are looked for after the line's pause, and read from where they begin (zoo seed 25012
    made the fragment a message between the queue and Sam). On a quick line (0.46 s) the
    fragment ran into "Thank you for calling Riverside Power, ..." as one prompt on the
    queue's beat, all taken for the announcement, and "Hello?" 2 s later was the agent:
    the prompt is split where the announcement heard before ends (zoo seed 25030)."""
    nodes = _zoo_queue(tmp_path, seed, music, seconds, announce, every, agent, says)
    _assert_exact(_tree(tmp_path, voices, nodes, gap=gap, line=f"line: {line}\n"), recognizer)


def test_queues_that_ring_alike_are_told_apart_by_who_answers(tmp_path, voices, recognizer):
    """Three keys to queues with no prompt that play one ring: 3 and the hidden 0 to Maria
    after 18 s, 2 to someone else after 24 s. Nothing they play or announce tells them
    apart, so one was taken for the other's queue and its person never reached (zoo seed
    29998: 1 and 0 of the main menu). A queue that may be another is sat through while the
    courtesy allows, and the one queue behind 3 and 0 is one node again once the crawl is
    over."""
    ring = '    type: hold\n    text: ""\n    music: ringback.wav\n'
    nodes = MAIN.replace(
        'main.wav\n    text: "Press 1 for claims. Press 2 to speak with an agent."\n'
        '    options: {"1": claims, "2": QUEUE}',
        'boxes_menu.wav\n    text: "Press 1 for claims. Press 2 for billing. Press 3 for sales."\n'
        '    options: {"1": claims, "2": ring_two, "3": ring_one, "0": ring_one}\n'
        '    hidden: ["0"]')
    nodes += f"""  ring_one:
{ring}    seconds: 18
    next: agent
  ring_two:
{ring}    seconds: 24
    next: other
  other:
    type: human
    prompt: terse.wav
    text: "Harbor Lights, good morning."
"""
    assert "ring_two" in nodes
    _assert_exact(_tree(tmp_path, voices, nodes), recognizer)


def test_the_last_word_of_a_cut_announcement_is_no_person_when_the_agent_speaks_on(
        tmp_path, voices, recognizer):
    """Quiet music, "All of our representatives are currently busy. Please" cut by the agent
    3 s in, then "Thank you for calling Blue Heron Airways, ..." 0.8 s after "Please": no
    music came back after the announcement, so "Please." was taken for a person who waits,
    a message, and the agent for another message after it (zoo seed 29994, its queue built
    here). A person who waits for the caller is silent: words again straight after are
    not a wait."""
    nodes = _zoo_queue(tmp_path, 29994, "music-macroform-the-simplicity.wav", 23.0,
                       "still-busy.wav", 20.0, "agent-grace.wav",
                       "Thank you for calling Blue Heron Airways, how may I help you? Hello?")
    _assert_exact(_tree(tmp_path, voices, nodes, gap=0.73,
                        line="line: {codec: ulaw, gain_db: 0.0}\n"), recognizer)


def test_an_agent_who_cuts_the_announcement_sooner_than_it_would_end_is_heard_from_their_word(
        tmp_path, voices, recognizer):
    """A ringing queue's announcement, "All of our representatives are currently busy.
    Please stay on the line, and your call will be answered by the next available
    representative." (7.6 s), cut 5.7 s in by "Hi, this is Grace." a moment later: one
    prompt, shorter than the announcement, so not "the announcement and more". Split at its
    last sentence that says hold, the person was "your call will be- Hi, this is Grace."
    and the judge took it for another node (zoo seed 29649, its queue built here). What
    follows the part of an announcement heard before is the person, from their first
    word."""
    nodes = _zoo_queue(tmp_path, 29649, "ringback-eu.wav", 41.0, "still-busy.wav", 12.0,
                       "agent-grace.wav", "Hi, this is Grace. How can I help you today?")
    audit = _assert_exact(_tree(tmp_path, voices, nodes, gap=0.41,
                                line="line: {codec: alaw, noise_dbfs: -51.3}\n"), recognizer)
    person = next(node for node in audit.nodes.values() if node.kind == "human")
    heard = person.transcript.lower()
    assert "this is" in heard and "call" not in heard, person.transcript


def test_words_of_waiting_before_the_menu_are_a_notice_not_a_queue(tmp_path, recognizer):
    """"Due to high call volumes, you may experience longer than usual wait times." in an
    eSpeak voice after the greeting, then the main menu 1.3 s later: its words say hold,
    and its last ones scored as music, so the pause was taken for the queue's sound and the
    notice stayed a queue that led to the menu (zoo seed 29670, whose recordings are used
    here). A line that asks for keys a moment after words that say hold did not hold the
    caller."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
    from zoo.generate import build_tree

    build_tree(29670, tmp_path / "zoo")
    for wav in (tmp_path / "zoo").glob("*.wav"):
        shutil.copy(wav, tmp_path / wav.name)
    (tmp_path / "tree.yaml").write_text("""format: ivraudit.tree/1
name: a notice of waiting
language: en
start: welcome
answer_after: 0.6
gap: 0.95
line: {codec: ulaw, gain_db: -8.4}
nodes:
  welcome: {type: message, prompt: welcome.wav, next: legal_notice,
            text: "Hello, and thank you for calling Blue Horizon Airways."}
  legal_notice: {type: message, prompt: legal-notice.wav, next: notice,
                 text: "Calls are recorded for training and quality purposes."}
  notice: {type: message, prompt: notice.wav, next: main,
           text: "Due to high call volumes, you may experience longer than usual wait times."}
  main:
    type: menu
    prompt: main.wav
    text: "For flight status, press 1. For baggage, press 2. For reservations, press 3."
    options: {"1": flight_status, "2": order_status, "3": found}
    wait: 5.0
  flight_status: {type: message, prompt: flight-status-info.wav, next: hangup,
                  text: "You can find answers to common questions on our website."}
  order_status:
    type: message
    prompt: order-status-info.wav
    next: hangup
    text: "Your request has been received. A confirmation will be sent to you by mail."
  found: {type: message, prompt: entry-done.wav, next: hangup,
          text: "Thank you. We have found your account."}
""")
    _assert_exact(tmp_path / "tree.yaml", recognizer)


def test_an_agent_who_cuts_a_silent_queues_announcement_and_waits_is_reached(
        tmp_path, voices, recognizer):
    """A silent queue's first announcement, "All of our representatives are currently busy.
    Please stay on the line, and your call will be answered by the next-", cut 6 s in by
    an eSpeak "Customer service department, this is Anna." with hardly a pause: one prompt
    that says hold, taken for one more announcement, and the agent's silence after it
    waited out to --max-hold: nobody reached (zoo seed 29719, its queue built here). The
    line silent for longer than the queue ever was says someone answered."""
    nodes = _zoo_queue(tmp_path, 29719, "still-busy.wav", 18.0, "still-busy.wav", 12.0,
                       "agent-anna.wav", "Customer service department, this is Anna.")
    nodes = nodes.replace("    music: still-busy.wav\n", "")   # a silent queue
    audit = _assert_exact(_tree(tmp_path, voices, nodes, gap=0.48,
                                line="line: {codec: ulaw, gain_db: 5.3, noise_dbfs: -36.7}\n"),
                          recognizer)
    assert audit.complete and not audit.problems


def _zoo_queue(folder: Path, seed: int, music: str, seconds: float, announce: str,
               every: float, agent: str, says: str) -> str:
    """MAIN's 2 to a queue and the person who answers it, in the recordings of zoo seed
    ``seed``'s tree (built into ``folder``): a zoo tree's fault, reproduced in a tree of its
    own."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
    from zoo.generate import build_tree

    build_tree(seed, folder / "zoo")
    for name in (music, announce, agent):
        shutil.copy(folder / "zoo" / name, folder / name)
    return MAIN.replace("QUEUE", "queue") + _queue(music, seconds, announce, every).replace(
        "agent", "person") + f"""  person:
    type: human
    prompt: {agent}
    text: "{says}"
"""


def _on_1(folder: Path, nodes: str, recording: str, says: str) -> str:
    """``nodes`` (a _zoo_queue tree) with MAIN's 1 to another person of that zoo tree."""
    shutil.copy(folder / "zoo" / recording, folder / recording)
    return nodes.replace('"1": claims', '"1": other') + f"""  other:
    type: human
    prompt: {recording}
    text: "{says}"
"""


def _lead(wav: Path) -> float:
    """Seconds of silence a recording begins with."""
    return quiet_frames(read_telephone_audio(wav)).index(False) * FRAME_SECONDS


def test_an_agent_who_cuts_an_announcement_short_is_known_by_the_silence_after(
        tmp_path, voices, recognizer):
    """The agent cuts the second announcement short 3 s in and answers at once, heard as one
    prompt that begins with words of holding ("All of our representatives are currently
    busy. Please"), then "Harbor Lights, good morning.", which say no person. It was taken
    for an announcement, and the crawl waited out max_hold in the silence after it (zoo seed
    16002). A queue that rang does not fall silent after an announcement; a person does."""
    queue = _queue("ringback.wav", 13.0, "still_busy.wav", 10.0)
    terse = MAIN.replace("prompt: agent.wav", "prompt: terse.wav").replace(
        "Thank you for calling, this is Maria, how may I help you?", "Harbor Lights, good morning.")
    audit = _assert_exact(_tree(tmp_path, voices, terse.replace("QUEUE", "queue") + queue,
                                gap=0.3), recognizer)
    assert audit.complete


def test_a_hidden_key_that_repeats_the_menu_is_told_from_wrong_keys(tmp_path, voices, recognizer):
    """9 (the first key tried as invalid) repeats the menu, unannounced; 0, * and # play the
    invalid message: three wrong keys agree, so 9 is an option, not the invalid key (zoo seed
    12005 filed 9 under invalid and the invalid message under the escape keys)."""
    nodes = MAIN.replace("QUEUE", "agent").replace('"2": agent}', '"2": agent, "9": main}')
    _assert_exact(_tree(tmp_path, voices, nodes), recognizer)


@pytest.mark.parametrize("seed, music, seconds, announce, agent, says, gap, line, intro", [
    (29724, "music-macroform-the-simplicity.wav", 17, None, "agent-tom-2.wav",
     "Hi, this is Tom. How can I help you today?", 0.88,
     "{codec: alaw, gain_db: -4.7, noise_dbfs: -48.9}", None),
    (29837, "music-macroform-the-simplicity-2.wav", 49, "still-busy.wav", "agent-omar.wav",
     "Customer service department, this is Omar.", 0.43,
     "{codec: ulaw, gain_db: 0.0, noise_dbfs: -45.6}", None),
    (29887, "music-macroform-cold-day-2.wav", 44, "still-busy.wav", "agent-david-2.wav",
     "Hi, this is David in customer service. What can I do for you?", 1.15,
     "{codec: ulaw, gain_db: 0.0, noise_dbfs: null}", "operator-queue-intro.wav"),
])
def test_a_queue_whose_quiet_music_is_heard_only_in_moments_is_a_queue(
        tmp_path, voices, recognizer, seed: int, music: str, seconds: float,
        announce: str | None, agent: str, says: str, gap: float, line: str, intro: str | None):
    """A queue whose quiet music plays under the line's floor but for its loudest moments,
    which have no words: 0.4 s of it heard 11 s after the key, then nothing until "Hi, this
    is Tom." 6 s later, a prompt of unknown kind (zoo seed 29724); one wordless "prompt" after
    another, three nodes before the queue's announcement made a fourth a queue (zoo seed
    29837); two of them after an announcement, then silence: a "person" of no words, and the
    agent never heard (zoo seed 29887). Their queues built here: a sound with no words that
    the line follows with more of them, or with a person, not waiting for the caller, is
    the sound of a wait, and no one's greeting."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
    from zoo.generate import build_tree

    build_tree(seed, tmp_path / "zoo")
    for name in (music, agent, announce or music, intro or music):
        shutil.copy(tmp_path / "zoo" / name, tmp_path / name)
    announcing = f"    announce: {announce}\n    announce_every: 25.0\n" if announce else ""
    prompt = f"    prompt: {intro}\n" if intro else ""
    nodes = MAIN.replace("QUEUE", "queue") + f"""  queue:
    type: hold
{prompt}    text: ""
    music: {music}
    seconds: {seconds}
{announcing}    next: person
  person:
    type: human
    prompt: {agent}
    text: "{says}"
"""
    audit = _assert_exact(_tree(tmp_path, voices, nodes, gap=gap, line=f"line: {line}\n"),
                          recognizer)
    assert [n.kind for n in audit.nodes.values() if not n.transcript.strip()] == \
        ["hangup"] + ([] if intro else ["hold"])


def test_an_announced_key_the_line_answers_as_invalid_is_a_wrong_key(tmp_path, voices, recognizer):
    """The menu says "Press 2 to speak with an agent." and 2 plays "Sorry, that is not a
    valid option." and the menu again, as keys it does not offer do (a broken option; or a
    misheard one: "press the star key" heard as "press the stock 8", zoo seed 29775). The
    map files 2 with the wrong keys; the menu still offers it, as heard, and the report
    says the offer does not work. The menu counts it as the wrong key it is, toward its
    limit of two: 2 pressed after another wrong key, or a wrong key after 2, on one call,
    meets that limit, which is not what 2 or the other key does (zoo seed 29816)."""
    agent = MAIN[MAIN.index("  agent:"):]
    nodes = MAIN.replace('options: {"1": claims, "2": QUEUE}', 'options: {"1": claims}').replace(
        agent, "").replace("    on_invalid: invalid\n", """    on_invalid: invalid
    invalid_limit: 2
    on_invalid_limit: closed
""") + """  closed:
    type: message
    prompt: closed.wav
    text: "Our offices are now closed."
    next: hangup
"""
    audit = _assert_exact(_tree(tmp_path, voices, nodes), recognizer)
    main = next(n for n in audit.nodes.values() if n.path == [] and n.kind == "menu")
    assert [o.key for o in main.options] == ["1", "2"]
    wrong = [e for e in audit.out_edges(main.id) if e.key == "invalid" and len(e.pressed) == 1]
    assert len(wrong) == 1 and "2" in wrong[0].keys_pressed  # (the other: the limit's keys)
    found = [f for f in find_issues(audit_to_json(audit)) if f.rule == "announced-key-invalid"]
    assert [f.node for f in found] == [main.id]


def test_an_agent_who_answers_a_silent_queue_on_its_announcements_beat_is_reached(
        tmp_path, voices, recognizer):
    """A silent queue says "The estimated hold time is currently nine minutes." every 10 s;
    after 50 s the agent answers, right when the sixth was due: "Thanks for calling Blue
    Heron Airways. This is Tom. How can I help?" (eSpeak). Taken for one more announcement
    by when it came, the agent's silence was waited out to --max-hold, and nobody was reached
    (zoo seed 29803, its queue built here). Words longer than any announcement are no
    announcement cut short."""
    nodes = _zoo_queue(tmp_path, 29803, "still-busy.wav", 50.0, "wait-9.wav", 10.0,
                       "agent-tom-2.wav",
                       "Thanks for calling Blue Heron Airways. This is Tom. How can I help?")
    nodes = nodes.replace("    music: still-busy.wav\n", "")   # a silent queue
    audit = _assert_exact(_tree(tmp_path, voices, nodes, gap=0.43), recognizer)
    assert audit.complete and not audit.problems
