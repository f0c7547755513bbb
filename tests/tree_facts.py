"""The criteria trees of a loaded RuleSet as plain data, in the current spelling of the language.

Used to prove that a change of the rule language (shared blocks, ``is:``, ``passes`` / ``holds_title``)
leaves every tree exactly as it was: ``tests/data/criteria_trees.json`` was written by this module from
the rules of ``main`` before the change (``python -m tests.tree_facts > tests/data/criteria_trees.json``).
It reads models through ``model_dump`` only, so that it runs against both spellings of the models.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from eligibility import RuleSet, load_rules
from eligibility.language.ruleset import walk_criteria

# Old spelling → new spelling; the facts are always written in the new one.
RENAMED = {"requires": "passes", "holds": "holds_title", "requires_title": "holds_title"}


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    return {RENAMED.get(key, key): value for key, value in data.items()}


def tree_facts(rules: RuleSet) -> dict[str, Any]:
    """Per rule set: its metadata and every criterion (parents first, children by id)."""
    found: dict[str, Any] = {}
    for rid, model in sorted(rules.rulesets.items()):
        nodes = []
        if model.criteria is not None:
            for node in walk_criteria(model.criteria):
                data = node.model_dump(mode="json", by_alias=True, exclude_none=True)
                for key in ("all", "any"):
                    if key in data:
                        data[key] = [child.id for child in node.children]
                if "match" in data:
                    data["match"].pop("is", None)  # `is: x` is the same test as `in: [x]`
                nodes.append(_renamed(data))
        meta = model.ruleset.model_dump(mode="json", by_alias=True, exclude_none=True)
        found[rid] = {"ruleset": _renamed(meta), "criteria": nodes}
    return found


if __name__ == "__main__":
    directory = sys.argv[1] if len(sys.argv) > 1 else None
    json.dump(tree_facts(load_rules(directory)), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
