"""The SIP line: dials ``sip:NUMBER@HOST[:PORT]`` over UDP with pyVoIP and hears it over RTP.

It implements the same :class:`~ivraudit.lines.base.Line` the replay line does, so the
listener and explorer cannot tell them apart. Everything pyVoIP gets wrong is fixed in
:mod:`ivraudit.lines.pyvoip_fixes`; this module is the call logic: the INVITE transaction
(retransmission, digest challenges, every final response mapped to a
:class:`~ivraudit.lines.base.CallOutcome`, CANCEL on no answer), media, keys and BYE.

Line time is counted from the audio frames received (RTP timestamps, gaps filled with
silence), not from the wall clock: on a real line the two agree, and against a
time-compressed simulator the crawl still measures line seconds. Where the far end sends no
RTP at all for a while (Asterisk's WaitExten), the caller hears silence on the wall clock, as
a phone would (:meth:`MediaClient.take`), for up to ``rtp_timeout`` seconds. A key takes 5 received
frames (0.1 s of line time) to send. Ringing has no frames, so it is measured on the wall
clock, multiplied by ``ring_time_scale`` (1 on real lines; a simulator's speed in tests).

Account settings come from a TOML file and/or ``IVRAUDIT_SIP_*`` environment variables
(:func:`load_account`). The password comes only from the environment or a prompt, lives in a
:class:`Secret` that never prints, and is used only to compute digest answers.
"""

from __future__ import annotations

import os
import queue
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from ivraudit.errors import LineError
from ivraudit.lines.base import CallFailed, CallOutcome
from ivraudit.lines.pyvoip_fixes import FixedSIPClient, MediaClient, body_of, raw_header
from ivraudit.telephony.constants import FRAME_SECONDS
from ivraudit.telephony.digest import authorization
from ivraudit.telephony.g711 import Pcm
from ivraudit.telephony.sdp import PCMA, PCMU, SdpError, parse_sdp

import pyVoIP.VoIP  # noqa: F401,E402 - see pyvoip_fixes bug 9
from pyVoIP import RTP, SIP  # noqa: E402

DTMF_MODES = ("auto", "rfc4733", "inband")
CLOSE_WAIT = 2.0
"""Seconds closing waits for calls being dialled on other threads to be CANCELled or hung up."""
DEREGISTER_TIMEOUT = 2.0
"""Seconds closing waits for the registrar to confirm the deregistration."""
ENV_PREFIX = "IVRAUDIT_SIP_"
OUTCOMES = {
    486: CallOutcome.BUSY, 600: CallOutcome.BUSY,
    404: CallOutcome.NOT_FOUND, 604: CallOutcome.NOT_FOUND, 484: CallOutcome.NOT_FOUND,
    410: CallOutcome.NOT_FOUND,
    403: CallOutcome.DECLINED, 603: CallOutcome.DECLINED,
    408: CallOutcome.NO_ANSWER, 480: CallOutcome.NO_ANSWER, 487: CallOutcome.NO_ANSWER,
}
"""Final INVITE responses and the outcome each means; 401/407 are handled as challenges."""


class Secret:
    """A password that cannot be printed, logged or serialised by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not serialisable")


@dataclass
class SipAccount:
    """Who the line calls as, and how it reaches the network."""

    user: str = "ivraudit"
    auth_user: str | None = None          # digest user name, when it differs from ``user``
    password: Secret | None = field(default=None, repr=False)
    registrar: str | None = None          # host[:port]; None = direct mode, no REGISTER
    outbound_proxy: str | None = None     # host[:port] every request goes through
    local_ip: str | None = None           # default: the address that routes to the target
    local_port: int = 0                   # SIP port; 0 = any free port
    rtp_ports: tuple[int, int] = (0, 0)   # (0, 0) = any free port
    dtmf: str = "auto"
    ring_timeout: float = 60.0            # seconds of ringing before giving up (CANCEL)
    media_timeout: float = 5.0            # seconds after the answer without RTP: no media
    rtp_timeout: float = 60.0             # seconds without RTP mid-call before the call is dead
    ring_time_scale: float = 1.0          # line seconds per wall second where no RTP counts them
    pace_by_reading: bool = False         # send a frame per frame read (a paced simulator)

    def __post_init__(self) -> None:
        if self.dtmf not in DTMF_MODES:
            raise LineError(f"--dtmf {self.dtmf}: use one of {', '.join(DTMF_MODES)}")


_FILE_KEYS = {"user", "auth_user", "registrar", "outbound_proxy", "local_ip", "local_port",
              "rtp_ports", "dtmf", "ring_timeout", "media_timeout", "rtp_timeout", "password_env",
              "register",
              "pace_by_reading"}


def load_account(path: Path | None = None, env: dict[str, str] | None = None) -> SipAccount:
    """Account settings: the TOML file (a ``[sip]`` table or top-level keys), then the
    environment (``IVRAUDIT_SIP_USER``, ``_AUTH_USER``, ``_PASSWORD``, ``_REGISTRAR``,
    ``_OUTBOUND_PROXY``, ``_LOCAL_IP``, ``_LOCAL_PORT``, ``_RTP_PORTS`` as ``LOW-HIGH``,
    ``_DTMF``) overrides it. A password in the file is refused: files get copied and shared.
    ``password_env`` in the file names another variable to read the password from.
    """
    env = dict(os.environ if env is None else env)
    values: dict[str, object] = {}
    if path is not None:
        try:
            document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise LineError(f"{path}: cannot read the account file ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise LineError(f"{path}: not valid TOML ({exc})") from None
        table = document.get("sip", document)
        if "password" in table:
            raise LineError(f"{path}: passwords are not read from files; set {ENV_PREFIX}PASSWORD "
                            "or let ivraudit prompt for it")
        unknown = set(table) - _FILE_KEYS
        if unknown:
            raise LineError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
        values.update(table)
    for key in ("user", "auth_user", "registrar", "outbound_proxy", "local_ip", "local_port",
                "rtp_ports", "dtmf"):
        if env.get(ENV_PREFIX + key.upper()):
            values[key] = env[ENV_PREFIX + key.upper()]
    password_var = str(values.pop("password_env", ENV_PREFIX + "PASSWORD"))
    register = values.pop("register", None)
    account = SipAccount()
    try:
        for key, value in values.items():
            if key == "rtp_ports":
                low, high = (value if isinstance(value, list) else str(value).split("-"))
                account.rtp_ports = (int(low), int(high))
                if not 0 < account.rtp_ports[0] <= account.rtp_ports[1] < 65536:
                    raise ValueError("rtp_ports must be LOW-HIGH within 1-65535")
            elif key == "local_port":
                account.local_port = int(str(value))
            elif key in ("ring_timeout", "media_timeout", "rtp_timeout"):
                setattr(account, key, float(str(value)))
            elif key == "pace_by_reading":
                if not isinstance(value, bool):
                    raise ValueError("pace_by_reading must be true or false")
                account.pace_by_reading = value
            else:
                setattr(account, key, str(value))
    except (TypeError, ValueError) as exc:
        raise LineError(f"SIP account: {exc}") from None
    if register is False:
        account.registrar = None
    if env.get(password_var):
        account.password = Secret(env[password_var])
    account.__post_init__()
    return account


def parse_target(target: str) -> tuple[str, str, int]:
    """``sip:NUMBER@HOST[:PORT]`` as ``(number, host, port)``."""
    match = re.fullmatch(r"sips?:([^@;]+)@([^:;>]+)(?::(\d+))?(?:;.*)?", target.strip())
    if not match:
        raise LineError(f"{target}: not a SIP target (expected sip:NUMBER@HOST[:PORT])")
    return match.group(1), match.group(2), int(match.group(3) or 5060)


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.partition(":")
    return socket.gethostbyname(host), int(port or 5060)


class SipCall:
    """One answered call; implements :class:`~ivraudit.lines.base.Call`."""

    def __init__(self, line: SipLine, call_id: str, invite: SIP.SIPMessage, media: MediaClient,
                 ring_seconds: float, number: int = 0) -> None:
        self.line = line
        self.number = number  # the line's count of calls dialled, this one included
        self.call_id = call_id
        self.invite = invite
        self.media = media
        self.ring_seconds = ring_seconds
        self.dtmf_mode = media.sender.mode
        self._consumed = 0
        self._far_end_bye = threading.Event()
        self._bye_at = 0.0
        self._hung_up = False
        self.max_press_lag = 0.0
        self.end_reason = ""

    @property
    def seconds(self) -> float:
        return self._consumed * FRAME_SECONDS

    @property
    def backlog_seconds(self) -> float:
        """Audio received but not read yet: how far the far end is ahead of the listener, so
        also how late a key pressed now reaches it (beyond the network's own delay)."""
        return max(0, self.media.received - self._consumed) * FRAME_SECONDS

    def _media_dead(self) -> bool:
        timeout = self.line.account.rtp_timeout
        return time.monotonic() - self.media.last_packet > timeout

    BYE_GRACE_SECONDS = 0.1
    """RTP sent just before a BYE can be read after it (two sockets, two threads): wait this
    long after the BYE before the audio is over."""

    def _over(self) -> bool:
        if self._hung_up or self._media_dead():
            return True
        if self.media.overflowed:
            self.end_reason = self.end_reason or "audio lost (RTP flood)"
            return True
        return self._far_end_bye.is_set() and \
            time.monotonic() - self._bye_at > self.BYE_GRACE_SECONDS

    @property
    def ended(self) -> bool:
        return not self.media.frames and self._over()

    def far_end_hung_up(self) -> None:
        self.end_reason = self.end_reason or "far end hung up"
        self._bye_at = time.monotonic()
        self._far_end_bye.set()
        self.media.far_end_gone = True
        with self.media._cond:
            self.media._cond.notify_all()

    def read(self, frames: int = 1) -> Pcm:
        """Blocks until ``frames`` frames arrive; fewer once the call has ended."""
        out: list[Pcm] = []
        while len(out) < frames:
            wait = 0.02 if self._far_end_bye.is_set() else 0.2
            got = self.media.take(frames - len(out), timeout=wait)
            out += got
            if not got and self._over():
                if not self._far_end_bye.is_set() and not self._hung_up:
                    self.end_reason = self.end_reason or "no RTP"
                out += self.media.take(frames - len(out), timeout=0)
                break
        self._consumed += len(out)
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)

    def press(self, keys: str) -> None:
        if not self.ended:
            # how far the far end had played past what the crawler had heard: the delay a key
            # suffers on its way to the IVR (measured so a simulator speed can be justified)
            self.max_press_lag = max(self.max_press_lag, self.backlog_seconds)
            self.line.max_press_lag = max(self.line.max_press_lag, self.max_press_lag)
            self.media.sender.queue(keys)

    def play(self, audio: Pcm) -> None:
        """Say ``audio`` to the far end: sent as RTP in the call's codec as the line's clock
        runs (the caller keeps reading meanwhile; ivraudit.lines.pyvoip_fixes bug 20)."""
        if not self.ended:
            self.media.say(audio)

    def hangup(self) -> None:
        if self._hung_up:
            return
        self._hung_up = True
        if not self._far_end_bye.is_set():
            self.line.sip.send(self.line.sip.gen_bye(self.invite))
        self.media.stop()
        self.line.note_media_problems(self)
        self.line._calls.pop(self.call_id, None)
        self.line.sip.forget(self.call_id)


class SipLine:
    """Dials one SIP target, as many times as the crawl needs."""

    virtual_clock = False
    """Line time is wall time: the far end plays on whether or not the crawler listens."""

    def __init__(self, target: str, account: SipAccount | None = None) -> None:
        self.target = target
        self.account = account or SipAccount()
        self.number, self.host, self.port = parse_target(target)
        try:
            host_ip = socket.gethostbyname(self.host)
            proxy = _hostport(self.account.outbound_proxy) if self.account.outbound_proxy else None
        except OSError as exc:
            raise LineError(f"{target}: cannot resolve {self.host} ({exc})") from None
        self.destination = proxy or (host_ip, self.port)
        local_ip = self.account.local_ip or _route_to(self.destination[0])
        self.sip = FixedSIPClient(domain=self.host, destination=self.destination,
                                  user=self.account.user, my_ip=local_ip,
                                  my_port=self.account.local_port)
        self.sip.on_request = self._on_request
        self._calls: dict[str, SipCall] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._closed = False
        self._dialling = 0   # dials in progress, which close() lets end
        self._dialling_done = threading.Condition()
        self._rtp_next = self.account.rtp_ports[0]
        self.calls = 0
        self.max_press_lag = 0.0
        """Largest lag, in line seconds, between what the far end had sent and what the
        crawler had heard when it pressed a key, over all calls."""
        self.registered = False
        self.deregister_problem: str | None = None
        self.problems: list[str] = []
        """What went wrong on the wire that no prompt shows (RTP from strangers, audio lost to
        a flood), one line a call, for the audit's ``problems``."""
        self.lost_audio = False
        """True once a call's audio was lost (its queue overflowed): what that call heard is
        not what the line said, so the crawl cannot be complete."""
        self._started = False

    @property
    def local_ip(self) -> str:
        return self.sip.myIP

    def start(self) -> None:
        """Open the SIP socket and, when the account has a registrar, register once."""
        if self._started:
            return
        try:
            self.sip.start()
        except OSError as exc:
            raise LineError(f"cannot open a SIP socket on {self.sip.myIP}:{self.sip.myPort} "
                            f"({exc.strerror})") from None
        self._started = True
        self._closing.clear()
        if self.account.registrar:
            try:
                ok, why = self.sip.register_once(self._authorizer(), self._registrar())
            except BaseException:  # stopped (SIGTERM, Ctrl-C) mid-REGISTER: it may have landed
                self.registered = True
                self.close()
                raise
            if not ok:
                self.close()
                raise LineError(f"registration at {self.account.registrar} failed: {why}")
            self.registered = True
            refresh = threading.Thread(target=self._keep_registered, name="ivraudit REGISTER",
                                       daemon=True)
            refresh.start()

    def _registrar(self) -> tuple[str, int]:
        assert self.account.registrar is not None
        return (_hostport(self.account.registrar) if not self.account.outbound_proxy
                else self.destination)

    def _keep_registered(self) -> None:
        """Refresh the registration at half its lifetime, for crawls longer than it."""
        registrar = self._registrar()
        while not self._closing.wait(self.sip.default_expires / 2):
            ok, _ = self.sip.register_once(self._authorizer(), registrar)
            self.registered = ok

    def close(self) -> None:
        """Hang up every call and, if registered, take the registration back (Expires: 0)
        rather than leave the registrar routing calls to a closed socket until it expires.

        Calls other threads are dialling (``--concurrency``: lanes stopped by SIGTERM go on
        until the process exits) are CANCELled or hung up by those threads, which see the line
        closing within :data:`CLOSE_WAIT` seconds; none can dial again after it."""
        self._closing.set()
        self._closed = True
        with self._dialling_done:
            self._dialling_done.wait_for(lambda: self._dialling == 0, CLOSE_WAIT)
        for call in list(self._calls.values()):
            call.hangup()
        if self.registered and self._started:
            ok, why = self.sip.register_once(self._authorizer(), self._registrar(),
                                             timeout=DEREGISTER_TIMEOUT, deregister=True)
            self.registered = not ok
            self.deregister_problem = why if not ok else None
        self.sip.stop()
        self._started = False

    def __enter__(self) -> SipLine:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _authorizer(self):
        if not self.account.password:
            return None
        password = self.account.password
        user = self.account.auth_user or self.account.user

        def authorize(challenge: str, method: str, uri: str) -> str:
            return authorization(challenge, user=user, password=password.reveal(), method=method,
                                 uri=uri)

        return authorize

    def note_media_problems(self, call: SipCall) -> None:
        """Report a call's ignored and lost RTP (bugs 17, 18 in pyvoip_fixes) once it ends."""
        media = call.media
        if media.latched is not None:
            self.problems.append(
                f"call {call.number}: media came from {media.latched[0]}:{media.latched[1]}, not "
                f"the address its SDP named (behind NAT?); taken from there alone")
        if media.strangers and media.stranger is not None:
            self.problems.append(
                f"call {call.number}: ignored {media.strangers} RTP packets from "
                f"{media.stranger[0]}:{media.stranger[1]} (not the negotiated "
                f"{media.remote[0]}:{media.remote[1]})")
        if media.overflowed:
            self.lost_audio = True
            self.problems.append(
                f"call {call.number}: audio lost: more than {media.MAX_QUEUED_FRAMES * FRAME_SECONDS:g} s "
                f"of RTP arrived unread ({media.overflowed} frames dropped; a flood?), so the call "
                "was hung up")

    def _on_request(self, message: SIP.SIPMessage) -> None:
        if message.method == "BYE":
            call = self._calls.get(message.headers.get("Call-ID", ""))
            if call is not None:
                call.far_end_hung_up()

    def _rtp_port(self) -> int:
        low, high = self.account.rtp_ports
        if not low:
            return 0
        for _ in range(high - low + 1):
            port = self._rtp_next
            self._rtp_next = low if port >= high else port + 1
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                probe.bind((self.sip.myIP, port))
                return port
            except OSError:
                continue
            finally:
                probe.close()
        raise LineError(f"no free RTP port in {low}-{high}")

    # -- dialling -------------------------------------------------------------------------

    def dial(self) -> SipCall:
        """INVITE, wait for the answer, and return once audio flows; else raise CallFailed."""
        if self._closed:
            raise CallFailed(CallOutcome.FAILED, "the line is closed (the crawl is stopping)")
        with self._dialling_done:
            self._dialling += 1
        try:
            return self._dial()
        finally:
            with self._dialling_done:
                self._dialling -= 1
                self._dialling_done.notify_all()

    def _dial(self) -> SipCall:
        self.start()
        with self._lock:  # several calls may be dialled at once (pyVoIP's counters are not atomic)
            self.calls += 1
            number = self.calls
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound before the offer, so
            sock.bind((self.sip.myIP, self._rtp_port()))             # RTP with the 200 OK waits
            rtp_port = sock.getsockname()[1]
            call_id = self.sip.gen_call_id() + "-" + os.urandom(4).hex()
            box = self.sip.transaction(call_id)
            ms = {rtp_port: {PCMU: RTP.PayloadType.PCMU, PCMA: RTP.PayloadType.PCMA,
                             101: RTP.PayloadType.EVENT}}
            session = int(time.time())
            # pyVoIP annotates the media map as {port: {str: PayloadType}}, but only formats
            # its keys into the SDP, so payload type numbers given as ints do as well.
            invite_text = self.sip.gen_invite(self.number, str(session),
                                              ms,  # type: ignore[arg-type]
                                              RTP.TransmitType.SENDRECV, self.sip.new_branch(),
                                              call_id)
        started = time.monotonic()
        sent = [invite_text]  # the INVITE as last sent (a digest answer changes it)
        try:
            response, invite_text = self._invite(box, invite_text, started, sent)
        except OSError as exc:
            self.sip.forget(call_id)
            sock.close()
            raise CallFailed(CallOutcome.FAILED, f"cannot send to {self.destination[0]}:"
                             f"{self.destination[1]} ({exc.strerror})") from None
        except CallFailed:
            self.sip.forget(call_id)
            sock.close()
            raise
        except BaseException:  # stopped mid-INVITE (SIGTERM, Ctrl-C): leave nothing ringing
            self._abandon(call_id, sent[-1])
            sock.close()
            raise
        try:
            return self._answered(call_id, response, invite_text, sock, rtp_port, started, number)
        except CallFailed:
            raise  # hung up already, and why recorded
        except BaseException:  # stopped right at the answer (SIGTERM, Ctrl-C): BYE, not a call left up
            call = self._calls.get(call_id)
            if call is not None:
                call.hangup()
            else:
                self._hang_up_answered(call_id, response, invite_text)
                sock.close()
            raise

    def _abandon(self, call_id: str, invite_text: str) -> None:
        """CANCEL an INVITE we stop waiting for, and forget its dialog. Should the far end
        answer all the same, the 200 OK finds no dialog and is not ACKed, so the far end
        gives up on it by itself (RFC 3261 timer H)."""
        try:
            self.sip.send(self.sip.gen_cancel(invite_text))
        except OSError:
            pass
        self.sip.forget(call_id)

    def _hang_up_answered(self, call_id: str, response: SIP.SIPMessage, invite_text: str) -> None:
        """BYE for a call answered (and ACKed) that will not be used."""
        try:
            self.sip.send(self.sip.gen_bye(self._dialog_invite(response, invite_text)))
        except OSError:
            pass
        self.sip.forget(call_id)

    @staticmethod
    def _dialog_invite(response: SIP.SIPMessage, invite_text: str) -> SIP.SIPMessage:
        """The INVITE as the dialog knows it (the far end's Contact and To-tag): what in-dialog
        requests are generated from."""
        invite = SIP.SIPMessage(invite_text.encode("utf-8"))
        invite.headers["Contact"] = response.headers.get("Contact", invite.headers["Contact"])
        invite.headers["To"]["tag"] = response.headers["To"]["tag"]
        invite.headers["CSeq"]["check"] = response.headers["CSeq"]["check"]
        return invite

    def _answered(self, call_id: str, response: SIP.SIPMessage, invite_text: str,
                  sock: socket.socket, rtp_port: int, started: float, number: int) -> SipCall:
        """The call answered: media set up from the SDP answer, once RTP flows."""
        ring = (time.monotonic() - started) * self.account.ring_time_scale
        invite = self._dialog_invite(response, invite_text)
        try:
            answer = parse_sdp(body_of(response))
            codec = answer.audio_codec
            if codec not in (PCMU, PCMA):
                raise SdpError("no G.711 codec in the answer")
        except SdpError as exc:  # answered (and ACKed): a call that is up must end with a BYE
            self._hang_up_answered(call_id, response, invite_text)
            sock.close()
            raise CallFailed(CallOutcome.UNUSABLE_MEDIA,
                             f"answered, but its SDP answer is unusable ({exc}); hung up",
                             ring) from None
        mode = self.account.dtmf
        if mode == "auto":
            mode = "rfc4733" if answer.event_type is not None else "inband"
        elif mode == "rfc4733" and answer.event_type is None:
            mode = "inband"  # the far end did not accept telephone-events: tones still work
        media = MediaClient(codec, answer.event_type, mode, self.sip.myIP, rtp_port,
                            (answer.address, answer.port),
                            pace_by_reading=self.account.pace_by_reading, sock=sock,
                            time_scale=self.account.ring_time_scale,
                            stall_limit=self.account.rtp_timeout)
        media.last_packet = time.monotonic()
        call = SipCall(self, call_id, invite, media, ring, number=number)
        self._calls[call_id] = call
        media.start()
        deadline = time.monotonic() + self.account.media_timeout
        while media.packets == 0 and time.monotonic() < deadline and \
                not call._far_end_bye.is_set() and not self._closing.is_set():
            with media._cond:
                media._cond.wait(0.05)
        if self._closing.is_set():  # close() may have hung up before this call was listed
            call.hangup()
            raise CallFailed(CallOutcome.FAILED, "the line closed as the call was answered", ring)
        if media.packets == 0:
            call.hangup()
            raise CallFailed(CallOutcome.NO_MEDIA,
                             f"answered, but no RTP arrived within {self.account.media_timeout:g} s", ring)
        return call

    def _invite(self, box: queue.Queue[SIP.SIPMessage], text: str, started: float,
                sent: list[str]) -> tuple[SIP.SIPMessage, str]:
        """Run the INVITE transaction to its final response; returns (200 OK, INVITE sent).
        ``sent`` gets each INVITE text as it changes, for a CANCEL if the wait is stopped."""
        authorize = self._authorizer()
        challenged = False
        provisional = False
        interval, next_send = 0.5, started  # RFC 3261 timer A: resend until a provisional
        cancelled_at: float | None = None
        while True:
            now = time.monotonic()
            if self._closing.is_set():  # the crawl is stopping: leave nothing ringing
                self.sip.send(self.sip.gen_cancel(text))
                raise CallFailed(CallOutcome.FAILED, "the line closed while the call rang",
                                 self._ring(started))
            if not provisional and now >= next_send:
                if now - started > 32.0:  # timer B
                    raise CallFailed(CallOutcome.FAILED, f"no answer from {self.destination[0]}:"
                                     f"{self.destination[1]} (timeout)", 0.0)
                self.sip.send(text)
                next_send, interval = now + interval, min(interval * 2, 4.0)
            if cancelled_at is None and now - started > self.account.ring_timeout:
                self.sip.send(self.sip.gen_cancel(text))
                cancelled_at = now
            if cancelled_at is not None and now - cancelled_at > 4.0:
                raise CallFailed(CallOutcome.NO_ANSWER, f"no answer in {self.account.ring_timeout:g} s",
                                 self._ring(started))
            try:
                response = box.get(timeout=0.05)
            except queue.Empty:
                continue
            if response.headers["CSeq"]["method"] != "INVITE":
                continue  # the 200 for our CANCEL
            status = int(response.status)
            if status < 200:
                provisional = True
                continue
            if status < 300:
                ack = self.sip.gen_ack(response)
                self.sip.acks[response.headers["Call-ID"]] = ack  # before sending: a resent
                self.sip.send(ack)                                 # 200 may come at once
                return response, text
            self.sip.send(self.sip.gen_ack(response))
            if status == 487 and cancelled_at is not None:
                raise CallFailed(CallOutcome.NO_ANSWER, f"no answer in {self.account.ring_timeout:g} s",
                                 self._ring(started))
            if status in (401, 407):
                if challenged or authorize is None:
                    raise CallFailed(CallOutcome.AUTH_FAILED,
                                     "credentials refused" if challenged else
                                     f"{status}: the line asks for a password (set "
                                     f"{ENV_PREFIX}PASSWORD)", self._ring(started))
                challenged, provisional = True, False
                challenge = raw_header(response, "Proxy-Authenticate" if status == 407
                                       else "WWW-Authenticate") or ""
                uri = text.split(" ", 2)[1]
                header = "Proxy-Authorization" if status == 407 else "Authorization"
                text = re.sub(r"branch=[^;\r\n]+", f"branch={self.sip.new_branch()}", text, count=1)
                text = re.sub(r"^CSeq: \d+", f"CSeq: {self.sip.inviteCounter.next()}", text,
                              count=1, flags=re.M)
                text = text.replace("\r\nContent-Type",
                                    f"\r\n{header}: {authorize(challenge, 'INVITE', uri)}\r\nContent-Type", 1)
                next_send, interval = time.monotonic(), 0.5
                sent.append(text)
                continue
            if status == 403 and challenged:
                # Asterisk's chan_sip (and others) answer a wrong digest with 403 Forbidden,
                # not a second challenge: after credentials, a 403 refuses them.
                raise CallFailed(CallOutcome.AUTH_FAILED,
                                 f"credentials refused ({status} {response.status.phrase} after "
                                 "the digest answer)", self._ring(started))
            outcome = OUTCOMES.get(status, CallOutcome.FAILED)
            raise CallFailed(outcome, f"{status} {response.status.phrase}", self._ring(started))

    def _ring(self, started: float) -> float:
        return (time.monotonic() - started) * self.account.ring_time_scale


def _route_to(host: str) -> str:
    """The local address the OS would use to reach ``host`` (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((host, 9))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
