"""Parsing a spec's YAML strictly: a key given twice in one mapping is an error.

PyYAML keeps the last of two equal keys without a word, so a spec with ``wait: 2`` and, ten
lines further down the same node, ``wait: 20`` silently plays by the second; the owner who
edited the first would never know why nothing changed. Here the second is refused with both
lines named. Keys brought in by a merge (``<<: *defaults``) may be overridden, as YAML means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from ivraudit.errors import quote
from ivraudit.files import read_regular

MAX_SPEC_BYTES = 16 * 1024 * 1024
"""The largest spec file read. The biggest generated trees (maze-200, zoo trees) are a few
hundred kilobytes and a chain of 10,000 nodes about one megabyte; PyYAML parses about a megabyte
a second, so this bounds the wait on a wrong file to seconds, not a hang."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys in a mapping."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue  # merges may override; complex keys are refused by the base class
            key = self.construct_object(key_node, deep=False)
            line = key_node.start_mark.line + 1
            try:
                earlier = first_line.get(key)
            except TypeError:
                continue
            if earlier is not None:
                raise ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"the key {quote(key)} is given twice (lines {earlier} and {line}); "
                    "YAML would keep only the last, so say it once",
                    key_node.start_mark)
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """The YAML document in ``text``, refusing duplicate keys (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml_file(path: Path) -> Any:
    """The YAML document in the regular file ``path`` (at most :data:`MAX_SPEC_BYTES`); raises
    InputFileError, OSError, UnicodeDecodeError or ``yaml.YAMLError``."""
    return parse_yaml(read_regular(path, MAX_SPEC_BYTES).decode("utf-8"))
