"""The crawl: a frontier of key paths, the probing rules, and the explorer that drives calls.

Prompt identity (is this a node heard before?) is not here but in :mod:`ivraudit.identity`, a
layer below, because regression diffs and the tests' ground truth ask the same question.
"""
