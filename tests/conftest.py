"""Shared test helpers: small specs written on the fly, and the bundled fixture trees."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import write_wav

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "recordings"
TREES = sorted(p.parent.name for p in FIXTURES.glob("*/tree.yaml"))


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


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 8000), dtype=np.int16)
