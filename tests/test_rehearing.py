"""Options heard again (ivraudit.crawl.rehearing): an announced option that did what the
menu's wrong keys do was misheard, and the words that said it are decoded again on their own.
Real audio: a zoo tree's flite menu over its μ-law line, heard as a crawl hears it, and
Whisper tiny.en."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from ivraudit.asr import Recognizer, Transcript, Word
from ivraudit.audit.model import Audit, NodeRecord, Option
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.policy import CrawlPolicy
from ivraudit.crawl.rehearing import Rehearing
from ivraudit.crawl.scheduler import Scheduler
from ivraudit.interpret import as_said_in_hundreds, interpret
from ivraudit.lines.replay import ReplayLine
from ivraudit.listen.listener import Listener
from ivraudit.spec import load_spec
from ivraudit.telephony.constants import SAMPLE_RATE

sys.path.append(str(Path(__file__).resolve().parent.parent / "fixtures"))
from zoo.generate import build_tree  # noqa: E402


class _WroteSixHundred:
    """Whisper tiny.en as it decoded zoo seed 29284's whole menu on session 12's machine,
    "... dial 600.", where another CPU's arithmetic writes "dial 60080." at once: the
    whole prompt's extension written 600, its word times Whisper's own; what is decoded
    again (the tails of the prompt) as Whisper decodes it here."""

    def __init__(self, inner: Recognizer, whole: np.ndarray) -> None:
        self.inner, self.whole, self.engine = inner, whole, inner.engine

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        said = self.inner.transcribe(pcm, sample_rate)
        if len(pcm) != len(self.whole):
            return said
        words = tuple(Word(re.sub(r"^(60080|680)", "600", w.text), w.start, w.end, w.confidence)
                      for w in said.words)
        return Transcript(" ".join(w.text for w in words), words, said.engine)


def test_an_extension_that_did_what_wrong_keys_do_is_heard_again(tmp_path: Path,
                                                                 recognizer: Recognizer) -> None:
    """Whisper tiny.en wrote the flite "... For the front desk, dial six hundred eighty." at
    the end of zoo seed 29284's 20 s menu as "... dial 600.", which did what wrong keys do;
    decoded again from the start of its sentence and its clause, it is "dial 60080" (six
    hundred and eighty, run together) and 680 is tried first."""
    spec = load_spec(build_tree(29284, tmp_path))
    heard = Listener(ReplayLine(spec).dial()).hear()
    audit = Audit(target="zoo 29284", started="")
    mapper = Mapper(audit, _WroteSixHundred(recognizer, heard.audio), "en",
                    lambda message: None)
    reading = interpret(mapper.transcribe(heard.audio))
    assert ("600", "the front desk") in [(o.key, o.label) for o in reading.options]
    menu = NodeRecord(id="n0", kind="menu", path=[], via=[],
                      transcript=mapper.transcribe(heard.audio),
                      options=[Option(o.key, o.label) for o in reading.options],
                      audio=heard.audio)
    audit.nodes[menu.id] = menu
    rehearing = Rehearing(audit, mapper, Scheduler(audit, CrawlPolicy(), lambda: 0.0,
                                                   lambda node: 0.0))
    found = [(o.key, o.label) for o in rehearing.heard_again(menu, "600")]
    assert found[0] == ("680", "the front desk") and ("600", "the front desk") not in found
    # a key that was heard right is heard the same again: no other choice to try
    assert rehearing.heard_again(menu, "2") == []


def test_a_number_said_in_hundreds_may_be_written_run_together() -> None:
    """"six hundred eighty" written "60080": another reading of the figures, never the first
    (flite's "dial 30015" is written "30015" too)."""
    assert as_said_in_hundreds("60080") == "680"
    assert as_said_in_hundreds("70025") == "725"
    assert [as_said_in_hundreds(n) for n in ("600", "6008", "60008", "60800", "8500")] == \
        [None] * 5
    assert [o.key for o in interpret("For the front desk, dial 30015.").options] == ["30015"]


class _Written:
    """A recogniser that writes every audio it is given as ``text``, one word a second."""

    engine = "written"

    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        words = tuple(Word(w, float(i), i + 1.0, 0.9) for i, w in enumerate(self.text.split()))
        return Transcript(self.text, words, self.engine)


def test_an_extension_written_run_together_again_is_tried_as_hundreds_and_tens() -> None:
    """"dial six hundred eighty" written "dial 60080" in the whole prompt and again in its
    sentence decoded alone (fresh zoo seed 30229): 60080 did what wrong keys do, and its own
    other reading, 680, is the one to try (never 60080 again)."""
    said = "Press 1 to change your policy. For the front desk, dial 60080."
    audit = Audit(target="zoo 30229", started="")
    mapper = Mapper(audit, _Written(said), "en", lambda message: None)
    reading = interpret(said)
    menu = NodeRecord(id="n0", kind="menu", path=[], via=[], transcript=said,
                      options=[Option(o.key, o.label) for o in reading.options],
                      audio=np.zeros(12 * SAMPLE_RATE, np.int16))
    audit.nodes[menu.id] = menu
    rehearing = Rehearing(audit, mapper, Scheduler(audit, CrawlPolicy(), lambda: 0.0,
                                                   lambda node: 0.0))
    assert [(o.key, o.label) for o in rehearing.heard_again(menu, "60080")] == \
        [("680", "the front desk")]
