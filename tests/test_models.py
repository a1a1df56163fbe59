"""Vosk model management: the catalogue, resolving --model, and verified downloads.

Downloads are served by a real http.server on 127.0.0.1 from a small zip built here in the
layout of an official Vosk model, so the whole path (urllib streaming, progress, size and
md5 checks, safe unzip, atomic move) runs for real without the Vosk site.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ivraudit.asr.models import (
    DEFAULT_BASE_URL,
    ENV_BASE_URL,
    ENV_MODELS,
    catalogue,
    download_model,
    fetch_catalogue,
    is_vosk_model,
    list_models,
    models_dir,
    parse_catalogue,
    resolve_model,
    snapshot_catalogue,
)
from ivraudit.errors import ModelError

NAME = "vosk-model-test-0.1"

MODEL_FILES = {
    "am/final.mdl": b"\x00acoustic model bytes\x01" * 200,
    "conf/mfcc.conf": b"--use-energy=false\n--sample-frequency=16000\n",
    "conf/model.conf": b"--min-active=200\n--max-active=3000\n",
    "graph/HCLr.fst": b"graph" * 100,
    "README": b"A tiny stand-in with the layout of a Vosk model.\n",
}


def make_zip(
    files: dict[str, bytes], *, top: str | None = NAME, symlink: str | None = None
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{top}/{name}" if top else name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def entry(name: str, data: bytes, **changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "lang": "en-us",
        "lang_text": "US English",
        "md5": hashlib.md5(data).hexdigest(),
        "name": name,
        "obsolete": "false",
        "size": len(data),
        "size_text": "1KiB",
        "type": "small",
        "url": f"{DEFAULT_BASE_URL}/{name}.zip",
        "version": "0.1",
    }
    item.update(changes)
    return item


@dataclass
class Site:
    """What the local server serves: path -> body, plus paths to cut off halfway."""

    files: dict[str, bytes] = field(default_factory=dict)
    truncate: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def publish(
        self, archives: dict[str, bytes], entries: list[dict[str, object]] | None = None
    ) -> None:
        for name, data in archives.items():
            self.files[f"/{name}.zip"] = data
        listing = entries if entries is not None else [entry(n, d) for n, d in archives.items()]
        self.files["/model-list.json"] = json.dumps(listing).encode()


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.requests.append(self.path)
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in state.truncate:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


# -- the catalogue -------------------------------------------------------------------------------


def test_snapshot_has_the_models_users_ask_for() -> None:
    entries = {e.name: e for e in snapshot_catalogue()}
    for name in (
        "vosk-model-small-en-us-0.15",
        "vosk-model-en-us-0.22",
        "vosk-model-en-us-0.22-lgraph",
        "vosk-model-small-es-0.42",
        "vosk-model-small-ko-0.22",
    ):
        assert name in entries, name
    assert entries["vosk-model-en-us-0.22"].size == 1913365522
    assert entries["vosk-model-en-us-0.22"].md5 == "228741ed058893e403dce60bdd659f42"
    for e in entries.values():
        assert e.size > 1_000_000
        assert e.md5 is None or len(e.md5) == 32
        assert e.md5 or e.sha256, f"{e.name}: nothing but the size to verify by"
        assert e.url == f"{DEFAULT_BASE_URL}/{e.name}.zip"
        assert e.language and not e.obsolete


def test_parse_catalogue_reads_the_published_list() -> None:
    data = [
        entry("vosk-model-a-0.1", b"a"),
        entry("vosk-model-old-0.1", b"o", obsolete="true"),
        entry("vosk-model-spk-0.4", b"s", type="spk"),
        entry("vosk-model-nosize", b"n", size=None),
        entry("../escape", b"e"),
        "not an entry",
    ]
    entries = parse_catalogue(data)
    assert [e.name for e in entries] == [
        "vosk-model-a-0.1",
        "vosk-model-old-0.1",
        "vosk-model-spk-0.4",
    ]
    assert entries[1].obsolete and not entries[0].obsolete
    assert entries[0].md5 == hashlib.md5(b"a").hexdigest() and entries[0].size == 1
    assert parse_catalogue({"models": data}) == entries
    with pytest.raises(ModelError):
        parse_catalogue({"something": "else"})


def test_list_models_uses_the_live_list_and_marks_installed(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish(
        {NAME: data},
        [
            entry(NAME, data),
            entry("vosk-model-other-0.2", b"x"),
            entry("vosk-model-gone-0.0", b"y", obsolete="true"),
            entry("vosk-model-spk-0.4", b"z", type="spk"),
        ],
    )
    cache = tmp_path / "cache"
    models = list_models(cache_dir=cache, base_url=site.url)
    assert [m.name for m in models] == [NAME, "vosk-model-other-0.2"]
    assert not any(m.installed for m in models)
    download_model(NAME, cache_dir=cache, base_url=site.url)
    installed = {m.name: m.installed for m in list_models(cache_dir=cache, base_url=site.url)}
    assert installed == {NAME: True, "vosk-model-other-0.2": False}


def test_unreachable_list_falls_back_to_the_snapshot(tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9"  # discard port: nothing listens
    assert fetch_catalogue(closed, timeout=2) is None
    assert catalogue(closed, timeout=2) == snapshot_catalogue()
    models = list_models(cache_dir=tmp_path, base_url=closed)
    assert "vosk-model-small-en-us-0.15" in {m.name for m in models}


def test_models_dir_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_MODELS, str(tmp_path / "m"))
    assert models_dir() == tmp_path / "m"
    monkeypatch.delenv(ENV_MODELS)
    assert models_dir() == Path.home() / ".cache" / "ivraudit" / "models"


# -- downloading ---------------------------------------------------------------------------------


def test_download_verifies_unpacks_and_installs(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data})
    cache = tmp_path / "cache"
    seen: list[tuple[int, int]] = []
    path = download_model(
        NAME,
        cache_dir=cache,
        progress=lambda done, total: seen.append((done, total)),
        base_url=site.url,
    )
    assert path == cache / NAME and is_vosk_model(path)
    for name, content in MODEL_FILES.items():
        assert (path / name).read_bytes() == content
    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert leftovers(cache) == [NAME]
    # Installed: asking again downloads nothing.
    zips = site.requests.count(f"/{NAME}.zip")
    assert download_model(NAME, cache_dir=cache, base_url=site.url) == path
    assert site.requests.count(f"/{NAME}.zip") == zips
    assert resolve_model(NAME, cache_dir=cache) == path


def test_download_site_and_cache_come_from_the_environment(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data})
    monkeypatch.setenv(ENV_BASE_URL, site.url + "/")
    monkeypatch.setenv(ENV_MODELS, str(tmp_path / "env-cache"))
    assert download_model(NAME) == tmp_path / "env-cache" / NAME
    assert f"/{NAME}.zip" in site.requests


def test_checksum_mismatch_leaves_nothing(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data}, [entry(NAME, data, md5="0" * 32)])
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="corrupt: md5") as caught:
        download_model(NAME, cache_dir=cache, base_url=site.url)
    assert NAME in str(caught.value)
    assert leftovers(cache) == []


def test_size_mismatch_without_md5_is_caught(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data}, [entry(NAME, data, md5=None, size=len(data) + 10)])
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match=f"got {len(data)} bytes"):
        download_model(NAME, cache_dir=cache, base_url=site.url)
    assert leftovers(cache) == []


def test_truncated_download_leaves_nothing(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data})
    site.truncate.add(f"/{NAME}.zip")
    cache = tmp_path / "cache"
    with pytest.raises(
        ModelError, match=f"cut off after {len(data) // 2} of {len(data)} bytes"
    ) as caught:
        download_model(NAME, cache_dir=cache, base_url=site.url)
    assert NAME in str(caught.value)
    assert leftovers(cache) == []


@pytest.mark.parametrize(
    "archive",
    [
        make_zip({"../../evil.txt": b"owned"}),
        make_zip({"/tmp/ivraudit-evil.txt": b"owned"}, top=None),
        make_zip(MODEL_FILES, symlink=f"{NAME}/am/link"),
    ],
    ids=["dot-dot", "absolute", "symlink"],
)
def test_unsafe_archive_is_refused(site: Site, tmp_path: Path, archive: bytes) -> None:
    site.publish({NAME: archive})
    cache = tmp_path / "deep" / "cache"
    with pytest.raises(ModelError, match="unsafe path|symbolic link"):
        download_model(NAME, cache_dir=cache, base_url=site.url)
    assert leftovers(cache) == []
    assert not (tmp_path / "deep" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert not Path("/tmp/ivraudit-evil.txt").exists()


def test_archive_without_a_model_is_refused(site: Site, tmp_path: Path) -> None:
    site.publish({NAME: make_zip({"notes.txt": b"hello"})})
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="does not hold a Vosk model"):
        download_model(NAME, cache_dir=cache, base_url=site.url)
    assert leftovers(cache) == []


def test_unknown_name_and_missing_archive(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data}, [entry(NAME, data), entry("vosk-model-absent-0.1", b"q")])
    with pytest.raises(ModelError, match="not in the Vosk model list"):
        download_model("vosk-model-nonesuch-9", cache_dir=tmp_path, base_url=site.url)
    with pytest.raises(ModelError, match="HTTP 404"):
        download_model("vosk-model-absent-0.1", cache_dir=tmp_path, base_url=site.url)
    assert leftovers(tmp_path) == []


def test_broken_folder_in_the_cache_is_not_overwritten(site: Site, tmp_path: Path) -> None:
    data = make_zip(MODEL_FILES)
    site.publish({NAME: data})
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "mine.txt").write_text("user data")
    with pytest.raises(ModelError, match="not a complete Vosk model"):
        download_model(NAME, cache_dir=tmp_path, base_url=site.url)
    assert (tmp_path / NAME / "mine.txt").read_text() == "user data"


# -- resolving --model ---------------------------------------------------------------------------


def test_resolve_model(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert resolve_model(folder) == folder
    assert resolve_model(str(folder)) == folder
    with pytest.raises(ModelError, match="model folder not found"):
        resolve_model(tmp_path / "missing")
    with pytest.raises(ModelError, match="model folder not found"):
        resolve_model("./nowhere/model")
    with pytest.raises(ModelError, match="ivraudit models download vosk-model-small-en-us-0.15"):
        resolve_model("vosk-model-small-en-us-0.15", cache_dir=tmp_path / "cache")
    with pytest.raises(ModelError, match="ivraudit models list"):
        resolve_model("no-such-model", cache_dir=tmp_path / "cache")
    with pytest.raises(ModelError, match="empty model name"):
        resolve_model("  ")
    (tmp_path / "cache" / "vosk-model-small-en-us-0.15").mkdir(parents=True)
    assert resolve_model("vosk-model-small-en-us-0.15", cache_dir=tmp_path / "cache") == (
        tmp_path / "cache" / "vosk-model-small-en-us-0.15"
    )
