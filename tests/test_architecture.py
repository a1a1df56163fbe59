"""The architecture holds: ivraudit's packages are layered and its modules import no cycle.

The contracts live in setup.cfg (``[importlinter]`` sections) and are checked by import-linter's
``lint-imports``; running it here is how CI fails the build when a change breaks the layering.
Function-level imports count like any other: they only hide a dependency until the function
runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    """The ``lint-imports`` of this interpreter's environment (the ``test`` extra installs it)."""
    beside = Path(sys.executable).with_name("lint-imports")
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed: pip install -e '.[test]'"
    return found


def test_import_contracts_are_kept() -> None:
    """Every contract in setup.cfg is kept, for this checkout's code (PYTHONPATH puts it first,
    whatever copy of ivraudit is installed)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    result = subprocess.run(
        [_lint_imports(), str(ROOT / "setup.cfg"), "--no-logo", "--no-cache"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"lint-imports failed:\n{result.stdout}\n{result.stderr}"


def test_no_import_cycle_runs_through_a_package_init() -> None:
    """No cycle among all of ivraudit's modules, packages' ``__init__`` modules included.

    The acyclic_siblings contract compares the modules of each package with one another and
    leaves out imports between a package's ``__init__`` and its own modules; a cycle through an
    ``__init__`` (``report/__init__.py`` importing ``report.files`` at the top while
    ``report.files`` imports ``ivraudit.report``) breaks imports just the same.
    """
    graph = grimp.build_graph("ivraudit", cache_dir=None)
    imports = nx.DiGraph()
    for module in graph.modules:
        imports.add_node(module)
        imports.add_edges_from((module, imported)
                               for imported in graph.find_modules_directly_imported_by(module)
                               if imported != module)
    cycles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    assert not cycles, f"modules that import each other, directly or through others: {cycles}"


def test_types_check() -> None:
    """mypy finds no error in ivraudit/ (its settings, and the few third-party packages that
    ship no types, are in setup.cfg)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "setup.cfg"), str(ROOT / "ivraudit")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}\n{result.stderr}"


MAX_CRAWL_MODULE_LINES = 400
"""The crawl is the part that grows with every strategy: each of its modules has one job, and
one that outgrows this has taken on a second."""


def test_no_crawl_module_outgrows_one_job() -> None:
    sizes = {path.name: len(path.read_text().splitlines())
             for path in (ROOT / "ivraudit" / "crawl").glob("*.py")}
    assert sizes and max(sizes.values()) <= MAX_CRAWL_MODULE_LINES, sorted(
        sizes.items(), key=lambda item: -item[1])[:3]
