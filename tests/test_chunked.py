"""Large CSV and Parquet files read chunk by chunk give the same results and issues as read whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eligibility import Severity, evaluate, load_rules, read_input
from eligibility.input.chunks import prepare_in_chunks
from eligibility.input.prepare import prepare
from eligibility.labels import text
from eligibility.synthetic import synthetic_pool

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = "2026-11-26"
RULES = load_rules()


def _issues(assessment: object) -> list[tuple[object, ...]]:
    return sorted((i.code.value, i.row, i.field, i.value) for i in assessment.issues)  # type: ignore[attr-defined]


@pytest.mark.parametrize("chunk_rows", [37, 100, 1000])
def test_sample_csv_in_chunks(chunk_rows: int) -> None:
    whole = evaluate(read_input(SAMPLES / "pool.csv", RULES, as_of=AS_OF), RULES, as_of=AS_OF)
    chunked = evaluate(
        prepare_in_chunks(SAMPLES / "pool.csv", RULES, as_of=AS_OF, chunk_rows=chunk_rows), RULES, as_of=AS_OF
    )
    pd.testing.assert_frame_equal(chunked.wide(), whole.wide())
    assert _issues(chunked) == _issues(whole)
    # The duplicate credit code of rows 124/125 straddles chunks of 37 rows and is still found.
    assert any(i.code.value == "duplicate_key" for i in chunked.issues)


def test_gbk_semicolon_csv_with_a_title_row(tmp_path: Path) -> None:
    text = (SAMPLES / "pool.csv").read_text(encoding="utf-8-sig")
    source = tmp_path / "gbk.csv"
    source.write_bytes(("培育库名单（示例）\n" + text.replace(",", ";")).encode("gb18030", errors="replace"))
    whole = prepare(read_input(source, RULES, as_of=AS_OF), RULES)
    chunked = prepare_in_chunks(source, RULES, as_of=AS_OF, chunk_rows=64)
    assert chunked.n == whole.n == 300
    assert chunked.rows.tolist() == whole.rows.tolist()
    for name, values in whole.columns.items():
        pd.testing.assert_series_equal(pd.Series(chunked.columns[name]), pd.Series(values), check_names=False)


def test_parquet_in_batches(tmp_path: Path) -> None:
    pool = synthetic_pool(5000, seed=21)
    path = tmp_path / "pool.parquet"
    pool.to_parquet(path, row_group_size=700)
    whole = evaluate(pool, RULES, as_of=AS_OF)
    chunked = evaluate(prepare_in_chunks(path, RULES, as_of=AS_OF, chunk_rows=700), RULES, as_of=AS_OF)
    pd.testing.assert_frame_equal(chunked.wide(), whole.wide())
    assert chunked.prepared.rows.tolist() == list(range(2, 5002))


def test_cli_reads_a_large_csv_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from eligibility.apps.cli import main

    monkeypatch.setenv("ELIGIBILITY_CHUNK_BYTES", "1000")  # the 300-firm sample counts as large
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(main, ["screen", str(SAMPLES / "pool.csv"), "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 1, result.output  # the sample's deliberate input errors
    whole = evaluate(read_input(SAMPLES / "pool.csv", RULES, as_of=AS_OF), RULES, as_of=AS_OF)
    counts = {s.value: sum(i.severity is s for i in whole.issues) for s in Severity}
    assert counts["error"] == 3  # and 省级小巨人培育, a warning: not a ladder title
    assert "  " + text("issues_line", "zh", **counts) in result.output  # the issues of the whole file
    written = pd.read_csv(out, encoding="utf-8-sig", dtype={"credit_code": str})
    assert written["srdi_sme.status"].tolist() == whole.wide()["srdi_sme.status"].tolist()
