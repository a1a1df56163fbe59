"""The errors ivraudit reports to its users.

Every error a user can cause (bad spec, bad audio, missing model, bad arguments) is an
:class:`IvrauditError` with a message that says what is wrong and where, and the exit status
the command line returns for it. Anything else is a bug and surfaces as a traceback.
"""

from __future__ import annotations

import reprlib

QUOTE_CHARACTERS = 80
"""The most characters of a user's value that an error message quotes. A YAML alias bomb of
900 bytes expands to hundreds of megabytes when printed in full; a message needs only enough of
the value to recognise it, and must stay one readable line whatever the input was."""

_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2        # nested values are walked this deep, never expanded in full
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxfrozenset = _SHORT.maxdict = 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = QUOTE_CHARACTERS


def quote(value: object) -> str:
    """``repr(value)`` cut to at most :data:`QUOTE_CHARACTERS` characters, computed without
    ever walking all of a nested value: the one way error messages quote input."""
    text = _SHORT.repr(value)
    if len(text) > QUOTE_CHARACTERS:
        text = text[: QUOTE_CHARACTERS - 1] + "\u2026"
    return text


def clip(text: str) -> str:
    """Text from the input (a field's name, a node id) cut like :func:`quote`, unquoted, with
    characters that are not printable escaped as ``repr`` does (no ESC reaches a terminal)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:QUOTE_CHARACTERS + 1])
    return text if len(text) <= QUOTE_CHARACTERS else text[: QUOTE_CHARACTERS - 1] + "\u2026"


class IvrauditError(Exception):
    """Base of all errors that are the user's to fix; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class SpecError(IvrauditError):
    """A tree spec is not valid. ``where`` names the node and field, e.g. ``nodes.main.options``."""

    exit_code = 2

    def __init__(self, where: str, problem: str, *, source: str | None = None) -> None:
        where = ".".join(clip(part) for part in where.split("."))
        self.where = where
        self.problem = problem
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{where}: {problem}")


class AudioError(IvrauditError):
    """An audio file is missing, corrupt or in a format the line cannot play."""

    exit_code = 2


class ModelError(IvrauditError):
    """A speech model is missing or cannot be loaded; the message says how to get one."""

    exit_code = 2


class LineError(IvrauditError):
    """The line failed in a way that stops the crawl (not a single call's outcome)."""

    exit_code = 1


class InputFileError(IvrauditError):
    """A file the user named cannot be used as input: not a regular file (a FIFO, a device,
    a folder), or larger than what ivraudit reads of such a file."""

    exit_code = 2


class AuditInputError(IvrauditError):
    """An audit folder cannot be read (missing, not an audit, corrupt, a recording refused).

    Exit status 2, because ``ivraudit diff`` exits 1 for "the tree changed" and a bad input
    must not read as a change."""

    exit_code = 2
