"""The crawl journal on disk: what every call did and heard, so a crawl cut short can go on.

A crawl of a large tree is hours of calls; a crash, a reboot or Ctrl-C must not lose them. The
crawler is deterministic given what each call hears, so a journal of the calls (keys pressed,
audio heard) is enough to bring a new crawler to the same state by replaying them
(:mod:`ivraudit.lines.journal`). In the audit folder's ``journal/``:

- ``journal.jsonl``: a header line (format, ivraudit version, target, the spec's content hash,
  the crawl options that decide what the crawler asks), then one line per call, written and
  fsynced when the call hangs up;
- ``audio.pack``: the audio the calls heard, in chunks of one second named by the sha256 of
  their samples (so the greeting every call opens with is stored once), appended and fsynced
  *before* the line that names them: a call's line never names audio that is not on disk;
- ``transcripts/``: the transcript cache when ``--cache`` is not given, so a resumed crawl
  does not transcribe again what it already did.

A crash can cut the last write: a torn last line or a torn last chunk is dropped (and cut off
the file before anything is appended), never fatal. Damage anywhere else is refused by name.
A ``journal/`` that is, or holds, a symbolic link is refused before anything is read or
written (:func:`refuse_links`): the journal's writes truncate and replace its files, so a link
planted there (``audio.pack`` to a private key) would have them overwrite whatever it names.
No SIP password is ever written: the target is stored with any password in it removed, and
the account is not stored at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
import time
import zlib
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from ivraudit.errors import IvrauditError, quote
from ivraudit.lines.base import CallOutcome
from ivraudit.telephony.constants import SAMPLE_RATE
from ivraudit.telephony.g711 import Pcm

FORMAT = "ivraudit.journal/1"
CHUNK_SAMPLES = SAMPLE_RATE
"""Audio is stored in chunks of one second, from each call's answer: calls that open the same
way (every call hears the greeting) share their first chunks. Each is zlib-compressed at level
1: 0.58 of its size, at a fifth of level 6's CPU (0.53), which a call's hang-up waits for."""
_ENTRY = struct.Struct(">I32s")
"""A pack entry's head: the compressed length, then the sha256 of the raw samples."""

Record = dict[str, Any]


class JournalError(IvrauditError):
    """A journal that cannot be resumed: another target, spec, version or options, or damage
    before its last line. Bad input: nothing is dialled and nothing written."""

    exit_code = 2


def redact(target: str) -> str:
    """``target`` without a password (``sip:user:secret@host`` → ``sip:user@host``): the
    journal never holds one."""
    scheme, colon, rest = target.partition(":")
    userinfo, at, host = rest.rpartition("@")
    if not colon or not at or ":" not in userinfo:
        return target
    return f"{scheme}:{userinfo.split(':', 1)[0]}@{host}"


def spec_sha256(spec: object) -> str | None:
    """The content hash of a replay target's tree spec (its YAML and every prompt's audio),
    or None for a line that has no spec (SIP): a journal is served only to the same tree."""
    path = getattr(spec, "path", None)
    audio = getattr(spec, "audio", None)
    if path is None or audio is None:
        return None
    digest = hashlib.sha256(Path(path).read_bytes())
    for name in sorted(audio, key=str):
        digest.update(str(Path(name).name).encode("utf-8") + b"\0")
        digest.update(np.asarray(audio[name]).astype("<i2", copy=False).tobytes())
    return digest.hexdigest()


def crawl_header(target: str, spec: object, version: str, options: Record,
                 started: str) -> Record:
    """The journal's first line: what a resumed crawl must match (see :class:`Journal`)."""
    return {"format": FORMAT, "ivraudit": version, "target": redact(target),
            "spec_sha256": spec_sha256(spec), "options": options, "started": started,
            "origin": round(time.time(), 3)}


def chunk_hash(samples: Pcm) -> str:
    return hashlib.sha256(samples.astype("<i2", copy=False).tobytes()).hexdigest()


class Journal:
    """One crawl's journal: the calls a previous run recorded (:meth:`record`), and appending
    this run's (:meth:`append`). Thread-safe: lanes of a concurrent crawl append in turn."""

    def __init__(self, folder: Path, header: Record, *, resume: bool) -> None:
        self.folder = folder
        self.header = header
        self.resume = resume
        self.path = folder / "journal.jsonl"
        self.pack_path = folder / "audio.pack"
        self.transcripts = folder / "transcripts"
        self._records: dict[int, Record] = {}
        self._lines: dict[int, str] = {}       # the journal line of each record kept
        self._chunks: dict[str, tuple[int, int]] = {}   # hash -> (offset, length) in the pack
        self._good_bytes = (0, 0)               # journal, pack: what is whole
        self._dropped = False                   # records read and then dropped
        self._lock = threading.Lock()
        self._journal: BinaryIO | None = None
        self._pack: BinaryIO | None = None
        self.appended_bytes = 0
        self.failed: str | None = None
        """Why the journal stopped being written (a full disk), if it did: the crawl goes on
        (what it learns is in its audit), but cannot be resumed past that call."""

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, header: Record, *, resume: bool) -> Journal:
        """The journal in ``folder`` for a crawl described by ``header``. With ``resume``, the
        calls recorded there are read, and a journal of another crawl is refused; without,
        the journal starts empty (the files are replaced only at :meth:`start`)."""
        refuse_links(folder)
        journal = cls(folder, header, resume=resume)
        if resume:
            journal._read()
        return journal

    def _read(self) -> None:
        if not self.path.is_file():
            raise JournalError(f"no journal to resume in {self.folder} (crawl without --resume "
                               "to start a new crawl there)")
        lines = self.path.read_bytes().split(b"\n")
        lines.pop()  # b"" after a whole last line; else a line the crash cut: dropped
        good = 0
        for number, raw in enumerate(lines, 1):
            try:
                value = json.loads(raw)
                if not isinstance(value, dict):
                    raise ValueError("not an object")
            except ValueError:
                if number == len(lines) and number > 1:
                    break  # a write cut by the crash (a disk may leave it filled with zeros)
                raise JournalError(f"{self.path} line {number} is damaged (only a last line cut "
                                   "by a crash can be dropped); crawl without --resume to start "
                                   "over") from None
            if number == 1:
                self._check_header(value)
            else:
                problem = _record_problem(value)
                if problem:
                    raise JournalError(f"{self.path} line {number}: not a call record ({problem})")
                index = value["call"]
                self._records[index] = value
                self._lines[index] = raw.decode("utf-8")
            good += len(raw) + 1
        if good == 0:
            raise JournalError(f"{self.path} has no header: nothing to resume (crawl without "
                               "--resume to start over)")
        self._good_bytes = (good, self._read_pack())
        for index in sorted(self._records):  # a call whose audio is lost is made again
            if not all(h in self._chunks for h in self._records[index].get("chunks", [])):
                self._drop_from(index)
                self._dropped = True
                break

    def _check_header(self, found: Record) -> None:
        want = self.header
        where = self.path
        if found.get("format") != FORMAT:
            raise JournalError(f"{where} is not an {FORMAT} journal ({quote(found.get('format'))})")
        if found.get("ivraudit") != want["ivraudit"]:
            raise JournalError(f"{where} was written by ivraudit {quote(found.get('ivraudit'))}, this is "
                               f"{want['ivraudit']}: a crawl resumes only with the version that "
                               "began it")
        if found.get("target") != want["target"]:
            raise JournalError(f"{where} is a crawl of {quote(found.get('target'))}, not of "
                               f"{quote(want['target'])}")
        if found.get("spec_sha256") != want["spec_sha256"]:
            raise JournalError(f"{where}: the tree spec {want['target']} changed since the crawl "
                               "began (its content hash differs); crawl it anew without --resume")
        options = found.get("options")
        options = options if isinstance(options, dict) else {}
        for name, value in want["options"].items():
            if options.get(name) != value:
                raise JournalError(f"{where} was written with --{name.replace('_', '-')} "
                                   f"{quote(options.get(name))}, this crawl has {quote(value)}: resume "
                                   "with the options the crawl began with")
        self.header = {**want, "started": found.get("started", want.get("started")),
                       "origin": found.get("origin", want.get("origin"))}

    def _read_pack(self) -> int:
        """Index the pack's chunks; returns how many bytes of it are whole."""
        if not self.pack_path.is_file():
            return 0
        offset = 0
        size = self.pack_path.stat().st_size
        with self.pack_path.open("rb") as pack:
            while True:
                head = pack.read(_ENTRY.size)
                if len(head) < _ENTRY.size:
                    return offset
                length, digest = _ENTRY.unpack(head)
                pack.seek(length, os.SEEK_CUR)
                if pack.tell() > size:
                    return offset  # a chunk cut by the crash
                self._chunks[digest.hex()] = (offset + _ENTRY.size, length)
                offset += _ENTRY.size + length

    def unfinished(self, audit: Path) -> bool:
        """Does the folder hold the journal of a crawl that did not finish (one with calls,
        beside no audit or an incomplete one)? A new crawl replaces it: worth saying."""
        try:
            if self.path.read_bytes().count(b"\n") < 2:
                return False
            return not json.loads(audit.read_text(encoding="utf-8")).get("complete", False)
        except (OSError, ValueError, AttributeError):
            return self.path.is_file()

    # -- what the previous run recorded ----------------------------------------------------

    @property
    def recorded(self) -> int:
        """Calls recorded by the previous run(s) and still usable."""
        return len(self._records)

    @property
    def started(self) -> str:
        return str(self.header.get("started", ""))

    @property
    def origin(self) -> float:
        """POSIX seconds the crawl's line time 0 stands for (its first part's start)."""
        origin = self.header.get("origin")
        return float(origin) if isinstance(origin, (int, float)) else time.time()

    def record(self, index: int) -> Record | None:
        with self._lock:
            return self._records.get(index)

    def dial_times(self) -> list[float]:
        """The POSIX seconds each recorded call was really dialled at, where known."""
        with self._lock:
            times = [r.get("dialled_at") for r in self._records.values()]
        return sorted(float(t) for t in times if isinstance(t, (int, float)) and t > 0)

    def audio(self, record: Record) -> Pcm:
        """All the audio a recorded call heard, in order."""
        parts = [self._chunk(h) for h in record.get("chunks", [])]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def _chunk(self, digest: str) -> Pcm:
        offset, length = self._chunks[digest]
        with self.pack_path.open("rb") as pack:
            pack.seek(offset)
            samples = np.frombuffer(zlib.decompress(pack.read(length)), dtype="<i2").astype(np.int16)
        if chunk_hash(samples) != digest:
            raise JournalError(f"{self.pack_path}: the chunk {digest[:12]} is damaged")
        return samples

    def forget_from(self, index: int) -> None:
        """Drop the records of call ``index`` and after: this run's crawl asked something the
        journal does not hold there, so they no longer describe this crawl."""
        with self._lock:
            if not any(i >= index for i in self._records):
                return
            self._drop_from(index)
            if self.failed is None:
                try:
                    self._rewrite()
                except OSError as exc:
                    self._fail(exc)

    def _drop_from(self, index: int) -> None:
        for i in [i for i in self._records if i >= index]:
            del self._records[i]
            del self._lines[i]

    # -- writing ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the files for appending: a new crawl replaces them; a resumed one has what a
        crash tore cut off first."""
        try:
            self._start()
        except OSError as exc:
            self._fail(exc)

    def _start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        journal_bytes, pack_bytes = self._good_bytes
        if not self.resume:
            self._chunks.clear()
            self._rewrite()
        elif self._dropped:
            self._rewrite()
        else:
            with _open_own(self.path, "r+b") as handle:
                handle.truncate(journal_bytes)
            self._journal = _open_own(self.path, "ab")
        self._pack = _open_own(self.pack_path, "r+b")
        self._pack.truncate(pack_bytes)
        self._pack.seek(0, os.SEEK_END)

    def _fail(self, exc: OSError) -> None:
        """Stop journalling (nothing more is appended after a write that may be torn)."""
        self.failed = f"cannot write {self.folder} ({exc.strerror or exc}): the calls from " \
                      "here on are not journalled, and a resume dials them again"
        for handle in (self._journal, self._pack):
            if handle is not None:
                try:
                    handle.close()
                except OSError:
                    pass
        self._journal = self._pack = None

    def _rewrite(self) -> None:
        """The journal anew: header, then the records kept (written aside, renamed in)."""
        if self._journal is not None:
            self._journal.close()
        temporary = self.path.with_name(f".{self.path.name}.part")
        lines = [json.dumps(self.header, ensure_ascii=False)]
        lines += [self._lines[i] for i in sorted(self._lines)]
        try:
            with _open_own(temporary, "wb") as out:
                out.write(("\n".join(lines) + "\n").encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(self.folder)
        self._journal = _open_own(self.path, "ab")

    def append(self, record: Record, heard: Pcm) -> None:
        """Write one finished call: its audio's new chunks (fsynced), then its line (fsynced)."""
        with self._lock:
            if self._journal is None or self._pack is None:
                return  # not started, or failed: the crawl goes on unjournalled
            try:
                self._append(record, heard)
            except OSError as exc:
                self._fail(exc)

    def _append(self, record: Record, heard: Pcm) -> None:
        assert self._journal is not None and self._pack is not None
        hashes: list[str] = []
        new: dict[str, tuple[int, int]] = {}
        blobs: list[bytes] = []
        offset = self._pack.tell()
        for at in range(0, len(heard), CHUNK_SAMPLES):
            samples = heard[at: at + CHUNK_SAMPLES]
            digest = chunk_hash(samples)
            hashes.append(digest)
            if digest not in self._chunks and digest not in new:
                payload = zlib.compress(samples.astype("<i2", copy=False).tobytes(), 1)
                new[digest] = (offset + _ENTRY.size, len(payload))
                blobs.append(_ENTRY.pack(len(payload), bytes.fromhex(digest)) + payload)
                offset += _ENTRY.size + len(payload)
        if blobs:
            self._pack.write(b"".join(blobs))
            self._pack.flush()
            os.fsync(self._pack.fileno())
            self._chunks.update(new)
        line = json.dumps({**record, "chunks": hashes}, ensure_ascii=False, separators=(",", ":"))
        data = (line + "\n").encode("utf-8")
        self._journal.write(data)
        self._journal.flush()
        os.fsync(self._journal.fileno())
        self.appended_bytes += len(data) + sum(len(b) for b in blobs)
        self._lines[int(record["call"])] = line

    def close(self) -> None:
        with self._lock:
            for handle in (self._journal, self._pack):
                if handle is not None:
                    try:
                        handle.close()
                    except OSError as exc:  # a full disk at the last flush
                        self.failed = self.failed or f"cannot write {self.folder} ({exc})"
            self._journal = self._pack = None


_OUTCOMES = {outcome.value for outcome in CallOutcome}
_Kind = type | tuple[type, ...]
_NUMBER: _Kind = (int, float)
_OP_SHAPES: dict[str, tuple[_Kind, ...]] = {"r": (str, int, int, int),
                                            "p": (str, str, _NUMBER, _NUMBER),
                                            "h": (str, _NUMBER),
                                            "s": (str, int, _NUMBER)}


def _record_problem(value: Record) -> str | None:
    """What makes ``value`` no call record this module wrote (checked as it is read, so a
    record altered on disk is refused by its line, not a crash in the middle of a crawl)."""
    if not isinstance(value.get("call"), int) or value["call"] < 1:
        return "call"
    if value.get("outcome") not in _OUTCOMES:
        return "outcome"
    if not isinstance(value.get("ring_seconds"), (int, float)):
        return "ring_seconds"
    stamps = value.get("crawl_seconds", [0, 0])
    if not isinstance(stamps, list) or len(stamps) != 2 or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) for t in stamps):
        return "crawl_seconds"
    ops, chunks = value.get("ops"), value.get("chunks", [])
    if not isinstance(chunks, list) or not all(isinstance(c, str) for c in chunks):
        return "chunks"
    if not isinstance(ops, list):
        return "ops"
    for op in ops:
        shape = _OP_SHAPES.get(op[0]) if isinstance(op, list) and op else None
        if shape is None or len(op) != len(shape) or not all(
                isinstance(part, kind) and not isinstance(part, bool)
                for part, kind in zip(op, shape)):
            return f"ops: {quote(op)}"
    return None


def refuse_links(folder: Path) -> None:
    """Raise JournalError if ``folder`` (a crawl's ``journal/``) is a symbolic link or holds
    one, at any depth: the journal is written only into the audit folder's own files."""
    if folder.is_symlink():
        raise JournalError(f"{folder} is a symbolic link (to {quote(os.readlink(folder))}); a "
                           "crawl keeps its journal in the audit folder itself: remove the link")
    for root, folders, files in os.walk(folder):  # links are listed, never followed
        for name in sorted(folders + files):
            path = Path(root, name)
            if path.is_symlink():
                raise JournalError(f"{path} is a symbolic link (to {quote(os.readlink(path))}); "
                                   "a journal holds only its own files: remove the link")


_MODES = {"ab": os.O_WRONLY | os.O_APPEND | os.O_CREAT, "r+b": os.O_RDWR | os.O_CREAT,
          "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC}


def _open_own(path: Path, mode: str) -> BinaryIO:
    """``path`` opened (created if missing) for writing, never through a symbolic link: one
    planted after :func:`refuse_links` looked fails the write (ELOOP), which stops the journal,
    not the crawl."""
    flags = _MODES[mode] | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    return cast(BinaryIO, os.fdopen(os.open(path, flags, 0o644), mode))


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system allows opening a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
