"""What an audit keeps of a hold queue besides its prompt: a sample of the music and the
announcement that interrupts it, with when the announcements came.

A hold node's prompt recording stops where the music starts, so without these an audit could
say *that* a queue played music for 41 s but not *what* it played, and a frozen copy of the
tree (``ivraudit freeze``) would have nothing to play. The fields are additive to
``ivraudit.audit/1``: ``music_recording``, ``announcement_recording`` (paths in the audit
folder, or null) and ``announcement_offsets_seconds`` (each announcement's first sound, in
seconds after the hold prompt's end).
"""

from __future__ import annotations

from ivraudit.audit.model import NodeRecord
from ivraudit.telephony.g711 import Pcm


def hold_recordings(node: NodeRecord) -> dict[str, Pcm]:
    """The extra WAVs a node has, by their path in the audit folder."""
    files: dict[str, Pcm] = {}
    if len(node.music):
        files[f"recordings/{node.id}-music.wav"] = node.music
    if len(node.announcement):
        files[f"recordings/{node.id}-announcement.wav"] = node.announcement
    return files


def hold_json(node: NodeRecord) -> dict[str, object]:
    """The additive ``audit.json`` fields of one node (null and empty where not a hold)."""
    return {
        "music_recording": f"recordings/{node.id}-music.wav" if len(node.music) else None,
        "announcement_recording": (f"recordings/{node.id}-announcement.wav"
                                   if len(node.announcement) else None),
        "announcement_offsets_seconds": list(node.announcement_offsets),
    }


def keep_hold_audio(node: NodeRecord, music_frames: list[Pcm], prompt_end: float,
                    announcements: list) -> None:
    """Keep what a crawl heard on hold: the music frames (quiet tail dropped), the first
    announcement and every announcement's onset after the hold prompt's end.

    ``announcements`` are the listener's :class:`~ivraudit.listen.listener.Heard` objects;
    called by the explorer once, when it first sits through the queue.
    """
    import numpy as np

    from ivraudit.listen.sound import ABS_FLOOR_DBFS, frame_dbfs

    frames = list(music_frames)
    while frames and frame_dbfs(frames[-1]) < ABS_FLOOR_DBFS:
        frames.pop()  # the silence before the next prompt is not music
    node.music = np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)
    if announcements:
        node.announcement = announcements[0].audio
    node.announcement_offsets = [round(a.onset - prompt_end, 3) for a in announcements]
