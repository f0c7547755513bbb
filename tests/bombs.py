"""Hostile workbooks built the way an attacker builds them: a zip bomb (a sheet of a few MB that
unpacks to more than a gigabyte, its sizes declared honestly or as a lie) and tiny sheets whose
cells name a huge extent."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_BOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="培育库" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>统一社会信用代码</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>企业名称</t></is></c><c r="C1" t="inlineStr"><is><t>营业收入（万元）</t>'
    "</is></c></row>"
)
SHEET_TAIL = "</sheetData></worksheet>"
SHEET = "xl/worksheets/sheet1.xml"


def workbook(path: Path, rows: str, tail: str = SHEET_TAIL) -> Path:
    """A minimal .xlsx (one sheet, the usual parts) whose sheet data is the header row and ``rows``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _BOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        archive.writestr(SHEET, SHEET_HEAD + rows + tail)
    return path


def zip_bomb(path: Path, unpacked: int = 1_100_000_000) -> Path:
    """An .xlsx whose sheet XML unpacks to ``unpacked`` bytes of firm rows (each like the last, so
    that deflate packs them about 250 to one: 4.3 MB for 1.1 GB)."""
    row = (
        '<row><c t="inlineStr"><is><t>91140500MA0R0UND00</t></is></c><c t="inlineStr"><is><t>恒达铸造有限公司'
        "</t></is></c><c><v>3000</v></c></row>"
    ).encode()
    block = row * (4 * 1024 * 1024 // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _BOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        with archive.open(SHEET, "w", force_zip64=False) as sheet:
            sheet.write(SHEET_HEAD.encode())
            written = 0
            while written < unpacked:
                sheet.write(block)
                written += len(block)
            sheet.write(SHEET_TAIL.encode())
    return path


def lying_copy(bomb: Path, path: Path, size: int = 4096) -> Path:
    """A copy of ``bomb`` whose zip headers declare the sheet ``size`` bytes: a reader that trusts
    them allocates little and then unpacks a gigabyte."""
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo(SHEET)
    struct.pack_into("<I", data, info.header_offset + 22, size)  # the local header
    name = info.filename.encode()
    central = data.rfind(b"PK\x01\x02")
    while central != -1:  # the central directory entry of the sheet
        (length,) = struct.unpack_from("<H", data, central + 28)
        if bytes(data[central + 46 : central + 46 + length]) == name:
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(data))
    return path
