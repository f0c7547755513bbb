"""Input typing and issues (bad cells are reported, rows are kept) and the headline flags."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from eligibility import InputError, IssueCode, RuleSet, RuleSetError, Severity, evaluate
from eligibility.input.prepare import prepare
from tests.conftest import AS_OF_2022, base_firm, copy_rules, edit, valid_code


def frame(*overrides: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for i, override in enumerate(overrides):
        firm = base_firm()
        firm["credit_code"] = valid_code(i)
        firm.update(override)
        rows.append(firm)
    return pd.DataFrame(rows).astype(object)


def test_malformed_cells_are_reported_and_other_rows_evaluated(rules: RuleSet) -> None:
    data = frame({}, {"revenue_y1": "三千"}, {"revenue_y1": -5}, {"current_tier": "明星企业"}, {})
    assessment = evaluate(data, rules, as_of=AS_OF_2022)
    found = sorted((i.row, str(i.code), i.field, i.value) for i in assessment.issues)
    assert found == [
        (3, "not_a_number", "revenue_y1", "三千"),
        (4, "negative_value", "revenue_y1", "-5"),
        (5, "unknown_category", "current_tier", "明星企业"),
    ]
    assert all(i.severity is Severity.ERROR for i in assessment.issues)
    status = assessment.status("srdi_sme").tolist()
    # The unusable revenue makes rows 2 and 3 incomplete, not dropped; the others are evaluated.
    assert status == ["eligible", "incomplete", "incomplete", "eligible", "eligible"]
    wide = assessment.wide()
    assert wide["flag.data_issue"].tolist() == [False, True, True, True, False]
    assert len(wide) == 5


def test_strict_mode_raises_with_every_error(rules: RuleSet) -> None:
    with pytest.raises(InputError) as caught:
        evaluate(frame({"revenue_y1": "x"}, {"rd_expense_y1": "y"}), rules, as_of=AS_OF_2022, strict=True)
    assert [i.code for i in caught.value.issues] == [IssueCode.NOT_A_NUMBER, IssueCode.NOT_A_NUMBER]


def test_cell_spellings(rules: RuleSet) -> None:
    data = frame(
        {"revenue_y1": "3,000", "abnormal_list": "无", "rd_institution": "省级", "industry": "industrial"},
        {
            "revenue_y1": " 3000 ",
            "abnormal_list": "N",
            "rd_institution": "Provincial",
            "digital_level": "3.0",
        },
    )
    prepared = prepare(data, rules)
    assert prepared.issues == []
    assert prepared.columns["revenue_y1"].tolist() == [3000.0, 3000.0]
    assert prepared.columns["abnormal_list"].tolist() == [0.0, 0.0]
    provincial = rules.fields["rd_institution"].choice_ids.index("provincial")
    assert prepared.columns["rd_institution"].tolist() == [provincial, provincial]


def test_percent_in_a_ratio_column_and_derived_value_given(rules: RuleSet) -> None:
    # A debt ratio given directly is used as given; "55%" means 0.55 → debt band (50, 60) → 3 points.
    data = frame({"debt_ratio_y1": "55%", "total_liabilities_y1": None}, {"debt_ratio_y1": None})
    assessment = evaluate(data, rules, as_of=AS_OF_2022)
    assert assessment.firm(0)["tiers"]["srdi_sme"]["score"] == 76
    assert assessment.firm(1)["tiers"]["srdi_sme"]["score"] == 78  # computed from its parts
    bad = evaluate(frame({"revenue_y1": "30%"}), rules, as_of=AS_OF_2022)
    assert [i.code for i in bad.issues] == [IssueCode.NOT_A_NUMBER]


def test_keys_and_columns(rules: RuleSet) -> None:
    data = frame({}, {"credit_code": valid_code(0)}, {"credit_code": None})
    data["备注"] = "x"
    assessment = evaluate(data, rules, as_of=AS_OF_2022)
    found = sorted((i.row or 0, str(i.code)) for i in assessment.issues)
    assert found == [(0, "unmapped_column"), (3, "duplicate_key"), (4, "missing_key")]
    unmapped = next(i for i in assessment.issues if i.code is IssueCode.UNMAPPED_COLUMN)
    assert (unmapped.header, unmapped.severity) == ("备注", Severity.WARNING)


def test_promotion_candidate(rules: RuleSet) -> None:
    data = frame(
        {"current_tier": "创新型", "tier_expires_on": "2027-06-30"},
        {"current_tier": "创新型", "tier_expires_on": "2027-06-30", "rd_expense_y1": 99.99},  # near miss
        {"current_tier": "创新型", "tier_expires_on": "2027-06-30", "rd_expense_y1": 50},  # plain fail
        {"current_tier": "创新型", "tier_expires_on": "2025-06-30"},  # expired: holds nothing
        {},
    )
    assessment = evaluate(data, rules, as_of=AS_OF_2022)
    # Firms without a valid title are candidates for the bottom tier they now qualify for.
    assert assessment.flags.promotion_candidate.tolist() == [True, True, False, True, True]
    targets = assessment.flags.tier["promotion_candidate"].tolist()
    assert targets == ["srdi_sme", "srdi_sme", None, "tech_sme", "tech_sme"]
    reasons = assessment.flags.reason["promotion_candidate"].tolist()
    assert [r is None for r in reasons] == [t is None for t in targets]


def test_at_risk(rules: RuleSet) -> None:
    data = frame(
        # Holds 专精特新 expiring in 6 months and passes its review only thinly (R&D at 100万).
        {"current_tier": "专精特新", "tier_expires_on": "2026-09-30", "rd_expense_y1": 100},
        # Same, but fails.
        {"current_tier": "专精特新", "tier_expires_on": "2026-09-30", "rd_expense_y1": 50},
        # Fails, but the title runs for two more years: outside the 12-month horizon.
        {"current_tier": "专精特新", "tier_expires_on": "2028-09-30", "rd_expense_y1": 50},
        # Passes comfortably.
        {"current_tier": "专精特新", "tier_expires_on": "2026-09-30"},
        # Titled but no longer an SME.
        {
            "current_tier": "创新型",
            "tier_expires_on": "2028-01-01",
            "employees_y1": 1200,
            "revenue_y1": 50000,
        },
    )
    assessment = evaluate(data, rules, as_of=AS_OF_2022)
    assert assessment.flags.at_risk.tolist() == [True, True, False, False, True]
    tiers = assessment.flags.tier["at_risk"].tolist()
    reasons = assessment.flags.reason["at_risk"].tolist()
    assert tiers == ["srdi_sme", "srdi_sme", None, None, "sme_size"]
    assert reasons == ["review_thin_pass", "review_ineligible", None, None, "not_sme"]
    shorter = evaluate(data, rules, as_of=AS_OF_2022, horizon_months=3)
    assert shorter.flags.at_risk.tolist() == [False, False, False, False, True]


def test_blank_expiry_is_held_with_a_warning(rules: RuleSet) -> None:
    assessment = evaluate(frame({"current_tier": "小巨人"}), rules, as_of=AS_OF_2022)
    assert [(i.code, i.severity) for i in assessment.issues] == [(IssueCode.BLANK_EXPIRY, Severity.WARNING)]
    assert assessment.titles.tier.tolist() == ["little_giant"]


def test_scale_up_candidate(rules: RuleSet) -> None:
    # 规上 line: main revenue 2000万; margin 10% → 1800..2000 is a scale-up candidate.
    data = frame(
        {"main_revenue_y1": 1900, "revenue_y1": 2000},
        {"main_revenue_y1": 1700, "revenue_y1": 2000},
        {"main_revenue_y1": 1900, "revenue_y1": 2000, "industry": "软件和信息技术服务业"},
        {"main_revenue_y1": 2000, "revenue_y1": 2000},
    )
    assessment = evaluate(data, rules, as_of=AS_OF_2022)
    assert assessment.flags.scale_up_candidate.tolist() == [True, False, False, False]
    assert assessment.status("above_scale_industrial").tolist() == [
        "ineligible",
        "ineligible",
        "ineligible",
        "eligible",
    ]


def test_a_rule_set_requiring_a_title(rules: RuleSet, tmp_path: Any) -> None:
    """``holds_title`` adds a traced, blamed prerequisite: a valid title of that tier, one that
    satisfies it (科技型 / 创新型 for 科技和创新型) or one above it on the ladder."""
    from eligibility import load_rules

    directory = copy_rules(tmp_path)
    path = directory / "srdi_sme_2022.yaml"
    edit(path, "  validity_years: 3\n", "  validity_years: 3\n  holds_title: tech_innovative_sme\n")
    with_title = load_rules(directory)
    data = frame(
        {"current_tier": "科技型", "tier_expires_on": "2026-12-31"},
        {"current_tier": "创新型", "tier_expires_on": "2026-12-31"},
        {"current_tier": "专精特新", "tier_expires_on": "2026-12-31"},
        {"current_tier": "创新型", "tier_expires_on": "2025-12-31"},  # expired
        {},
        {"rd_expense_y1": 50},  # fails on its own criteria too
    )
    assessment = evaluate(data, with_title, as_of=AS_OF_2022)
    assert assessment.status("srdi_sme").tolist() == [
        "eligible",
        "eligible",
        "eligible",
        "ineligible",
        "ineligible",
        "ineligible",
    ]
    assert assessment.failed("srdi_sme").tolist() == [
        "",
        "",
        "",
        "requires_title",
        "requires_title",
        "requires_title;rd_amount_min;rd_ratio_min",
    ]
    # A criterion may not take the id of the leaf the engine adds for the required title.
    edit(
        path,
        "  id: srdi_sme\n  label_zh: 专精特新中小企业认定条件",
        "  id: requires_title\n  label_zh: 专精特新中小企业认定条件",
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    assert [str(p.code) for p in caught.value.problems] == ["duplicate_id"]
