"""HTTP digest authentication as SIP uses it (RFC 3261 §22, RFC 2617, MD5).

The simulator challenges with it and checks answers; the SIP line answers challenges with it.
A password only ever enters :func:`digest_response`; nothing here stores or prints one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

_PARAM = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - the protocol's hash


def parse_params(header: str) -> dict[str, str]:
    """``Digest realm="x", nonce="y", ...`` as a dict (scheme dropped, quotes removed)."""
    body = header.strip()
    if body.lower().startswith("digest"):
        body = body[6:]
    return {k.lower(): v[1:-1] if v.startswith('"') else v for k, v in _PARAM.findall(body)}


def digest_response(*, user: str, password: str, realm: str, method: str, uri: str, nonce: str,
                    qop: str | None = None, nc: str = "00000001", cnonce: str = "") -> str:
    """The ``response`` value for one request (with or without ``qop=auth``)."""
    ha1 = _md5(f"{user}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if qop == "auth":
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


def authorization(challenge: str, *, user: str, password: str, method: str, uri: str) -> str:
    """The Authorization (or Proxy-Authorization) header value answering ``challenge``."""
    params = parse_params(challenge)
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    qop = "auth" if "auth" in [q.strip() for q in params.get("qop", "").split(",")] else None
    cnonce = secrets.token_hex(8) if qop else ""
    response = digest_response(user=user, password=password, realm=realm, method=method, uri=uri,
                               nonce=nonce, qop=qop, cnonce=cnonce)
    value = (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
             f'response="{response}", algorithm=MD5')
    if "opaque" in params:
        value += f', opaque="{params["opaque"]}"'
    if qop:
        value += f', qop=auth, nc=00000001, cnonce="{cnonce}"'
    return value


NONCE_LIFETIME = 30.0
"""Seconds a nonce answers a challenge for. A caller answers within a round trip; one that
comes back later (a refresh, a replay) is told ``stale=true`` and answers a fresh nonce."""

MAX_USED_NONCES = 4096
"""Nonces remembered as used, to refuse their replay until they expire anyway. Beyond this
many within a lifetime, the oldest are forgotten and every nonce issued up to them (by serial
number) is stale."""


class Verdict(Enum):
    """What a digest answer is worth."""

    OK = "ok"
    STALE = "stale"        # the right password, on a nonce used before or expired: re-challenge
    REFUSED = "refused"    # no answer, a wrong one, or a nonce we never issued


@dataclass
class DigestChallenger:
    """The server side: issues nonces and checks answers for one realm and one account.

    Nonces are single use and expire (:data:`NONCE_LIFETIME`): an Authorization header copied
    off the wire is refused when replayed (RFC 2617 §4.5). They carry their issue time and a
    MAC of it, so issuing one stores nothing (a flood of challenges costs no memory); only
    nonces answered are remembered, and only until they expire (:data:`MAX_USED_NONCES`).
    """

    realm: str
    user: str
    password: str
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        self._key = secrets.token_bytes(16)
        self._issued_count = 0                                 # nonces issued: each one's serial
        self._used: OrderedDict[str, tuple[float, int]] = OrderedDict()  # nonce -> (issued, serial)
        self._floor = -1                                       # serials up to this one: stale

    def __repr__(self) -> str:  # never show the password
        return f"DigestChallenger(realm={self.realm!r}, user={self.user!r})"

    def _mac(self, stamp: str) -> str:
        return hmac.new(self._key, stamp.encode("ascii"), hashlib.sha256).hexdigest()[:16]

    def challenge(self, stale: bool = False) -> str:
        self._issued_count += 1
        stamp = f"{int(self.clock() * 1000):x}.{self._issued_count:x}.{secrets.token_hex(8)}"
        nonce = f"{stamp}.{self._mac(stamp)}"
        return (f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5'
                + (", stale=true" if stale else ""))

    def _issued(self, nonce: str) -> tuple[float, int] | None:
        """When we issued ``nonce`` (seconds on our clock) and its serial, or None if we did
        not issue it."""
        stamp, _, mac = nonce.rpartition(".")
        if not stamp or not hmac.compare_digest(mac, self._mac(stamp)):
            return None
        try:
            millis, serial, _random = stamp.split(".")
            return int(millis, 16) / 1000, int(serial, 16)
        except ValueError:
            return None

    def verify(self, header: str | None, method: str) -> Verdict:
        """The worth of ``header`` (Authorization) for a ``method`` request; an OK answer uses
        up its nonce."""
        if not header:
            return Verdict.REFUSED
        p = parse_params(header)
        nonce = p.get("nonce", "")
        issued = self._issued(nonce)
        if p.get("username") != self.user or p.get("realm") != self.realm or issued is None:
            return Verdict.REFUSED
        expected = digest_response(user=self.user, password=self.password, realm=self.realm,
                                   method=method, uri=p.get("uri", ""), nonce=nonce,
                                   qop=p.get("qop"), nc=p.get("nc", "00000001"),
                                   cnonce=p.get("cnonce", ""))
        if not secrets.compare_digest(expected, p.get("response", "")):
            return Verdict.REFUSED
        now = self.clock()
        self._forget_expired(now)
        at, serial = issued
        if nonce in self._used or now - at > NONCE_LIFETIME or serial <= self._floor:
            return Verdict.STALE
        self._used[nonce] = issued
        while len(self._used) > MAX_USED_NONCES:
            _, (_, oldest) = self._used.popitem(last=False)
            self._floor = max(self._floor, oldest)
        return Verdict.OK

    def check(self, header: str | None, method: str) -> bool:
        """True when ``header`` answers a fresh nonce of ours correctly (and uses it up)."""
        return self.verify(header, method) is Verdict.OK

    def _forget_expired(self, now: float) -> None:
        while self._used and now - next(iter(self._used.values()))[0] > NONCE_LIFETIME:
            self._used.popitem(last=False)

    @property
    def remembered(self) -> int:
        """Nonces held in memory (used ones, until they expire): bounded, whatever is sent."""
        return len(self._used)
