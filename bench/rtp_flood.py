"""How much memory an RTP flood costs the caller's media client (issue 17).

A media client (ivraudit.lines.pyvoip_fixes.MediaClient) is set up as for a call whose far end
is a socket on 127.0.0.1, and nobody reads its frames (a crawler busy transcribing). For
``--seconds`` a flooder sends RTP as fast as it can, each packet's timestamp 10 s past the last
(every packet then fills the largest gap the client accepts with silence: the worst case), from
the far end's own address (``--from far-end``) or from another socket (``--from stranger``).
Prints the growth of the process's resident memory, the frames queued, dropped and the packets
ignored:

    python bench/rtp_flood.py [--seconds 5] [--from far-end|stranger]
"""

from __future__ import annotations

import argparse
import socket
import time
from pathlib import Path

from ivraudit.lines.pyvoip_fixes import MediaClient
from ivraudit.telephony.rtp import RtpStream

JUMP_SAMPLES = 10 * 8000
"""Each flood packet's timestamp this far past the last: 10 s, the largest gap filled."""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def flood(seconds: float, source: str) -> dict[str, float]:
    far_end = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    far_end.bind(("127.0.0.1", 0))
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(("127.0.0.1", 0))
    sender = far_end if source == "far-end" else stranger
    media = MediaClient(0, 101, "rfc4733", "127.0.0.1", 0, far_end.getsockname())
    media.start()
    before = rss_mb()
    stream = RtpStream()
    payload = b"\xff" * 160
    sent = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            sender.sendto(stream.packet(0, payload).pack(), ("127.0.0.1", media.inPort))
            stream.advance(JUMP_SAMPLES)
            sent += 1
        time.sleep(0.5)  # the receiver catches up with what is in its socket
        return {"sent": sent, "rss_growth_mb": round(rss_mb() - before, 1),
                "queued": len(media.frames), "dropped": getattr(media, "overflowed", 0),
                "ignored": getattr(media, "strangers", 0)}
    finally:
        media.stop()
        far_end.close()
        stranger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--from", dest="source", choices=["far-end", "stranger"], default="far-end")
    args = parser.parse_args()
    print(args.source, flood(args.seconds, args.source))


if __name__ == "__main__":
    main()
