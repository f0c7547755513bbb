"""The columnar reader and writers give what the object paths gave: the same CSV bytes as pandas'
``to_csv`` (the writer's earlier code, kept as its fallback), and the same typed columns and issues
as the chunked reader's pandas path, on the samples and on dirty files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eligibility import evaluate, load_rules, read_input
from eligibility.columns import Prepared
from eligibility.input import chunks
from eligibility.input.chunks import prepare_in_chunks
from eligibility.input.prepare import prepare
from eligibility.render.files import _pandas_csv, write_csv, write_parquet, write_table_csv

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RULES = load_rules()


def _before(frame: pd.DataFrame, path: Path, escape: tuple[str, ...]) -> bytes:
    """The CSV the writer wrote before it went columnar: escaped cells, pandas ``to_csv``."""
    _pandas_csv(frame, path, frozenset(c for c in escape if c in frame))
    return path.read_bytes()


@pytest.mark.parametrize("sample", ["pool.xlsx", "pool.csv"])
@pytest.mark.parametrize(("as_of", "purpose"), [("2026-03-31", "apply"), ("2026-11-26", "review")])
def test_result_csv_is_what_pandas_wrote(tmp_path: Path, sample: str, as_of: str, purpose: str) -> None:
    assessment = evaluate(
        read_input(SAMPLES / sample, RULES, as_of=as_of),
        RULES,
        as_of=as_of,
        purpose=purpose,  # type: ignore[arg-type]
    )
    written = write_csv(assessment, tmp_path / "new.csv").read_bytes()
    frame = assessment.wide()
    for column in [c for c in frame.columns if c.startswith("flag.")]:
        frame[column] = np.where(frame[column].to_numpy(dtype=bool), "true", "false")
    expected = _before(frame, tmp_path / "old.csv", ("credit_code", "name", "township", "officer"))
    assert written == expected
    assert b"'=HYPERLINK" in written  # the sample's formula-like name stays escaped


def test_awkward_cells_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    text = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "=SUM(A1)", "+1", "-x", "@me", "\tt", "", None]
    text += ["plain", "中文，逗号", " lead", "trail "]
    n = len(text)
    frame = pd.DataFrame(
        {
            "text": text,
            "score": np.array([1.5, np.nan, 0.1, 1e-7, 62.0, -0.0, 1e21, 3.0, np.inf, 2.25, 7.0, 0, 1, 2, 3]),
            "round": np.arange(n, dtype=np.int64) + 2025,
            "flag": np.arange(n) % 2 == 0,
            "more text": ["x"] * (n - 1) + [None],
        }
    )
    written = write_table_csv(frame, tmp_path / "new.csv").read_bytes()
    assert written == _before(frame, tmp_path / "old.csv", ("text", "more text"))
    assert b"'\tt," in written
    assert b'"two\nlines"' in written
    assert b"'=SUM(A1)" in written


def _same(a: Prepared, b: Prepared) -> None:
    assert a.n == b.n
    np.testing.assert_array_equal(a.rows, b.rows)
    assert a.present == b.present
    assert a.headers == b.headers
    assert a.columns.keys() == b.columns.keys()
    assert a.dates.keys() == b.dates.keys()
    for name in a.columns:
        np.testing.assert_array_equal(a.columns[name], b.columns[name], err_msg=name)
    for name in a.dates:
        np.testing.assert_array_equal(a.dates[name], b.dates[name], err_msg=name)
    assert {k: list(v) for k, v in a.text.items()} == {k: list(v) for k, v in b.text.items()}
    assert a.issues == b.issues


def _pandas_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> list[Prepared]:
        raise pa.ArrowInvalid("the pandas path, for comparison")

    monkeypatch.setattr(chunks, "_arrow_parts", refuse)


def _dirty_csv(path: Path, nul: bool = False) -> Path:
    """The sample pool under the workbook's Chinese headers, with what county sheets hold: a title
    line, a blank row inside, 合计 and 注 rows, text in number columns, a padded code (and a NUL)."""
    table = read_input(SAMPLES / "pool.xlsx", RULES, as_of="2026-11-26")
    frame = table.frame.copy()
    frame.columns = [table.headers.get(c, c) for c in frame.columns]
    frame = frame.astype(object)
    revenue = table.headers["revenue_y1"]
    frame.iloc[3, 1] = "坏\x00名" if nul else "坏名"
    frame.loc[5, revenue] = "1,200"
    frame.loc[6, revenue] = "约5000"
    frame.loc[7, table.headers["market_share"]] = "35%"
    frame.loc[8, "统一社会信用代码"] = " " + str(frame.loc[8, "统一社会信用代码"]) + " "
    body = frame.to_csv(index=False, lineterminator="\n").split("\n")
    width = len(frame.columns)
    blank = "," * (width - 1)
    lines = ["填报单位：泽州县工信局" + blank, *body[:12], blank, "合计" + blank, *body[12:40]]
    lines += ["注：数据来源于企业填报" + blank, *body[40:-1], blank, blank]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["sample", "dirty", "parquet"])
def test_arrow_reading_types_as_the_object_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    if kind == "sample":
        source = SAMPLES / "pool.csv"
    elif kind == "dirty":
        source = _dirty_csv(tmp_path / "dirty.csv")
    else:
        source = tmp_path / "pool.parquet"
        pd.read_csv(SAMPLES / "pool.csv", dtype={"credit_code": str}).to_parquet(source)
    # Parquet is chunked by rows on both paths; a small CSV is one chunk on both.
    rows = 100 if kind == "parquet" else 1_000_000
    columnar = prepare_in_chunks(source, RULES, as_of="2026-11-26", chunk_rows=rows)
    with monkeypatch.context() as patch:
        _pandas_only(patch)
        objects = prepare_in_chunks(source, RULES, as_of="2026-11-26", chunk_rows=rows)
    _same(columnar, objects)


def test_a_nul_byte_is_a_bad_cell_as_in_the_whole_file_reader(tmp_path: Path) -> None:
    # The chunked pandas path kept the NUL as text; the columnar one reports it as the reader does.
    source = _dirty_csv(tmp_path / "nul.csv", nul=True)
    columnar = prepare_in_chunks(source, RULES, as_of="2026-11-26")
    whole = prepare(read_input(source, RULES, as_of="2026-11-26"), RULES)
    bad = [i for i in columnar.issues if i.code.value == "bad_cell"]
    assert bad == [i for i in whole.issues if i.code.value == "bad_cell"]
    assert len(bad) == 1
    assert bad[0].field == "name"
    assert columnar.text["name"][3] is None


def test_screen_writes_parquet(tmp_path: Path) -> None:
    assessment = evaluate(
        read_input(SAMPLES / "pool.csv", RULES, as_of="2026-11-26"), RULES, as_of="2026-11-26"
    )
    written = write_parquet(assessment, tmp_path / "out.parquet")
    back = pq.read_table(written).to_pandas()
    pd.testing.assert_frame_equal(back, assessment.wide(), check_dtype=False)
