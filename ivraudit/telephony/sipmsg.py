"""SIP messages (RFC 3261 §7) for the simulator: parse a datagram, build responses.

The SIP line talks through pyVoIP; the simulator has this small, independent parser so the
tests put two different SIP stacks on the two ends of every call. Headers keep their order and
repeats (several Via lines); names are matched case-insensitively and compact forms (``v``,
``f``, ``t``, ``i``, ``m``, ``l``, ``c``) are expanded.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "k": "supported", "s": "subject"}

REASONS = {
    100: "Trying", 180: "Ringing", 200: "OK", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 407: "Proxy Authentication Required",
    481: "Call/Transaction Does Not Exist", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 500: "Server Internal Error", 603: "Decline",
}


class SipError(ValueError):
    """A datagram that is not a SIP message."""


@dataclass
class SipMessage:
    """A request (``method``, ``uri``) or a response (``status``, ``reason``)."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @property
    def is_request(self) -> bool:
        return bool(self.method)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of a header."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), default)

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = (self.get("CSeq") or "0 ").partition(" ")
        return int(number or 0), method.strip().upper()

    @classmethod
    def parse(cls, data: bytes) -> SipMessage:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SipError("not UTF-8") from None
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        start = lines[0].split(" ", 2)
        if len(start) < 3:
            raise SipError(f"bad start line {lines[0]!r}")
        message = cls(body=body)
        if start[0] == "SIP/2.0":
            if not start[1].isdigit():
                raise SipError(f"bad status line {lines[0]!r}")
            message.status, message.reason = int(start[1]), start[2]
        elif start[2] == "SIP/2.0" and re.fullmatch(r"[A-Z]+", start[0]):
            message.method, message.uri = start[0], start[1]
        else:
            raise SipError(f"bad start line {lines[0]!r}")
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and message.headers:  # folded header
                name, value = message.headers[-1]
                message.headers[-1] = (name, value + " " + line.strip())
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise SipError(f"bad header line {line!r}")
            name = name.strip()
            message.headers.append((COMPACT.get(name.lower(), name), value.strip()))
        length = message.get("Content-Length")
        if length is not None and length.isdigit():
            message.body = body.encode("utf-8")[: int(length)].decode("utf-8", "replace")
        return message

    def encode(self) -> bytes:
        start = (f"{self.method} {self.uri} SIP/2.0" if self.is_request
                 else f"SIP/2.0 {self.status} {self.reason}")
        body = self.body.encode("utf-8")
        lines = [start] + [f"{k}: {v}" for k, v in self.headers if k.lower() != "content-length"]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body

    def response(self, status: int, *, to_tag: str | None = None, reason: str | None = None,
                 extra: list[tuple[str, str]] | None = None, body: str = "",
                 content_type: str | None = None) -> SipMessage:
        """A response to this request (§8.2.6): Via, From, To (+ tag), Call-ID, CSeq copied,
        and Record-Route in responses that set up a dialog (§12.1.1), so proxies stay in it."""
        headers = [("Via", v) for v in self.get_all("Via")]
        if 100 < status < 300:
            headers += [("Record-Route", v) for v in self.get_all("Record-Route")]
        to = self.get("To") or ""
        if to_tag and ";tag=" not in to:
            to += f";tag={to_tag}"
        headers += [("From", self.get("From") or ""), ("To", to),
                    ("Call-ID", self.call_id), ("CSeq", self.get("CSeq") or "")]
        headers += extra or []
        if content_type:
            headers.append(("Content-Type", content_type))
        return SipMessage(status=status, reason=reason or REASONS.get(status, "Unknown"),
                          headers=headers, body=body)


def header_param(value: str, name: str) -> str | None:
    """A ``;name=value`` parameter of a header value (``tag`` of To/From, ``branch`` of Via)."""
    match = re.search(rf";\s*{re.escape(name)}=([^;>,\s]+)", value, re.IGNORECASE)
    return match.group(1) if match else None


def uri_user(uri: str) -> str:
    """The user part of ``sip:user@host`` (or of ``<sip:user@host>`` in a header)."""
    match = re.search(r"sips?:([^@;>]+)@", uri)
    return match.group(1) if match else ""


def new_tag() -> str:
    return secrets.token_hex(6)
