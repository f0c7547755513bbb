"""The cache of parsed rule files: a second load reads no YAML and gives the same rules; an edit to
any file is seen at once; problems keep their lines; a folder others may write to is not used."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from eligibility import RuleSetError, assess_one, load_rules
from eligibility.language import cache
from tests.conftest import copy_rules, edit

AS_OF = "2026-11-26"
FIRM = {"revenue_y1": 3000, "rd_expense_y1": 100, "rd_expense_y2": 100, "revenue_y2": 2800}


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ELIGIBILITY_CACHE_DIR", str(folder))
    return folder / "rules"


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: YAML, stream: object) -> None:
        raise AssertionError("YAML parsed although the file is cached")

    monkeypatch.setattr(YAML, "load", refuse)


def test_a_second_load_reads_the_cached_trees(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_dir = copy_rules(tmp_path)
    first = load_rules(rules_dir)
    assert len(list(private_cache.glob("*.json"))) == len(list(rules_dir.glob("*.yaml")))
    assert oct(private_cache.stat().st_mode & 0o777) == oct(0o700)
    _no_yaml(monkeypatch)
    second = load_rules(rules_dir)
    assert second.rulesets == first.rulesets
    assert second.literals == first.literals
    assert second.derived_order == first.derived_order
    assert assess_one(FIRM, second, as_of=AS_OF) == assess_one(FIRM, first, as_of=AS_OF)


def test_an_edit_is_always_seen(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    before = load_rules(rules_dir)
    block = (
        "上年度研发费用占营业收入比重不低于3%\n"
        "          label_en: R&D at least 3% of revenue last year\n"
        "          source: {document: 2号附件1, article: 第（三）项, confidence: M}\n"
        '          compare: {field: rd_ratio_y1, op: ">=", value: 3%}'
    )
    edit(rules_dir / "srdi_sme_2026.yaml", block, block.replace("3%", "4%"))
    after = load_rules(rules_dir)
    assert after.rulesets["srdi_sme_2026"] != before.rulesets["srdi_sme_2026"]
    firm = {**FIRM, "rd_expense_y1": 105}  # 3.5 %: meets 3 %, not 4 %
    failed = assess_one(firm, after, as_of=AS_OF)["tiers"]["srdi_sme"]["failed"]
    assert "rd_ratio_min_y1" in failed
    assert "rd_ratio_min_y1" not in assess_one(firm, before, as_of=AS_OF)["tiers"]["srdi_sme"]["failed"]


def test_problems_keep_their_lines_when_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_dir = copy_rules(tmp_path)
    edit(rules_dir / "srdi_sme_2026.yaml", 'op: ">=", value: 3%}', 'op: ">=", valu: 3%}')
    with pytest.raises(RuleSetError) as parsed:
        load_rules(rules_dir)
    _no_yaml(monkeypatch)
    with pytest.raises(RuleSetError) as cached:
        load_rules(rules_dir)
    assert cached.value.problems == parsed.value.problems
    assert any(p.line == 85 and p.file.endswith("srdi_sme_2026.yaml") for p in cached.value.problems)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_folder_others_may_write_to_is_not_used(tmp_path: Path, private_cache: Path) -> None:
    private_cache.mkdir(parents=True)
    private_cache.chmod(0o777)
    assert cache.cache_folder() is None
    load_rules(copy_rules(tmp_path))  # still loads, from the files
    assert list(private_cache.glob("*.json")) == []


def test_a_damaged_entry_is_parsed_again(tmp_path: Path, private_cache: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    first = load_rules(rules_dir)
    for entry in private_cache.glob("*.json"):
        entry.write_text('{"key": "x", "tree"', encoding="utf-8")
    assert load_rules(rules_dir).rulesets == first.rulesets


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELIGIBILITY_CACHE_DIR", "off")
    assert cache.cache_folder() is None
    assert load_rules(copy_rules(tmp_path)).rulesets
