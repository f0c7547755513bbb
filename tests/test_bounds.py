"""Files that ask a reader for more than it should build are refused before they are read: zip
bombs, sheets whose cells name a huge extent, CSV and Parquet files too long or too wide."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from eligibility import load_rules, read_input
from eligibility.errors import InputError, IssueCode
from eligibility.input.bounds import Limits, _usual, check_zip
from tests.bombs import SHEET_HEAD, lying_copy, workbook, zip_bomb

ROOT = Path(__file__).resolve().parents[1]
RULES = load_rules()
AS_OF = "2026-11-26"
SMALL = Limits(unpacked_bytes=50_000_000, rows=100_000, cells=1_000_000)
EXIT_UNREADABLE = 4


@pytest.fixture(scope="session")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4.3 MB of .xlsx whose sheet XML unpacks to 1.1 GB."""
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "培育库.xlsx")


def _code(path: Path, limits: Limits = SMALL) -> IssueCode:
    with pytest.raises(InputError) as refused:
        read_input(path, RULES, as_of=AS_OF, limits=limits)
    return refused.value.issues[0].code


# Each names one cell far away, in another of the forms calamine reads.
_FAR = {
    "a cell's own row": '<row r="2"><c r="A2"><v>1</v></c><c r="B900000"><v>1</v></c></row>',
    "a row far down": '<row r="900000"><c r="A900000"><v>1</v></c></row>',
    "single quotes": "<row r=\"2\"><c r='B900000'><v>1</v></c></row>",
    "a tab before r": '<row r="2"><c\tr="B900000"><v>1</v></c></row>',
    "r after another attribute": '<row r="2"><c s="0" r="B900000"><v>1</v></c></row>',
    "rows without r": '<row r="899999"><c r="A899999"><v>1</v></c></row><row><c><v>1</v></c></row>',
    "cells without r": '<row r="2">'
    + "<c><v>1</v></c>" * 2000
    + '</row><row r="900"><c r="A900"><v>1</v></c></row>',
}


@pytest.mark.parametrize("form", list(_FAR))
def test_a_far_cell_is_refused_before_calamine_allocates(tmp_path: Path, form: str) -> None:
    path = workbook(tmp_path / "far.xlsx", _FAR[form])
    assert _code(path) in (IssueCode.TOO_MANY_ROWS, IssueCode.TOO_MANY_CELLS)


def test_a_merged_range_and_a_declared_extent_count(tmp_path: Path) -> None:
    merged = workbook(
        tmp_path / "merged.xlsx",
        '<row r="2"><c r="A2"><v>1</v></c></row>',
        '</sheetData><mergeCells count="1"><mergeCell ref="A2:XFD2000"/></mergeCells></worksheet>',
    )
    assert _code(merged) is IssueCode.TOO_MANY_CELLS
    declared = tmp_path / "declared.xlsx"
    workbook(declared, "")
    text = SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    import zipfile

    with zipfile.ZipFile(declared, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("xl/worksheets/sheet1.xml", text + "</sheetData></worksheet>")
    assert _code(declared) is IssueCode.TOO_MANY_ROWS


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="2"><c r="A2"><v>1</v></c><c r="B4000"><v>1</v></c></row>',
        "<row r=\"2\"><c r='Z3000'><v>1</v></c></row>",
        '<row r="2"><c s="0" r="AB9"><v>1</v></c></row><row><c><v>1</v></c><c><v>2</v></c></row>',
        '<row r="2">' + "<c><v>1</v></c>" * 40 + "</row>",
    ],
)
def test_the_measured_extent_covers_calamines(tmp_path: Path, rows: str) -> None:
    """On files calamine can read, the extent measured beforehand is never below the one it builds."""
    path = workbook(tmp_path / "sheet.xlsx", rows)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("培育库")
    assert sheet.end is not None
    height, width = sheet.end[0] + 1, sheet.end[1] + 1
    for fewer in (Limits(None, height - 1, None), Limits(None, None, height * width - 1)):
        with pytest.raises(InputError):  # one row or one cell fewer than calamine builds: refused
            check_zip(path, fewer)
    check_zip(path, Limits(None, 2 * height, 4 * height * width))  # and an upper bound, not a guess


def test_a_shared_string_shown_by_many_cells_counts_per_cell(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "shared.xlsx",
        "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(2, 2002)),
    )
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst><si><t>" + "长" * 20_000 + "</t></si></sst>")
    assert _code(path, Limits(50_000_000, None, None)) is IssueCode.TOO_LARGE  # 2,000 × 60 KB


def test_the_cli_refuses_a_zip_bomb_with_its_size(bomb: Path, tmp_path: Path) -> None:
    """The real command line on a 4.3 MB workbook unpacking to 1.1 GB: one line, exit 4, and the
    process never grows towards the gigabyte (its peak RSS is read after it exits)."""
    liar = lying_copy(bomb, tmp_path / "说谎.xlsx")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for path in (bomb, liar):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "eligibility",
                "screen",
                str(path),
                "--as-of",
                AS_OF,
                "-o",
                str(tmp_path / "o.csv"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert result.returncode == EXIT_UNREADABLE, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert (
        "1.1 GB"
        in subprocess.run(  # the size found is said
            [
                sys.executable,
                "-m",
                "eligibility",
                "screen",
                str(bomb),
                "--as-of",
                AS_OF,
                "-o",
                str(tmp_path / "o.csv"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        ).stderr
    )
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
    print(f"CLI peak RSS on the zip bomb: {peak_mb:.0f} MB")
    assert peak_mb < 600


def test_the_cli_limits_can_be_lifted(tmp_path: Path) -> None:
    far = workbook(
        tmp_path / "far.xlsx", '<row r="2"><c r="A2" t="inlineStr"><is><t>甲公司</t></is></c></row>'
    )
    args = ["screen", str(far), "--as-of", AS_OF, "-o", str(tmp_path / "o.csv"), "-q"]
    from click.testing import CliRunner

    from eligibility.apps.cli import main

    assert CliRunner().invoke(main, [*args, "--max-cells", "2"]).exit_code == EXIT_UNREADABLE
    assert CliRunner().invoke(main, [*args, "--max-cells", "0"]).exit_code in (0, 1)


def test_csv_lines_and_width_are_bounded(tmp_path: Path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("企业名称,营业收入\n" + "甲,1\n" * 100_001, encoding="utf-8")
    assert _code(long) is IssueCode.TOO_MANY_ROWS
    wide = tmp_path / "wide.csv"  # one wide line pads every other line to its width
    wide.write_text("企业名称,营业收入\n" + "," * 5_000 + "\n" + "甲,1\n" * 1_000, encoding="utf-8")
    assert _code(wide) is IssueCode.TOO_MANY_CELLS
    assert _code(long, Limits(100_000, None, None)) is IssueCode.TOO_LARGE  # 600 KB


def test_parquet_rows_and_dictionary_text_are_bounded(tmp_path: Path) -> None:
    repeated = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(100_000, dtype=np.int32)), pa.array(["长" * 10_000])
    )
    path = tmp_path / "dictionary.parquet"
    pq.write_table(pa.table({"企业名称": repeated, "营业收入": np.ones(100_000)}), path)
    assert path.stat().st_size < 1_000_000  # 3 GB of text as a reader would build it
    assert _code(path) is IssueCode.TOO_LARGE
    assert _code(path, Limits(None, 1_000, None)) is IssueCode.TOO_MANY_ROWS


def test_an_xls_extent_is_checked_before_python_objects(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("培育库")
    for col, header in enumerate(("企业名称", "营业收入")):
        sheet.write(0, col, header)
    sheet.write(20_000, 200, 1)
    path = tmp_path / "far.xls"
    book.save(str(path))
    assert _code(path) is IssueCode.TOO_MANY_CELLS


def _usual_by_counts(piece: bytes, p: bytes) -> bool:
    """The quick path's test as first written, a count over the piece per form: the reference the
    one-pass test must agree with."""
    if piece.count(b"xmlns") or piece.count(b"&#"):
        return False
    for tag in (b"c", b"row"):
        opened = b"<" + p + tag
        if piece.count(opened + b" ") != piece.count(opened + b' r="'):
            return False
        if any(piece.count(opened + end) for end in (b">", b"/", b"\t", b"\n", b"\r")):
            return False
    if not p and piece.count(b":c") + piece.count(b":row"):
        return False
    spaced = (b" =", b"= ", b"\t=", b"=\t", b"\n=", b"=\n", b"\r=", b"=\r", b"='")
    return not any(piece.count(form) for form in spaced)


_FRAGMENTS = [
    b'<c r="A2">',
    b'<c r="B7" t="s"><v>3</v></c>',
    b'<row r="2">',
    b"</row>",
    b"<c>",
    b"<c/>",
    b"<c\tr=",
    b"<c\n",
    b"<row>",
    b"<row/",
    b"<rows ",
    b"<cols>",
    b"<c s=",
    b"r='B2'",
    b" = ",
    b"=\r",
    b"='",
    b"xmlns",
    b"xml",
    b"&#",
    b"&amp;",
    b":c",
    b":row",
    b"<x:c ",
    b'<x:c r="A1"',
    b'<x:row r="1"',
    b"x:",
    b"<",
    b"c",
    b"r",
    b"=",
    b'"',
    b" ",
    b"\t",
    b"\r",
    b"\n",
    "企业".encode(),
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=12), st.sampled_from([b"", b"x:", b"ab:"]))
def test_the_one_pass_quick_test_agrees_with_the_counts(parts: list[bytes], prefix: bytes) -> None:
    piece = b"".join(parts)
    assert _usual(piece, prefix) is _usual_by_counts(piece, prefix)
