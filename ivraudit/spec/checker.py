"""Reading one field of a tree spec's YAML, or saying exactly which field is wrong and why.

Shared by the loader and the readers of the format's extensions (``line``, menu fields), so
every message has the same shape: the field's full name (``nodes.billing.options.7``) and the
spec's path, never a traceback. Whatever a message quotes of the input goes through
:func:`ivraudit.errors.quote`, so a hostile value (a YAML alias bomb) never floods the terminal.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from ivraudit.errors import SpecError, quote
from ivraudit.telephony.constants import DTMF_KEYS

MULTI_DIGIT_KEY = re.compile(r"[0-9]{2,5}")
"""An option key of several digits ("600", "8500"), as extension-dialling menus take them."""


class Checker:
    """Reads fields of one YAML mapping, raising SpecError with the field's full name."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> SpecError:
        return SpecError(where, problem, source=str(self.source))

    def number(self, raw: dict[str, Any], key: str, where: str, default: float,
               *, minimum: float = 0.0, maximum: float | None = None,
               unit: str = "seconds") -> float:
        """A finite number: YAML's ``.nan`` and ``.inf`` are floats too, and pass every range
        check (``nan < 0`` is false) only to crash the crawl half-way, so they are refused."""
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where}.{key}", f"must be a number of {unit}, not {quote(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(f"{where}.{key}", f"must be a finite number of {unit}, "
                                              f"not {quote(value)}")
        if number < minimum:
            raise self.fail(f"{where}.{key}", f"must be at least {minimum}, not {quote(value)}")
        if maximum is not None and number > maximum:
            raise self.fail(f"{where}.{key}", f"must be at most {maximum}, not {quote(value)}")
        return number

    def integer(self, raw: dict[str, Any], key: str, where: str, default: int | None,
                *, minimum: int = 0) -> int | None:
        value = raw.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"{where}.{key}", f"must be a whole number ≥ {minimum}, not {quote(value)}")
        return value

    def flag(self, raw: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", f"must be true or false, not {quote(value)}")
        return value

    def text(self, raw: dict[str, Any], key: str, where: str, default: str | None) -> str | None:
        value = raw.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"must be text, not {quote(value)}")
        return value

    def key(self, value: Any, where: str) -> str:
        key = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(key, str) or key not in DTMF_KEYS:
            raise self.fail(where, f"{quote(value)} is not a phone key (0-9, *, #)")
        return key

    def option_key(self, value: Any, where: str) -> str:
        """A menu option's key: one phone key, or a string of 2 to 5 digits."""
        key = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(key, str) and (key in DTMF_KEYS or MULTI_DIGIT_KEY.fullmatch(key)):
            return key
        raise self.fail(where, f"{quote(value)} is not a phone key (0-9, *, #) "
                               "nor 2 to 5 digits (quote keys with a leading 0: \"01\")")

    def paths(self, raw: dict[str, Any], key: str, where: str) -> list[str]:
        """One WAV path or a list of them (empty when the field is absent)."""
        value = raw.get(key, [])
        paths = [value] if isinstance(value, str) else value
        if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
            raise self.fail(f"{where}.{key}", "must be a WAV path or a list of WAV paths")
        return paths
