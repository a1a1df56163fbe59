"""What the interpreter hands the crawler: a node kind and the keys a prompt announces.

Both are frozen so a reading can be cached and compared; the crawler copies them into its own
records rather than keeping references.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    """One announced choice: the key to press and what the prompt says it is for."""

    key: str  # "0"-"9", "*" or "#"
    label: str  # e.g. "billing", "a representative", "return to the main menu"; may be ""


@dataclass(frozen=True)
class Interpretation:
    """The best reading of a prompt's words alone (audio cues are the crawler's business)."""

    kind: str  # one of ivraudit.kinds.KINDS
    options: tuple[Option, ...] = ()  # in announcement order; empty unless kind == "menu"
    digits: int | None = None  # input: how many digits it asks for, if it says
    terminator: str | None = None  # input: "#" or "*" if it asks to end the entry with one
    language: str = "en"
