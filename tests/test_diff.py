"""``eligibility diff``: the sample screened under 63号 and under 2号, compared; a hand-made pair screened
into each of the three formats ``screen`` writes (CSV, JSON lines, the reviewer's workbook in Chinese or
English), compared in every combination; files that are no screening result refused with exit 4.

Changes are asserted by ids (``--ids`` or the frame of ``diff_results``); headings and words only by
their label keys and the rule files' labels.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner, Result

from eligibility import RuleSet
from eligibility.apps.cli import EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main
from eligibility.diff import (
    BAD_JSONL,
    BAD_WORKBOOK,
    COLUMNS,
    NO_DETAILS_SHEET,
    NO_STATUS,
    UNKNOWN_STATUS,
    UNKNOWN_TIER,
    diff_results,
    read_result,
)
from eligibility.errors import InputError
from eligibility.labels import Lang, text
from eligibility.language.ruleset import walk_criteria
from eligibility.render.changes import HEADINGS
from tests.conftest import base_firm, valid_code

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "pool.xlsx"
BOM = "\ufeff".encode()
FORMATS = ("csv", "jsonl", "xlsx")
NAME = '=HYPERLINK("http://x","y")'  # a name a spreadsheet would run as a formula


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("diff")
    paths = {}
    for day in ("2026-03-31", "2026-04-01"):
        for suffix in ("csv", "jsonl"):
            path = folder / f"{day}.{suffix}"
            CliRunner().invoke(main, ["screen", str(SAMPLE), "--as-of", day, "-o", str(path), "-q"])
            paths[f"{day}.{suffix}"] = path
    return paths


def test_diff_lists_changed_firms_with_reasons(screened: dict[str, Path]) -> None:
    changes = diff_results(read_result(screened["2026-03-31.csv"]), read_result(screened["2026-04-01.csv"]))
    srdi = changes[changes["item"] == "srdi_sme"]
    assert len(srdi) > 0
    lost = srdi[(srdi["status_a"] == "eligible") & (srdi["status_b"] == "ineligible")]
    assert len(lost) > 0
    # Under 2号 a 专精特新 applicant needs a bottom-tier title: losers name that criterion.
    assert lost["now_failing"].str.contains("requires_title").any()
    # Every listed change is a real change of status or borderline mark.
    assert ((srdi["status_a"] != srdi["status_b"]) | (srdi["borderline_a"] != srdi["borderline_b"])).all()
    # The 2026 bottom tier is evaluated only after 2026-04-01.
    assert (changes.loc[changes["item"] == "tech_innovative_sme", "status_a"] == "").all()


def test_jsonl_and_csv_give_the_same_diff(screened: dict[str, Path]) -> None:
    from_csv = diff_results(read_result(screened["2026-03-31.csv"]), read_result(screened["2026-04-01.csv"]))
    from_jsonl = diff_results(
        read_result(screened["2026-03-31.jsonl"]), read_result(screened["2026-04-01.jsonl"])
    )
    pd.testing.assert_frame_equal(from_csv, from_jsonl)


def test_no_changes_against_itself(screened: dict[str, Path]) -> None:
    result = read_result(screened["2026-04-01.csv"])
    assert diff_results(result, result).empty


def test_cli_diff(screened: dict[str, Path], tmp_path: Path, rules: RuleSet) -> None:
    out = tmp_path / "changes.csv"
    result = CliRunner().invoke(
        main, ["diff", str(screened["2026-03-31.csv"]), str(screened["2026-04-01.csv"]), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    changes = diff_results(read_result(screened["2026-03-31.csv"]), read_result(screened["2026-04-01.csv"]))
    srdi = changes[changes["item"] == "srdi_sme"]
    gained = int(((srdi["status_b"] == "eligible") & (srdi["status_a"] != "eligible")).sum())
    lost = int(((srdi["status_a"] == "eligible") & (srdi["status_b"] != "eligible")).sum())
    counts = {"gained": gained, "lost": lost, "other": len(srdi) - gained - lost}
    assert lost > 0
    label = rules.tiers["srdi_sme"].label_zh
    assert "  " + text("diff_tier_line", "zh", tier=label, **counts) + "\n" in result.output
    # The losers name the criterion they now fail: the title 2号 requires.
    failing = text(
        "diff_reason", "zh", label=text("diff_now_failing", "zh"), criteria=text("doc_requires_title")
    )
    assert f"[{label}] {text('eligible')} → {text('ineligible')}" in result.output
    assert failing in result.output
    assert out.read_bytes().startswith(BOM)
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written.columns) == [text(HEADINGS[c], "zh") for c in COLUMNS]


def test_sample_workbook_reads_as_its_csv(screened: dict[str, Path], rules: RuleSet, tmp_path: Path) -> None:
    """The sample's workbook has every status word with its mark and every flag: read back, it is the
    same result as the CSV of the same screening."""
    book = tmp_path / "2026-04-01.xlsx"
    run("screen", str(SAMPLE), "--as-of", "2026-04-01", "-o", str(book), "-q")
    from_book, from_csv = read_result(book, rules.tiers), read_result(screened["2026-04-01.csv"])
    assert diff_results(from_csv, from_book).empty
    assert (from_book.filter(like=".borderline") != "").to_numpy().any()
    assert (from_book.filter(like="flag.") == "true").to_numpy().any()
    # Against the other date the workbook gives the CSV's changes, the criteria left blank.
    against_csv = diff_results(read_result(screened["2026-03-31.csv"]), from_csv)
    against_book = diff_results(read_result(screened["2026-03-31.csv"]), from_book)
    keep = list(COLUMNS[:7])
    pd.testing.assert_frame_equal(against_book[keep], against_csv[keep])
    assert (against_book[["now_failing", "now_passing"]] == "").all().all()


# -- a hand-made pair, screened into every format ------------------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three firms screened twice; in the second input firm 0 (named like a formula) has a revenue that
    drops its R&D ratio below 3%: it loses 专精特新 on ``rd_ratio_min``."""
    folder = tmp_path_factory.mktemp("pair")
    firms = [dict(base_firm(), credit_code=valid_code(i), name=f"晋泽{i}号有限公司") for i in range(3)]
    firms[0]["name"] = NAME
    paths: dict[str, Path] = {}
    for side, revenue in (("old", 3000), ("new", 10000)):
        firms[0]["revenue_y1"] = revenue
        source = paths[f"{side}.input"] = folder / f"{side}-input.csv"
        pd.DataFrame(firms).to_csv(source, index=False)
        for fmt, lang in [*((f, "zh") for f in FORMATS), ("xlsx", "en")]:
            key = f"{side}.{fmt}" + ("-en" if lang == "en" else "")
            paths[key] = folder / (key.replace("-en", "") if lang == "zh" else f"{side}-en.{fmt}")
            result = run(
                "screen", str(source), "--as-of", "2026-03-31", "-o", str(paths[key]), "-q", "--lang", lang
            )
            assert result.exit_code == EXIT_OK, result.output
    return paths


def _written(path: Path) -> pd.DataFrame:
    assert path.read_bytes().startswith(BOM)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.mark.parametrize(("old", "new"), list(itertools.product(FORMATS, FORMATS)))
def test_every_pair_of_formats(pair: dict[str, Path], old: str, new: str, tmp_path: Path) -> None:
    out = tmp_path / "changes.csv"
    result = run("diff", str(pair[f"old.{old}"]), str(pair[f"new.{new}"]), "-o", str(out), "--ids")
    assert result.exit_code == EXIT_OK, result.output
    written = _written(out)
    assert list(written.columns) == list(COLUMNS)
    assert written[["credit_code", "item", "status_a", "status_b"]].to_dict("records") == [
        {"credit_code": valid_code(0), "item": "srdi_sme", "status_a": "eligible", "status_b": "ineligible"}
    ]
    # The workbook words its failed criteria: they are compared only when both sides list their ids.
    assert written["now_failing"].tolist() == ["" if "xlsx" in (old, new) else "rd_ratio_min"]
    assert written["name"].tolist() == ["'" + NAME]  # escaped as screen escapes its CSV


def test_headings_and_words_by_language(pair: dict[str, Path], rules: RuleSet, tmp_path: Path) -> None:
    tier = rules.tiers["srdi_sme"]
    languages: tuple[tuple[Lang, list[str]], ...] = (("zh", []), ("en", ["--lang", "en"]))
    for lang, extra in languages:
        out = tmp_path / f"changes-{lang}.csv"
        result = run("diff", str(pair["old.csv"]), str(pair["new.xlsx"]), "-o", str(out), *extra)
        assert result.exit_code == EXIT_OK, result.output
        written = _written(out)
        assert list(written.columns) == [text(HEADINGS[c], lang) for c in COLUMNS]
        row = written.iloc[0].tolist()
        label = tier.label_zh if lang == "zh" else tier.label_en
        assert row[:5] == [valid_code(0), "'" + NAME, label, text("eligible", lang), text("ineligible", lang)]


def test_criteria_named_in_the_csv(pair: dict[str, Path], rules: RuleSet, tmp_path: Path) -> None:
    out = tmp_path / "changes.csv"
    assert run("diff", str(pair["old.jsonl"]), str(pair["new.csv"]), "-o", str(out)).exit_code == EXIT_OK
    ruleset = next(r for r in rules.rulesets.values() if r.ruleset.id == "srdi_sme_2022")
    assert ruleset.criteria is not None
    leaf = next(n for n in walk_criteria(ruleset.criteria) if n.id == "rd_ratio_min")
    assert _written(out)[text("diff_now_failing", "zh")].tolist() == [leaf.label_zh]


def test_english_workbook_reads_like_the_chinese_one(
    pair: dict[str, Path], rules: RuleSet, tmp_path: Path
) -> None:
    for side in ("old", "new"):
        english = read_result(pair[f"{side}.xlsx-en"], rules.tiers)
        chinese = read_result(pair[f"{side}.xlsx"], rules.tiers)
        pd.testing.assert_frame_equal(english, chinese)
        assert diff_results(read_result(pair[f"{side}.csv"]), english).empty
    out = tmp_path / "changes.csv"
    result = run("diff", str(pair["old.xlsx-en"]), str(pair["new.jsonl"]), "-o", str(out), "--ids")
    assert result.exit_code == EXIT_OK, result.output
    assert _written(out)[["credit_code", "item"]].values.tolist() == [[valid_code(0), "srdi_sme"]]


def test_output_never_replaces_an_input(pair: dict[str, Path], tmp_path: Path) -> None:
    before = pair["new.csv"].read_bytes()
    result = run("diff", str(pair["old.csv"]), str(pair["new.csv"]), "-o", str(pair["new.csv"]))
    assert result.exit_code == EXIT_USAGE
    linked = tmp_path / "linked.csv"
    os.link(pair["new.csv"], linked)  # the same file under another name
    assert run("diff", str(pair["old.csv"]), str(pair["new.csv"]), "-o", str(linked)).exit_code == EXIT_USAGE
    assert pair["new.csv"].read_bytes() == before
    out = tmp_path / "changes.csv"
    assert run("diff", str(pair["old.csv"]), str(pair["new.csv"]), "-o", str(out)).exit_code == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv", "linked.csv"]  # no temporary left


# -- files that are no screening result ---------------------------------------------------------------


def _workbook(path: Path, sheet: str, rows: list[list[str]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    page = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            page.write_string(r, c, value)
    book.close()
    return path


def _refused(path: Path, pair: dict[str, Path], rules: RuleSet) -> str | None:
    """The reason ``read_result`` gives, after checking the CLI's one line and exit 4."""
    result = run("diff", str(pair["old.csv"]), str(path))
    assert result.exit_code == EXIT_UNREADABLE, result.output
    assert len(result.stderr.splitlines()) == 1
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(InputError) as caught:
        read_result(path, rules.tiers)
    return caught.value.issues[0].value


def test_unrecognised_files_are_refused(pair: dict[str, Path], rules: RuleSet, tmp_path: Path) -> None:
    sheet = text("sheet_details", "zh")
    heading = "专精特新中小企业" + "｜" + text("col_status", "zh")
    assert _refused(SAMPLE, pair, rules) == NO_DETAILS_SHEET  # an input workbook, not a result
    assert _refused(pair["old.input"], pair, rules) == NO_STATUS  # the pool screened, not its result
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook at all" * 10)
    assert _refused(garbage, pair, rules) == BAD_WORKBOOK
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"credit_code": "1"\n', encoding="utf-8")
    assert _refused(broken, pair, rules) == BAD_JSONL
    code = text("col_code", "zh")
    edited = _workbook(tmp_path / "edited.xlsx", sheet, [[code, heading], [valid_code(0), "也许"]])
    assert _refused(edited, pair, rules) == UNKNOWN_STATUS
    with pytest.raises(InputError) as caught:
        read_result(edited, rules.tiers)
    assert (caught.value.issues[0].row, caught.value.issues[0].header) == (2, heading)
    assert "Traceback" in run("diff", str(pair["old.csv"]), str(edited), "--debug").stderr
    other = _workbook(tmp_path / "other.xlsx", sheet, [[code, "某梯度｜" + text("col_status", "zh")]])
    assert _refused(other, pair, rules) == UNKNOWN_TIER
