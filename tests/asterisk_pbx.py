"""A real Asterisk 20 PBX for the tests (tests/test_asterisk.py): found or built, configured in
a temporary folder, started, and stopped.

Where Asterisk comes from: ``scripts/asterisk.sh`` builds it from the vendored source
(``$IVRAUDIT_ASTERISK_TARBALL``, else ``shared/vendor/asterisk-20.20.1.tar.xz`` in a folder above the
clone) once per machine, into a cache outside the clone; without that source, an ``asterisk``
on the PATH is used. With neither, the tests skip, saying why, except under ``CI=true``, where
they fail: CI must run them.

What it runs: every dialplan in ``tests/pbx/*.conf`` (its first context is named after the
file, any other one begins with that name), reached by dialling the file's name
(``sip:simple@127.0.0.1:PORT``) as the SIP peer
``ivraudit`` with a password (chan_sip challenges every INVITE; guests are refused). Prompts
are Debian's (asterisk-core-sounds-en-wav, asterisk-moh-opsound-wav) and the repository's own
recordings, linked into Asterisk's data folder as ``sounds/en``, ``sounds/ivraudit`` and
``moh``: the truth specs beside the dialplans name the very same files by the same paths, and
are loaded from that folder (:meth:`Asterisk.spec`).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIALPLANS = Path(__file__).resolve().parent / "pbx"
BUILD = ROOT / "scripts" / "asterisk.sh"
TARBALL_NAME = "asterisk-20.20.1.tar.xz"
NO_SOURCE = 3
"""scripts/asterisk.sh's exit status when it finds no vendored source to build from."""
SOUNDS = Path("/usr/share/asterisk/sounds/en")
MOH = Path("/usr/share/asterisk/moh")
OUR_SOUNDS = ROOT / "fixtures" / "recordings" / "acme-pbx"
"""Recordings of ours Asterisk plays as ``ivraudit/NAME`` (the flite agent's greeting)."""
AUDIO_ROOTS = (SOUNDS, MOH, OUR_SOUNDS)
"""Where the links of :func:`link_sounds` lead: the truth specs' audio is there, outside their
folder, which ``load_spec`` allows only when told (``audio_roots``)."""

USER = "ivraudit"
PASSWORD = "pbx-test-7Fq"
MODULES = (
    "res_timing_timerfd", "res_sorcery_config", "res_sorcery_memory", "res_sorcery_astdb",
    "res_rtp_asterisk", "res_musiconhold", "res_monitor", "codec_ulaw", "codec_alaw",
    "format_wav", "format_pcm", "bridge_simple", "bridge_native_rtp", "chan_sip",
    "pbx_config", "app_playback", "app_read", "app_queue", "app_dial", "app_echo",
    "app_verbose", "func_logic", "func_channel", "func_timeout", "func_strings",
    # optional dependencies of chan_sip and res_monitor that the loader insists on
    "res_crypto", "res_http_websocket", "func_periodic_hook", "app_chanspy", "func_cut",
    "func_groupcount", "func_uri",
)
"""What modules.conf loads (autoload is off): the set scripts/asterisk.sh builds."""


def unavailable(why: str) -> NoReturn:
    """Skip, or under CI=true fail: CI has what it takes to run these tests."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Asterisk tests cannot run in CI: {why}", pytrace=False)
    pytest.skip(why)


def find_asterisk() -> tuple[Path, Path | None]:
    """(the asterisk binary, its module folder or None for the binary's own default)."""
    done = subprocess.run([str(BUILD)], capture_output=True, text=True, check=False)
    if done.returncode == 0:
        prefix = Path(done.stdout.strip().splitlines()[-1])
        return prefix / "sbin" / "asterisk", prefix / "lib" / "asterisk" / "modules"
    if done.returncode != NO_SOURCE:  # e.g. the build packages are missing (scripts/test-deps.sh)
        unavailable(f"scripts/asterisk.sh could not build Asterisk (exit {done.returncode}):\n"
                    f"{done.stderr[-3000:]}")
    found = shutil.which("asterisk")
    if found is None:
        unavailable(f"no Asterisk: neither the source ({TARBALL_NAME} in ../shared/vendor or "
                    "$IVRAUDIT_ASTERISK_TARBALL; scripts/asterisk.sh builds it) nor an asterisk "
                    "binary on the PATH")
    return Path(found), None


def _free_port(kind: int = socket.SOCK_DGRAM) -> int:
    probe = socket.socket(socket.AF_INET, kind)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@dataclass
class Asterisk:
    """A running Asterisk whose every file is under ``folder``."""

    binary: Path
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def config(self) -> Path:
        return self.folder / "etc" / "asterisk.conf"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "log" / "messages.log"

    def uri(self, dialplan: str) -> str:
        return f"sip:{dialplan}@127.0.0.1:{self.port}"

    def spec(self, dialplan: str) -> Path:
        """The dialplan's truth spec, copied where its audio paths resolve (``data/``)."""
        target = self.data / f"{dialplan}.yaml"
        shutil.copyfile(DIALPLANS / f"{dialplan}.yaml", target)
        return target

    def cli(self, command: str, timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        """``asterisk -rx COMMAND`` against this instance (its own control socket)."""
        return subprocess.run([str(self.binary), "-C", str(self.config), "-rx", command],
                              capture_output=True, text=True, timeout=timeout, check=False)

    def output(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        console = self.folder / "console.log"
        if console.exists():
            text += console.read_text(errors="replace")
        return text[-6000:]

    # -- configuration ------------------------------------------------------------------

    def write_config(self, modules: Path | None) -> None:
        etc = self.folder / "etc"
        for sub in ("etc", "varlib/keys", "spool", "run", "log", "agi"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        link_sounds(self.data)
        directories = {
            "astetcdir": etc, "astvarlibdir": self.folder / "varlib",
            "astdbdir": self.folder / "varlib", "astkeydir": self.folder / "varlib",
            "astdatadir": self.data, "astagidir": self.folder / "agi",
            "astspooldir": self.folder / "spool", "astrundir": self.folder / "run",
            "astlogdir": self.folder / "log", "astsbindir": self.binary.parent,
        }
        if modules is not None:
            directories["astmoddir"] = modules
        files = {
            "asterisk.conf": _section("directories", directories) + _section("options", {
                # Silence is sent while Wait() and Read() wait, as many real PBXs do. It does
                # not cover WaitExten, which sends no RTP at all (tests/pbx/README.md).
                "transmit_silence": "yes",
                "verbose": 3, "debug": 0, "hideconnect": "yes",
            }),
            "modules.conf": "[modules]\nautoload = no\n"
                            + "".join(f"load = {m}.so\n" for m in MODULES),
            "logger.conf": "[general]\n[logfiles]\n"
                           "messages.log = notice,warning,error,verbose(3),dtmf\n",
            "sip.conf": SIP_CONF.format(port=self.port, user=USER, password=PASSWORD),
            "rtp.conf": _rtp_conf(),
            "musiconhold.conf": MUSICONHOLD_CONF,
            "queues.conf": QUEUES_CONF,
            "extensions.conf": _extensions(),
            "indications.conf": "[general]\ncountry = us\n[us]\ndescription = United States\n"
                                "ringcadence = 2000,4000\nring = 440+480/2000,0/4000\n"
                                "busy = 480+620/500,0/500\ncongestion = 480+620/250,0/250\n",
        }
        for name, text in files.items():
            (etc / name).write_text(text)

    # -- running ------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """``asterisk -f`` in its own process group; returns once the CLI answers."""
        with (self.folder / "console.log").open("w") as out:
            self.process = subprocess.Popen(
                [str(self.binary), "-f", "-n", "-C", str(self.config)], stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"asterisk exited ({self.process.returncode}):\n{self.output()}")
            try:
                if self.cli("core show version", timeout=5).stdout.startswith("Asterisk "):
                    break
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"asterisk did not answer in {timeout:g} s:\n{self.output()}")
            time.sleep(0.2)
        # Every module the dialplans need must be there (a missing one fails late and oddly).
        loaded = self.cli("module show").stdout
        missing = [m for m in MODULES if f"{m}.so" not in loaded]
        if missing:
            self.stop()
            raise RuntimeError(f"asterisk did not load {', '.join(missing)}:\n{self.output()}")

    def stop(self) -> None:
        """``core stop now``, then end its process group if it is still there after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.cli("core stop now", timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_asterisk(folder: Path) -> Asterisk:
    binary, modules = find_asterisk()
    pbx = Asterisk(binary, folder, _free_port())
    pbx.write_config(modules)
    pbx.start()
    return pbx


def link_sounds(data: Path) -> None:
    """Asterisk's data folder: ``sounds/en``, ``sounds/ivraudit`` and ``moh`` linked to the
    audio they play. (make install leaves empty sound and music folders: without these links
    Asterisk answers and sends no audio at all.) The truth specs name the same paths."""
    (data / "sounds").mkdir(parents=True, exist_ok=True)
    links = {data / "sounds" / "en": SOUNDS, data / "sounds" / "ivraudit": OUR_SOUNDS,
             data / "moh": MOH}
    for link, target in links.items():
        if not link.exists():
            link.symlink_to(target)


def _section(name: str, values: dict[str, object]) -> str:
    return f"[{name}]\n" + "".join(f"{k} => {v}\n" for k, v in values.items())


def _rtp_conf() -> str:
    """A range of 200 RTP ports at a random base: other tests on the machine bind ports too,
    and Asterisk takes the next free port of its range."""
    base = random.randrange(30000, 39000, 2)
    return f"[general]\nrtpstart = {base}\nrtpend = {base + 200}\n"


def _extensions() -> str:
    """Every dialplan in tests/pbx, and an entry context that sends ``sip:NAME@`` to it."""
    names = sorted(p.stem for p in DIALPLANS.glob("*.conf"))
    entry = "".join(f"exten => {n},1,Goto({n},s,1)\n" for n in names)
    plans = "\n".join((DIALPLANS / f"{n}.conf").read_text() for n in names)
    return ("[general]\nstatic = yes\nwriteprotect = yes\nclearglobalvars = yes\n\n"
            f"[ivraudit-tests]\n{entry}\n{plans}")


SIP_CONF = """[general]
context = refused
allowguest = no
alwaysauthreject = yes
udpbindaddr = 127.0.0.1:{port}
transport = udp
srvlookup = no
disallow = all
allow = ulaw
allow = alaw
dtmfmode = rfc2833
rtptimeout = 60

; The caller: a peer with a password, as a real PBX user has. chan_sip challenges its INVITEs
; (407) and, as the From user is the peer's name, finds it without a registration.
[{user}]
type = friend
host = dynamic
secret = {password}
context = ivraudit-tests
disallow = all
allow = ulaw
allow = alaw
dtmfmode = rfc2833
"""

MUSICONHOLD_CONF = """[default]
mode = files
directory = moh
sort = alpha

; "Music" of silence, for WaitExten(N,m(silence)): WaitExten alone sends no RTP at all while
; it waits, even with transmit_silence (tests/pbx/README.md).
[silence]
mode = files
directory = sounds/en/silence
sort = alpha
"""

QUEUES_CONF = """[general]
persistentmembers = no

; tests/pbx/queue.conf: the one caller waits with music, hears the periodic announcement
; between ring cycles (announce-to-first-user), and the agent answers the second cycle.
[support]
musicclass = default
strategy = ringall
timeout = 15
retry = 5
announce-frequency = 0
periodic-announce = queue-periodic-announce
periodic-announce-frequency = 5
announce-to-first-user = yes
relative-periodic-announce = no
joinempty = yes
leavewhenempty = no
ringinuse = yes
member => Local/agent@queue-agents/n
"""
