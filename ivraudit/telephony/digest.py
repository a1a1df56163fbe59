"""HTTP digest authentication as SIP uses it (RFC 3261 §22, RFC 2617, MD5).

The simulator challenges with it and checks answers; the SIP line answers challenges with it.
A password only ever enters :func:`digest_response`; nothing here stores or prints one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

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


@dataclass
class DigestChallenger:
    """The server side: issues nonces and checks answers for one realm and one account."""

    realm: str
    user: str
    password: str

    def __post_init__(self) -> None:
        self._nonces: set[str] = set()

    def __repr__(self) -> str:  # never show the password
        return f"DigestChallenger(realm={self.realm!r}, user={self.user!r})"

    def challenge(self) -> str:
        nonce = secrets.token_hex(16)
        self._nonces.add(nonce)
        return f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5'

    def check(self, header: str | None, method: str) -> bool:
        """True when ``header`` (Authorization) answers one of our nonces correctly."""
        if not header:
            return False
        p = parse_params(header)
        if p.get("username") != self.user or p.get("realm") != self.realm or p.get("nonce") not in self._nonces:
            return False
        expected = digest_response(user=self.user, password=self.password, realm=self.realm,
                                   method=method, uri=p.get("uri", ""), nonce=p["nonce"],
                                   qop=p.get("qop"), nc=p.get("nc", "00000001"),
                                   cnonce=p.get("cnonce", ""))
        return secrets.compare_digest(expected, p.get("response", ""))
