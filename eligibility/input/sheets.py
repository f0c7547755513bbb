"""Workbooks as Excel writes them: visible sheets, merged cells and percent-formatted cells.

Owns what a spreadsheet file says beyond its cell values: which sheets are hidden, which ranges are
merged (calamine reports them for ``.xlsx`` and ``.xls``) and which ``.xlsx`` cells carry a percent
number format (Excel shows 35.0 %, the cell holds 0.35). Returns plain grids and coordinates; knows
nothing of fields or rules.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Sheet", "fill_merged", "formulas_without_value", "percent_cells", "read_sheet", "visible_sheets"]

ObjectGrid = npt.NDArray[np.object_]
Range = tuple[tuple[int, int], tuple[int, int]]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_PERCENT = {9, 10}  # 0% and 0.00%
_CHUNK = 4 * 1024 * 1024
_TAG_MAX = 2048  # no cell's opening tag is longer than this


@dataclass
class Sheet:
    """One worksheet: every cell from A1 (None for empty), its merged ranges (0-based, inclusive)."""

    name: str
    cells: ObjectGrid
    merged: list[Range]


def visible_sheets(book: Any) -> list[str]:
    """The names of the worksheets a person sees, in workbook order (hidden ones left out)."""
    names: list[str] = []
    for meta in book.sheets_metadata:
        visible = str(getattr(meta, "visible", "Visible")).rsplit(".", 1)[-1].lower()
        kind = str(getattr(meta, "typ", "WorkSheet")).rsplit(".", 1)[-1].lower()
        if visible == "visible" and kind == "worksheet":
            names.append(str(meta.name))
    return names


def read_sheet(book: Any, name: str, check: Callable[[int, int], None] | None = None) -> Sheet:
    """Every cell of one worksheet through calamine (Rust), padded to cover its merged ranges;
    ``check`` sees the grid's height and width before its cells become Python objects."""
    sheet = book.get_sheet_by_name(name)
    merged: list[Range] = [
        ((int(a), int(b)), (int(c), int(d))) for (a, b), (c, d) in sheet.merged_cell_ranges or []
    ]
    end = sheet.end or (-1, -1)
    height, width = int(end[0]) + 1, int(end[1]) + 1
    for (_, _), (r1, c1) in merged:
        height, width = max(height, r1 + 1), max(width, c1 + 1)
    if check is not None:
        check(height, width)
    rows = sheet.to_python(skip_empty_area=False)
    width = max(width, max((len(r) for r in rows), default=0))
    height = max(height, len(rows))
    cells: ObjectGrid = np.full((height, width), None, dtype=object)
    if rows:
        # calamine returns a rectangle; pandas pads ragged rows should a reader ever return them.
        block = pd.DataFrame(rows).to_numpy(dtype=object)
        cells[: block.shape[0], : block.shape[1]] = block
    cells[cells == ""] = None
    return Sheet(name, cells, merged)


def fill_merged(cells: ObjectGrid, merged: list[Range]) -> ObjectGrid:
    """The grid as a person reads it: a merged range's value stands in every cell it covers."""
    if not merged:
        return cells
    filled = cells.copy()
    for (r0, c0), (r1, c1) in merged:
        if r0 < filled.shape[0] and c0 < filled.shape[1]:
            filled[r0 : r1 + 1, c0 : c1 + 1] = cells[r0, c0]
    return filled


def percent_cells(path: Path, sheet: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """0-based (rows, columns) of the ``.xlsx`` cells of ``sheet`` whose number format is a percent.

    The styles are read from ``xl/styles.xml``; the sheet's XML is scanned in chunks for cells whose
    style index is a percent style (there are none to look for in most workbooks), so memory stays
    bounded whatever the sheet's size.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    try:
        with zipfile.ZipFile(path) as archive:
            styles = _percent_styles(archive)
            member = _sheet_member(archive, sheet) if styles else None
            if member is None:
                return empty
            pattern = re.compile(
                rb'<c\b(?=[^>]*\bs="(?:' + b"|".join(str(s).encode() for s in sorted(styles)) + rb')")'
                rb'[^>]*?\br="([A-Z]{1,3})([0-9]+)"'
            )
            found = list(_scan(archive, member, pattern))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return empty
    if not found:
        return empty
    rows = np.array([r for r, _ in found], dtype=np.int64)
    columns = np.array([c for _, c in found], dtype=np.int64)
    return rows, columns


# A formula cell with no cached result: <c r="B7"><f>SUM(B2:B6)</f></c> (no <v>, or an empty one), as
# written by programs that do not calculate (openpyxl, many report exporters).
_FORMULA_BLANK = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


def formulas_without_value(path: Path, sheet: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """0-based (rows, columns) of the ``.xlsx`` cells of ``sheet`` that hold a formula but no
    calculated value: a reader sees them blank, though the sheet shows a figure once Excel recalculates.
    The sheet's XML is scanned in chunks (bounded memory)."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet)
            if member is None:
                return empty
            found = list(_scan(archive, member, _FORMULA_BLANK, b"<f"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return empty
    if not found:
        return empty
    return np.array([r for r, _ in found], dtype=np.int64), np.array([c for _, c in found], dtype=np.int64)


def _scan(
    archive: zipfile.ZipFile, member: str, pattern: re.Pattern[bytes], needle: bytes = b""
) -> Iterator[tuple[int, int]]:
    """(row, column) of every match of ``pattern`` in the member, read in chunks; a chunk without
    ``needle`` (text every match contains) is not searched."""
    with archive.open(member) as stream:
        rest = b""
        while True:
            chunk = stream.read(_CHUNK)
            buffer = rest + chunk
            last = not chunk
            cut = max(len(buffer) - _TAG_MAX, 0) if not last else len(buffer)
            for match in pattern.finditer(buffer) if needle in buffer else ():
                if not last and match.end() > cut:
                    cut = min(cut, match.start())
                    break
                yield int(match.group(2)) - 1, _column_index(match.group(1))
                cut = max(cut, match.end())
            if last:
                return
            rest = buffer[cut:]


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Positions in ``cellXfs`` whose number format shows a percent."""
    try:
        root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom: dict[int, str] = {}
    formats = root.find(f"{_MAIN}numFmts")
    for fmt in formats if formats is not None else []:
        custom[int(fmt.get("numFmtId", "-1"))] = fmt.get("formatCode", "")
    percent = {i for i, code in custom.items() if _shows_percent(code)} | _BUILTIN_PERCENT
    xfs = root.find(f"{_MAIN}cellXfs")
    return {
        i for i, xf in enumerate(xfs if xfs is not None else []) if int(xf.get("numFmtId", "0")) in percent
    }


def _shows_percent(code: str) -> bool:
    """A format code shows a percent when a ``%`` stands outside quotes, escapes and brackets."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in plain


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the worksheet named ``sheet``, through the workbook's relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL}Relationship")}
    for node in book.iter(f"{_MAIN}sheet"):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{_REL}id"), "")
            if not target:
                return None
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None
