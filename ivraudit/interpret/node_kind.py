"""A node's kind from both what was heard around the words and what the words say.

:func:`ivraudit.interpret.interpret` reads the words alone; the listener knows what the words
ran into (hold music, a beep). Music after a prompt makes it a queue unless its words offer
keys or say a person speaks; words
that say so ("please hold", "your call is important", "you are caller number 3") make it a
queue too, whatever follows (a queue may be silent or ring); a beep after other words makes it
voicemail.
"""

from __future__ import annotations

from ivraudit.interpret.kinds import asks_for_a_message
from ivraudit.interpret.text import tokenize
from ivraudit.kinds import KINDS

SAID_KINDS = tuple(kind for kind in KINDS if kind != "hold")
"""Kinds the words alone may decide: a queue is only a queue where music follows."""


ASKING_KINDS = ("menu", "input")
"""Words that offer keys or ask for digits make a menu or an input whatever follows them: some
IVRs play music under a menu while it waits, and a synthetic voice's last words can score as
music (a menu taken for a queue was never probed)."""


A_MESSAGE_ASKED = "voicemail"
"""Words that ask for a message ("please leave your message after the tone") and a beep make
voicemail whatever keys the words mention: a box's greeting tells how to end the message
("when done, hang up or press the pound key"), and where the recogniser garbled the words
that make that key a way to finish ("... when Dunt Enva press the pound key", zoo seed
20043), the box was read as a menu offering it and was probed."""
A_PERSONS_WORDS = "human"
"""Words that say a person ("Hi, this is Priya in customer service. What can I do for you?")
make a person whatever follows them but a beep: a synthetic voice's last words can score as
music, and the greeting became a queue, the person's "Hello?" after it a second node (zoo seed
18030). A queue's words say hold ("please hold while I try that extension"), not who speaks."""


def node_kind(said: str, text: str, *, ran_into_music: bool, ends_in_tone: bool) -> str:
    """The kind of node a prompt is: ``said`` is the words' reading, ``text`` the transcript."""
    if ends_in_tone and asks_for_a_message(tokenize(text)):
        return A_MESSAGE_ASKED
    if said in ASKING_KINDS and text:
        return said
    if said == A_PERSONS_WORDS and text and not ends_in_tone:
        return said
    if ran_into_music or said == "hold":
        return "hold"
    if ends_in_tone:
        return "voicemail"
    if said in SAID_KINDS:
        return said if text else "unknown"
    return "unknown"
