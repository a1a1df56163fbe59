"""The ivraudit pytest plugin: tests about a phone tree, against a frozen tree or an audit.

Installed with ivraudit (entry point ``pytest11``), it adds:

- the ``ivr`` fixture: the configured tree as an :class:`~ivraudit.regress.tree.IvrTree`,
  e.g. ``ivr.press("0").reaches_human(within=60)`` or ``ivr.press("1").says("press 1 to pay")``;
- the ``ivr_tree`` fixture: a loader, ``ivr_tree("baseline/")``, for a second tree (a diff);
- where the tree comes from, first found wins: ``@pytest.mark.ivr_tree("path")`` (relative to
  the test file), ``--ivr-tree PATH``, the ``ivr_tree`` ini option (relative to the ini file).
  A path is an audit folder (read as is, instant) or a tree spec / frozen folder
  (``tree.yaml``), which is crawled by ear over the replay line once per session, with the
  speech engine of ``--ivr-asr`` / ``ivr_asr`` (default ``auto``);
- failures of these expectations are reported as the caller's experience, not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ivraudit.regress.expectation import IvrExpectation

if TYPE_CHECKING:  # the audit machinery loads only when a test asks for a tree
    from pluggy import Result

    from ivraudit.regress.tree import IvrTree

TreeLoader = Callable[[Path | str], "IvrTree"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ivraudit", "phone tree regression tests (ivraudit)")
    group.addoption("--ivr-tree", dest="ivr_tree", default=None, metavar="PATH",
                    help="audit folder or tree spec (tree.yaml / frozen folder) for `ivr`")
    group.addoption("--ivr-asr", dest="ivr_asr", default=None, metavar="ENGINE",
                    help="speech engine for crawling a tree spec: auto, whisper, vosk")
    parser.addini("ivr_tree", "audit folder or tree spec the `ivr` fixture loads", default="")
    parser.addini("ivr_asr", "speech engine for crawling a tree spec", default="auto")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ivr_tree(path): the phone tree (audit folder or tree.yaml, relative to "
                   "the test file) this test's `ivr` fixture loads")


def _spec_of(path: Path) -> Path | None:
    """The tree spec ``path`` names, or None when it is an audit folder."""
    if path.is_dir():
        if (path / "audit.json").exists():
            return None
        return path / "tree.yaml"
    if path.name == "audit.json":
        return None
    return path


@pytest.fixture(scope="session")
def ivr_tree(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> TreeLoader:
    """Load a tree (audit folder, or tree spec crawled once per session) by path."""
    cache: dict[Path, IvrTree] = {}
    engine = request.config.getoption("ivr_asr") or request.config.getini("ivr_asr") or "auto"

    def load(where: Path | str) -> IvrTree:
        path = Path(where).resolve()
        if path not in cache:
            from ivraudit.errors import IvrauditError
            from ivraudit.audit.reader import read_audit
            from ivraudit.regress.replay import crawl_spec
            from ivraudit.regress.tree import IvrTree

            try:
                spec = _spec_of(path)
                if spec is None:
                    loaded = read_audit(path)
                else:
                    loaded = crawl_spec(spec, tmp_path_factory.mktemp("ivr-replay"),
                                        engine=str(engine))
            except IvrauditError as error:
                pytest.fail(f"ivraudit: cannot load the IVR tree {where}: {error}", pytrace=False)
            cache[path] = IvrTree(loaded, name=str(where))
        return cache[path]

    return load


def _configured(request: pytest.FixtureRequest) -> Path | None:
    marker = request.node.get_closest_marker("ivr_tree")
    if marker is not None and marker.args:
        return Path(request.path).parent / str(marker.args[0])
    option = request.config.getoption("ivr_tree")
    if option:
        return Path(request.config.invocation_params.dir) / option
    ini = request.config.getini("ivr_tree")
    if ini:
        base = request.config.inipath.parent if request.config.inipath else request.config.rootpath
        return base / str(ini)
    return None


@pytest.fixture
def ivr(request: pytest.FixtureRequest, ivr_tree: TreeLoader) -> "IvrTree":
    """The phone tree under test (see the module docstring for where it comes from)."""
    path = _configured(request)
    if path is None:
        pytest.fail("ivraudit: no IVR tree configured; use @pytest.mark.ivr_tree('path'), "
                    "--ivr-tree PATH or `ivr_tree = PATH` in the pytest ini file", pytrace=False)
    return ivr_tree(path)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, Result[pytest.TestReport], None]:
    """Report an IvrExpectation as the line of the test that failed and the caller's view."""
    outcome = yield
    report = outcome.get_result()
    excinfo = call.excinfo
    if report.failed and excinfo is not None and excinfo.errisinstance(IvrExpectation):
        here = Path(str(item.path))
        entries = [e for e in excinfo.traceback if Path(str(e.path)) == here]
        where = f"{here.name}:{entries[-1].lineno + 1}: " if entries else ""
        report.longrepr = f"{where}{excinfo.value}"
