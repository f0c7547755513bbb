"""Spreadsheet headers → canonical field ids: aliases, units in brackets, year labels.

Owns the reading of one header text such as ``2025年营业收入（万元）``, ``研发费用(元)`` or
``资产负债率(%)``: which field it names (through the ids, labels and aliases of ``rules/fields.yaml``,
or a user mapping), which fiscal year (``2025年`` is ``_y1`` when ``as_of`` is in 2026), and how its
numbers convert to the canonical unit. Pure functions of strings; no frames.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eligibility.errors import Issue, IssueCode, Severity
from eligibility.language.ruleset import FieldSpec, RuleSet, parse_as_of
from eligibility.units import Unit

__all__ = [
    "YEAR_COLUMN",
    "HeaderMap",
    "HeaderMatch",
    "HeaderReader",
    "header_map",
    "map_headers",
    "normalise",
]

YEAR_COLUMN = "__year__"  # the year column of a long-format sheet
_YEAR_NAMES = {"年度", "年份", "会计年度", "year", "fiscalyear", "报告年度", "财务年度"}
_UNIT_FACTORS: dict[str, tuple[Unit, float]] = {
    "元": (Unit.WAN_YUAN, 1e-4),
    "万元": (Unit.WAN_YUAN, 1.0),
    "亿元": (Unit.WAN_YUAN, 1e4),
    "%": (Unit.FRACTION, 0.01),
}
_UNIT = re.compile(r"[(\[【]\s*(?:单位[:：]?\s*)?([^()\[\]【】]*?)\s*[)\]】]\s*$")
_YEAR_PREFIX = re.compile(r"^((?:19|20)\d{2})\s*(?:年度|年)?\s*")
_YEAR_SUFFIX = re.compile(r"[(\[【]?\s*((?:19|20)\d{2})\s*(?:年度|年)?\s*[)\]】]?\s*$")
_YEAR_ONLY = re.compile(r"^((?:19|20)\d{2})\s*(?:年度|年)?$")
# A group header over a year's columns: 2025年度主要经济指标（万元）, 2025年主要指标.
_YEAR_GROUP = re.compile(r"^((?:19|20)\d{2})\s*(?:年度|年)(?:主要|经济|财务|经营|指标|数据|情况)")


def normalise(text: object) -> str:
    """Full-width to half-width, no spaces, lower case: the form headers and aliases are compared in."""
    value = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", "", value)


@dataclass(frozen=True)
class HeaderMatch:
    """What one header means.

    Attributes:
        header: the original text, for messages.
        field: canonical id (``YEAR_COLUMN`` for the year column of a long sheet), or None.
        factor: multiply numbers by this to reach the canonical unit (元 → 万元 is 1e-4).
        percent: the header marks the column as per cent: bare numbers are percentages.
        year: the fiscal year the header names, if any.
        assumed_year: a yearly field without a year label was taken as 上年度 (y1).
        problem: why the header could not be used (``unknown``, ``year_out_of_range``, ``unit``).
    """

    header: str
    field: str | None
    factor: float = 1.0
    percent: bool = False
    year: int | None = None
    assumed_year: bool = False
    problem: str | None = None


class HeaderReader:
    """Maps header texts to fields for one assessment year, through the catalogue and a user mapping."""

    def __init__(
        self, rules: RuleSet, as_of_year: int, mapping: Mapping[str, Mapping[str, object]] | None = None
    ):
        self.rules = rules
        self.as_of_year = as_of_year
        self.mapping = {normalise(k): v for k, v in (mapping or {}).items()}
        self.ignored = {normalise(h) for h in rules.ignore_headers}
        self.full: dict[str, str] = {}  # name → field id, year already in the name or not yearly
        self.yearly: dict[str, str] = {}  # name → base id of a yearly field
        for spec in rules.fields.values():
            names = {spec.id, spec.label_zh, spec.label_en, *(() if spec.year else spec.aliases)}
            for name in names:
                self.full.setdefault(normalise(name), spec.id)
            if spec.year is not None:
                for name in {spec.base, *spec.aliases, _base_label(spec)}:
                    self.yearly.setdefault(normalise(name), spec.base)

    def read(self, header: object, year_above: int | None = None) -> HeaderMatch:
        """Interpret one header; ``year_above`` is the year of a two-row header's upper row."""
        original = str(header).strip()
        text = normalise(original)
        if not text:
            return HeaderMatch(original, None, problem="empty")
        if text in _YEAR_NAMES:
            return HeaderMatch(original, YEAR_COLUMN)
        user = self.mapping.get(text)
        if user is not None:
            return self._from_mapping(original, user)
        if text in self.ignored:
            return HeaderMatch(original, None, problem="empty")  # 序号: no field, nothing to report
        if text in self.full:  # an id or a whole label such as 营业收入（上年度）
            return self._with_unit(original, self.full[text], None, year=None)
        name, unit_text = _split_unit(text)
        if name in self.full and name not in self.yearly:
            return self._with_unit(original, self.full[name], unit_text, year=None)
        name, year = _split_year(name)
        year = year if year is not None else year_above
        if name in self.full and (year is None or self.rules.fields[self.full[name]].year is None):
            return self._with_unit(original, self.full[name], unit_text, year=None)
        if name in self.yearly:
            base = self.yearly[name]
            if year is None:
                return self._with_unit(original, f"{base}_y1", unit_text, year=None, assumed=True)
            offset = self.year_offset(base, year)
            if offset not in (1, 2, 3) or f"{base}_y{offset}" not in self.rules.fields:
                return HeaderMatch(original, None, year=year, problem="year_out_of_range")
            return self._with_unit(original, f"{base}_y{offset}", unit_text, year=year)
        if name in self.full:  # a non-yearly field under a year label: keep the field, ignore the year
            return self._with_unit(original, self.full[name], unit_text, year=None)
        return HeaderMatch(original, None, problem="unknown")

    def _from_mapping(self, original: str, target: Mapping[str, object]) -> HeaderMatch:
        field = str(target.get("field"))
        if field not in self.rules.fields:
            return HeaderMatch(original, None, problem="unknown")
        unit = target.get("unit")
        return self._with_unit(original, field, normalise(unit) if unit else None, year=None)

    def _with_unit(
        self, original: str, field: str, unit_text: str | None, year: int | None, assumed: bool = False
    ) -> HeaderMatch:
        spec = self.rules.fields[field]
        if unit_text is None or unit_text not in _UNIT_FACTORS:
            # A bracket that names no known unit (人, 项, 年, a note) changes nothing.
            return HeaderMatch(original, field, year=year, assumed_year=assumed)
        unit, factor = _UNIT_FACTORS[unit_text]
        if unit is not spec.unit:
            return HeaderMatch(original, field, year=year, assumed_year=assumed, problem="unit")
        if unit is Unit.FRACTION:
            return HeaderMatch(original, field, percent=True, year=year, assumed_year=assumed)
        return HeaderMatch(original, field, factor=factor, year=year, assumed_year=assumed)

    def year_offset(self, base: str, year: int) -> int:
        """Which ``_yN`` a year label names for a yearly field: financials count back from the last
        fiscal year (2025 is y1 in 2026), the quality score from the year of ``as_of`` (2026 is y1)."""
        spec = self.rules.fields.get(f"{base}_y1")
        current = spec is not None and spec.year_base == "as_of"
        return self.as_of_year - year + (1 if current else 0)

    def year_label(self, cell: object) -> int | None:
        """The year a cell of a two-row header's upper row names (``2025年``, ``2025``), if any."""
        text = normalise(cell)
        match = _YEAR_ONLY.match(text) or _YEAR_GROUP.match(text)
        return int(match.group(1)) if match else None


def _base_label(spec: FieldSpec) -> str:
    """The label of a yearly field without its year part (营业收入（上年度） → 营业收入)."""
    return re.sub(r"[（(][^（()）]*[）)]$", "", spec.label_zh)


def _split_unit(text: str) -> tuple[str, str | None]:
    match = _UNIT.search(text)
    if match is None:
        return text, None
    inner = match.group(1)
    if _YEAR_ONLY.match(inner):
        return text, None  # "(2025年)" is a year, not a unit
    return text[: match.start()], inner


def _split_year(text: str) -> tuple[str, int | None]:
    match = _YEAR_PREFIX.match(text)
    if match and match.end() < len(text):
        return text[match.end() :], int(match.group(1))
    match = _YEAR_SUFFIX.search(text)
    if match and match.start() > 0:
        return text[: match.start()], int(match.group(1))
    return text, None


@dataclass
class HeaderMap:
    """Which column is which field: the header matches of one header row, resolved."""

    columns: dict[str, int]
    headers: dict[str, str]
    factors: dict[str, float]
    percent: frozenset[str]
    issues: list[Issue]


def map_headers(matches: list[HeaderMatch], sheet: str | None) -> HeaderMap:
    """Resolve header matches to one column per field; unmapped, unit-mismatched and duplicated
    columns become warning issues (never silently dropped)."""
    issues: list[Issue] = []
    chosen: dict[str, int] = {}
    for column, match in enumerate(matches):
        if match.field is None:
            if match.problem != "empty":
                issues.append(
                    Issue(
                        IssueCode.UNMAPPED_COLUMN,
                        Severity.WARNING,
                        None,
                        None,
                        match.header,
                        None,
                        sheet,
                    )
                )
            continue
        if match.problem == "unit":
            issues.append(
                Issue(IssueCode.UNIT_MISMATCH, Severity.WARNING, None, match.field, match.header, None, sheet)
            )
            continue
        if match.field in chosen:
            issues.append(
                Issue(
                    IssueCode.DUPLICATE_COLUMN, Severity.WARNING, None, match.field, match.header, None, sheet
                )
            )
            continue
        if match.assumed_year:
            issues.append(
                Issue(IssueCode.ASSUMED_YEAR, Severity.WARNING, None, match.field, match.header, None, sheet)
            )
        chosen[match.field] = column
    return HeaderMap(
        columns=chosen,
        headers={name: matches[col].header for name, col in chosen.items()},
        factors={name: matches[col].factor for name, col in chosen.items() if matches[col].factor != 1.0},
        percent=frozenset(name for name, col in chosen.items() if matches[col].percent),
        issues=issues,
    )


def header_map(headers: Sequence[object], rules: RuleSet, as_of: dt.date | str | None = None) -> HeaderMap:
    """The field of each header of a one-row header (a CSV or Parquet schema, a Dask frame)."""
    reader = HeaderReader(rules, parse_as_of(as_of).year)
    return map_headers([reader.read(h if h is not None else "") for h in headers], None)
