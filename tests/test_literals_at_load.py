"""Every literal of the rule files ("100万元", "3%", "2年") is a number once the rules are loaded:
evaluating and rendering a whole pool, in every purpose and regime, parses no text again."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import eligibility.units as units_module
from eligibility import evaluate, load_rules, read_input
from eligibility.findings import build_findings
from eligibility.render.tables import Tables
from eligibility.units import Unit

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "pool.xlsx"


def test_no_literal_is_parsed_after_load(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = load_rules()
    table = read_input(SAMPLE, rules)
    assert rules.literals[("100万元", Unit.WAN_YUAN)] == 100.0
    calls: list[tuple[object, ...]] = []

    def counted(*args: object) -> float:
        calls.append(args)
        raise AssertionError(args)

    # Wherever the package holds the parser (imported by name or through the module), it now fails.
    holders = [m for name, m in sorted(sys.modules.items()) if name.startswith("eligibility")]
    patched = [m for m in holders if getattr(m, "parse_quantity", None) is units_module.parse_quantity]
    assert units_module in patched
    for module in patched:
        monkeypatch.setattr(module, "parse_quantity", counted)
    for purpose in ("apply", "review"):
        for regime in (None, "2022", "2026"):
            assessment = evaluate(table, rules, as_of="2026-11-26", purpose=purpose, regime=regime)
            tables = Tables(build_findings(assessment))
            assert len(tables.firms()) == assessment.n
            tables.promotion()
            tables.at_risk()
            tables.rules_used()
    assert calls == []


def test_an_unknown_text_literal_is_a_bug_not_a_guess() -> None:
    rules = load_rules()
    with pytest.raises(LookupError):
        rules.number("123万元", Unit.WAN_YUAN)  # no rule file says 123万元
    assert rules.number(7, Unit.WAN_YUAN) == 7.0  # a number needs no resolving
