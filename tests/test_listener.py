"""The listener on real prompts played by the replay line: where prompts end, and why."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.activity import sounding_frame
from ivraudit.listen.listener import MUSIC_MEMORY_FRAMES, Ending, Listener
from ivraudit.listen.music_run import MusicRun
from ivraudit.listen.sound import Sound, classify
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import FRAME_SAMPLES, SAMPLE_RATE
from ivraudit.telephony.g711 import ulaw_round_trip
from ivraudit.telephony.wav import read_telephone_audio

from conftest import tree_path


@pytest.fixture(scope="module")
def tiny():
    return load_spec(tree_path("tiny"))


@pytest.fixture(scope="module")
def acme():
    return load_spec(tree_path("acme-pbx"))


def _seconds(spec, node_id: str) -> float:
    return len(spec.prompt_audio(spec.nodes[node_id])) / SAMPLE_RATE


def test_a_prompt_ends_at_the_silence_after_it(tiny):
    listener = Listener(ReplayLine(tiny).dial())
    heard = listener.hear()
    assert heard.ending is Ending.SILENCE
    assert heard.seconds == pytest.approx(_seconds(tiny, "main"), abs=0.25)
    assert heard.onset < 0.2


def test_hold_music_ends_a_prompt_and_is_not_silence(acme):
    call = ReplayLine(acme).dial()
    listener = Listener(call)
    listener.hear()                  # the main menu
    call.press("2")
    heard = listener.hear()          # "please hold while we try to connect you", then music
    assert heard.ending is Ending.MUSIC
    assert heard.seconds == pytest.approx(_seconds(acme, "queue"), abs=0.4)
    started, announcements, agent = listener.through_hold()
    assert len(announcements) == 1   # at 20 s of a 40 s hold (at 40 s the agent answers)
    assert agent.ending is Ending.SILENCE
    assert agent.onset - heard.end == pytest.approx(41.0, abs=1.0)


def test_a_voicemail_beep_ends_its_greeting(acme):
    call = ReplayLine(acme).dial()
    listener = Listener(call)
    listener.hear()
    call.press("1")                  # sales
    listener.hear()
    call.press("5")                  # leave a message
    heard = listener.hear()
    assert heard.ending is Ending.TONE
    assert heard.seconds == pytest.approx(_seconds(acme, "mailbox"), abs=0.4)


def test_a_line_that_hangs_up_and_one_that_says_nothing(tiny):
    call = ReplayLine(tiny).dial()
    listener = Listener(call)
    listener.hear()
    call.press("1")                  # "Goodbye." and the line hangs up at once
    bye = listener.hear()
    assert bye.ending is Ending.HANGUP and bye.seconds == pytest.approx(_seconds(tiny, "bye"), abs=0.3)
    gone = listener.hear()
    assert gone.ending is Ending.HANGUP and gone.empty

    call = ReplayLine(tiny).dial()
    listener = Listener(call)
    listener.hear()
    call.press("2")
    listener.hear()                  # the agent greets, then waits for the caller
    quiet = listener.hear(max_wait=2.0)
    assert quiet.ending is Ending.QUIET and quiet.empty


def test_stop_when_cuts_a_prompt_and_resume_hears_the_rest(acme):
    whole = Listener(ReplayLine(acme).dial()).hear()
    listener = Listener(ReplayLine(acme).dial())
    asked: list[float] = []

    def after_two_seconds(audio: np.ndarray) -> bool:
        asked.append(len(audio) / SAMPLE_RATE)
        return len(audio) >= 16000

    cut = listener.hear(stop_when=after_two_seconds)
    assert cut.ending is Ending.CUT
    assert asked[0] >= 1.0 and 2.0 <= cut.seconds < 2.5
    rest = listener.resume(cut)
    assert rest.ending is Ending.SILENCE
    assert rest.onset == cut.onset
    assert np.array_equal(rest.audio, whole.audio)


def test_listen_on_keeps_the_audio_with_the_prompt_and_unread_gives_it_back(acme):
    whole = Listener(ReplayLine(acme).dial()).hear()
    listener = Listener(ReplayLine(acme).dial())
    cut = listener.hear(stop_when=lambda audio: len(audio) >= SAMPLE_RATE)
    more = listener.listen_on(cut, 0.6)
    assert len(more) == 30 * 160
    assert np.array_equal(listener.resume(cut).audio, whole.audio)

    listener = Listener(ReplayLine(acme).dial())
    cut = listener.hear(stop_when=lambda audio: len(audio) >= SAMPLE_RATE)
    more = listener.listen_on(cut, 1.0)
    listener.unread(more)
    again = listener.call.read(0)  # the call itself has moved on...
    assert len(again) == 0
    assert np.array_equal(listener.resume(cut).audio[: len(cut.audio)], cut.audio)


def test_unread_frames_are_heard_first(tiny):
    class Silent:
        """A line that sends nothing but silence."""

        ring_seconds = 0.0
        seconds = 0.0
        ended = False

        def read(self, frames: int = 1) -> np.ndarray:
            return np.zeros(160 * frames, dtype=np.int16)

        def press(self, keys: str) -> None: ...

        def hangup(self) -> None: ...

    speech = ulaw_round_trip(tiny.prompt_audio(tiny.nodes["main"]))
    speech = speech[: len(speech) // 160 * 160]
    listener = Listener(Silent())
    listener.unread(speech)
    heard = listener.hear(max_wait=1.0)
    assert heard.ending is Ending.SILENCE
    assert len(heard.audio) >= len(speech) - 0.3 * SAMPLE_RATE
    starts = [k for k in range(0, len(speech) - len(heard.audio) + 1, 160)
              if np.array_equal(speech[k:k + len(heard.audio)], heard.audio)]
    assert starts and starts[0] < 0.2 * SAMPLE_RATE   # the given-back speech, from its first sound


def test_stop_when_answering_none_is_not_asked_again(acme):
    asked: list[float] = []

    def give_up(audio: np.ndarray) -> None:
        asked.append(len(audio) / SAMPLE_RATE)
        return None

    heard = Listener(ReplayLine(acme).dial()).hear(stop_when=give_up)
    assert heard.ending is Ending.SILENCE and heard.seconds > 20
    assert len(asked) == 1


def test_a_known_prompt_heard_to_its_known_length_ends_at_a_short_silence(acme):
    """Resumed with the length it is known to have, a prompt ends 0.2 s into the silence
    after it (a caller can act in the pause after it); told a longer length, it ends at the
    usual 0.7 s of silence and the 0.3 s margin a pause inside a known prompt has, and a
    prompt is never cut before its known length."""
    def resumed(known: float | None) -> tuple[float, float]:
        listener = Listener(ReplayLine(acme).dial())
        cut = listener.hear(stop_when=lambda audio: len(audio) >= SAMPLE_RATE)
        rest = listener.resume(cut, known_seconds=known)
        assert rest.ending is Ending.SILENCE
        return rest.seconds, listener.call.seconds - rest.end

    whole, usual = resumed(None)
    seconds, waited = resumed(whole)
    assert seconds == whole
    assert waited == pytest.approx(0.2, abs=0.03) and usual == pytest.approx(0.7, abs=0.03)
    longer = resumed(whole + 5.0)
    assert longer[0] == whole and longer[1] == pytest.approx(1.0, abs=0.03)
    early = resumed(whole - 1.0)  # told too short: ends at the first 0.2 s pause after that
    assert whole - 1.1 <= early[0] <= whole and early[1] == pytest.approx(0.2, abs=0.03)


def test_someone_who_speaks_as_the_music_stops_is_given_back_from_the_first_word(tiny):
    """The window that tells music from speech lags by a second, so the frames of an agent
    who answered as a queue's music stopped were read as music (zoo seed 322: "Hi, this is
    Tom" heard as "This is Tom", matching no prompt, and the time to a human late). What
    follows the longest pause in those frames (the hand-over; the pauses between someone's
    words are shorter) is heard again, and only once."""
    acme = tree_path("acme-pbx").parent
    music = read_telephone_audio(acme / "moh-robot-dity.wav")[8000:8000 + 80 * 160]
    words = read_telephone_audio(acme / "agent-sam.wav")
    words = words[np.flatnonzero(np.abs(words) > 2000)[0]:][: 18 * 160]
    quiet = np.zeros(160, dtype=np.int16)
    frames = [*music.reshape(80, 160), *[quiet] * 25, *words[:13 * 160].reshape(13, 160),
              *[quiet] * 7, *words[13 * 160:].reshape(5, 160)]
    listener = Listener(ReplayLine(tiny).dial())
    listener.hear()  # (a position on the line to give back at)
    run = MusicRun(MUSIC_MEMORY_FRAMES)
    run.add(frames)
    listener._give_back_after_music(run)
    given = [listener._frame() for _ in range(25)]
    assert np.array_equal(np.concatenate(given), np.concatenate(frames[105:]))
    listener._give_back_after_music(run)  # at the same place again: not given back twice
    assert not np.array_equal(listener._frame(), frames[105])


def _hiss(seconds: float, dbfs: float, seed: int = 7) -> np.ndarray:
    """White noise measuring ``dbfs`` (AES17: its RMS 3 dB under a sine's of that level)."""
    rms = 32768 * 10 ** ((dbfs - 3) / 20)
    return np.random.default_rng(seed).normal(0, rms, round(seconds * SAMPLE_RATE))


def _track(seconds: float) -> np.ndarray:
    """``seconds`` of a Debian hold track, from 10 s into it."""
    path = Path("/usr/share/asterisk/moh/manolo_camp-morning_coffee.wav")
    if not path.exists():
        pytest.skip(f"{path} not installed (scripts/test-deps.sh installs it)")
    return read_telephone_audio(path)[10 * SAMPLE_RATE:][: round(seconds * SAMPLE_RATE)]


def _music_then(after: np.ndarray, *, pause: float, music_seconds: float = 3.0,
                hiss_dbfs: float | None = None, law: str = "ulaw") -> tuple[np.ndarray, int]:
    """A line that plays a Debian hold track, ``pause`` s of quiet and ``after``, through
    G.711 (with hiss under it all, and a second of hiss alone first, where the line's noise
    is learned): the audio, and the frame ``after`` begins at."""
    from ivraudit.telephony.g711 import round_trip

    music = _track(music_seconds)
    lead = np.zeros(SAMPLE_RATE if hiss_dbfs is not None else 0)
    parts = [lead, music, np.zeros(round(pause * SAMPLE_RATE)), after, np.zeros(SAMPLE_RATE)]
    audio = np.concatenate([part.astype(np.float64) for part in parts])
    if hiss_dbfs is not None:
        audio += _hiss(len(audio) / SAMPLE_RATE, hiss_dbfs)
    line = round_trip(np.clip(audio, -32768, 32767).astype(np.int16), law)
    return line, (len(lead) + len(music) + round(pause * SAMPLE_RATE)) // FRAME_SAMPLES


def _read_as_music(listener: Listener, frames: int) -> MusicRun:
    """``frames`` frames of the line read while the window said music, as through_hold does."""
    run = MusicRun(MUSIC_MEMORY_FRAMES)
    for _ in range(frames):
        run.add([listener._frame()])
    return run


def test_an_agent_after_the_music_under_hiss_over_the_floor_is_given_back():
    """The pause where a queue's music stops is the line's own noise, not the absolute
    floor: hiss at -47 dBFS (over -50) made every frame of a 0.43 s pause sound, no
    hand-over was found, and the agent's first words stayed the music's (zoo seed 24051:
    "Outages, Luis speaking." heard as "and through its beaking."). Human-recorded words
    after 0.45 s of the hiss are heard again from their first frame."""
    words = read_telephone_audio(Path("/usr/share/asterisk/sounds/en/vm-reachoper.wav"))
    words = words[np.flatnonzero(np.abs(words) > 1000)[0] - 80:]
    line, begins = _music_then(words, pause=0.45, hiss_dbfs=-47.0, law="alaw")
    listener = Listener(_PlayedCall(line))
    run = _read_as_music(listener, begins + 40)  # the window turns to speech 0.8 s into them
    assert listener.sound.line_floor is not None
    listener._give_back_after_music(run)
    again = listener._frame()
    first = min(range(begins - 3, begins + 3),
                key=lambda i: int(np.abs(line[i * FRAME_SAMPLES:][:FRAME_SAMPLES]
                                         .astype(np.int64) - again).sum()))
    assert begins - 1 <= first <= begins + 1  # (the first frame over the hiss)


@pytest.mark.skipif(not (shutil.which("flite") and shutil.which("sox")),
                    reason="flite and sox speak the greeting (scripts/test-deps.sh)")
def test_a_short_first_word_after_the_music_is_judged_with_what_follows(tmp_path):
    """Whether what follows the pause is the music again is judged on a whole window of
    it, the line read on where less was read: a flite "Hi," and its pause, on a line 10 dB
    down, score as music by themselves, and the agent stayed the music's (zoo seed 28037:
    "Hi, this is Omar." heard as "So, mark it."); a second of it is speech."""
    raw, wav = tmp_path / "raw.wav", tmp_path / "hi.wav"
    subprocess.run(["flite", "-voice", "kal", "-t",
                    "Hi, this is Omar. How can I help you today?", "-o", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(wav)], check=True)
    greeting = read_telephone_audio(wav)
    greeting = (greeting[np.flatnonzero(np.abs(greeting) > 300)[0]:] * 10 ** (-10 / 20))
    line, begins = _music_then(greeting, pause=0.5)
    sounds = [sounding_frame(line[i * FRAME_SAMPLES:][:FRAME_SAMPLES])
              for i in range(begins, begins + 40)]
    hi_ends = sounds.index(False)
    next_word = hi_ends + sounds[hi_ends:].index(True)
    read = begins + next_word + 2  # "Hi,", its pause and the next word's first frames
    assert classify(line[begins * FRAME_SAMPLES: read * FRAME_SAMPLES]) is Sound.MUSIC
    listener = Listener(_PlayedCall(line))
    listener._give_back_after_music(_read_as_music(listener, read))
    assert np.array_equal(listener._frame(), line[begins * FRAME_SAMPLES:][:FRAME_SAMPLES])


def test_a_pause_in_words_that_ran_on_as_music_is_no_hand_over(tiny):
    """Music that sounded for less than UNSURE_MUSIC_SECONDS before a pause is no music
    that stopped there: the end of someone's words that the window still called music (a
    buzzy voice's), and the pause is between their sentences (zoo seed 29127: "Thanks for
    calling the City of Fairview.", 0.8 s of "music", 0.3 s, and "This is Sam. How can I
    help?" heard as a prompt of its own). Nothing is given back; after seconds of a hold
    track, the same pause and words are."""
    sounds = Path("/usr/share/asterisk/sounds/en")
    first = read_telephone_audio(sounds / "vm-reachoper.wav")
    first = first[: np.flatnonzero(np.abs(first) > 1000)[-1] + 80][-round(0.8 * SAMPLE_RATE):]
    then = read_telephone_audio(sounds / "vm-starmain.wav")
    then = then[np.flatnonzero(np.abs(then) > 1000)[0] - 80:][:SAMPLE_RATE]

    def given_back(before: np.ndarray) -> bool:
        audio = np.concatenate([before, np.zeros(round(0.3 * SAMPLE_RATE), np.int16), then])
        frames = list(audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, 160))
        listener = Listener(ReplayLine(tiny).dial())
        listener.hear()  # (a position on the line to give back at)
        run = MusicRun(MUSIC_MEMORY_FRAMES)
        run.add(frames)
        listener._give_back_after_music(run)
        return np.array_equal(listener._frame(), then[:FRAME_SAMPLES])

    assert not given_back(first)
    assert given_back(_track(2.0))


def test_pauses_on_a_line_with_loud_hiss_are_quiet():
    """Hiss at -43 dBFS is above the absolute floor: the pauses are the line's noise, and
    quiet, as the listener's learned floor has them."""
    import numpy as np

    from ivraudit.listen.activity import quiet_frames
    from ivraudit.telephony.constants import SAMPLE_RATE

    rng = np.random.default_rng(3)
    hiss = rng.normal(0, 32768 * 10 ** (-43 / 20), SAMPLE_RATE * 3)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    voice = 6000 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    hiss[:SAMPLE_RATE] += voice
    hiss[2 * SAMPLE_RATE:] += voice
    quiet = quiet_frames(np.clip(hiss, -32768, 32767).astype(np.int16))
    assert all(quiet[60:90]) and not any(quiet[0:5]) and sum(quiet[110:150]) < 10


@pytest.mark.parametrize("law", ["alaw", "ulaw"])
@pytest.mark.parametrize("hiss_dbfs", [-52.0, -50.0, -48.0])
def test_pauses_on_a_line_with_hiss_at_the_absolute_floor_are_quiet(law, hiss_dbfs):
    """Hiss a dB or two either side of the absolute floor (-50 dBFS) through G.711: its
    frames fall either side of it at random, and half of a pause was sound, so no pause was
    five quiet frames long (zoo seed 24051: -46.8 dBFS of noise on an A-law line at -5 dB).
    Sound is over the noise by the margin wherever the noise is."""
    from ivraudit.listen.activity import quiet_frames
    from ivraudit.telephony.g711 import round_trip

    rng = np.random.default_rng(5)
    hiss = rng.normal(0, 32768 * 10 ** (hiss_dbfs / 20), SAMPLE_RATE * 3)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    voice = 6000 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    hiss[:SAMPLE_RATE] += voice
    hiss[2 * SAMPLE_RATE:] += voice
    line = round_trip(np.clip(hiss, -32768, 32767).astype(np.int16), law)
    quiet = quiet_frames(line)
    assert sum(quiet[55:95]) >= 38  # the second of hiss between the two sounds
    assert sum(quiet[0:50]) < 10 and sum(quiet[105:150]) < 10


def test_the_sound_before_a_known_prompt_placed_on_its_soft_first_frame_ends_at_the_pause():
    """A known prompt found inside a heard one is placed on the 20 ms grid and may start a
    frame or two into its soft first sound: what came before it ends where its own sound
    does, not there (zoo seed 25001: a message kept the 0.46 s pause after it, and every
    later call heard it on past its end)."""
    from ivraudit.listen.activity import end_of_sound_before

    quiet = [False] * 10 + [True] * 23 + [False] * 2 + [False] * 10  # a pause, a soft onset
    assert end_of_sound_before(quiet, 33) == 10   # placed on the pause's end: as before
    assert end_of_sound_before(quiet, 35) == 10   # two frames into the soft onset
    assert end_of_sound_before(quiet, 40) == 40   # further in: no pause within reach
    assert end_of_sound_before([False] * 5, 5) == 5


def _debian_words(name: str) -> np.ndarray:
    """A Debian human-recorded prompt from its first sound to its last."""
    audio = read_telephone_audio(f"/usr/share/asterisk/sounds/en/{name}.wav")
    audio = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES]
    sounding = [k for k, frame in enumerate(audio.reshape(-1, FRAME_SAMPLES))
                if sounding_frame(frame)]
    return audio[sounding[0] * FRAME_SAMPLES: (sounding[-1] + 1) * FRAME_SAMPLES]


@pytest.mark.parametrize("pause, one", [(0.8, True), (1.2, False)])
def test_a_pause_a_little_longer_than_ends_a_prompt_does_not_cut_a_known_prompt(pause, one):
    """Two recordings 0.8 s apart are two prompts to a listener who does not know them; known
    as one prompt (heard so on a call where the noise filled the pause a little), they are
    one when heard to their known length (zoo seed 30209: a greeting and its legal notice,
    heard as one prompt on the first call of a noisy line and apart on the later ones). A
    pause far longer than ends a prompt ends even a known one: it was something else."""
    first, then = _debian_words("vm-intro"), _debian_words("vm-options")
    gap = np.zeros(round(pause * SAMPLE_RATE), dtype=np.int16)
    audio = np.concatenate([first, gap, then, np.zeros(2 * SAMPLE_RATE, dtype=np.int16)])
    known = (len(audio) - 2 * SAMPLE_RATE) / SAMPLE_RATE

    def resumed(known_seconds: float | None) -> float:
        listener = Listener(_PlayedCall(audio))
        cut = listener.hear(stop_when=lambda heard: len(heard) >= SAMPLE_RATE)
        assert cut.ending is Ending.CUT
        rest = listener.resume(cut, known_seconds=known_seconds)
        assert rest.ending is Ending.SILENCE
        return rest.seconds

    assert resumed(None) == pytest.approx(len(first) / SAMPLE_RATE, abs=0.05)
    assert resumed(known) == pytest.approx(known if one else len(first) / SAMPLE_RATE, abs=0.05)


class _PlayedCall:
    """A call that plays ``audio`` once and hangs up: the part :meth:`Listener.hold_resumes`
    reads from, standing in for a line in a unit test of the listener."""

    ring_seconds = 0.0

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES]
        self.at = 0

    @property
    def seconds(self) -> float:
        return self.at / SAMPLE_RATE

    @property
    def ended(self) -> bool:
        return self.at >= len(self.audio)

    def read(self, frames: int = 1) -> np.ndarray:
        out = self.audio[self.at: self.at + frames * FRAME_SAMPLES]
        self.at += len(out)
        return out

    def press(self, keys: str) -> None:
        pass

    def hangup(self) -> None:
        self.at = len(self.audio)


@pytest.mark.parametrize("track", ["macroform-robot_dity", "manolo_camp-morning_coffee",
                                   "reno_project-system"])
def test_music_that_stops_within_a_second_is_not_the_hold_coming_back(track: str):
    """After a prompt heard in a queue, a sound that scores as music for a moment and is
    followed by a second of the quiet of someone waiting is no hold music resuming: it was
    a person's word (zoo seed 27033: an agent's "Hello?" under hiss, 2.3 s after the
    greeting, made the greeting an announcement). A second of a real hold track scores as
    music long enough to have counted before; three seconds of it, the hold goes on."""
    path = Path("/usr/share/asterisk/moh") / f"{track}.wav"
    if not path.exists():
        pytest.skip(f"{path} not installed (scripts/test-deps.sh installs it)")
    music = read_telephone_audio(path)[5 * SAMPLE_RATE:]
    quiet = np.zeros(3 * SAMPLE_RATE, np.int16)
    moment = np.concatenate([music[:SAMPLE_RATE], quiet])
    assert not Listener(_PlayedCall(moment)).hold_resumes()
    listener = Listener(_PlayedCall(np.concatenate([music[: 3 * SAMPLE_RATE], quiet])))
    assert listener.hold_resumes()
    assert np.array_equal(listener._frame(), music[:FRAME_SAMPLES])  # what it read is given back


def _blip(seconds: float = 0.06) -> np.ndarray:
    rng = np.random.default_rng(4)
    return (rng.standard_normal(round(seconds * SAMPLE_RATE)) * 3000).astype(np.int16)


def test_a_blip_between_silences_is_no_prompt_and_the_prompt_after_it_is_heard(tiny):
    """A queue's music fading in rises over the line's floor in blips of a few hundredths of
    a second before it is heard as music, and each was heard as a prompt, and became a node
    (zoo seed 29104); a click is one too. Nobody speaks that briefly: the wait goes on, and
    what comes next is the prompt."""
    prompt = tiny.prompt_audio(tiny.nodes["main"])
    quiet = np.zeros(SAMPLE_RATE, np.int16)
    audio = np.concatenate([quiet[:4000], _blip(), quiet, _blip(0.1), quiet, prompt, quiet])
    alone = Listener(_PlayedCall(np.concatenate([quiet, prompt, quiet]))).hear()
    heard = Listener(_PlayedCall(audio)).hear()
    assert heard.ending is Ending.SILENCE and heard.seconds == pytest.approx(alone.seconds)
    assert heard.onset == pytest.approx(alone.onset + (4000 + 480 + 800) / SAMPLE_RATE + 1.0)


def test_blips_do_not_lengthen_the_wait_for_a_prompt():
    """A line that clicks every second and says nothing has said nothing by ``max_wait``."""
    clicks = np.concatenate([np.concatenate([_blip(), np.zeros(SAMPLE_RATE, np.int16)])
                             for _ in range(10)])
    listener = Listener(_PlayedCall(clicks))
    heard = listener.hear(max_wait=3.0)
    assert heard.ending is Ending.QUIET and heard.empty
    assert listener.call.seconds < 4.5


def test_a_prompt_whose_first_seconds_score_as_music_is_no_queue_without_words(tiny):
    """Where the window confirms music before anything was said, the prompt is dropped
    whole for a queue with no announcement; one second of what follows, judged at one
    phase, still held the music's last scores (zoo seed 29003 before the line's noise was
    taken out of the statistics: a Spanish menu after its key, its opening music for 2.8 s
    of window verdicts, was a prompt-less queue that hung up). Looked at for two seconds,
    words that follow are words: a jingle and then a greeting, or a voice that began as
    music, are one prompt, heard to its end. A queue's music is music over two seconds as
    over one, with the line where the music was confirmed."""
    acme = tree_path("acme-pbx").parent
    music = read_telephone_audio(acme / "moh-robot-dity.wav")[20 * SAMPLE_RATE:]
    words = read_telephone_audio(acme / "agent-sam.wav")
    sound = np.flatnonzero(np.abs(words) > 500)
    words = words[sound[0]: sound[-1]]
    quiet = np.zeros(SAMPLE_RATE, np.int16)
    opening = music[: round(1.6 * SAMPLE_RATE)]
    heard = Listener(_PlayedCall(np.concatenate([quiet, opening, words, quiet, quiet]))).hear()
    assert heard.ending is Ending.SILENCE and not heard.sound_only
    assert heard.seconds == pytest.approx((len(opening) + len(words)) / SAMPLE_RATE, abs=0.2)
    listener = Listener(_PlayedCall(np.concatenate([quiet, music[: 8 * SAMPLE_RATE]])))
    queue = listener.hear()
    assert queue.ending is Ending.MUSIC and queue.sound_only
    assert listener.position == pytest.approx(queue.end, abs=0.01)  # the look was given back


def _under_hiss(audio: np.ndarray, noise_dbfs: float) -> np.ndarray:
    """``audio`` through a μ-law line with hiss of its own (a frame at a time, as a call)."""
    from ivraudit.spec.effects import LineEffects
    from ivraudit.spec.model import LineSpec

    line = LineEffects(LineSpec(noise_dbfs=noise_dbfs, noise_seed=1, codec="ulaw"))
    frames = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return np.concatenate([line.apply(frame) for frame in frames])


@pytest.mark.parametrize("noise_dbfs", [None, -44.0, -40.0, -35.5])
@pytest.mark.parametrize("at", [1.3, 1.9, 2.5])
def test_a_ring_comes_back_after_its_tone_and_a_beep_does_not_on_a_line_with_hiss(
        noise_dbfs: float | None, at: float):
    """A prompt that ended in a tone in a queue is the queue's where the tone comes back by
    itself after a pause: a ring (Listener.hold_resumes, ``after_a_pause``), asked from
    within a burst, between the two of a British ring, or in its long pause. The pause was
    judged by the absolute floor, under which hiss at -44 dBFS never falls, and under more
    hiss the window scores the ring as music for the last 0.3 s of its bursts, music that
    did not go on: a British ring's double burst, heard as a voice ending in a tone, was a
    voicemail box (zoo seed 29288: a queue mapped as a queue and a box). A voicemail box's
    beep is followed by the silence of the recording, hiss and all."""
    from ivraudit.telephony.tones import tone

    quiet = np.zeros(SAMPLE_RATE, np.int16)
    burst, gap = tone((400.0, 450.0), 0.4, dbfs=-17), np.zeros(round(0.2 * SAMPLE_RATE), np.int16)
    cycle = np.concatenate([burst, gap, burst, np.zeros(2 * SAMPLE_RATE, np.int16)])
    beep = tone((950.0,), 0.5, dbfs=-17)
    for sound, again in ((np.tile(cycle, 4), True),
                         (np.concatenate([beep, quiet, quiet, quiet, quiet]), False)):
        listener = Listener(_PlayedCall(_under_hiss(np.concatenate([quiet, sound]), noise_dbfs)))
        for _ in range(round(at / 0.02)):  # (as far as the prompt that ended in it was heard)
            listener._frame()
        assert listener.hold_resumes(6.0, after_a_pause=True) is again
