"""Node kinds, named once for every layer.

The tree spec's node types (``ivraudit.tree/1``), the interpreter's readings of a prompt and the
kinds the crawl records in an audit (``ivraudit.audit/1``) are one vocabulary: a spec node's type
is the kind a perfect crawl records for it (ivraudit.testing.truth), and an audit node's kind is
the type its frozen spec gives it (ivraudit.regress.freeze).

This module sits at the bottom of the package, beside ivraudit.errors, because the spec uses
these words too and must import neither the audit nor the crawl.
"""

from __future__ import annotations

from typing import Final

KINDS: Final = ("menu", "message", "hold", "human", "voicemail", "input")
"""What a prompt can be: the spec's node types, and the interpreter's readings of its words."""

ACTING_KINDS: Final = ("menu", "input")
"""Kinds of node that wait for the caller to do something (press a key, enter digits)."""

HANGUP_KIND: Final = "hangup"
"""The kind of the node that stands for "the line went dead". The crawl hears it (the call
drops), no prompt says it, so it is not one of :data:`KINDS`; the audit gives that one node the
kind as its id too (ivraudit.audit.document.HANGUP_NODE)."""

CALL_ENDING_KINDS: Final = (HANGUP_KIND, "human", "voicemail")
"""Kinds after which the call is over whatever the caller does."""
