"""SIPp (Debian ``sip-tester``) as the far end: an independent SIP implementation plays the
call outcomes the crawler must survive. SIPp exits 0 only when its scenario ran to the end, so
each test also proves the line's ACK, CANCEL and BYE handling are what a third party expects.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from ivraudit.lines import CallFailed, CallOutcome
from ivraudit.lines.sip import SipAccount, SipLine

SCENARIOS = Path(__file__).resolve().parent / "sipp"
PCAP = Path("/usr/share/sip-tester/g711a.pcap")

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None,
                                reason="SIPp not installed (scripts/test-deps.sh: sip-tester)")


def _free_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


class Sipp:
    """One SIPp UAS run of a scenario for one call, on free ports of 127.0.0.1."""

    def __init__(self, scenario: Path, workdir: Path) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(self.port),
             "-mi", "127.0.0.1", "-mp", str(_free_port()), "-m", "1", "-nostdin",
             "-timeout", "20", "-timeout_error", "-trace_err"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir)
        self.workdir = workdir
        time.sleep(0.3)  # SIPp binds its socket
        assert self.process.poll() is None, self.process.communicate()[0]

    def uri(self) -> str:
        return f"sip:ivr@127.0.0.1:{self.port}"

    def finish(self) -> int:
        """SIPp's exit status (0: its scenario completed) once the call is over."""
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()  # our own child, by its handle
            self.process.wait()
        errors = "".join(p.read_text() for p in self.workdir.glob("*_errors.log"))
        assert self.process.returncode == 0, errors or self.process.communicate()[0]
        return self.process.returncode


def _line(uri: str, **kw) -> SipLine:
    return SipLine(uri, SipAccount(**kw))


@pytest.mark.parametrize("status, outcome", [("486 Busy Here", CallOutcome.BUSY),
                                             ("404 Not Found", CallOutcome.NOT_FOUND),
                                             ("603 Decline", CallOutcome.DECLINED)])
def test_rejections_from_sipp(tmp_path: Path, status: str, outcome: CallOutcome) -> None:
    scenario = tmp_path / "reject.xml"
    scenario.write_text((SCENARIOS / "reject.xml").read_text().replace("486 Busy Here", status))
    sipp = Sipp(scenario, tmp_path)
    with _line(sipp.uri()) as line:
        with pytest.raises(CallFailed) as failed:
            line.dial()
    assert failed.value.outcome is outcome and status in failed.value.detail
    sipp.finish()   # SIPp got our ACK for its final response


def test_no_answer_from_sipp_is_cancelled(tmp_path: Path) -> None:
    sipp = Sipp(SCENARIOS / "no_answer.xml", tmp_path)
    with _line(sipp.uri(), ring_timeout=1.0) as line:
        with pytest.raises(CallFailed) as failed:
            line.dial()
    assert failed.value.outcome is CallOutcome.NO_ANSWER
    sipp.finish()   # SIPp got CANCEL, answered 200 + 487, and got our ACK


@pytest.mark.skipif(not PCAP.exists(), reason=f"{PCAP} missing")
def test_sipp_hangs_up_mid_prompt(tmp_path: Path) -> None:
    sipp = Sipp(SCENARIOS / "bye_mid_prompt.xml", tmp_path)
    with _line(sipp.uri()) as line:
        call = line.dial()
        audio = call.read(500)          # asks for 10 s; SIPp hangs up after 2
        assert call.ended and call.end_reason == "far end hung up"
        assert 1.7 <= call.seconds <= 2.2
        assert np.sqrt(np.mean(audio.astype(float) ** 2)) > 300   # SIPp's recorded A-law voice
        call.hangup()
    sipp.finish()   # SIPp got its 200 for the BYE
