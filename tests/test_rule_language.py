"""The rule language's shared blocks, ``is:`` for booleans and its words for titles and other tiers."""

from __future__ import annotations

import json
from pathlib import Path

from eligibility import RuleSet
from tests.tree_facts import tree_facts

DATA = Path(__file__).parent / "data"


def test_bundled_trees_are_those_before_the_language_changed(rules: RuleSet) -> None:
    """Every criteria tree (ids, labels, sources, tests, missing notes) equals main's before the change."""
    before = json.loads((DATA / "criteria_trees.json").read_text(encoding="utf-8"))
    assert tree_facts(rules) == before
