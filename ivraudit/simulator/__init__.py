"""The IVR simulator: answers real SIP calls and plays a tree spec over RTP (``ivraudit simulate``)."""

from ivraudit.simulator.server import REJECTS, CallTrace, SipServer, Simulator

__all__ = ["REJECTS", "CallTrace", "SipServer", "Simulator"]
