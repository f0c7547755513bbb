"""Review rules by the round: a title is re-reviewed in the round of the year it expires.

The 2026 round judged 专精特新 (晋工信企业字〔2026〕14号) and 小巨人 (工信厅企业函〔2026〕117号) under 63号;
rounds from 2027 use 2号. So on 2026-11-26 a 专精特新 title expiring in 2026 is reviewed under 63号 and
one expiring in 2027 under 2号 — in one run, firm by firm. The firm below is worked by hand: under
63号 附件2 it scores well above 60 (a safe pass); under 2号 附件1 its 专精特新发展评价得分 (46.2 this year,
44.4 last year) is below the 50 either year must reach at review, so it fails there and only there.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility import RuleSetError, evaluate, load_rules
from eligibility.apps.cli import main
from eligibility.language.load import bundled_rules_dir
from eligibility.render.html import build_report
from eligibility.render.tables import Tables

AS_OF = "2026-11-26"

# A titled manufacturer of special alloys, every figure as an officer would have it (万元, %, counts).
FIRM: dict[str, Any] = {
    "industry": "工业",
    "province": "山西省",
    "city": "晋城市",
    "revenue_y1": 15170.6,
    "revenue_y2": 14205.8,
    "revenue_y3": 16094.5,
    "main_revenue_y1": 13228.5,
    "main_revenue_y2": 12465.6,
    "main_revenue_y3": 14325.6,
    "rd_expense_y1": 748.9,
    "rd_expense_y2": 619.9,
    "rd_expense_y3": 580.5,
    "net_profit_y1": 1416.8,
    "total_assets_y1": 22929.8,
    "total_liabilities_y1": 7767.3,
    "employees_y1": 75,
    "rd_staff_y1": 4,
    "tech_staff_y1": 19,
    "niche_years": 11,
    "equity_financing_2y": 0,
    "equity_financing_3y": 0,
    "ip_class1_high_value": 0,
    "ip_class1_own": 1,
    "ip_class1": 3,
    "ip_class2": 3,
    "product_field": "other",
    "digital_level": 3,
    "quality_award": "否",
    "quality_cert": "是",
    "own_brand": "否",
    "standard_drafting": "否",
    "local_feature_score": 14,
    "rd_institution": "municipal",
    "st_award": "none",
    "maker_china": "none",
    "abnormal_list": "否",
    "dishonest_list": "否",
    "major_incident_3y": "否",
    "prohibited_product": "否",
    "established_on": "2018-01-11",
    "total_cost_y1": 13132.1,
    "high_tech_revenue_y1": 9195.5,
    "strategic_emerging": "是",
    "standard_lead_5y": "否",
    "hnte_valid": "否",
    "tech_demo": "是",
    "ip_advantage": "否",
    "info_system": "是",
    "mgmt_cert": "是",
    "market_share": 0.2954,
    "market_rank_cn": 23,
    "quality_score_y1": 46.2,
    "quality_score_y2": 44.4,
}


def pool(titles: list[tuple[str | None, str | None]]) -> pd.DataFrame:
    """The firm above once per (title, expiry), each under its own code and name."""
    rows = [
        {
            **FIRM,
            "credit_code": f"91140500MA0R0UND{k:02d}",
            "name": f"轮次测试{k}号有限公司",
            "current_tier": title,
            "tier_expires_on": expires,
        }
        for k, (title, expires) in enumerate(titles)
    ]
    return pd.DataFrame(rows)


SRDI = "专精特新中小企业"
GIANT = '专精特新"小巨人"企业'


def test_the_firm_is_worked_as_the_docstring_says() -> None:
    frame = pool([(SRDI, "2026-12-31")])
    under_63 = evaluate(frame, as_of=AS_OF, purpose="review", regime="63号").wide()
    under_2 = evaluate(frame, as_of=AS_OF, purpose="review", regime="2号").wide()
    assert under_63.loc[0, "srdi_sme.status"] == "eligible"
    assert under_63.loc[0, "srdi_sme.borderline"] == ""
    assert under_2.loc[0, "srdi_sme.status"] == "ineligible"
    failed = set(str(under_2.loc[0, "srdi_sme.failed"]).split(";"))
    assert {"quality_score_review_y1", "quality_score_review_y2"} <= failed


def test_each_title_is_reviewed_under_the_rules_of_its_round() -> None:
    frame = pool(
        [
            (SRDI, "2026-12-31"),  # 2026 round: 63号
            (SRDI, "2027-06-30"),  # 2027 round: 2号
            (SRDI, "2026-06-30"),  # lapsed before as_of, still the 2026 round
            (None, None),  # no title: the round of as_of's year
            (GIANT, "2026-12-31"),
            (GIANT, "2027-06-30"),
        ]
    )
    wide = evaluate(frame, as_of=AS_OF, purpose="review").wide()
    assert wide["srdi_sme.ruleset"].tolist() == [
        "srdi_sme_2022",
        "srdi_sme_2026",
        "srdi_sme_2022",
        "srdi_sme_2022",
        "srdi_sme_2022",  # a 小巨人's 专精特新 review: no 专精特新 expiry of its own
        "srdi_sme_2022",
    ]
    assert wide["srdi_sme.review_round"].tolist() == [2026, 2027, 2026, 2026, 2026, 2026]
    assert wide["little_giant.ruleset"].tolist()[4:] == ["little_giant_2022", "little_giant_2026"]
    assert wide["little_giant.review_round"].tolist()[4:] == [2026, 2027]
    # Each firm's outcome is the one its rule set gives when forced on everyone.
    forced = {
        regime: evaluate(frame, as_of=AS_OF, purpose="review", regime=regime).wide()
        for regime in ("63号", "2号")
    }
    for tier in ("srdi_sme", "little_giant"):
        regime = np.where(wide[f"{tier}.ruleset"].str.endswith("2022"), "63号", "2号")
        for column in ("status", "borderline", "failed", "score"):
            expected = np.where(
                regime == "63号", forced["63号"][f"{tier}.{column}"], forced["2号"][f"{tier}.{column}"]
            )
            got = wide[f"{tier}.{column}"].to_numpy()
            assert pd.Series(got, dtype=object).equals(pd.Series(expected, dtype=object)), (tier, column)
    assert wide.loc[0, "srdi_sme.status"] == "eligible"
    assert wide.loc[1, "srdi_sme.status"] == "ineligible"


def test_a_forced_regime_judges_everyone_alike() -> None:
    frame = pool([(SRDI, "2026-12-31"), (SRDI, "2027-06-30")])
    wide = evaluate(frame, as_of=AS_OF, purpose="review", regime="2号").wide()
    assert wide["srdi_sme.ruleset"].tolist() == ["srdi_sme_2026", "srdi_sme_2026"]
    assert "srdi_sme.review_round" not in wide.columns
    assert wide["srdi_sme.status"].tolist() == ["ineligible", "ineligible"]


def test_the_at_risk_flag_uses_the_round_of_each_title() -> None:
    # Applying on 2026-11-26 (2号 for new applications), both titles expire within 12 months.
    frame = pool([(SRDI, "2026-12-31"), (SRDI, "2027-06-30")])
    a = evaluate(frame, as_of=AS_OF)
    assert a.wide()["srdi_sme.ruleset"].tolist() == ["srdi_sme_2026", "srdi_sme_2026"]
    assert a.flags.at_risk.tolist() == [False, True]  # 63号 safely met; 2号 not
    assert (a.flags.tier["at_risk"][1], a.flags.reason["at_risk"][1]) == ("srdi_sme", "review_ineligible")
    review = a.review_results["srdi_sme"]
    assert review.ruleset_ids(a.n).tolist() == ["srdi_sme_2022", "srdi_sme_2026"]
    # The at-risk list and the rules sheet name the round and rule set that judged the title.
    for lang in ("zh", "en"):
        tables = Tables(a, lang)
        listed = tables.at_risk()
        assert len(listed) == 1
        said = str(listed.loc[0, "col_review_rules"])
        assert "2027" in said
        assert "2号" in said
        used = tables.rules_used()
        page = build_report(a, lang)
        assert said in page  # the report's 退库风险 list names the round too
        srdi = used[used["col_ruleset"].str.startswith("srdi_sme")]
        assert sorted(srdi["col_ruleset"]) == ["srdi_sme_2022", "srdi_sme_2026", "srdi_sme_2026"]


def test_the_2026_round_flags_what_63_hao_fails() -> None:
    # A 专精特新 firm whose revenue fell below 63号's 1000万元 line: at risk in the 2026 round.
    frame = pool([(SRDI, "2026-12-31"), (SRDI, "2027-06-30")])
    frame["revenue_y1"] = 900.0
    frame["main_revenue_y1"] = 850.0
    a = evaluate(frame, as_of=AS_OF)
    assert a.flags.at_risk.tolist() == [True, True]
    review = a.review_results["srdi_sme"]
    assert review.ruleset_ids(a.n).tolist() == ["srdi_sme_2022", "srdi_sme_2026"]
    # What the round's review blames is what 63号 forced on the firm blames.
    blamed = {k for k, mask in review.blame.items() if mask[0]}
    forced = evaluate(frame, as_of=AS_OF, purpose="review", regime="63号").wide()
    assert blamed == set(str(forced.loc[0, "srdi_sme.failed"]).split(";"))
    assert any(k.startswith("revenue") for k in blamed)


def test_results_name_the_round_per_firm(tmp_path: Path) -> None:
    frame = pool([(SRDI, "2026-12-31"), (SRDI, "2027-06-30")])
    a = evaluate(frame, as_of=AS_OF, purpose="review")
    first, second = a.firm(0), a.firm(1)
    assert first["tiers"]["srdi_sme"]["ruleset"]["id"] == "srdi_sme_2022"
    assert first["tiers"]["srdi_sme"]["ruleset"]["review_round"] == 2026
    assert second["tiers"]["srdi_sme"]["ruleset"]["id"] == "srdi_sme_2026"
    assert second["tiers"]["srdi_sme"]["ruleset"]["review_round"] == 2027
    # The criteria listed per firm are those of its own rule set.
    assert any(c["kind"] == "score" for c in first["tiers"]["srdi_sme"]["criteria"])
    assert not any(c["kind"] == "score" for c in second["tiers"]["srdi_sme"]["criteria"])
    trace = a.trace(["srdi_sme"])
    assert set(trace.loc[trace["row"] == a.prepared.rows[0], "ruleset"]) == {"srdi_sme_2022"}
    assert set(trace.loc[trace["row"] == a.prepared.rows[1], "ruleset"]) == {"srdi_sme_2026"}
    counts = {u["id"]: u["firms"] for u in a.summary()["tiers"]["srdi_sme"]["rulesets"]}
    assert counts == {"srdi_sme_2022": 1, "srdi_sme_2026": 1}


def test_screen_review_on_a_county_workbook(tmp_path: Path) -> None:
    """The real command on a sheet drawn as a county office draws it: a title row, Chinese headers, the
    titles and expiry dates as officers write them."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "培育库"
    sheet.append(["沁水县2026年专精特新复核企业名单"])
    headers = {
        "credit_code": "统一社会信用代码",
        "name": "企业名称",
        "current_tier": "现有称号",
        "tier_expires_on": "有效期至",
    }
    rows = [
        ("91140521MA0KXQ1A2B", "沁水县华兴合金有限公司", "专精特新", "2026年12月31日"),
        ("91140521MA0KXQ2C3D", "沁水县瑞丰新材料有限公司", "专精特新中小企业", "2027.6.30"),
        ("91140521MA0KXQ3E4F", "沁水县晋宏机械有限公司", "“小巨人”企业", "2027/06/30"),
    ]
    fields = [k for k in FIRM if k not in headers]
    sheet.append([headers[k] for k in headers] + fields)
    for code, name, title, expires in rows:
        sheet.append([code, name, title, expires] + [FIRM[k] for k in fields])
    source = tmp_path / "沁水县复核.xlsx"
    book.save(source)
    out = tmp_path / "结果.csv"
    result = CliRunner().invoke(
        main, ["screen", str(source), "--as-of", AS_OF, "--purpose", "review", "-o", str(out)]
    )
    assert result.exit_code in (0, 1), result.output
    wide = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert wide["srdi_sme.ruleset"].tolist() == ["srdi_sme_2022", "srdi_sme_2026", "srdi_sme_2022"]
    assert wide["srdi_sme.review_round"].tolist() == ["2026", "2027", "2026"]
    assert wide["little_giant.ruleset"].tolist()[2] == "little_giant_2026"
    jsonl = tmp_path / "结果.jsonl"
    result = CliRunner().invoke(
        main,
        [
            *("screen", str(source), "--as-of", AS_OF, "--purpose", "review"),
            "--format",
            "jsonl",
            "-o",
            str(jsonl),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    firms = [r for r in records if "tiers" in r]
    assert [f["tiers"]["srdi_sme"]["ruleset"]["review_round"] for f in firms] == [2026, 2027, 2026]


def test_overlapping_rounds_are_a_rule_file_problem(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), rules_dir)
    path = rules_dir / "srdi_sme_2026.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    from: 2027\n" in text
    path.write_text(text.replace("    from: 2027\n", "    from: 2026\n", 1), encoding="utf-8")
    with pytest.raises(RuleSetError) as raised:
        load_rules(rules_dir)
    problems = [p for p in raised.value.problems if p.code == "overlapping_rounds"]
    assert len(problems) == 1
    assert problems[0].file.endswith("srdi_sme_2026.yaml")
    assert problems[0].line == text.splitlines().index("  review_rounds:") + 1


def test_a_term_title_written_as_never_expiring_is_a_warning() -> None:
    # 长期 on a 3-year 专精特新 title: taken as written, but the officer is told, since such a title
    # then has no review round and is never at risk.
    frame = pool([(SRDI, "长期"), (SRDI, "2027-06-30")])
    a = evaluate(frame, as_of=AS_OF, purpose="review")
    found = [(i.code, i.row, i.field) for i in a.issues if i.code == "open_expiry"]
    assert found == [("open_expiry", int(a.prepared.rows[0]), "tier_expires_on")]
    assert not a.flags.at_risk[0]
