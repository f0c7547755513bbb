"""The columnar views and writers say what the per-firm record says: ``wide()`` (built from codes),
the CSV and Parquet written slice by slice, and the compact JSON lines (built column by column) agree
with :meth:`Assessment.firm` on the samples, in slices as small as a few rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eligibility import Assessment, evaluate, load_rules, read_input
from eligibility.render import files
from eligibility.render.files import write_csv, write_jsonl, write_parquet

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RULES = load_rules()
RUNS = [
    ("pool.xlsx", {"as_of": "2026-03-31"}),
    ("pool.xlsx", {"as_of": "2026-11-26", "purpose": "review"}),
    ("pool_long.xlsx", {"as_of": "2026-11-26"}),
    ("pool_two_row.xlsx", {"as_of": "2026-11-26", "purpose": "review", "regime": "63号"}),
]
# The parts of a tier's record that only the full trace carries.
TRACE_ONLY = ("criteria", "assumptions", "indicators", "overlays", "points_plan")


@pytest.fixture(scope="module", params=RUNS, ids=lambda run: f"{run[0]}-{'-'.join(run[1].values())}")
def assessment(request: pytest.FixtureRequest) -> Assessment:
    sample, options = request.param
    return evaluate(read_input(SAMPLES / sample, RULES, as_of=options["as_of"]), RULES, **options)


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every writer in slices of 7 rows: the slicing itself is under test, not only one slice."""
    for name in ("_CSV_ROWS", "_PARQUET_ROWS", "_JSON_ROWS"):
        monkeypatch.setattr(files, name, 7)


def _records(assessment: Assessment) -> list[dict[str, Any]]:
    return [json.loads(json.dumps(assessment.firm(i), default=str)) for i in range(assessment.n)]


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """The fields of a full record that the compact record carries."""
    out = dict(record)
    out["tiers"] = {}
    for tier, part in record["tiers"].items():
        kept = {k: v for k, v in part.items() if k not in TRACE_ONLY}
        kept["ruleset"] = {k: v for k, v in part["ruleset"].items() if k != "source"}
        out["tiers"][tier] = kept
    return out


def test_wide_says_what_each_firm_record_says(assessment: Assessment) -> None:
    wide = assessment.wide()
    for i, record in enumerate(_records(assessment)):
        row = wide.iloc[i]
        assert row["credit_code"] == record["credit_code"] or pd.isna(row["credit_code"])
        for tier, part in record["tiers"].items():
            assert row[f"{tier}.status"] == part["status"]
            assert row[f"{tier}.borderline"] == (part["borderline"] or "")
            assert row[f"{tier}.failed"] == ";".join(part["failed"])
            assert row[f"{tier}.route"] == ";".join(part["route"])
            assert row[f"{tier}.ruleset"] == part["ruleset"]["id"]
            if "score_min" in part:
                assert row[f"{tier}.score_min"] == part["score_min"]
            if "class" in part:
                assert (row["sme_size.class"] or None) == part["class"]
        for name, value in record["flags"].items():
            assert bool(row[f"flag.{name}"]) is value
    assert all(str(dtype) in ("str", "float64", "bool", "int64") for dtype in wide.dtypes)


@pytest.mark.usefixtures("small_slices")
def test_csv_in_slices_is_the_wide_table(assessment: Assessment, tmp_path: Path) -> None:
    written = write_csv(assessment, tmp_path / "a.csv").read_bytes()
    frame = assessment.wide()
    for column in [c for c in frame.columns if c.startswith("flag.")]:
        frame[column] = np.where(frame[column].to_numpy(dtype=bool), "true", "false")
    escaped = frozenset(c for c in ("credit_code", "name", "township", "officer") if c in frame)
    files._pandas_csv(frame, tmp_path / "b.csv", escaped)
    assert written == (tmp_path / "b.csv").read_bytes()


@pytest.mark.usefixtures("small_slices")
def test_parquet_in_slices_is_what_pandas_would_write(assessment: Assessment, tmp_path: Path) -> None:
    back = pq.read_table(write_parquet(assessment, tmp_path / "a.parquet"))
    expected = pa.Table.from_pandas(assessment.wide(), preserve_index=False)
    assert back.schema.equals(expected.schema, check_metadata=True)
    assert back.equals(expected)
    assert pq.ParquetFile(tmp_path / "a.parquet").metadata.num_row_groups == -(-assessment.n // 7)


@pytest.mark.usefixtures("small_slices")
def test_compact_json_lines_are_the_records_without_the_trace(assessment: Assessment, tmp_path: Path) -> None:
    lines = write_jsonl(assessment, tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    expected = [_compact(record) for record in _records(assessment)]
    got = [json.loads(line) for line in lines]
    assert got == expected
    assert [list(g) for g in got] == [list(e) for e in expected]  # the keys in the record's order
    assert all(key not in part for g in got for part in g["tiers"].values() for key in TRACE_ONLY)


def test_full_trace_json_lines_are_the_records(assessment: Assessment, tmp_path: Path) -> None:
    lines = write_jsonl(assessment, tmp_path / "a.jsonl", full_trace=True).read_text(encoding="utf-8")
    assert [json.loads(line) for line in lines.splitlines()] == _records(assessment)


def test_json_text_is_escaped_as_json_escapes_it() -> None:
    values = ['a"b', "c\\d", "two\nlines", "tab\tx", "\x01ctl", None, "中文😀", "\u2028", "\x7f", ""]
    written = files._json_strings(np.array(values, dtype=object)).to_pylist()
    assert written == [json.dumps(v, ensure_ascii=False) for v in values]


def test_no_flag_no_rank_member(tmp_path: Path) -> None:
    ranks = {"a": np.array([0, 2, 0]), "b": np.array([0, 1, 3])}
    assert files._json_members(ranks, slice(0, 3)).to_pylist() == ["", '"a":2,"b":1', '"b":3']
