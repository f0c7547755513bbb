"""Errors and input issues.

Owns the exception tree and the stable codes of everything that can go wrong. Messages for people are
rendered from :mod:`eligibility.labels`; the codes here never change meaning once published.

Exception tree::

    EligibilityError            base of every error this package raises on purpose
    ├── RuleSetError            rule files are invalid; holds every RuleProblem found, raised once
    ├── InputError              strict mode: the input has error-severity issues; holds every Issue
    ├── RegimeError             no rule set is in force for the requested as_of / purpose / regime
    │   └── AsOfRangeError      an assessment date outside the years the engine computes with
    ├── StateError              a saved monitor state (``eligibility watch --state``) cannot be used
    └── MissingExtraError       an optional dependency is not installed (also an ImportError)

Input problems in batch are not exceptions: they are :class:`Issue` rows collected in a frame.
Bugs stay ordinary exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "AsOfRangeError",
    "EligibilityError",
    "InputError",
    "Issue",
    "IssueCode",
    "MissingExtraError",
    "ProblemCode",
    "RegimeError",
    "RuleProblem",
    "RuleSetError",
    "Severity",
    "StateError",
]


class Severity(StrEnum):
    """How serious an input issue is. Errors make the CLI exit 1; warnings and infos do not.

    ``info`` says what the reader did on the user's behalf (a 合计 row skipped, an expiry derived
    from the award date) so that nothing happens silently.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ProblemCode(StrEnum):
    """Stable slugs of rule-file problems."""

    YAML_SYNTAX = "yaml_syntax"
    YAML_TOO_DEEP = "yaml_too_deep"
    YAML_TOO_LARGE = "yaml_too_large"
    UNKNOWN_KEY = "unknown_key"
    MISSING_KEY = "missing_key"
    WRONG_TYPE = "wrong_type"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_TIER = "unknown_tier"
    UNKNOWN_GROUP = "unknown_group"
    UNKNOWN_RULESET = "unknown_ruleset"
    UNKNOWN_INDICATOR = "unknown_indicator"
    UNKNOWN_CATEGORY = "unknown_category"
    BAD_LITERAL = "bad_literal"
    UNIT_MISMATCH = "unit_mismatch"
    NOT_NUMERIC = "not_numeric"
    BAND_OVERLAP = "band_overlap"
    BAND_GAP = "band_gap"
    BAND_EMPTY = "band_empty"
    MAX_MISMATCH = "max_mismatch"
    UNREACHABLE_MARK = "unreachable_mark"
    EXPR_SYNTAX = "expr_syntax"
    EXPR_FORBIDDEN = "expr_forbidden"
    EXPR_ARITY = "expr_arity"
    DEPENDENCY_CYCLE = "dependency_cycle"
    BAD_DATES = "bad_dates"
    NO_RULES = "no_rules"
    LABEL_MISMATCH = "label_mismatch"
    OVERLAPPING_ROUNDS = "overlapping_rounds"
    NOT_BOOL = "not_bool"
    RENAMED_KEY = "renamed_key"
    UNKNOWN_BLOCK = "unknown_block"
    UNKNOWN_PARAM = "unknown_param"


class IssueCode(StrEnum):
    """Stable slugs of input-data issues."""

    NOT_A_NUMBER = "not_a_number"
    NEGATIVE_VALUE = "negative_value"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_CATEGORY = "unknown_category"
    BAD_BOOL = "bad_bool"
    BAD_DATE = "bad_date"
    MISSING_KEY = "missing_key"
    DUPLICATE_KEY = "duplicate_key"
    UNMAPPED_COLUMN = "unmapped_column"
    DUPLICATE_COLUMN = "duplicate_column"
    UNIT_MISMATCH = "unit_mismatch"
    ASSUMED_YEAR = "assumed_year"
    NO_HEADER = "no_header"
    AMBIGUOUS_PERCENT = "ambiguous_percent"
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    BAD_CREDIT_CODE = "bad_credit_code"
    BAD_CHECK_DIGIT = "bad_check_digit"
    MAIN_ABOVE_REVENUE = "main_above_revenue"
    STAFF_ABOVE_EMPLOYEES = "staff_above_employees"
    BLANK_EXPIRY = "blank_expiry"
    OPEN_EXPIRY = "open_expiry"
    UNREADABLE_FILE = "unreadable_file"
    SKIPPED_ROW = "skipped_row"
    BLANK_ROW = "blank_row"
    UNUSUAL_VALUE = "unusual_value"
    DERIVED_EXPIRY = "derived_expiry"
    NOT_A_LADDER_TITLE = "not_a_ladder_title"
    AMBIGUOUS_DATE = "ambiguous_date"
    BAD_CELL = "bad_cell"
    SHEET_CHOSEN = "sheet_chosen"
    UNKNOWN_FIELD = "unknown_field"
    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    TOO_MANY_CELLS = "too_many_cells"


@dataclass(frozen=True)
class RuleProblem:
    """One problem in a rule file, located as precisely as the YAML allows.

    Attributes:
        file: path of the rule file.
        line: 1-based line, or 0 when the problem concerns the file as a whole.
        path: location inside the file, e.g. ``criteria.all[2].compare.value``.
        code: stable slug (:class:`ProblemCode`).
        detail: the offending value or a short technical detail.
        suggestion: a "did you mean" candidate, if any.
    """

    file: str
    line: int
    path: str
    code: ProblemCode
    detail: str = ""
    suggestion: str | None = None


@dataclass(frozen=True)
class Issue:
    """One input-data issue. Rows are 1-based as the user sees them in the spreadsheet."""

    code: IssueCode
    severity: Severity
    row: int | None
    field: str | None
    header: str | None
    value: str | None
    sheet: str | None = None


class EligibilityError(Exception):
    """Base of every error raised on purpose by this package."""


@dataclass
class RuleSetError(EligibilityError):
    """Rule files are invalid. ``problems`` lists every problem found in one pass."""

    problems: Sequence[RuleProblem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in rule files:"]
        lines += [f"  {p.file}:{p.line}: {p.path}: {p.code} {p.detail}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class InputError(EligibilityError):
    """Strict mode: the input has error-severity issues; ``issues`` holds all of them."""

    issues: Sequence[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.issues)} input issue(s); first: {self.issues[0] if self.issues else None}"


class RegimeError(EligibilityError):
    """No rule set is in force for the requested date, purpose or regime."""


class AsOfRangeError(RegimeError):
    """An assessment date that is a date, but outside the years the engine computes with (title
    horizons and expiry dates are counted in days from it): ``value`` as given, ``first`` and
    ``last`` the dates accepted."""

    def __init__(self, value: object, first: object, last: object) -> None:
        super().__init__(f"as_of {value} is outside {first} to {last}")
        self.value, self.first, self.last = value, first, last


class StateError(EligibilityError):
    """A saved monitor state that cannot be used (truncated, binary, another shape or version, a
    record that cannot be assessed); the message says which, in words."""


class MissingExtraError(EligibilityError, ImportError):
    """An optional dependency is not installed: ``package`` is what is missing, ``extra`` the pip
    extra that brings it (``pip install 'eligibility[durable]'``). An :class:`ImportError` too, so
    code that guards an optional import keeps working."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"{package} is not installed: pip install 'eligibility[{extra}]'")
        self.package = package
        self.extra = extra
