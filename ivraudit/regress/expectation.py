"""The failure of an expectation about a phone tree.

Its own small module so the pytest plugin, which every pytest session of a machine with
ivraudit installed loads, can recognise it without importing the audit machinery.
"""

from __future__ import annotations


class IvrExpectation(AssertionError):
    """A phone tree does not do what a test expects; the message says what it does instead."""
