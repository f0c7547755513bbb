"""An input table → the engine's typed columns plus input issues.

Every field becomes a float64 numpy array (money in 万元, ratios as fractions, booleans as 1/0,
categories as the position of their id in the catalogue, NaN for missing or unusable), dates become
``datetime64`` arrays, text stays text. Every unusable cell becomes an
:class:`~eligibility.errors.Issue`; no row is ever dropped. Conversion is vectorised over columns;
only the cells that have a problem are visited one by one.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.columns import Prepared, category_table
from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.input.table import InputTable
from eligibility.language.ruleset import FieldSpec, RuleSet
from eligibility.units import Unit

__all__ = ["FloatArray", "OneFirm", "check_firm_keys", "credit_code_valid", "prepare"]


FloatArray = npt.NDArray[np.float64]


_TRUE = {"true", "1", "1.0", "是", "有", "y", "yes", "t", "√", "✓", "属于", "已列入", "列入"}


_FALSE = {"false", "0", "0.0", "否", "无", "n", "no", "f", "×", "✗", "不属于", "未列入", "没有"}


_NUMBER_NOISE = re.compile(r"[,，\s]")


_BLANK = {"", "nan", "null", "-", "—", "/", "n/a", "#n/a"}


def prepare(
    table: InputTable | pd.DataFrame, rules: RuleSet, *, strict: bool = False, check_keys: bool = True
) -> Prepared:
    """Type every catalogue column of ``table``; collect issues for unusable cells.

    Args:
        table: an :class:`InputTable` or a DataFrame whose columns are canonical field ids.
        rules: the loaded rules (for the field catalogue).
        strict: raise :class:`InputError` when any error-severity issue is found.
    """
    if isinstance(table, pd.DataFrame):
        table = InputTable(frame=table)
    frame = table.frame.reset_index(drop=True)
    n = len(frame)
    rows = table.rows if table.rows is not None else np.arange(n, dtype=np.int64) + table.first_row
    issues: list[Issue] = list(table.issues)
    columns: dict[str, FloatArray] = {}
    dates: dict[str, npt.NDArray[np.datetime64]] = {}
    text: dict[str, npt.NDArray[np.object_]] = {}
    present: set[str] = set()

    sink = _Sink(rows, issues, table.sheet)
    named_hnte: npt.NDArray[np.bool_] | None = None
    for header in frame.columns:
        name = str(header)
        spec = rules.fields.get(name)
        if spec is None:
            issues.append(
                Issue(IssueCode.UNMAPPED_COLUMN, Severity.WARNING, None, None, name, None, table.sheet)
            )
            continue
        present.add(name)
        cells = _Cells(
            frame[header],
            spec,
            sink,
            table.headers.get(name, name),
            table.factors.get(name, 1.0),
            name in table.percent,
            rules.plausible.get(spec.unit),
            table.written.get(name),
        )
        named = _typed_column(cells, rules, columns, dates, text)
        if named is not None:
            named_hnte = named
    return _finish(
        rules, n, columns, dates, text, present, issues, rows, table, named_hnte, strict, check_keys
    )


def _typed_column(
    cells: _Cells,
    rules: RuleSet,
    columns: dict[str, FloatArray],
    dates: dict[str, npt.NDArray[np.datetime64]],
    text: dict[str, npt.NDArray[np.object_]],
) -> npt.NDArray[np.bool_] | None:
    """Type one column into ``columns``, ``dates`` or ``text``; the titles column returns the mask
    of the firms that name 高新技术企业 among their titles."""
    spec, name = cells.spec, cells.spec.id
    if spec.unit is Unit.TEXT:
        text[name] = _text(cells.raw)
    elif spec.unit is Unit.DATE:
        dates[name] = _dates(cells)
    elif spec.unit is Unit.BOOL:
        columns[name] = _bools(cells)
    elif spec.unit is Unit.CATEGORY and spec.choices_from == "tiers":
        columns[name], named_hnte = _titles(cells, rules)
        return named_hnte
    elif spec.unit is Unit.CATEGORY:
        columns[name] = _categories(cells)
    else:
        columns[name] = _numbers(cells)
    return None


def _finish(
    rules: RuleSet,
    n: int,
    columns: dict[str, FloatArray],
    dates: dict[str, npt.NDArray[np.datetime64]],
    text: dict[str, npt.NDArray[np.object_]],
    present: set[str],
    issues: list[Issue],
    rows: npt.NDArray[np.int64],
    table: InputTable,
    named_hnte: npt.NDArray[np.bool_] | None,
    strict: bool,
    check_keys: bool,
    one_key: bool = False,
) -> Prepared:
    if named_hnte is not None and named_hnte.any() and "hnte_valid" in rules.fields:
        # 高新技术企业 written among the titles (高新技术企业、专精特新) says the firm is one, unless
        # a 是否高新技术企业 column says otherwise.
        hnte = columns.get("hnte_valid", np.full(n, np.nan))
        columns["hnte_valid"] = np.where(np.isnan(hnte) & named_hnte, 1.0, hnte)
        present.add("hnte_valid")

    if check_keys:
        header = table.headers.get("credit_code", "credit_code")
        if one_key:
            _check_one_key(text.get("credit_code"), rows, issues, table.sheet, header)
        else:
            check_firm_keys(text.get("credit_code"), rows, issues, table.sheet, header)
    _check_consistency(columns, rows, issues, table.sheet, table.headers)
    prepared = Prepared(
        n=n,
        columns=columns,
        dates=dates,
        text=text,
        present=frozenset(present),
        issues=issues,
        rows=rows,
        sheet=table.sheet,
        headers={k: v for k, v in table.headers.items() if k in present},
    )
    if strict and any(i.severity is Severity.ERROR for i in issues):
        raise InputError([i for i in issues if i.severity is Severity.ERROR])
    return prepared


class OneFirm:
    """Types one firm (field id → cell value) exactly as :func:`prepare` types a one-row table,
    without building a frame: what depends only on the rules (the spelling tables) is kept, the
    usual cells (numbers, ids and labels of categories, yes/no, ISO dates, text) are typed one by
    one, and any other cell goes through the column functions of :func:`prepare` on a one-row
    column — whose result, for a text cell, is remembered (a bounded memo: a pool repeats its
    spellings of titles and dates)."""

    MEMO_LIMIT = 20_000

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._tables: dict[str, Mapping[str, float]] = {}
        self._memo: dict[tuple[object, ...], tuple[Any, npt.NDArray[np.bool_] | None, list[Issue]]] = {}

    def prepare(
        self,
        values: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        factors: Mapping[str, float] | None = None,
        percent: frozenset[str] = frozenset(),
        issues: Sequence[Issue] = (),
        source: str = "<firm>",
    ) -> Prepared:
        """The firm's typed columns (one row, spreadsheet row 2) and its issues, in the order
        :func:`prepare` finds them."""
        rules = self.rules
        headers, factors = dict(headers or {}), dict(factors or {})
        table = InputTable(pd.DataFrame(), source, headers=headers, factors=factors, percent=percent)
        rows = np.array([table.first_row], dtype=np.int64)
        found: list[Issue] = list(issues)
        sink = _Sink(rows, found, None)
        columns: dict[str, FloatArray] = {}
        dates: dict[str, npt.NDArray[np.datetime64]] = {}
        text: dict[str, npt.NDArray[np.object_]] = {}
        present: set[str] = set()
        named_hnte: npt.NDArray[np.bool_] | None = None
        for name, value in values.items():
            spec = rules.fields.get(name)
            if spec is None:
                found.append(Issue(IssueCode.UNMAPPED_COLUMN, Severity.WARNING, None, None, name, None, None))
                continue
            present.add(name)
            cells = _Cells(
                _NO_SERIES,
                spec,
                sink,
                headers.get(name, name),
                factors.get(name, 1.0),
                name in percent,
                rules.plausible.get(spec.unit),
                _Scalar(value),
            )
            if not self._typed_cell(cells, value, columns, dates, text):
                named = self._column(cells, value, columns, dates, text)
                if named is not None:
                    named_hnte = named
        return _finish(
            rules, 1, columns, dates, text, present, found, rows, table, named_hnte, False, True, one_key=True
        )

    def _typed_cell(
        self,
        cells: _Cells,
        value: Any,
        columns: dict[str, FloatArray],
        dates: dict[str, npt.NDArray[np.datetime64]],
        text: dict[str, npt.NDArray[np.object_]],
    ) -> bool:
        """Type a usual cell in place; False for a cell the column functions must type."""
        spec, name = cells.spec, cells.spec.id
        unit = spec.unit
        missing = value is None or (type(value) is float and math.isnan(value))
        if unit is Unit.TEXT:
            if missing:
                text[name] = np.array([None], dtype=object)
                return True
            if type(value) is not str:
                return False
            cleaned = _clean_text(value)
            if cleaned is _UNSURE:
                return False
            text[name] = np.array([cleaned], dtype=object)
            return True
        if unit is Unit.DATE:
            if missing:
                dates[name] = np.full(1, np.datetime64("NaT"), dtype="datetime64[D]")
                return True
            day = _iso_day(value, name.endswith("expires_on")) if type(value) is str else None
            if day is None:
                return False
            dates[name] = np.array([day], dtype="datetime64[D]")
            if np.isnat(day):
                cells.report(np.ones(1, dtype=bool), IssueCode.BAD_DATE)
            return True
        if unit is Unit.CATEGORY and spec.choices_from == "tiers":
            if missing:
                columns[name] = np.full(1, np.nan)
                return True
            return False
        if unit is Unit.BOOL or unit is Unit.CATEGORY:
            if missing:
                columns[name] = np.full(1, np.nan)
                return True
            if unit is Unit.BOOL and type(value) is bool:
                columns[name] = np.array([1.0 if value else 0.0])
                return True
            if type(value) is not str:
                return False
            cleaned = _clean_text(value)
            if cleaned is _UNSURE:
                return False
            code = math.nan if cleaned is None else self._table(spec).get(str(cleaned).casefold(), math.nan)
            columns[name] = np.array([code])
            if cleaned is not None and math.isnan(code):
                bad = IssueCode.BAD_BOOL if unit is Unit.BOOL else IssueCode.UNKNOWN_CATEGORY
                cells.report(np.ones(1, dtype=bool), bad)
            return True
        if not missing and not (type(value) is float or (type(value) is int and -(2**63) <= value < 2**63)):
            return False
        columns[name] = np.array([math.nan if missing else _checked_number(cells, float(value))])
        return True

    def _table(self, spec: FieldSpec) -> Mapping[str, float]:
        table = self._tables.get(spec.id)
        if table is None:
            if spec.unit is Unit.BOOL:
                table = dict.fromkeys(_TRUE, 1.0) | dict.fromkeys(_FALSE, 0.0)
            else:
                table = category_table(spec)
            self._tables[spec.id] = table
        return table

    def _column(
        self,
        cells: _Cells,
        value: Any,
        columns: dict[str, FloatArray],
        dates: dict[str, npt.NDArray[np.datetime64]],
        text: dict[str, npt.NDArray[np.object_]],
    ) -> npt.NDArray[np.bool_] | None:
        """An unusual cell typed by the column functions on a one-row column, as :func:`prepare`
        builds it; a text cell's outcome is remembered (its issues without row or header)."""
        spec = cells.spec
        key = (spec.id, value, cells.factor, cells.percent) if type(value) is str else None
        known = self._memo.get(key) if key is not None else None
        if known is None:
            raw = pd.DataFrame([{spec.id: value}])[spec.id]
            scratch: list[Issue] = []
            alone = _Cells(raw, spec, _Sink(cells.sink.rows, scratch, None), "", cells.factor, cells.percent)
            alone.plausible = cells.plausible
            out_columns: dict[str, FloatArray] = {}
            out_dates: dict[str, npt.NDArray[np.datetime64]] = {}
            out_text: dict[str, npt.NDArray[np.object_]] = {}
            named = _typed_column(alone, self.rules, out_columns, out_dates, out_text)
            typed = {**out_columns, **out_dates, **out_text}[spec.id]
            known = (typed, named, scratch)
            if key is not None and len(self._memo) < self.MEMO_LIMIT:
                typed.flags.writeable = False
                self._memo[key] = known
        typed, named, scratch = known
        target: dict[str, Any] = (
            text if spec.unit is Unit.TEXT else dates if spec.unit is Unit.DATE else columns
        )
        target[spec.id] = typed.copy()
        header = cells.header or spec.id
        row = int(cells.sink.rows[0])
        cells.sink.issues.extend(
            Issue(i.code, i.severity, row, spec.id, header, i.value, cells.sink.sheet) for i in scratch
        )
        return named


class _Scalar:
    """One cell as written, for :meth:`_Cells.report`."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def take(self, positions: Any) -> _Scalar:
        return self

    def to_pylist(self) -> list[Any]:
        return [self.value]


_NO_SERIES: Any = None  # a cell typed one by one has no column
_UNSURE = object()
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _clean_text(value: str) -> object:
    """A text cell as :func:`_strings` leaves it (None for a blank), or ``_UNSURE`` where Python's
    and Arrow's ideas of white space could differ (anything but ASCII white space at its ends)."""
    cleaned = value.strip(_ASCII_SPACE)
    if cleaned and (cleaned[0].isspace() or cleaned[-1].isspace() or not cleaned[-1].isprintable()):
        return _UNSURE
    if cleaned and not cleaned[0].isprintable():
        return _UNSURE
    return None if cleaned.lower() in _BLANK else cleaned


_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _iso_day(value: str, expiry: bool) -> np.datetime64 | None:
    """A date written ``YYYY-MM-DD`` as :func:`_dates` reads it (NaT for an impossible day), None
    for any other spelling."""
    found = _ISO_DAY.fullmatch(value) if value.isascii() else None
    if found is None:
        return None
    if expiry and value.startswith("9999"):
        return _FAR
    year, month, day = (int(part) for part in found.groups())
    if not (1900 <= year <= 2199 and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return np.datetime64("NaT", "D")
    return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D")


@dataclass
class _Sink:
    """Where issues go, and the spreadsheet row of every position."""

    rows: npt.NDArray[np.int64]
    issues: list[Issue]
    sheet: str | None


@dataclass
class _Cells:
    """One input column on its way to a typed array."""

    raw: pd.Series[Any]
    spec: FieldSpec
    sink: _Sink
    header: str = ""
    factor: float = 1.0
    percent: bool = False
    plausible: float | None = None
    written: Any = None  # the cells as written, when ``raw`` holds them already typed

    def report(
        self, mask: npt.NDArray[np.bool_], code: IssueCode, severity: Severity = Severity.ERROR
    ) -> None:
        """An issue for every cell under ``mask`` (only the bad cells are visited)."""
        rows, spec = self.sink.rows, self.spec
        header = self.header or spec.id
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        if self.written is not None:
            cells = list(self.written.take(positions).to_pylist())
        else:
            cells = self.raw.iloc[positions].tolist()  # one gather, not one lookup per cell
        self.sink.issues.extend(
            Issue(code, severity, int(rows[p]), spec.id, header, _cell_text(cell), self.sink.sheet)
            for p, cell in zip(positions, cells, strict=True)
        )


def _cell_text(value: object) -> str:
    """A cell as the user typed it: 350000, not 350000.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
    return str(value)


def _strings(raw: pd.Series[Any]) -> pd.Series[str]:
    as_text = raw.astype("string")
    if raw.dtype == object:
        # A spreadsheet number in a text or category column reads 911405 / 3, not "911405.0" / "3.0".
        # Only the cells whose text ends in ".0" are looked at one by one (a handful, if any).
        suspect = np.flatnonzero(as_text.str.endswith(".0").fillna(False).to_numpy(dtype=bool))
        fixed = {int(p): _cell_text(raw.iloc[int(p)]) for p in suspect if isinstance(raw.iloc[int(p)], float)}
        if fixed:
            as_text = as_text.copy()
            as_text.iloc[list(fixed)] = pd.Series(list(fixed.values()), dtype="string")
    as_text = as_text.str.strip()
    blank = as_text.isna() | as_text.str.lower().isin(_BLANK)
    return as_text.mask(blank, pd.NA)


def _text(raw: pd.Series[Any]) -> npt.NDArray[np.object_]:
    values = _strings(raw)
    return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)


def _numbers(cells: _Cells) -> FloatArray:
    raw, spec = cells.raw, cells.spec
    percent_mask = np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        given = ~np.isnan(values)
    else:
        # Cells that already are numbers (the usual case) convert at C speed; only the others go
        # through the text clean-up (thousands separators, units, %, blanks written as 无 or —).
        is_flag = raw.map(type).isin((bool, np.bool_)).to_numpy() if raw.dtype == object else None
        values = np.array(pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
        if is_flag is not None:
            values[is_flag] = np.nan
        given = ~np.isnan(values)
        pending = np.flatnonzero(raw.notna().to_numpy() & ~given)
        if pending.size:
            strings = _strings(raw.iloc[pending])
            cleaned = strings.str.replace(_NUMBER_NOISE, "", regex=True)
            percent = cleaned.str.endswith("%") | cleaned.str.endswith("％")
            cleaned = cleaned.str.rstrip("%％")
            parsed = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            percent_mask[pending] = percent.fillna(False).to_numpy(dtype=bool)
            values[pending] = parsed
            given[pending] = strings.notna().to_numpy()
        if spec.unit is not Unit.FRACTION:
            # "3%" in a field that is not a ratio is not a number of that field.
            values = np.where(percent_mask, np.nan, values)
    return _checked_numbers(cells, values, given, percent_mask)


def _checked_numbers(
    cells: _Cells, values: FloatArray, given: npt.NDArray[np.bool_], percent_mask: npt.NDArray[np.bool_]
) -> FloatArray:
    """Parsed numbers checked and scaled: unparsable, absurd and out-of-range cells reported and
    blanked, ratios read on their column's scale, units converted."""
    spec = cells.spec
    cells.report(given & np.isnan(values), IssueCode.NOT_A_NUMBER)
    with np.errstate(over="ignore", invalid="ignore"):
        if spec.unit is Unit.FRACTION:
            values = _fractions(cells, values, percent_mask)
        elif cells.factor != 1.0:
            values = values * cells.factor
        # 1e308 万元 or an overflow of a unit conversion is a typing accident, not a figure.
        absurd = np.isinf(values)
        if cells.plausible is not None:
            absurd |= np.abs(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)) > cells.plausible
    cells.report(absurd, IssueCode.OUT_OF_RANGE)
    values = np.where(absurd, np.nan, values)
    if spec.min is not None:
        low = values < spec.min
        cells.report(low, IssueCode.NEGATIVE_VALUE if spec.min == 0 else IssueCode.OUT_OF_RANGE)
        values = np.where(low, np.nan, values)
    if spec.max is not None:
        high = values > spec.max
        cells.report(high, IssueCode.OUT_OF_RANGE)
        values = np.where(high, np.nan, values)
    if spec.warn_above is not None:
        cells.report(values > spec.warn_above, IssueCode.UNUSUAL_VALUE, Severity.WARNING)
    return values.astype(np.float64)


def _checked_number(cells: _Cells, value: float) -> float:
    """:func:`_checked_numbers` for one number cell (not blank), in plain floats: the same reads,
    reports and blanks, without the array machinery."""
    spec = cells.spec
    one = np.ones(1, dtype=bool)
    if spec.unit is Unit.FRACTION:
        # One bare number: it alone decides the column's scale (see _fractions).
        big = value != 0 and abs(value) > 1.0
        if not cells.percent and big:
            cells.report(one, IssueCode.AMBIGUOUS_PERCENT, Severity.WARNING)
        if cells.percent or big:
            value = value / 100.0
    elif cells.factor != 1.0:
        value = value * cells.factor
    plausible = cells.plausible
    if math.isinf(value) or (plausible is not None and not math.isnan(value) and abs(value) > plausible):
        cells.report(one, IssueCode.OUT_OF_RANGE)
        return math.nan
    if spec.min is not None and value < spec.min:
        cells.report(one, IssueCode.NEGATIVE_VALUE if spec.min == 0 else IssueCode.OUT_OF_RANGE)
        return math.nan
    if spec.max is not None and value > spec.max:
        cells.report(one, IssueCode.OUT_OF_RANGE)
        return math.nan
    if spec.warn_above is not None and value > spec.warn_above:
        cells.report(one, IssueCode.UNUSUAL_VALUE, Severity.WARNING)
    return value


def _fractions(cells: _Cells, values: FloatArray, percent_mask: npt.NDArray[np.bool_]) -> FloatArray:
    """A ratio column as fractions. "35%" (typed, or a percent-formatted cell) is 0.35. A bare number
    is read on the column's scale: per cents under a （%） header, else fractions; a bare number that
    does not fit the scale most of the column uses (0.385 among 48.6-style per cents, 38.5 among
    fractions) is flagged ``ambiguous_percent``, never guessed silently (docs/policy.md,
    "Conventions the rule files follow")."""
    bare = ~percent_mask & ~np.isnan(values)
    nonzero = bare & (values != 0)
    big = nonzero & (np.abs(values) > 1.0)
    small = nonzero & ~big
    mostly_per_cent = int(big.sum()) > int(small.sum())
    if cells.percent:  # a （%） header: 3 means 3 %
        if mostly_per_cent:
            cells.report(small, IssueCode.AMBIGUOUS_PERCENT, Severity.WARNING)
        return np.where(bare | percent_mask, values / 100.0, values)
    # No % in the header: a bare number above 1 can only be per cents; in a column of per cents a
    # number up to 1 is doubtful too, and read as the column reads.
    ambiguous = big | small if mostly_per_cent else big
    cells.report(ambiguous, IssueCode.AMBIGUOUS_PERCENT, Severity.WARNING)
    return np.where(percent_mask | ambiguous, values / 100.0, values)


def _lookup(raw: pd.Series[Any], table: Mapping[str, float]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    # A category column holds few distinct spellings: look each up once, then index.
    index, distinct = pd.factorize(raw, use_na_sentinel=True)
    strings = _strings(pd.Series(distinct, dtype=object))
    known = np.append(strings.notna().to_numpy(), False)
    codes = strings.str.casefold().map(table).astype("Float64")
    mapped = np.append(codes.to_numpy(dtype=np.float64, na_value=np.nan), np.nan)
    return mapped[index], known[index]


def _bools(cells: _Cells) -> FloatArray:
    if pd.api.types.is_bool_dtype(cells.raw.dtype):
        return cells.raw.to_numpy(dtype=np.float64, na_value=np.nan)
    values, given = _lookup(cells.raw, dict.fromkeys(_TRUE, 1.0) | dict.fromkeys(_FALSE, 0.0))
    cells.report(given & np.isnan(values), IssueCode.BAD_BOOL)
    return values


def _categories(cells: _Cells) -> FloatArray:
    values, given = _lookup(cells.raw, category_table(cells.spec))
    cells.report(given & np.isnan(values), IssueCode.UNKNOWN_CATEGORY)
    return values


_QUOTES = re.compile(r"[\"'“”„‟「」『』‘’〝〞＂《》]")


_TITLE_SEPARATORS = re.compile(r"[、，,；;/|\n＋+&]+|\s+")


def _title_word(text: str) -> str:
    """A title as compared: full-width folded, no quotes of any style, no spaces, lower case."""
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", _QUOTES.sub("", folded)).casefold()


def _titles(cells: _Cells, rules: RuleSet) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Titles as county sheets write them: any alias of a tier, in any quote style; several in one
    cell (``高新技术企业、专精特新``) give the highest ladder title, and 高新技术企业 among them is
    returned as a mask. A word for a local or candidate status (``not_choices``: 市级专精特新,
    省级小巨人培育) is reported as not a ladder title; any other unknown word as an unknown value."""
    spec = cells.spec
    table = {_title_word(name): code for name, code in category_table(spec).items()}
    refused = tuple(_title_word(w) for w in spec.not_choices)
    ids = spec.choice_ids
    rank = [rules.tiers[t].rank or 0 if t in rules.tiers else 0 for t in ids]
    # Two titles of one rank (科技型、创新型): the one valid longer, as its rule files say.
    lasting = [rules.validity_years(t) for t in ids]
    hnte = float(ids.index("hnte")) if "hnte" in ids else None
    index, distinct = pd.factorize(cells.raw, use_na_sentinel=True)
    strings = _strings(pd.Series(distinct, dtype=object))
    k = len(distinct)
    codes = np.full(k + 1, np.nan)
    named_hnte = np.zeros(k + 1, dtype=bool)
    not_title = np.zeros(k + 1, dtype=bool)
    unknown = np.zeros(k + 1, dtype=bool)
    spellings: list[object] = list(strings.tolist())
    for position, value in enumerate(spellings):  # distinct spellings only: a handful
        if not isinstance(value, str):
            continue
        whole = _title_word(str(value))
        words = [whole] if whole in table else [_title_word(p) for p in _TITLE_SEPARATORS.split(str(value))]
        found = [table[w] for w in words if w and w in table]
        strays = [w for w in words if w and w not in table]
        not_title[position] = any(any(r in w for r in refused) for w in strays)
        unknown[position] = any(not any(r in w for r in refused) for w in strays)
        named_hnte[position] = hnte is not None and hnte in found
        if found:
            # The highest ladder title; a cell with only other credentials keeps the first of them.
            codes[position] = max(found, key=lambda c: (rank[int(c)], lasting[int(c)], -found.index(c)))
    cells.report(not_title[index], IssueCode.NOT_A_LADDER_TITLE, Severity.WARNING)
    cells.report(unknown[index], IssueCode.UNKNOWN_CATEGORY)
    return codes[index], named_hnte[index]


_NO_EXPIRY = {"长期", "长期有效", "永久", "永久有效", "无固定期限", "无期限", "长期(无固定期限)"}


_FAR = np.datetime64("9999-12-31", "D")


_YMD = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[T\s]*\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$"
)


_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"


_YM = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$"


_Y = r"^(\d{4})\s*(?:年度|年)?$"


_DMY = r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$"


def _dates(cells: _Cells) -> npt.NDArray[np.datetime64]:
    """Dates as officers write them, to the day (``datetime64[D]``, so no year wraps):
    ``2015年3月12日``, ``2023.5.8``, ``2023-5-8``, ``20230508``, spreadsheet dates and Excel day
    serials; ``2019年1月`` and ``2019`` to the month or year, taking the field's ``partial_date``
    day (the earliest or the latest of the period); ``9999-12-31``, ``长期``, ``长期有效`` for an
    expiry mean none (9999-12-31). ``08/05/2023`` (day and month both up to 12) is
    ``ambiguous_date``, never a guess. Parsed once per distinct spelling."""
    index, distinct = pd.factorize(cells.raw, use_na_sentinel=True)
    text = _strings(pd.Series(distinct, dtype=object)).str.normalize("NFKC").str.strip()
    k = len(text)
    year, month, day = (np.full(k, np.nan) for _ in range(3))
    level = np.zeros(k, dtype=np.int8)  # 0 to the day, 1 to the month, 2 to the year
    todo = text.notna().to_numpy(dtype=bool).copy()
    out = np.full(k + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    if cells.spec.id.endswith("expires_on"):
        never = (text.isin(_NO_EXPIRY) | text.str.startswith("9999")).fillna(False).to_numpy(dtype=bool)
        out[:k][never] = _FAR
        todo &= ~never

    def take(pattern: str, parts: tuple[int, int | None, int | None], precision: int) -> None:
        found = text[todo].str.extract(pattern)
        hit = found[0].notna().to_numpy(dtype=bool)
        where = np.flatnonzero(todo)[hit]
        numbers = found[hit].astype(np.float64).to_numpy()
        year[where] = numbers[:, parts[0]]
        if parts[1] is not None:
            month[where] = numbers[:, parts[1]]
        if parts[2] is not None:
            day[where] = numbers[:, parts[2]]
        level[where] = precision
        todo[where] = False

    take(_YMD, (0, 1, 2), 0)
    take(_COMPACT, (0, 1, 2), 0)
    take(_YM, (0, 1, None), 1)
    take(_Y, (0, None, None), 2)
    ambiguous = np.zeros(k + 1, dtype=bool)
    found = text[todo].str.extract(_DMY)
    hit = found[0].notna().to_numpy(dtype=bool)
    if hit.any():
        where = np.flatnonzero(todo)[hit]
        a, b, y = found[hit].astype(np.float64).to_numpy().T
        day_first = (a > 12) | (a == b)
        month_first = (b > 12) & (a <= 12)
        year[where] = y
        day[where] = np.where(day_first, a, np.where(month_first, b, np.nan))
        month[where] = np.where(day_first, b, np.where(month_first, a, np.nan))
        ambiguous[where] = ~day_first & ~month_first & (a <= 12) & (b <= 12)
        todo[where] = False
    # Excel day serials (counted from 1899-12-30) of dates after 1906; smaller numbers are years
    # (handled above) or no date at all.
    serial = pd.to_numeric(text.where(todo), errors="coerce").to_numpy(dtype=np.float64)
    serial_ok = (serial >= 2200) & (serial < 2_958_466)
    out[:k][serial_ok] = np.datetime64("1899-12-30", "D") + np.floor(serial[serial_ok]).astype(np.int64)
    # Whole dates from their parts; a month or year alone takes the earliest or the latest day.
    latest = cells.spec.partial_date == "latest"
    month = np.where(level == 2, 12.0 if latest else 1.0, month)
    known = (
        ~np.isnan(year) & ~np.isnan(month) & (year >= 1900) & (year <= 2199) & (month >= 1) & (month <= 12)
    )
    months = np.where(known, (year - 1970) * 12 + month - 1, 0).astype(np.int64).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    last = (months + 1).astype("datetime64[D]") - 1
    day = np.where(level > 0, np.nan, day)
    exact = first + np.where(np.isnan(day), 0, day - 1).astype(np.int64)
    whole = np.where(level > 0, last if latest else first, exact)
    fits = known & ((level > 0) | ((day >= 1) & (exact <= last)))
    out[:k] = np.where(fits, whole, out[:k])
    values = out[index]
    given = np.append(text.notna().to_numpy(dtype=bool), False)[index] & ~ambiguous[index]
    cells.report(ambiguous[index], IssueCode.AMBIGUOUS_DATE)
    cells.report(given & np.isnat(values), IssueCode.BAD_DATE)
    return values


_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


_CODE_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)


_CODE_FORMAT = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def credit_code_valid(codes: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """GB 32100-2015 per code, on whole arrays: (well formed, well formed with the right check digit)."""
    series = pd.Series(codes, dtype=object).fillna("").astype(str).str.strip().str.upper()
    formed = series.str.fullmatch(_CODE_FORMAT).to_numpy(dtype=bool)
    fixed = np.where(formed, series.to_numpy(dtype=str), "0" * 18).astype("<U18")
    chars = fixed.view(np.uint32).reshape(-1, 18).astype(np.int64)
    lookup = np.full(128, 0, dtype=np.int64)
    lookup[[ord(c) for c in _CODE_CHARS]] = np.arange(len(_CODE_CHARS))
    values = lookup[np.minimum(chars, 127)]
    expected = (31 - (values[:, :17] @ _CODE_WEIGHTS) % 31) % 31
    return formed, formed & (values[:, 17] == expected)


def check_firm_keys(
    codes: npt.NDArray[np.object_] | None,
    rows: npt.NDArray[np.int64],
    issues: list[Issue],
    sheet: str | None,
    header: str = "credit_code",
) -> None:
    if codes is None:
        return
    series = pd.Series(codes, dtype=object)
    missing = series.isna().to_numpy()
    # A repeated firm is reported once, on the repeat, naming the row it repeats.
    repeated = (series.duplicated(keep="first") & ~series.isna()).to_numpy()
    # Grouped by integer keys (hashing, not sorting a million texts); a missing code is no group.
    keys = pd.factorize(series, use_na_sentinel=True)[0]
    groups = pd.Series(keys).where(keys >= 0)
    first_row = pd.Series(rows).groupby(groups.to_numpy(), sort=False).transform("min").to_numpy()
    formed, checked = credit_code_valid(codes)
    for code, mask in (
        (IssueCode.MISSING_KEY, missing),
        (IssueCode.BAD_CREDIT_CODE, ~missing & ~formed),
        (IssueCode.BAD_CHECK_DIGIT, formed & ~checked),
    ):
        issues.extend(
            Issue(code, Severity.ERROR, int(rows[p]), "credit_code", header, codes[p], sheet)
            for p in np.flatnonzero(mask)
        )
    issues.extend(
        Issue(
            IssueCode.DUPLICATE_KEY,
            Severity.ERROR,
            int(rows[p]),
            "credit_code",
            header,
            f"{codes[p]}@{first_row[p]}",
            sheet,
        )
        for p in np.flatnonzero(repeated)
    )


def _check_one_key(
    codes: npt.NDArray[np.object_] | None,
    rows: npt.NDArray[np.int64],
    issues: list[Issue],
    sheet: str | None,
    header: str,
) -> None:
    """:func:`check_firm_keys` for a table of one row (no repeats), without a frame."""
    if codes is None:
        return
    code = codes[0]
    if code is None:
        issues.append(
            Issue(IssueCode.MISSING_KEY, Severity.ERROR, int(rows[0]), "credit_code", header, code, sheet)
        )
        return
    written = str(code).strip().upper()
    if written.isascii() and written.isprintable():
        formed = re.fullmatch(_CODE_FORMAT, written) is not None
        values = [max(_CODE_CHARS.find(c), 0) for c in written]
        expected = (31 - sum(v * int(w) for v, w in zip(values, _CODE_WEIGHTS, strict=False)) % 31) % 31
        checked = formed and values[17] == expected
    else:
        many_formed, many_checked = credit_code_valid(codes)
        formed, checked = bool(many_formed[0]), bool(many_checked[0])
    if not formed:
        issues.append(
            Issue(IssueCode.BAD_CREDIT_CODE, Severity.ERROR, int(rows[0]), "credit_code", header, code, sheet)
        )
    elif not checked:
        issues.append(
            Issue(IssueCode.BAD_CHECK_DIGIT, Severity.ERROR, int(rows[0]), "credit_code", header, code, sheet)
        )


def _check_consistency(
    columns: Mapping[str, FloatArray],
    rows: npt.NDArray[np.int64],
    issues: list[Issue],
    sheet: str | None,
    headers: Mapping[str, str],
) -> None:
    """A part above its whole cannot be right: both values are kept and the row is flagged."""
    pairs = [(f"main_revenue_y{k}", f"revenue_y{k}", IssueCode.MAIN_ABOVE_REVENUE) for k in (1, 2, 3)]
    pairs += [
        (f"{part}_y1", "employees_y1", IssueCode.STAFF_ABOVE_EMPLOYEES) for part in ("rd_staff", "tech_staff")
    ]
    for part, whole, code in pairs:
        if part not in columns or whole not in columns:
            continue
        above = columns[part] > columns[whole] * (1 + 1e-9)
        issues.extend(
            Issue(
                code,
                Severity.ERROR,
                int(rows[p]),
                part,
                headers.get(part, part),
                f"{columns[part][p]:g}",
                sheet,
            )
            for p in np.flatnonzero(above)
        )
