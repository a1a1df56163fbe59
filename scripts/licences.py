"""Print the licence of each dependency setup.cfg names, as its installed metadata states it.

The README's licence table is this script's output, so it can be checked again after any
upgrade instead of trusted from memory:

    python scripts/licences.py

For each requirement (install_requires and the extras) it prints the version installed and
the licence from the package's own metadata: ``License-Expression`` where the package gives
one, else ``License``, else its ``License ::`` classifiers. A requirement whose environment
marker does not hold here (``audioop-lts`` below Python 3.13) or that is not installed is
said to be so, not guessed.
"""

from __future__ import annotations

import configparser
import importlib.metadata as metadata
import re
from pathlib import Path

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def requirements() -> list[tuple[str, str, str]]:
    """``(group, name, marker)`` for every requirement in setup.cfg."""
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    groups = {"install": config["options"]["install_requires"]}
    groups.update(config["options.extras_require"])
    found = []
    for group, text in groups.items():
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
                marker = line.split(";", 1)[1].strip() if ";" in line else ""
                found.append((group, name, marker))
    return found


def licence(name: str) -> tuple[str, str]:
    """``(version, licence)`` of an installed distribution, from its metadata."""
    meta = metadata.metadata(name)
    stated = meta.get("License-Expression") or meta.get("License") or ""
    if not stated.strip() or stated.strip() == "UNKNOWN" or len(stated) > 80:
        classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                       if c.startswith("License ::")]
        stated = "; ".join(classifiers) or "not stated in its metadata"
    return meta["Version"], stated.strip()


def main() -> None:
    seen: set[str] = set()
    for group, name, marker in requirements():
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        try:
            version, stated = licence(name)
        except metadata.PackageNotFoundError:
            version, stated = "-", "not installed here" + (f" ({marker})" if marker else "")
        print(f"| {group} | {name} | {version} | {stated} |")


if __name__ == "__main__":
    main()
