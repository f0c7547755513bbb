"""Provincial overlays of the 63号 特色化 slot: a local file, else the input score, else an interval."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eligibility import ProblemCode, RuleSet, RuleSetError, evaluate, load_rules
from eligibility.labels import text
from tests.conftest import AS_OF_2022, base_firm, copy_rules

FIXTURE = Path(__file__).parent / "data" / "overlays" / "fixture_province.yaml"


@pytest.fixture
def overlaid(tmp_path: Path) -> RuleSet:
    directory = copy_rules(tmp_path)
    (directory / "overlays").mkdir()
    shutil.copy(FIXTURE, directory / "overlays" / FIXTURE.name)
    return load_rules(directory)


def firms(*overrides: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for i, override in enumerate(overrides):
        firm = base_firm()
        del firm["local_feature_score"]
        firm["credit_code"] = f"P{i}"
        firm.update(override)
        rows.append(firm)
    return pd.DataFrame(rows).astype(object)


def test_overlay_scores_its_province_and_leaves_others_alone(overlaid: RuleSet) -> None:
    # The base firm scores 68 without the 特色化 slot (78 with 10 points of it).
    data = firms(
        {"province": "测试省", "mu_tax_y1": 30, "local_chain_member": "是"},  # 10 + 5
        {"province": "测试", "mu_tax_y1": 29.99, "local_chain_member": "否"},  # 5 + 0
        {"province": "测试省", "mu_tax_y1": None, "local_chain_member": "是"},  # [0, 10] + 5
        {"province": "山西省", "local_feature_score": 12, "mu_tax_y1": 30},  # no overlay: the input
        {"province": "山西省"},  # neither: the whole slot is an interval
    )
    assessment = evaluate(data, overlaid, as_of=AS_OF_2022)
    records = [assessment.firm(i)["tiers"]["srdi_sme"] for i in range(5)]
    assert [(r["score_min"], r["score_max"]) for r in records] == [
        (83, 83),
        (73, 73),
        (73, 83),
        (80, 80),
        (68, 83),
    ]
    assert [r["overlays"] for r in records] == [["fixture_province_2022"]] * 3 + [[], []]
    assert records[0]["indicators"]["local_feature"] == [15, 15]


def test_without_the_overlay_the_input_is_used(rules: RuleSet) -> None:
    assessment = evaluate(firms({"province": "测试省", "local_feature_score": 7}), rules, as_of=AS_OF_2022)
    assert assessment.firm(0)["tiers"]["srdi_sme"]["score"] == 75


def test_overlay_problems_are_reported(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    (directory / "overlays").mkdir()
    text = FIXTURE.read_text(encoding="utf-8")
    broken = text.replace("indicator: local_feature", "indicator: local_featur").replace(
        "max: 5\n    lookup", "max: 4\n    lookup"
    )
    (directory / "overlays" / "broken.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    assert [p.code for p in caught.value.problems] == [ProblemCode.UNKNOWN_INDICATOR]
    (directory / "overlays" / "broken.yaml").write_text(
        text.replace("max: 5\n    lookup", "max: 4\n    lookup"), encoding="utf-8"
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    assert sorted(str(p.code) for p in caught.value.problems) == ["max_mismatch", "max_mismatch"]
    extra = "".join(
        f"  - {{id: x{i}, label_zh: x, max: 0, input: {{field: mu_tax_y1, max: 0}}}}\n" for i in range(2)
    )
    four = text.replace("indicators:\n", "indicators:\n" + extra)
    (directory / "overlays" / "broken.yaml").write_text(four, encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(directory)
    assert [str(p.code) for p in caught.value.problems] == ["wrong_type"]  # more than 3 indicators


def test_rule_docs_show_the_overlay(overlaid: RuleSet) -> None:
    from eligibility.render.docs import render_rule_docs

    page = render_rule_docs(overlaid)["srdi_sme_2022.md"]
    assert "\n## 测试省特色化指标（虚构，仅供测试） `fixture_province_2022`\n" in page  # the file's label
    bands = [
        text("doc_band_points", range="≥30万元", points=10),  # the literals as the file writes them
        text("doc_band_points", range=text("doc_and").join(["≥15万元", "<30万元"]), points=5),
        text("doc_band_points", range="<15万元", points=0),
    ]
    rule = overlaid.fields["mu_tax_y1"].label_zh + text("colon") + text("list_separator").join(bands)
    assert f"| 亩均税收 `mu_tax_points` | 10 | {rule} |" in page
