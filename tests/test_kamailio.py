"""Kamailio (Debian) as the registrar, with digest authentication: the SIP line registers with
the right password and fails clearly, before any call, with a wrong one. And as a proxy in
front of the simulator: proxy authentication (407) and a record-routed dialog."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ivraudit.errors import LineError
from ivraudit.lines.sip import Secret, SipAccount, SipLine

pytestmark = pytest.mark.skipif(shutil.which("kamailio") is None,
                                reason="kamailio not installed (scripts/test-deps.sh)")
# Debian's multiarch folder: x86_64-linux-gnu, aarch64-linux-gnu, ...
MODULES = next(iter(sorted(Path("/usr/lib").glob("*/kamailio/modules"))),
               Path("/usr/lib/x86_64-linux-gnu/kamailio/modules"))

HEADER = """#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
mpath="{modules}/"
loadmodule "pv.so"
loadmodule "sl.so"
"""

CONFIG = HEADER + """loadmodule "textops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
request_route {{
    if (is_method("REGISTER")) {{
        if (!pv_www_authenticate("$td", "{password}", "0")) {{
            www_challenge("$td", "0");
            exit;
        }}
        if ($au != "{user}") {{
            sl_send_reply("403", "Forbidden");
            exit;
        }}
        if (!save("location")) {{
            sl_reply_error();
        }}
        exit;
    }}
    sl_send_reply("404", "Not here");
}}
"""


@pytest.fixture(scope="module")
def kamailio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kamailio")
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = folder / "kamailio.cfg"
    config.write_text(CONFIG.format(port=port, modules=MODULES, user="alice", password="s3cret"))
    process = subprocess.Popen(["kamailio", "-f", str(config), "-DD", "-E", "-n", "1",
                                "-Y", str(folder)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    time.sleep(1.0)
    assert process.poll() is None, process.communicate()[0]
    yield port
    process.terminate()   # our own child, by its handle
    process.wait(timeout=10)


def _register(port: int, user: str, password: str | None) -> SipLine:
    line = SipLine(f"sip:ivr@127.0.0.1:{port}",
                   SipAccount(user=user, password=Secret(password) if password else None,
                              registrar=f"127.0.0.1:{port}"))
    line.start()
    return line


def test_registration_with_the_right_password(kamailio: int) -> None:
    line = _register(kamailio, "alice", "s3cret")
    assert line.registered
    line.close()


@pytest.mark.parametrize("user, password, why", [
    ("alice", "not-it-7Q", "wrong user or password"),
    ("alice", None, "asks for a password"),
    ("bob", "s3cret", "403 Forbidden"),
])
def test_registration_failures_are_clear(kamailio: int, user: str, password: str | None,
                                         why: str) -> None:
    with pytest.raises(LineError, match=why) as failed:
        _register(kamailio, user, password)
    assert f"registration at 127.0.0.1:{kamailio} failed" in str(failed.value)
    if password:
        assert password not in str(failed.value)


PROXY = HEADER + """loadmodule "tm.so"
loadmodule "textops.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "auth.so"
loadmodule "siputils.so"
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    if (is_method("INVITE")) {{
        if (!pv_proxy_authenticate("$fd", "{password}", "0")) {{
            proxy_challenge("$fd", "0");
            exit;
        }}
        consume_credentials();
        record_route();
        $du = "sip:127.0.0.1:{upstream}";
        t_relay();
        exit;
    }}
    sl_send_reply("404", "Not here");
}}
"""


def test_a_call_through_kamailio_with_proxy_auth_and_record_route(tmp_path: Path) -> None:
    """INVITE challenged with 407, then relayed to the simulator; Kamailio record-routes, so the
    ACK and BYE must carry the route set (pyvoip_fixes bug 15) or the call gets no media."""
    from conftest import tree_path
    from ivraudit.lines import CallFailed, CallOutcome
    from ivraudit.simulator import Simulator
    from ivraudit.spec import load_spec

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with Simulator(load_spec(tree_path("tiny"))) as sim:
        config = tmp_path / "proxy.cfg"
        config.write_text(PROXY.format(port=port, modules=MODULES, password="pr0xy",
                                       upstream=sim.port))
        process = subprocess.Popen(["kamailio", "-f", str(config), "-DD", "-E", "-n", "1",
                                    "-Y", str(tmp_path)], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(1.0)
            assert process.poll() is None, process.communicate()[0]
            uri = f"sip:ivr@127.0.0.1:{port}"
            with SipLine(uri, SipAccount(user="alice", password=Secret("bad"))) as line:
                with pytest.raises(CallFailed) as failed:
                    line.dial()
            assert failed.value.outcome is CallOutcome.AUTH_FAILED
            with SipLine(uri, SipAccount(user="alice", password=Secret("pr0xy"))) as line:
                call = line.dial()
                assert len(call.read(100)) == 100 * 160     # media flows: the ACK got through
                call.press("2")
                call.read(60)
                call.hangup()
            deadline = time.monotonic() + 3
            while sim.traces[-1].ended_by != "caller" and time.monotonic() < deadline:
                time.sleep(0.05)
            trace = sim.traces[-1]
            assert [k for _, k, _ in trace.keys] == ["2"]
            assert trace.ended_by == "caller"                  # the BYE got through too
            assert len(sim.traces) == 1                        # the bad password never reached it
        finally:
            process.terminate()   # our own child, by its handle
            process.wait(timeout=10)
