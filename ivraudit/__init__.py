"""ivraudit: an IVR maze auditor.

It dials a phone line (a real SIP line or a replay of a recorded tree), hears every prompt,
presses keys breadth-first and maps the menu tree into an audit: a graph, metrics and a report.
"""

__version__ = "0.1.0"
