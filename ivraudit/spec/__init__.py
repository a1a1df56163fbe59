"""Tree specs (``ivraudit.tree/1``): a phone tree as its owner built it.

The spec is ground truth for the replay line, the simulator and the tests. The crawler never
reads it, and this package never imports the crawler: the graph a perfect crawl of a spec maps,
which follows the crawler's probing rules, is :mod:`ivraudit.testing.truth`.
"""

from ivraudit.spec.loader import load_spec
from ivraudit.spec.model import LineSpec, NodeSpec, TreeSpec

__all__ = ["LineSpec", "NodeSpec", "TreeSpec", "load_spec"]
