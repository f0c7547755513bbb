"""Rule-file problems: one broken file per failure mode, expected codes marked in the file itself.

A line ending in ``# <- code`` must be reported with that code at that line; nothing else may be.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility import ProblemCode, RuleSet, RuleSetError, load_rules
from eligibility.apps.cli import main
from eligibility.labels import problem_message, text
from eligibility.language.load import bundled_rules_dir

BROKEN = Path(__file__).parent / "data" / "broken"
MARK = re.compile(r"#\s*<-\s*([a-z_]+)\s*$")


def rules_dir_with(tmp_path: Path, *files: Path) -> Path:
    """A copy of the catalogue and tiers of the bundled rules, plus ``files``."""
    target = tmp_path / "rules"
    target.mkdir()
    for name in ("fields.yaml", "tiers.yaml", "sme_size.yaml"):
        shutil.copy(bundled_rules_dir() / name, target / name)
    for file in files:
        shutil.copy(file, target / file.name)
    return target


def expected_marks(path: Path) -> list[tuple[int, str]]:
    marks = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found = MARK.search(line)
        if found:
            marks.append((number, found.group(1)))
    return sorted(marks)


@pytest.mark.parametrize("broken", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_problem_is_reported_with_its_line(tmp_path: Path, broken: Path) -> None:
    directory = rules_dir_with(tmp_path, broken)
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    found = sorted((p.line, str(p.code)) for p in caught.value.problems if p.file.endswith(broken.name))
    assert found == expected_marks(broken)
    assert all(p.file.endswith(broken.name) for p in caught.value.problems)


def test_four_problems_in_one_run(tmp_path: Path) -> None:
    directory = rules_dir_with(tmp_path, BROKEN / "four_problems.yaml")
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    codes = {p.code for p in caught.value.problems}
    assert codes == {
        ProblemCode.UNKNOWN_KEY,
        ProblemCode.UNKNOWN_FIELD,
        ProblemCode.BAND_OVERLAP,
        ProblemCode.UNREACHABLE_MARK,
    }
    misspelt = next(p for p in caught.value.problems if p.code is ProblemCode.UNKNOWN_FIELD)
    assert misspelt.suggestion == "rd_expense_y1"
    assert misspelt.path == "criteria.all[0].compare.field"


def test_several_files_are_reported_together(tmp_path: Path) -> None:
    directory = rules_dir_with(tmp_path, BROKEN / "band_gap.yaml", BROKEN / "max_mismatch.yaml")
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    assert {Path(p.file).name for p in caught.value.problems} == {"band_gap.yaml", "max_mismatch.yaml"}


def test_cli_rules_check_exits_3_and_lists_problems(tmp_path: Path) -> None:
    directory = rules_dir_with(tmp_path, BROKEN / "four_problems.yaml")
    result = CliRunner().invoke(main, ["rules", "check", str(directory)])
    assert result.exit_code == 3
    assert "four_problems.yaml:11" in result.output
    assert text("did_you_mean", "zh", suggestion="rd_expense_y1") in result.output
    english = CliRunner().invoke(main, ["rules", "check", str(directory), "--lang", "en"])
    assert english.exit_code == 3
    assert text("did_you_mean", "en", suggestion="rd_expense_y1") in english.output


def test_cli_rules_check_names_a_label_that_states_another_number(tmp_path: Path) -> None:
    directory = rules_dir_with(tmp_path, BROKEN / "label_mismatch.yaml")
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    first = min(caught.value.problems, key=lambda p: p.line)
    assert (first.code, first.line) == (ProblemCode.LABEL_MISMATCH, 28)
    assert first.path == "criteria.all[0].label_zh"
    assert first.detail == "'1500万元' ≠ 1000万元"  # the number the label states, and the value
    result = CliRunner().invoke(main, ["rules", "check", str(directory)])
    assert result.exit_code == 3
    assert all(problem_message(p) in result.output for p in caught.value.problems)


def test_bundled_rules_check_passes() -> None:
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 0, result.output


def test_every_leaf_criterion_names_its_source(rules: RuleSet) -> None:
    from eligibility.language.ruleset import walk_criteria

    for ruleset in rules.rulesets.values():
        if ruleset.criteria is None:
            continue
        for node in walk_criteria(ruleset.criteria):
            if not node.children:
                assert node.source is not None, (ruleset.ruleset.id, node.id)


def test_forbidden_expression_in_catalogue(tmp_path: Path) -> None:
    directory = rules_dir_with(tmp_path)
    catalogue = directory / "fields.yaml"
    source = catalogue.read_text(encoding="utf-8")
    source = source.replace("expr: rd_expense_y1 / revenue_y1,", "expr: \"__import__('os').getcwd()\",")
    source = source.replace("expr: rd_expense_y2 / revenue_y2,", "expr: rd_expense_y2 / revenu_y2,")
    catalogue.write_text(source, encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    codes = sorted(str(p.code) for p in caught.value.problems)
    assert codes == ["expr_forbidden", "unknown_field"]
    unknown = next(p for p in caught.value.problems if p.code is ProblemCode.UNKNOWN_FIELD)
    assert unknown.suggestion == "revenue_y2"


LOOP = """\
ruleset:
  id: {id}
  tier: {tier}
  version: "1"
  regime: test
  label_zh: 循环
  source: {{document: test}}
  effective_from: 2022-01-01
  purposes: [apply]
criteria:
  id: c
  label_zh: 条件
  source: {{document: test}}
  passes: {{tier: {requires}}}
"""


def test_dependency_cycle(tmp_path: Path) -> None:
    directory = rules_dir_with(tmp_path)
    (directory / "a.yaml").write_text(
        LOOP.format(id="a", tier="tech_sme", requires="srdi_sme"), encoding="utf-8"
    )
    (directory / "b.yaml").write_text(
        LOOP.format(id="b", tier="srdi_sme", requires="tech_sme"), encoding="utf-8"
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    assert [p.code for p in caught.value.problems] == [ProblemCode.DEPENDENCY_CYCLE]
