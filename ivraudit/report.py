"""The HTML report, rendered with jinja2 from ``reports/templates/``.

Autoescaping is on for every template: transcripts are what strangers' phone lines said, and
must reach the page as text, never as markup.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape


def template_folder() -> Path:
    """``reports/templates`` beside the package (a checkout) or under the install prefix."""
    candidates = [
        Path(__file__).resolve().parent.parent / "reports" / "templates",
        Path(sys.prefix) / "share" / "ivraudit" / "templates",
    ]
    for folder in candidates:
        if (folder / "report.html.j2").exists():
            return folder
    raise FileNotFoundError("report templates not found (looked in "
                            + ", ".join(str(c) for c in candidates) + ")")


def render_report(document: dict[str, object]) -> str:
    """The self-contained report page for one ``audit.json`` document."""
    env = Environment(loader=FileSystemLoader(template_folder()),
                      autoescape=select_autoescape(["html", "j2"], default=True))
    return env.get_template("report.html.j2").render(audit=document, metrics=document["metrics"])
