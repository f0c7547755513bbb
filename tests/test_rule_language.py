"""The rule language's shared blocks, ``is:`` for booleans and its words for titles and other tiers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligibility import ProblemCode, RuleProblem, RuleSet, RuleSetError, load_rules
from eligibility.language.load import bundled_rules_dir
from eligibility.language.model import Match
from eligibility.language.ruleset import walk_criteria
from eligibility.units import Unit
from tests.conftest import copy_rules, edit
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


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the only line of ``path`` that holds ``text``."""
    found = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    assert len(found) == 1, found
    return found[0]


def _problems(directory: Path) -> list[RuleProblem]:
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    return list(caught.value.problems)


USE = "    - use: common_prerequisites\n"


def test_five_files_use_the_shared_prerequisites_and_115_keeps_its_own() -> None:
    users = sorted(p.stem for p in bundled_rules_dir().glob("*.yaml") if USE in p.read_text(encoding="utf-8"))
    assert users == [
        "innovative_sme_2022",
        "little_giant_2022",
        "little_giant_2026",
        "srdi_sme_2022",
        "srdi_sme_2026",
    ]


def test_an_unknown_block_is_a_problem_at_its_line_with_a_suggestion(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "srdi_sme_2026.yaml"
    edit(path, USE, "    - use: common_prerequisite\n")
    [problem] = _problems(directory)
    assert problem.code is ProblemCode.UNKNOWN_BLOCK
    assert Path(problem.file) == path
    assert problem.line == _line_of(path, "use: common_prerequisite")
    assert problem.path == "criteria.all[0].use"
    assert problem.suggestion == "common_prerequisites"


def test_parameters_must_be_those_the_block_declares(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "srdi_sme_2022.yaml"
    edit(path, "      with:\n        source:", "      with:\n        sourse:")
    edit(path, "        incident_label_zh: ", "        incident_label: ")
    found = sorted((p.line, p.path, p.code, p.suggestion) for p in _problems(directory))
    use = _line_of(path, "use: common_prerequisites")
    assert found == [
        (use + 1, "criteria.all[0].with", ProblemCode.MISSING_KEY, None),
        (use + 1, "criteria.all[0].with", ProblemCode.MISSING_KEY, None),
        (use + 2, "criteria.all[0].with.sourse", ProblemCode.UNKNOWN_PARAM, "source"),
        (use + 3, "criteria.all[0].with.incident_label", ProblemCode.UNKNOWN_PARAM, "incident_label_zh"),
    ]


def test_a_block_may_use_only_the_parameters_it_declares(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "blocks.yaml"
    edit(path, "          label_zh: $incident_label_zh\n", "          label_zh: $incident_label\n")
    problems = [p for p in _problems(directory) if Path(p.file) == path]
    assert [(p.line, p.code, p.suggestion) for p in problems] == [
        (_line_of(path, "label_zh: $incident_label"), ProblemCode.UNKNOWN_PARAM, "incident_label_zh")
    ]


def test_a_problem_inside_a_block_is_reported_at_the_use(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "little_giant_2026.yaml"
    edit(path, "confidence: M}\n        incident_label_zh", "confidence: X}\n        incident_label_zh")
    problems = _problems(directory)
    assert {(Path(p.file), p.line, p.code) for p in problems} == {
        (path, _line_of(path, "use: common_prerequisites"), ProblemCode.WRONG_TYPE)
    }
    assert "criteria.all[0].all[0].source.confidence" in {p.path for p in problems}


def test_a_use_may_give_the_block_its_own_label(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    edit(directory / "srdi_sme_2026.yaml", USE, USE + "      label_zh: 通用条件\n")
    loaded = load_rules(directory)
    criteria = loaded.rulesets["srdi_sme_2026"].criteria
    assert criteria is not None
    block = criteria.children[0]
    assert (block.id, block.label_zh, block.label_en) == ("prerequisites", "通用条件", "Common prerequisites")
    assert [c.id for c in block.children] == [
        "sme_size",
        "not_abnormal",
        "not_dishonest",
        "no_major_incident",
        "not_prohibited",
    ]


def test_old_spellings_are_refused_at_their_lines_naming_the_new_key(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "srdi_sme_2026.yaml"
    edit(path, "  holds_title: tech_innovative_sme\n", "  requires_title: tech_innovative_sme\n")
    other = directory / "tech_innovative_sme_2026.yaml"
    edit(other, "      holds_title: {tier:", "      holds: {tier:")
    edit(other, "      passes: {tier: tech_sme}", "      requires: {tier: tech_sme}")
    found = sorted((Path(p.file).name, p.line, p.path, p.code) for p in _problems(directory))
    assert found == [
        (
            "srdi_sme_2026.yaml",
            _line_of(path, "requires_title:"),
            "ruleset.requires_title",
            ProblemCode.RENAMED_KEY,
        ),
        (
            "tech_innovative_sme_2026.yaml",
            _line_of(other, "holds: {"),
            "criteria.any[0].holds",
            ProblemCode.RENAMED_KEY,
        ),
        (
            "tech_innovative_sme_2026.yaml",
            _line_of(other, "requires: {"),
            "criteria.any[1].requires",
            ProblemCode.RENAMED_KEY,
        ),
    ]
