"""The scenario files and the boundary cases generated from every rule set, run as tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from eligibility import RuleSet, load_rules
from eligibility.apps.cli import main
from eligibility.labels import text
from eligibility.language.load import bundled_rules_dir, read_scenarios
from eligibility.scenarios import boundary_cases, run_rule_tests, run_scenarios
from tests.conftest import copy_rules, edit

SCENARIOS = sorted((bundled_rules_dir() / "scenarios").glob("*.yaml"))


def test_every_rule_set_has_scenarios(rules: RuleSet) -> None:
    assert {read_scenarios(path).ruleset for path in SCENARIOS} == set(rules.rulesets)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenarios(rules: RuleSet, path: Path) -> None:
    results = run_scenarios(rules, read_scenarios(path))
    failures = [(r.name, r.problems) for r in results if not r.ok]
    assert not failures
    assert results


@pytest.mark.parametrize("ruleset_id", sorted(load_rules().rulesets))
def test_generated_boundary_cases(rules: RuleSet, ruleset_id: str) -> None:
    results = boundary_cases(rules, rules.rulesets[ruleset_id])
    failures = [(r.name, r.problems) for r in results if not r.ok]
    assert not failures


def test_boundary_cases_catch_an_operator_bug(rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the engine read ">=" as ">", the generated "at the threshold" cases must fail."""
    from eligibility.scoring import logic

    original = logic.interval_status

    def off_by_one(low: np.ndarray, high: np.ndarray, op: str, threshold: float, tol: float) -> np.ndarray:
        return original(low, high, ">" if op == ">=" else op, threshold, tol)

    monkeypatch.setattr(logic, "interval_status", off_by_one)  # every threshold decision goes through it
    results = boundary_cases(rules, rules.rulesets["srdi_sme_2026"])
    failed = [r.name for r in results if not r.ok]
    assert failed
    assert all(": at" in name for name in failed)


def test_cli_rules_test_prints_counts_and_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "test"])
    assert result.exit_code == 0, result.output
    counts = {"ruleset": "srdi_sme_2026", "scenario": 29, "boundary": 39, "failed": 0}
    assert "  " + text("suite_line", "zh", **counts) + "\n" in result.output
    english = CliRunner().invoke(main, ["rules", "test", "--lang", "en"])
    assert "  " + text("suite_line", "en", **counts) + "\n" in english.output

    directory = copy_rules(tmp_path)
    scenario = directory / "scenarios" / "above_scale_industrial_2011.yaml"
    edit(scenario, "expected: {status: eligible, borderline: thin_pass}", "expected: {status: ineligible}")
    broken = CliRunner().invoke(main, ["rules", "test", str(directory)])
    assert broken.exit_code == 1
    assert f"✗ [above_scale_industrial_2011] {text('scenario')} 主营业务收入恰为2000万元\n" in broken.output
    assert "status: expected 'ineligible', got 'eligible'" in broken.output


def test_a_bad_scenario_file_is_reported_with_its_line(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    edit(
        directory / "scenarios" / "above_scale_industrial_2011.yaml",
        "    expected: {status: incomplete}",
        "    expectd: {status: incomplete}",
    )
    suite = run_rule_tests(load_rules(directory), directory)
    assert not suite.ok
    problems = [p for error in suite.errors for p in error.problems]
    assert {(p.code, p.line) for p in problems} >= {("unknown_key", 21)}
