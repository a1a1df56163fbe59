"""Regression testing of phone trees: freeze an audit into a replayable tree, diff two audits,
and a pytest plugin for assertions about a tree (entry point ``pytest11: ivraudit``). All of
them read audit folders with :mod:`ivraudit.audit.reader`, the reader ``ivraudit report`` uses.

- :mod:`~ivraudit.regress.freeze`: audit -> ``ivraudit.tree/1`` spec with its audio, using
  :mod:`~ivraudit.regress.timing` (measured silences -> spec fields) and
  :mod:`~ivraudit.regress.hold_calibration` (hold queues, tuned by listening);
- :mod:`~ivraudit.regress.diff`: what changed between two audits, with an exit status, using
  :mod:`~ivraudit.regress.matching` (which node is which) and :mod:`~ivraudit.regress.words`;
- :mod:`~ivraudit.regress.tree`: a caller's view of an audit (press keys, hear prompts, time);
- :mod:`~ivraudit.regress.plugin`: the pytest fixtures built on that view;
- :mod:`~ivraudit.regress.replay`: crawl a spec from Python with one shared recognizer.
"""
