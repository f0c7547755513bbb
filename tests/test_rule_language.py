"""The rule language's shared blocks, ``is:`` for booleans and its words for titles and other tiers."""

from __future__ import annotations

import json
from pathlib import Path

from eligibility import RuleSet
from eligibility.models import Match
from eligibility.ruleset import walk_criteria
from eligibility.units import Unit
from tests.tree_facts import tree_facts

DATA = Path(__file__).parent / "data"


def test_bundled_trees_are_those_before_the_language_changed(rules: RuleSet) -> None:
    """Every criteria tree (ids, labels, sources, tests, missing notes) equals main's before the change."""
    before = json.loads((DATA / "criteria_trees.json").read_text(encoding="utf-8"))
    assert tree_facts(rules) == before


def test_is_is_the_same_test_as_in() -> None:
    written_is = Match.model_validate({"field": "abnormal_list", "is": False})
    written_in = Match.model_validate({"field": "abnormal_list", "in": [False]})
    assert written_is.in_ == written_in.in_ == [False]
    assert written_is.is_ is False
    assert written_in.is_ is None


def test_bundled_files_match_booleans_with_is(rules: RuleSet) -> None:
    matches = [
        node.match
        for model in rules.rulesets.values()
        if model.criteria is not None
        for node in walk_criteria(model.criteria)
        if node.match is not None and rules.fields[node.match.field].unit is Unit.BOOL
    ]
    assert matches
    assert all(m.is_ is not None for m in matches)
