"""Kamailio (Debian) as the registrar, with digest authentication: the SIP line registers with
the right password and fails clearly, before any call, with a wrong one. And as a proxy in
front of the simulator: proxy authentication (407) and a record-routed dialog."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest

from conftest import Peer
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
    if (lookup("location")) {{
        sl_send_reply("200", "Registered");
        exit;
    }}
    sl_send_reply("404", "Not here");
}}
"""


def _is_registered(port: int, user: str) -> bool:
    """Ask the registrar, as any caller would: an OPTIONS to the user's address of record
    gets 200 while the registrar has a binding for it (the config above), 404 after."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3.0)
    here = sock.getsockname()[1]
    request = (f"OPTIONS sip:{user}@127.0.0.1:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bK-{time.monotonic_ns()}\r\n"
               f"From: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:{user}@127.0.0.1>\r\n"
               f"Call-ID: probe-{time.monotonic_ns()}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\n"
               "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    try:
        sock.sendto(request.encode(), ("127.0.0.1", port))
        status = sock.recv(4096).decode().split(" ", 2)[1]
    finally:
        sock.close()
    assert status in ("200", "404"), status
    return status == "200"


@pytest.fixture(scope="module")
def kamailio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kamailio")
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = folder / "kamailio.cfg"
    config.write_text(CONFIG.format(port=port, modules=MODULES, user="alice", password="s3cret"))
    peer = Peer(["kamailio", "-f", str(config), "-DD", "-E", "-n", "1", "-Y", str(folder)],
                folder / "kamailio.log")
    yield port
    peer.stop()


def _register(port: int, user: str, password: str | None) -> SipLine:
    line = SipLine(f"sip:ivr@127.0.0.1:{port}",
                   SipAccount(user=user, password=Secret(password) if password else None,
                              registrar=f"127.0.0.1:{port}"))
    line.start()
    return line


def test_registration_with_the_right_password(kamailio: int) -> None:
    line = _register(kamailio, "alice", "s3cret")
    assert line.registered
    assert _is_registered(kamailio, "alice")
    line.close()


def test_closing_the_line_takes_the_registration_back(kamailio: int) -> None:
    line = _register(kamailio, "alice", "s3cret")
    assert _is_registered(kamailio, "alice")
    line.close()
    assert not line.registered and line.deregister_problem is None
    assert not _is_registered(kamailio, "alice")


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
        peer = Peer(["kamailio", "-f", str(config), "-DD", "-E", "-n", "1", "-Y", str(tmp_path)],
                    tmp_path / "kamailio.log")
        try:
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
            peer.stop()
