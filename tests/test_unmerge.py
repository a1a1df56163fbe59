"""A node found to be two prompts run together, split (ivraudit.crawl.unmerge), with real
flite voices; the recogniser knows each recording by its fingerprint (no model)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from ivraudit.audit.model import Audit, NodeRecord
from ivraudit.crawl.mapper import Mapper
from ivraudit.crawl.unmerge import split_earlier
from ivraudit.identity import fingerprint
from ivraudit.telephony.g711 import ulaw_round_trip
from ivraudit.telephony.wav import read_telephone_audio
from ivraudit.testing.recognizers import FingerprintRecognizer

NOTICE = "Due to high call volumes, your wait time may be longer than usual."
MENU = "Press 1 for new service. Press 2 for billing."


def _say(folder: Path, voice: str, words: str) -> np.ndarray:
    raw = folder / f"{voice}-{abs(hash(words))}.wav"
    subprocess.run(["flite", "-voice", voice, "-t", words, "-o", str(raw)], check=True)
    return ulaw_round_trip(read_telephone_audio(raw))


@pytest.mark.parametrize("gap", [0.3, 0.45])
def test_words_that_say_a_wait_split_off_the_menu_they_ran_into_are_a_message(
        tmp_path: Path, gap: float):
    """A notice that speaks of wait times ("your wait time may be longer than usual" reads
    as a queue's words), heard run into the menu (a short gap: zoo trees' gap-short, 0.3-0.5
    s), then split off it once the menu is heard alone: the line went on within a moment, it
    did not hold the caller, so it was a message (zoo seed 29415's legal notice a queue)."""
    notice, menu = _say(tmp_path, "kal", NOTICE), _say(tmp_path, "rms", MENU)
    audit = Audit(target="test", started="")
    mapper = Mapper(audit, FingerprintRecognizer([(notice, NOTICE), (menu, MENU)]), "en",
                    lambda message: None)
    both = np.concatenate([notice, np.zeros(round(gap * 8000), np.int16), menu])
    audit.nodes["n1"] = NodeRecord("n1", "menu", [], [], transcript=f"{NOTICE} {MENU}",
                                   audio=both)
    mapper.index.add("n1", fingerprint(both), f"{NOTICE} {MENU}")
    audit.nodes["n2"] = NodeRecord("n2", "menu", ["9"], ["n1"], transcript=MENU, audio=menu)
    mapper.index.add("n2", fingerprint(menu), MENU)
    assert split_earlier(mapper, "n2") == ["n1"]
    assert audit.nodes["n1"].kind == "message"
