"""A key that goes in after the IVR stopped waiting for it is not believed.

Over SIP the crawler falls behind the line while it transcribes a prompt it has not heard
before: the line plays on meanwhile, and the key it then presses goes in that much later
(2.4 s after a real Asterisk menu ended, on a loaded 2-core machine, past its WaitExten(3)).
What the line says next is then its no-input timeout's, and was filed under the key. Here a
machine that slow is made on purpose (each new prompt's transcript takes 1.5 s more), against
the simulator over real SIP and RTP, with a menu that waits 1.5 s for a key.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import tree_path
from ivraudit.asr.base import Recognizer, Transcript
from ivraudit.asr.cache import CachedRecognizer
from ivraudit.crawl.explorer import Explorer
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.lines import open_line
from ivraudit.lines.sip import SipAccount
from ivraudit.simulator import Simulator
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.testing.truth import ground_truth, map_to_spec

SOUNDS = Path("/usr/share/asterisk/sounds/en")  # Debian's human-recorded prompts
SLOWER_SECONDS = 1.5

def _tree(waits: str) -> str:
    """The tiny tree's main menu, whose 1 leads to ``waits`` (a node named ``first`` that
    waits 1.5 s for a key, then says goodbye), and its 2 to a person."""
    return f"""\
format: ivraudit.tree/1
name: "A node that waits 1.5 s for a key; none says goodbye"
language: en
start: main
answer_after: 0.5
nodes:
  main:
    type: menu
    prompt: main.wav
    text: "Press 1 for goodbye. Press 2 for an agent."
    options:
      "1": first
      "2": agent
{waits}    wait: 1.5
    on_timeout: timed_out
  bye:
    type: message
    prompt: bye.wav
    text: "Goodbye."
    next: hangup
  agent:
    type: human
    prompt: agent.wav
    text: "Hi, this is Sam."
  timed_out:
    type: message
    prompt: vm-goodbye.wav
    text: "Goodbye"
    next: hangup
"""


SUBMENU = _tree("""  first:
    type: menu
    prompt: vm-tomakecall.wav
    text: "Press 4 to place an outgoing call."
    options:
      "4": bye
""")
ENTRY = _tree("""  first:
    type: input
    prompt: vm-enter-num-to-call.wav
    text: "Please enter the number you wish to call."
    digits: 1
    next: bye
""")


class SlowerMachine:
    """The recogniser of a machine busier than this one: each transcript takes
    ``SLOWER_SECONDS`` longer. Put under the cache, only audio not heard before costs it,
    as on the machine it stands for."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner
        self.engine = inner.engine

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        time.sleep(SLOWER_SECONDS)
        return self.inner.transcribe(pcm, sample_rate)


@pytest.mark.slow
@pytest.mark.skipif(not SOUNDS.is_dir(), reason="asterisk-core-sounds-en-wav not installed")
@pytest.mark.parametrize("tree", [SUBMENU, ENTRY], ids=["key", "first digit"])
def test_a_key_sent_after_the_menu_stopped_waiting_is_tried_again(recognizer, tmp_path: Path,
                                                                 tree: str) -> None:
    """A submenu's key, or a digit entry's first digit (entered one at a time: the prompt
    does not say how many), sent after its wait of 1.5 s."""
    tiny = tree_path("tiny").parent
    for name in ("main.wav", "bye.wav", "agent.wav"):
        shutil.copyfile(tiny / name, tmp_path / name)
    for name in ("vm-tomakecall.wav", "vm-goodbye.wav", "vm-enter-num-to-call.wav"):
        shutil.copyfile(SOUNDS / name, tmp_path / name)
    (tmp_path / "tree.yaml").write_text(tree)
    spec = load_spec(tmp_path / "tree.yaml")
    slow = CachedRecognizer(SlowerMachine(recognizer.inner))
    with Simulator(spec, paced=True) as sim:
        line = open_line(sim.uri(), account=SipAccount(ring_time_scale=1.0, media_timeout=2.0,
                                                       pace_by_reading=True))
        try:
            audit = Explorer(line, slow, policy=CrawlPolicy(), language="en").crawl()
        finally:
            line.close()

    calls = [(call.path, call.error) for call in audit.calls]
    mapping = map_to_spec(spec, audit)
    edges = {(mapping[s], mapping[t], k) for s, t, k in audit.edges}
    assert edges == ground_truth(spec).edges, calls
    assert audit.complete and audit.problems == [], calls
    late = [call for call in audit.calls if "after the prompt ended" in (call.error or "")]
    assert late, f"no key went in late: the machine was not slow enough to test anything: {calls}"
