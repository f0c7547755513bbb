"""How much a file may hold, checked before it is read: a zip workbook's unpacked parts and the
extent of its sheets, a CSV's size and lines, a Parquet file's rows and columns.

A reader materialises what a file declares: calamine allocates every cell of a sheet's extent at
once (a 1.5 KB ``.xlsx`` naming cells A1 and XFD1048576 asks for 512 GB and aborts the process), a
13 MB zip unpacks to 4 GB of sheet XML, one shared string of 30,000 characters referenced by a
million cells becomes a million Python strings. So the extent and the text a reader would build are
measured from the file's bytes first, in bounded memory, and a file beyond :class:`Limits` is
refused with an :class:`~eligibility.errors.InputError` whose issue says what was found and the
limit (``too_large``, ``too_many_rows``, ``too_many_cells``).

Owns these measurements; knows nothing of fields or rules, and reads nothing it would keep.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from eligibility.errors import InputError, Issue, IssueCode, Severity

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "check_csv_text",
    "check_extent",
    "check_parquet",
    "check_size",
    "check_zip",
]

_CHUNK = 4 * 1024 * 1024
_TAIL = 64 * 1024  # a tag is carried over to the next chunk whole when it starts this close to the end


@dataclass(frozen=True)
class Limits:
    """Bounds on what a file may make a reader build; ``None`` leaves one open.

    Attributes:
        unpacked_bytes: a zip workbook's parts once unpacked, with every shared string counted once
            per cell that shows it; a CSV file's size; a Parquet file's column data before compression.
        rows: rows of a sheet (its extent, blank rows inside it included) or lines of a CSV file.
        cells: rows × columns of a sheet's extent, the grid a reader allocates.
    """

    unpacked_bytes: int | None = 1_000_000_000
    rows: int | None = None
    cells: int | None = 30_000_000


DEFAULT_LIMITS = Limits()
"""The library's and the command line's bounds: generous, still below what breaks a workstation."""


def _refuse(code: IssueCode, found: str, limit: str) -> InputError:
    # found@limit, as duplicates carry code@first row: the message template places both.
    return InputError([Issue(code, Severity.ERROR, None, None, None, f"{found}@{limit}")])


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def _count(n: int) -> str:
    return f"{n:,}"


def _check_rows_cells(rows: int, columns: int, limits: Limits) -> None:
    if limits.rows is not None and rows > limits.rows:
        raise _refuse(IssueCode.TOO_MANY_ROWS, _count(rows), _count(limits.rows))
    if limits.cells is not None and rows * columns > limits.cells:
        raise _refuse(IssueCode.TOO_MANY_CELLS, f"{_count(rows)} × {_count(columns)}", _count(limits.cells))


def check_extent(rows: int, columns: int, limits: Limits) -> None:
    """A sheet's extent as a reader reports it (``.xls``, ``.ods``, ``.xlsb``, whose cells are not
    scanned beforehand): refused before its cells become Python objects."""
    _check_rows_cells(rows, columns, limits)


def check_csv_text(text: str, separator: str, limits: Limits) -> None:
    """A decoded CSV file: its lines, and lines × the widest line (the grid the parser pads to)."""
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if limits.rows is not None and lines > limits.rows:
        raise _refuse(IssueCode.TOO_MANY_ROWS, _count(lines), _count(limits.rows))
    if limits.cells is not None:
        widest = max(map(str.count, text.split("\n"), [separator] * lines), default=0) + 1
        _check_rows_cells(lines, widest, limits)


def check_parquet(path: Path, limits: Limits) -> None:
    """A Parquet file by its metadata (rows, rows × columns, column data before compression), then
    its text as the reader would build it: the text columns are read as dictionaries (each distinct
    value once) and their lengths summed over the rows, so a value repeated by a dictionary counts
    once per row that shows it."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    meta = file.metadata
    _check_rows_cells(meta.num_rows, meta.num_columns, limits)
    if limits.unpacked_bytes is None:
        return
    total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if total > limits.unpacked_bytes:
        raise _refuse(IssueCode.TOO_LARGE, _size(total), _size(limits.unpacked_bytes))

    def textual(kind: pa.DataType) -> bool:
        if pa.types.is_dictionary(kind):
            return textual(kind.value_type)
        return bool(
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
        )

    expanded = total
    for name in [f.name for f in file.schema_arrow if textual(f.type)]:
        column = pq.read_table(path, columns=[name], read_dictionary=[name]).column(0)
        for chunk in column.chunks:
            if isinstance(chunk, pa.DictionaryArray):
                lengths = pc.binary_length(chunk.dictionary).fill_null(0)
                expanded += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
            else:
                expanded += int(pc.sum(pc.binary_length(chunk)).as_py() or 0)
        if expanded > limits.unpacked_bytes:
            raise _refuse(IssueCode.TOO_LARGE, _size(expanded), _size(limits.unpacked_bytes))


def check_size(size: int, limits: Limits) -> None:
    """A file read whole (CSV): its size against the unpacked bound."""
    if limits.unpacked_bytes is not None and size > limits.unpacked_bytes:
        raise _refuse(IssueCode.TOO_LARGE, _size(size), _size(limits.unpacked_bytes))


# -- zip workbooks -----------------------------------------------------------------------------------
#
# A sheet's XML is scanned at C speed with counts and searches in the form every common writer uses
# (``<c r="B7"``, ``<row r="7"``, ``t="s"``): the widest and lowest cell so far are the references,
# and a piece of the sheet is looked at closely (every tag parsed) only when a count or a search
# finds something outside them — a cell beyond the references, or a tag in another form (other
# quotes or spaces, no ``r``, a namespace prefix), which calamine reads as well.

_NAME = rb"[A-Za-z_][\w.-]*:"
_ROOT = re.compile(rb"<(" + _NAME + rb")?worksheet[\s>]")
_ANY_ROW = re.compile(rb"<(?:" + _NAME + rb")?row(?=[\s>/])([^<>]*)")
_ANY_CELL = re.compile(rb"<(?:" + _NAME + rb")?c(?=[\s>/])([^<>]*)")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])\s*([A-Za-z]*)\s*(\d*)\s*\1""")
_ANY_SHARED = re.compile(
    rb"<(?:" + _NAME + rb""")?c\s[^<>]*?\bt\s*=\s*["']\s*s\s*["'][^<>]*>\s*<(?:""" + _NAME + rb")?v>\s*(\d+)"
)
_MERGE_REF = re.compile(
    rb"""<(?:""" + _NAME + rb""")?mergeCell\s[^<>]*?\bref\s*=\s*["']\s*[A-Za-z]+\d+\s*:\s*([A-Za-z]+)(\d+)"""
)
_DIMENSION = re.compile(
    rb"""<(?:""" + _NAME + rb""")?dimension\s[^<>]*?\bref\s*=\s*["'](?:[A-Za-z]+\d+:)?([A-Za-z]+)(\d+)"""
)
_SI_END = re.compile(rb"</(?:" + _NAME + rb")?si>")


def _column(letters: bytes) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (char - 64)
    return index


def _letters(column: int) -> bytes:
    out = b""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = bytes([65 + rest]) + out
    return out


def _above(digits: bytes, alphabet: tuple[int, int]) -> bytes:
    """A regex for a token of ``alphabet`` (first, last byte) ordered above ``digits``: longer, or
    as long and greater at the first place that differs."""
    low, high = alphabet
    token = b"[" + bytes([low]) + b"-" + bytes([high]) + b"]"
    options = [token + b"{%d,}" % (len(digits) + 1)]
    for i, char in enumerate(digits):
        if char < high:
            rest = len(digits) - i - 1
            options.append(
                re.escape(digits[:i])
                + b"["
                + bytes([char + 1])
                + b"-"
                + bytes([high])
                + b"]"
                + token
                + b"{%d}" % rest
            )
    return b"(?:" + b"|".join(options) + b")"


@dataclass
class _Sheet:
    prefix: bytes = b""
    rows: int = 0  # the highest row named (by a row or a cell)
    columns: int = 0  # the widest column named (by a cell or a merged range)
    unnamed_rows: int = 0  # rows without r: each may follow the last one named
    unnamed_cells: int = 0  # the most cells without r in one row
    open_row: tuple[int, int] = (0, 0)  # cells, named cells of the row a piece ended in
    shared: list[npt.NDArray[np.int64]] = field(default_factory=list)

    def extent(self) -> tuple[int, int]:
        return self.rows + self.unnamed_rows, self.columns + self.unnamed_cells


def _chunks(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """The member's bytes in pieces cut before a tag (a tag never straddles two pieces, nor a
    cell's ``<v>`` its cell's opening tag, which the quick scan reads together), read
    through zipfile, which stops at the declared size and checks the CRC: a part that unpacks to
    more than its header says is a damaged file, not a bigger one."""
    with archive.open(member) as stream:
        rest = b""
        while True:
            chunk = stream.read(_CHUNK)
            buffer = rest + chunk
            if not chunk:
                if buffer:
                    yield buffer
                return
            # Before the last cell or row, so that a cell's value stays with its opening tag, which
            # the quick scan reads together (<c r="C7" t="s"><v>3</v>); else before the last tag.
            cut = max(buffer.rfind(b"<c"), buffer.rfind(b"<row"))
            if cut < len(buffer) - _TAIL:
                cut = buffer.rfind(b"<")
            if cut < len(buffer) - _TAIL or cut <= 0:  # a long run of text: no tag starts in it
                yield buffer
                rest = b""
                continue
            yield buffer[:cut]
            rest = buffer[cut:]


def _table(chars: bytes) -> npt.NDArray[np.bool_]:
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return table


_SPACE = _table(b" \t\n\r")
_SPACE_OR_QUOTE = _table(b" \t\n\r'")
_TAG_END = _table(b" >/\t\n\r")  # what may follow a tag's name


def _at(data: npt.NDArray[np.uint8], where: npt.NDArray[np.intp], text: bytes) -> npt.NDArray[np.bool_]:
    """Whether ``text`` stands at each of the positions ``where`` of ``data`` (whole, before its end)."""
    found = where + len(text) <= len(data)
    if len(data) >= len(text):
        start = np.minimum(where, len(data) - len(text))
        for offset, char in enumerate(text):
            found &= data[start + offset] == char
    return found


def _usual(piece: bytes, p: bytes) -> bool:
    """Whether every cell and row tag of the piece is written ``<c r="…"`` / ``<row r="…"`` (with
    the sheet's own prefix), every shared-string type ``t="s"`` before a plain ``<v>``.

    Each ``=`` and each ``<`` followed by the tag's first letter is looked at once (numpy over the
    piece's bytes), instead of a count over the whole piece for every form.
    """
    data = np.frombuffer(piece, dtype=np.uint8)
    marks = np.flatnonzero((data == ord("x")) | (data == ord("&")) | (data == ord(":")))
    if (_at(data, marks, b"xmlns") | _at(data, marks, b"&#")).any():  # a prefix (re)declared; a
        return False  # character reference
    if not p and (_at(data, marks, b":c") | _at(data, marks, b":row")).any():  # a prefix the root
        return False  # does not use
    # an attribute in another form (single quotes, spaces around =) is not seen by the quick path
    equals = np.flatnonzero(data == ord("="))
    before, after = data[equals[equals > 0] - 1], data[equals[equals < len(data) - 1] + 1]
    if _SPACE[before].any() or _SPACE_OR_QUOTE[after].any():
        return False
    # every tag <c or <row (its name followed by a space, >, / or a line break) is <c r=" / <row r="
    for tag in (b"c", b"row"):
        name = p + tag
        opens = np.flatnonzero((data[:-1] == ord("<")) & (data[1:] == name[0])) + 1
        ends = opens[_at(data, opens, name)] + len(name)
        ends = ends[ends < len(data)]
        ends = ends[_TAG_END[data[ends]]]
        if not _at(data, ends, b' r="').all():
            return False
    return True


def _closely(piece: bytes, sheet: _Sheet) -> None:
    """Every row and cell tag of the piece parsed, whatever its form."""
    for attributes in _ANY_ROW.findall(piece):
        named = _R_ATTR.search(attributes)
        if named is not None and named.group(3):
            sheet.rows = max(sheet.rows, int(named.group(3)))
        else:
            sheet.unnamed_rows += 1
    parts = _ANY_ROW.split(piece)
    cells, named_cells = sheet.open_row
    for i, part in enumerate(parts):
        if i % 2:  # the attributes captured by split: the next row begins
            cells, named_cells = 0, 0
            continue
        for attributes in _ANY_CELL.findall(part):
            cells += 1
            ref = _R_ATTR.search(attributes)
            if ref is None or not ref.group(2) or not ref.group(3):
                continue
            named_cells += 1
            sheet.columns = max(sheet.columns, _column(ref.group(2)))
            sheet.rows = max(sheet.rows, int(ref.group(3)))
        sheet.unnamed_cells = max(sheet.unnamed_cells, cells - named_cells)
    sheet.open_row = (cells, named_cells)
    found = _ANY_SHARED.findall(piece)
    if found:
        sheet.shared.append(np.array(found).astype(np.int64))


def _quickly(piece: bytes, sheet: _Sheet) -> bool:
    """The usual form: row numbers from the row tags, then searches for any cell beyond the rows
    and columns known so far (found: the piece is looked at closely instead)."""
    p = sheet.prefix
    rows = re.findall(b"<" + re.escape(p) + rb'row r="(\d{1,9})"', piece)
    if rows:
        sheet.rows = max(sheet.rows, *map(int, rows))
    cell = b"<" + re.escape(p) + b'c r="'
    if sheet.columns == 0:  # the first cells (the header) set the width to compare with
        head = re.findall(cell + rb"([A-Z]{1,3})\d", piece[:_TAIL])
        sheet.columns = max(map(_column, set(head)), default=0)
    beyond_row = cell + rb"[A-Z]*(?:[^A-Z0-9]|" + _above(str(sheet.rows).encode(), (48, 57)) + rb'")'
    beyond_column = cell + rb"(?:[^A-Z]|" + _above(_letters(sheet.columns), (65, 90)) + rb"\d)"
    if re.search(beyond_row, piece) or re.search(beyond_column, piece):
        return False
    if piece.count(b't="s"'):
        found = re.findall(rb't="s"[^<>]*><' + re.escape(p) + rb"v>(\d+)<", piece)
        if len(found) != piece.count(b't="s"'):
            return False
        sheet.shared.append(np.array(found).astype(np.int64))
    return True


def _scan_sheet(archive: zipfile.ZipFile, member: str, limits: Limits) -> _Sheet:
    sheet = _Sheet()
    for number, whole in enumerate(_chunks(archive, member)):
        piece = whole
        if number == 0:  # the declared extent comes first: a file claiming too much is refused at once
            root = _ROOT.search(whole[:_TAIL])
            sheet.prefix = (root.group(1) or b"") if root is not None else b""
            declared = _DIMENSION.search(whole[:_TAIL])
            if declared is not None:
                _check_rows_cells(int(declared.group(2)), _column(declared.group(1)), limits)
            start = whole.find(b">", root.end()) + 1 if root is not None else 0
            piece = whole[start:]  # the root declares the namespaces
        merged = _MERGE_REF.findall(piece) if piece.count(b"mergeCell") else []
        for letters, row in merged:
            sheet.columns = max(sheet.columns, _column(letters))
            sheet.rows = max(sheet.rows, int(row))
        shared_before = len(sheet.shared)
        if not (_usual(piece, sheet.prefix) and _quickly(piece, sheet)):
            del sheet.shared[shared_before:]
            _closely(piece, sheet)
        _check_rows_cells(*sheet.extent(), limits)
    return sheet


def _shared_lengths(archive: zipfile.ZipFile, member: str) -> npt.NDArray[np.int64]:
    """The length in bytes of every shared string (``<si>`` element), in order."""
    ends: list[npt.NDArray[np.int64]] = []
    offset = 0
    for piece in _chunks(archive, member):
        found = [m.end() for m in _SI_END.finditer(piece)]
        ends.append(np.asarray(found, dtype=np.int64) + offset)
        offset += len(piece)
    stops = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    return np.diff(stops, prepend=0)


def check_zip(path: Path, limits: Limits) -> None:
    """A zip workbook (``.xlsx``, ``.xlsm``; the sizes also for ``.xlsb`` and ``.ods``) before it is
    opened: the declared sizes of all parts, then, for ``.xlsx``, each sheet's extent from the cells
    and merged ranges its XML names and the text its shared strings expand to, unpacked piece by
    piece (a few MB at a time).

    Raises:
        InputError: ``too_large``, ``too_many_rows`` or ``too_many_cells``, with what was found.
        zipfile.BadZipFile: a damaged zip, or a part that unpacks to more than it declares.
    """
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        declared = sum(i.file_size for i in infos)
        if limits.unpacked_bytes is not None and declared > limits.unpacked_bytes:
            raise _refuse(IssueCode.TOO_LARGE, _size(declared), _size(limits.unpacked_bytes))
        names = [i.filename for i in infos]
        sheets = [n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n, re.IGNORECASE)]
        strings = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
        lengths = _shared_lengths(archive, strings) if strings is not None else np.zeros(0, np.int64)
        for member in sheets:
            scanned = _scan_sheet(archive, member, limits)
            if limits.unpacked_bytes is None or not scanned.shared:
                continue
            refs = np.concatenate(scanned.shared)
            refs = refs[(refs >= 0) & (refs < len(lengths))]
            expanded = int(lengths[refs].sum()) + declared
            if expanded > limits.unpacked_bytes:
                raise _refuse(IssueCode.TOO_LARGE, _size(expanded), _size(limits.unpacked_bytes))
        for info in infos:  # the parts not scanned above: unpacked and counted, nothing kept
            if info.filename in sheets or info.filename == strings:
                continue
            with archive.open(info) as stream:
                while stream.read(_CHUNK):
                    pass
