"""``eligibility diff``: the sample screened under 63号 and under 2号, compared."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility.cli import main
from eligibility.diff import diff_results, read_result

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "pool.xlsx"


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


def test_cli_diff(screened: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "changes.csv"
    result = CliRunner().invoke(
        main, ["diff", str(screened["2026-03-31.csv"]), str(screened["2026-04-01.csv"]), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "专精特新中小企业：新符合" in result.output
    assert "新不满足的条件：" in result.output
    assert "须持有称号" in result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns)[:5] == ["credit_code", "name", "item", "status_a", "status_b"]
