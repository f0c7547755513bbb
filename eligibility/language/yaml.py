"""YAML with locations: a bounded composer (depth; nodes with aliases expanded) and the line of any
path inside a document.

Owns turning a rule file's text into a tree that knows where each key was written. Nothing here knows
the rule language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import __version__ as ruamel_version
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.events import AliasEvent

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "MAX_NODES",
    "BoundedComposer",
    "Doc",
    "Loc",
    "TooLargeError",
    "clean_loc",
    "path_text",
    "plain_tree",
    "yaml_tree",
]


Loc = tuple[str | int, ...]

# The version of a parsed tree as :func:`plain_tree` keeps it: bumped when the encoding changes.
FORMAT = f"1-ruamel{ruamel_version}"


_TYPE_TAGS = {"float", "str", "int", "bool", "list", "dict", "date", "none", "function-after"}


# Limits on one YAML document. The bundled rule files nest 13 levels deep and hold at most 1,383 nodes;
# a file past these limits is refused before anything walks it (deep nesting exhausts the stack, an
# alias bomb expands to billions of nodes when validated).
MAX_DEPTH = 64


MAX_NODES = 100_000


class TooLargeError(ComposerError):
    """The document would hold more than ``MAX_NODES`` nodes with its aliases expanded."""


class BoundedComposer(Composer):
    """ruamel's composer, counting the nodes of the document as if every alias were expanded.

    The round-trip tree shares an aliased node instead of copying it, so loading a billion-laughs
    file is cheap; validating or copying it is not. Counting here refuses such a file at the alias
    that crosses the limit, after reading a few hundred bytes. An alias to a node still being
    composed (a cycle) is refused the same way: its expansion has no end.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.sizes: dict[int, int] = {}  # id(node) → nodes in its expanded subtree
        self.expanded = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        alias = self.parser.peek_event() if self.parser.check_event(AliasEvent) else None
        node = super().compose_node(parent, index)
        if alias is not None:
            size = self.sizes.get(id(node))
            if size is None:
                raise TooLargeError(None, None, "recursive alias", alias.start_mark)
            self.expanded += size
        else:
            children: Iterable[Any] = ()
            if isinstance(node.value, list):
                children = (
                    part for child in node.value for part in (child if isinstance(child, tuple) else (child,))
                )
            self.sizes[id(node)] = 1 + sum(self.sizes.get(id(child), 1) for child in children)
            self.expanded += 1
        if self.expanded > MAX_NODES:
            mark = alias.start_mark if alias is not None else node.start_mark
            raise TooLargeError(None, None, "too many nodes", mark)
        return node


@dataclass
class Doc:
    path: Path
    data: Any

    def line(self, loc: Loc) -> int:
        """1-based line of the deepest part of ``loc`` present in the YAML tree."""
        node, line = self.data, 1
        for step in loc:
            if isinstance(node, CommentedMap) and step in node:
                line = node.lc.key(step)[0] + 1
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
                line = node.lc.item(step)[0] + 1
                node = node[step]
            else:
                # A missing key is reported at the key of the mapping that should hold it.
                break
        return line


def path_text(loc: Loc) -> str:
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(file)"


def clean_loc(doc: Doc, loc: Iterable[str | int]) -> Loc:
    """Drop pydantic's union/type tags that are not keys of the YAML tree."""
    node: Any = doc.data
    cleaned: list[str | int] = []
    for step in loc:
        in_map = isinstance(node, Mapping) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if in_map or in_list:
            node = node[step]
        elif isinstance(step, str) and (step in _TYPE_TAGS or "[" in step or step.startswith("function")):
            continue
        else:
            node = None
        cleaned.append(step)
    return tuple(cleaned)


def plain_tree(node: Any) -> Any:
    """A round-trip YAML tree as JSON data, with the line and column of every key and item."""
    if isinstance(node, CommentedMap):
        lines = node.lc.data
        return {"m": [[key, list(lines.get(key, [0, 0, 0, 0])), plain_tree(v)] for key, v in node.items()]}
    if isinstance(node, CommentedSeq):
        return {"s": [[list(node.lc.data.get(i, [0, 0])), plain_tree(v)] for i, v in enumerate(node)]}
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.date) and not isinstance(node, dt.datetime):
        return {"d": node.isoformat()}
    raise TypeError(type(node).__name__)  # not kept: the file is parsed every time


def yaml_tree(node: Any) -> Any:
    """The round-trip YAML tree :func:`plain_tree` was made from (maps, lists and their lines)."""
    if isinstance(node, dict):
        if "m" in node:
            out = CommentedMap()
            for key, where, value in node["m"]:
                out[key] = yaml_tree(value)
                out.lc.add_kv_line_col(key, where)
            return out
        if "s" in node:
            seq = CommentedSeq()
            for index, (where, value) in enumerate(node["s"]):
                seq.append(yaml_tree(value))
                seq.lc.add_kv_line_col(index, where)
            return seq
        return dt.date.fromisoformat(node["d"])
    return node
