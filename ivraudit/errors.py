"""The errors ivraudit reports to its users.

Every error a user can cause (bad spec, bad audio, missing model, bad arguments) is an
:class:`IvrauditError` with a message that says what is wrong and where, and the exit status
the command line returns for it. Anything else is a bug and surfaces as a traceback.
"""

from __future__ import annotations


class IvrauditError(Exception):
    """Base of all errors that are the user's to fix; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class SpecError(IvrauditError):
    """A tree spec is not valid. ``where`` names the node and field, e.g. ``nodes.main.options``."""

    exit_code = 2

    def __init__(self, where: str, problem: str, *, source: str | None = None) -> None:
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
