"""What the simulator refuses from the network, and how much it answers: its limits, in one place.

The simulator listens on a UDP port anyone can reach, so each datagram it gets may be broken or
hostile (issue 17). Its answers follow RFC 3261 and these rules:

- A request that cannot be parsed, or lacks a header every request must carry (§8.1.1), gets
  ``400 Bad Request`` saying what is wrong (:func:`malformed`, :func:`salvage`), never the
  ``200 OK`` it used to get; a datagram that is not a SIP request gets nothing.
- A request larger than :data:`MAX_REQUEST_BYTES` gets a small ``513 Message Too Large``.
- Over UDP a source address is not proven: a request can be sent from a victim's. Until a
  request shows that its sender receives what is sent back (the ACK echoing the dialog's tag)
  or a digest answer authenticates it, everything sent back is paid for by the bytes that
  sender sent, plus :data:`REPLY_ALLOWANCE` (:class:`ReplyBudget`). Unbounded, a large INVITE
  got 13 times its size back (100, 180, and the 200 OK resent until timer H).
"""

from __future__ import annotations

import re

from ivraudit.telephony.sipmsg import COMPACT, SipMessage

MAX_REQUEST_BYTES = 4096
"""Larger requests are refused (513). A UDP request over 1300 bytes should go over TCP
(RFC 3261 §18.1.1), so no caller of a test IVR sends one this large; a flood might."""

REPLY_ALLOWANCE = 2048
"""Bytes the replies to an unproven sender may exceed what it sent by: a 180 Ringing, the
200 OK and two resends of it for an ordinary INVITE (about 900 bytes); a large INVITE is
answered with at most its own size and this much more."""

MANDATORY_HEADERS = ("Via", "From", "To", "Call-ID", "CSeq")
"""Headers without which a request cannot be answered or matched to a dialog (RFC 3261
§8.1.1; Max-Forwards is mandatory too, but a UAS loses nothing by tolerating its absence)."""

_REQUEST_LINE = re.compile(r"([A-Za-z]+) (\S+) SIP/2\.0")


def malformed(request: SipMessage) -> str | None:
    """Why ``request`` is a bad request, or None."""
    for name in MANDATORY_HEADERS:
        if not request.get(name):
            return f"missing {name}"
    number, _, method = (request.get("CSeq") or "").partition(" ")
    if not number.strip().isdigit() or method.strip().upper() != request.method:
        return "bad CSeq"
    length = request.get("Content-Length")
    if length is not None and (not length.strip().isdigit()
                               or int(length) > len(request.body.encode("utf-8"))):
        return "bad Content-Length"
    return None


def salvage(data: bytes) -> SipMessage | None:
    """What can be read of a request that does not parse: its request line and the header
    lines a reply copies. None for a datagram that is not a SIP request at all."""
    text = data.decode("utf-8", "replace")
    lines = text.split("\r\n\r\n", 1)[0].split("\r\n")
    match = _REQUEST_LINE.fullmatch(lines[0].strip())
    if match is None:
        return None
    message = SipMessage(method=match.group(1).upper(), uri=match.group(2))
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        name = COMPACT.get(name.strip().lower(), name.strip())
        if sep and name.lower() in {h.lower() for h in MANDATORY_HEADERS}:
            message.headers.append((name, value.strip()))
    return message


def refusal(request: SipMessage, status: int, why: str) -> SipMessage:
    """A small response refusing ``request``: only the top Via is copied (a refused request may
    have hundreds), so the refusal is never the larger message."""
    response = request.response(status, reason=why)
    vias = [i for i, (name, _) in enumerate(response.headers) if name == "Via"]
    response.headers = [h for i, h in enumerate(response.headers) if i not in vias[1:]]
    return response


class ReplyBudget:
    """Bytes that may still be sent back to a sender whose address is not proven."""

    def __init__(self, request_bytes: int) -> None:
        self.request_bytes = request_bytes  # the request this budget answers
        self.left = request_bytes + REPLY_ALLOWANCE
        self.proven = False
        self.withheld = 0  # replies not sent for want of budget

    def earn(self, request_bytes: int) -> None:
        """A request resent pays for the answer resent to it."""
        self.left += request_bytes

    def prove(self) -> None:
        """The sender showed it receives our replies (or authenticated): no limit now."""
        self.proven = True

    def spend(self, reply_bytes: int) -> bool:
        """True if a reply of this size may go out (and count it); False to withhold it."""
        if self.proven:
            return True
        if reply_bytes > self.left:
            self.withheld += 1
            return False
        self.left -= reply_bytes
        return True
