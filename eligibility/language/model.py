"""Frozen pydantic models of rule files: the declarative language.

Owns the *shape* of ``rules/*.yaml``: tier metadata, the field catalogue, criteria trees, points tables
and the size classification. Cross-references (fields exist, bands contiguous, marks reachable) are
checked in :mod:`eligibility.language.check`; nothing here reads files or computes.

A criterion is exactly one of ``all``, ``any``, ``compare``, ``match``, ``review``, ``passes``,
``holds_title`` or ``score``. An indicator of a points table is exactly one of ``bands``, ``lookup``,
``per``, ``count``, ``cascade``, ``input`` or ``best_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eligibility.units import Unit

__all__ = [
    "Bands",
    "Block",
    "BlockFile",
    "Cascade",
    "CascadeStep",
    "Catalogue",
    "Choice",
    "Classification",
    "ClassificationTable",
    "Compare",
    "Count",
    "Criterion",
    "Expected",
    "FieldDef",
    "Group",
    "HoldsTitle",
    "Indicator",
    "InputScore",
    "Lookup",
    "Margin",
    "Match",
    "Measure",
    "Missing",
    "Overlay",
    "OverlayMeta",
    "Passes",
    "Per",
    "Points",
    "PurposeDates",
    "Range",
    "Review",
    "ReviewRounds",
    "RuleSetFile",
    "RuleSetMeta",
    "Scenario",
    "ScenarioFile",
    "ScoreTest",
    "Source",
    "TierCatalogue",
    "TierDef",
]

Op = Literal[">=", ">", "<=", "<"]
Purpose = Literal["apply", "review"]
Confidence = Literal["H", "M", "L"]
Number = float | str  # a number, or a literal such as "100万元" or "3%"


class Frozen(BaseModel):
    """Base of every rule-file model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _exactly_one(model: BaseModel, kinds: tuple[str, ...], what: str) -> None:
    present = [k for k in kinds if getattr(model, k) is not None]
    if len(present) != 1:
        raise ValueError(f"{what} needs exactly one of {', '.join(kinds)}; found {present or 'none'}")


class Source(Frozen):
    """Where a number comes from: document, article, and how sure we are of it."""

    document: str
    article: str | None = None
    confidence: Confidence | None = None
    note: str | None = None


class Margin(Frozen):
    """Borderline margin of a threshold: absolute (in the field's unit, literals allowed) or relative."""

    absolute: Number | None = None
    relative: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one(self) -> Margin:
        _exactly_one(self, ("absolute", "relative"), "margin")
        return self


class Choice(Frozen):
    """One value of a categorical field."""

    label_zh: str
    label_en: str | None = None
    aliases: list[str] = Field(default_factory=list)


class FieldDef(Frozen):
    """An input field (or, with ``expr``, a derived one) of the catalogue ``rules/fields.yaml``."""

    id: str
    label_zh: str
    label_en: str | None = None
    unit: Unit
    years: list[Literal["y1", "y2", "y3"]] | None = None
    aliases: list[str] = Field(default_factory=list)
    choices: dict[str, Choice] | None = None
    choices_from: Literal["tiers"] | None = None
    min: float | None = None
    max: float | None = None
    expr: str | None = None
    levers: list[str] = Field(default_factory=list)
    margin: Margin | None = None
    # What to enter when the label alone does not say (the template's column guide shows it).
    note: str | None = None
    note_en: str | None = None
    # A date written to the month or the year only (2019年1月) takes the earliest or the latest day
    # of that period: whichever is conservative for the rules that use the field.
    partial_date: Literal["earliest", "latest"] = "earliest"
    # Which year a yearly field's y1 is: the last fiscal year before as_of (financials), or the year
    # of as_of itself (the platform's quality score of the application year: 本年度 / 上一年度).
    year_base: Literal["fiscal", "as_of"] = "fiscal"
    # Words that look like one of the choices but are not (市级专精特新): an issue that says so.
    not_choices: list[str] = Field(default_factory=list)
    # A value above this is possible but unusual (资产负债率 above 100 %): kept, with a warning.
    warn_above: float | None = None


class Catalogue(Frozen):
    """``rules/fields.yaml``: units' default margins, input fields and derived fields."""

    version: str
    margins: dict[Unit, Margin]
    fields: list[FieldDef]
    derived: list[FieldDef] = Field(default_factory=list)
    # Headers that name no field and need no issue (序号).
    ignore_headers: list[str] = Field(default_factory=list)
    # Beyond these magnitudes (in the unit's canonical form) a number is out of range, not data.
    plausible: dict[Unit, float] = Field(default_factory=dict)


class TierDef(Frozen):
    """A tier of the ladder (docs/policy.md#regimes)."""

    id: str
    label_zh: str
    label_en: str | None = None
    rank: int | None = None
    satisfied_by: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)


class TierCatalogue(Frozen):
    """``rules/tiers.yaml``: the tiers and their order on the ladder."""

    tiers: list[TierDef]


class Compare(Frozen):
    """``<field> <op> <value>``, with an optional borderline margin."""

    field: str
    op: Op
    value: Number
    margin: Margin | None = None


class Match(Frozen):
    """The field's value is one of ``in`` (category ids or booleans), or, for a boolean field, ``is``.

    ``is: false`` is the same test as ``in: [false]``: ``in_`` is filled from it, so whoever evaluates
    or shows a match reads ``in_`` only; ``is_`` records the spelling, for the check that the field is
    a boolean.
    """

    field: str
    in_: list[str | bool] = Field(alias="in", min_length=1)
    is_: bool | None = Field(default=None, alias="is", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _is_or_in(cls, data: object) -> object:
        if isinstance(data, Mapping) and "is" in data:
            if "in" in data:
                raise ValueError("match takes in or is, not both")
            return {**data, "in": [data["is"]]}
        return data


class Review(Frozen):
    """A qualitative item judged by a person; ``verdict`` names an optional boolean verdict column."""

    verdict: str | None = None


class Passes(Frozen):
    """``passes: {tier}``: the result of another tier for the same firm must pass (e.g. the size test)."""

    tier: str


class HoldsTitle(Frozen):
    """``holds_title: {tier}``: the firm holds a valid title of ``tier`` (or one that satisfies it, or
    one above it)."""

    tier: str


class ScoreTest(Frozen):
    """The points total (or a group subtotal) compared with a mark."""

    group: str = "total"
    op: Op = ">="
    value: float
    margin: Margin | None = None


class Missing(Frozen):
    """An explicit, recorded assumption used instead of ``unknown`` when the input is missing."""

    assume: float | bool | str
    when: Literal["column_absent", "blank"] = "column_absent"
    note_zh: str
    note_en: str | None = None


class Criterion(Frozen):
    """A node of a criteria tree."""

    id: str
    label_zh: str
    label_en: str | None = None
    source: Source | None = None
    route: str | None = None
    note: str | None = None
    purposes: list[Purpose] | None = None
    missing: Missing | None = None
    all: list[Criterion] | None = None
    any: list[Criterion] | None = None
    compare: Compare | None = None
    match: Match | None = None
    review: Review | None = None
    passes: Passes | None = None
    holds_title: HoldsTitle | None = None
    score: ScoreTest | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Criterion:
        _exactly_one(self, KINDS, "criterion")
        return self

    @property
    def kind(self) -> str:
        """The one kind key this node uses."""
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def children(self) -> list[Criterion]:
        """Sub-criteria of an ``all``/``any`` node, else empty."""
        return self.all or self.any or []

    @property
    def requires(self) -> Passes | None:
        """The ``passes`` test, by its name before the rule language said ``passes``."""
        return self.passes

    @property
    def holds(self) -> HoldsTitle | None:
        """The ``holds_title`` test, by its name before the rule language said ``holds_title``."""
        return self.holds_title

    def applies_to(self, purpose: str) -> bool:
        """Whether this node is part of the rules for ``purpose`` (all purposes unless restricted)."""
        return self.purposes is None or purpose in self.purposes


KINDS = ("all", "any", "compare", "match", "review", "passes", "holds_title", "score")


class Block(Frozen):
    """A named criteria tree shared by several rule files (``rules/blocks.yaml``).

    A rule file writes ``use: <name>`` as a node, with ``with: {param: value}``; the loader puts a copy
    of ``tree`` there, each string ``$param`` replaced by its value, before the file is validated, so
    that the engine, the docs and the scenarios see the tree as if it had been written out. ``params``
    say, for each parameter, what to give (what differs between the files that use the block).
    """

    note: str | None = None
    params: dict[str, str] = Field(default_factory=dict)
    tree: dict[str, object]


class BlockFile(Frozen):
    """``rules/blocks.yaml``: the shared blocks by name."""

    blocks: dict[str, Block]


class Range(Frozen):
    """One band of a bands indicator: explicit bound operators, any side may be open."""

    gt: Number | None = None
    ge: Number | None = None
    lt: Number | None = None
    le: Number | None = None
    points: float

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if self.gt is not None and self.ge is not None:
            raise ValueError("a band takes gt or ge, not both")
        if self.lt is not None and self.le is not None:
            raise ValueError("a band takes lt or le, not both")
        return self


class Bands(Frozen):
    """Points by the band the field's value falls in; bands must tile the number line."""

    field: str
    ranges: list[Range] = Field(min_length=1)


class Lookup(Frozen):
    """Points by category (or boolean ``true``/``false``)."""

    field: str
    map: dict[str, float]


class Per(Frozen):
    """``points`` for every full ``step`` of the field, capped at ``max`` ("1 point per 2 years")."""

    field: str
    step: Number
    points: float
    max: float


class Count(Frozen):
    """``points`` for every true boolean among ``fields``, capped at ``max`` ("3 per item, max 5")."""

    fields: list[str] = Field(min_length=1)
    points: float
    max: float


class CascadeStep(Frozen):
    """A step of a cascade: the first step whose comparison holds gives its points."""

    field: str
    op: Op
    value: Number
    points: float


class Cascade(Frozen):
    """Ordered steps over possibly different fields; ``otherwise`` when none holds."""

    steps: list[CascadeStep] = Field(min_length=1)
    otherwise: float = 0


class InputScore(Frozen):
    """A score supplied as an input column (e.g. the provincial 特色化 slot), clipped to ``[0, max]``."""

    field: str
    max: float


class _Scored(Frozen):
    """The ways of scoring an indicator, shared by indicators and by the measures of ``best_of``."""

    bands: Bands | None = None
    lookup: Lookup | None = None
    per: Per | None = None
    count: Count | None = None
    cascade: Cascade | None = None
    input: InputScore | None = None


MEASURE_KINDS = ("bands", "lookup", "per", "count", "cascade", "input")


class Measure(_Scored):
    """One way of scoring an indicator; ``best_of`` takes the better of several."""

    id: str | None = None
    label_zh: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Measure:
        _exactly_one(self, MEASURE_KINDS, "measure")
        return self

    @property
    def kind(self) -> str:
        """The one kind key this measure uses."""
        return next(k for k in MEASURE_KINDS if getattr(self, k) is not None)


class Indicator(_Scored):
    """A scored indicator with its declared maximum: one way of scoring, or ``best_of`` several."""

    id: str
    label_zh: str
    label_en: str | None = None
    source: Source | None = None
    max: float
    best_of: list[Measure] | None = Field(None, min_length=1)  # the better of none is no score

    @model_validator(mode="after")
    def _one_kind(self) -> Indicator:
        _exactly_one(self, (*MEASURE_KINDS, "best_of"), "indicator")
        return self

    @property
    def measures(self) -> list[Measure]:
        """The measures of this indicator (one, or several for ``best_of``)."""
        if self.best_of is not None:
            return list(self.best_of)
        kind = next(k for k in MEASURE_KINDS if getattr(self, k) is not None)
        return [Measure.model_validate({kind: getattr(self, kind)})]


class Group(Frozen):
    """A group of indicators with its declared maximum."""

    id: str
    label_zh: str
    label_en: str | None = None
    max: float
    indicators: list[Indicator] = Field(min_length=1)


class Points(Frozen):
    """A points table: groups of indicators, with a declared total maximum."""

    max: float
    groups: list[Group] = Field(min_length=1)


class ClassificationTable(Frozen):
    """Lower bounds per class for some industries (300号): a class needs every bound met."""

    industries: list[str] = Field(min_length=1)
    source: Source | None = None
    bounds: dict[str, dict[str, Number]]


class Classification(Frozen):
    """Size classes by industry: the first class (in order) whose bounds are all met; else the last."""

    by: str
    op: Op = ">="
    classes: list[str] = Field(min_length=2)
    class_labels_zh: dict[str, str]
    eligible_classes: list[str] = Field(min_length=1)
    tables: list[ClassificationTable] = Field(min_length=1)


class PurposeDates(Frozen):
    """Effective dates that differ for one purpose (e.g. a re-review round still judged by old rules)."""

    effective_from: dt.date | None = None
    effective_to: dt.date | None = None


class ReviewRounds(Frozen):
    """The re-review rounds a rule set judges, by calendar year: a title is re-reviewed in the round of
    the year it expires, so a title expiring in a year from ``from`` to ``to`` (inclusive; open when
    omitted) is reviewed under this rule set, whatever day the run is made."""

    first: int | None = Field(default=None, alias="from", ge=1990, le=2200)
    last: int | None = Field(default=None, alias="to", ge=1990, le=2200)
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ReviewRounds:
        if self.first is None and self.last is None:
            raise ValueError("review_rounds needs from, to or both")
        if self.first is not None and self.last is not None and self.first > self.last:
            raise ValueError(f"review_rounds: from {self.first} is after to {self.last}")
        return self

    def covers(self, year: int) -> bool:
        """Whether the round of ``year`` is judged by this rule set."""
        return (self.first is None or self.first <= year) and (self.last is None or year <= self.last)


class RuleSetMeta(Frozen):
    """Tier metadata of a rule set."""

    id: str
    tier: str
    version: str
    regime: str
    label_zh: str
    label_en: str | None = None
    source: Source
    effective_from: dt.date
    effective_to: dt.date | None = None
    purposes: list[Purpose] = Field(min_length=1)
    dates_by_purpose: dict[Purpose, PurposeDates] = Field(default_factory=dict)
    validity_years: int | None = None
    review_rounds: ReviewRounds | None = None
    # A valid title the firm must hold for the whole rule set (2号: 专精特新 needs the bottom tier).
    holds_title: str | None = None
    note: str | None = None

    @property
    def requires_title(self) -> str | None:
        """``holds_title``, by its name before the rule language said ``holds_title``."""
        return self.holds_title

    def effective(self, purpose: str) -> tuple[dt.date, dt.date | None]:
        """The first and last day (inclusive; None = open) this rule set is in force for ``purpose``."""
        dates = self.dates_by_purpose.get(purpose)  # type: ignore[call-overload]
        start = dates.effective_from if dates and dates.effective_from else self.effective_from
        end = dates.effective_to if dates and dates.effective_to else self.effective_to
        return start, end


class RuleSetFile(Frozen):
    """One rule file: metadata, then a criteria tree, a points table and/or a classification."""

    ruleset: RuleSetMeta
    points: Points | None = None
    classification: Classification | None = None
    criteria: Criterion | None = None

    @model_validator(mode="after")
    def _has_body(self) -> RuleSetFile:
        if self.criteria is None and self.classification is None:
            raise ValueError("a rule set needs criteria or a classification")
        return self


class Expected(Frozen):
    """What a scenario expects of one tier; only the keys given are checked."""

    status: Literal["eligible", "ineligible", "incomplete", "review"]
    score: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    failed: list[str] | None = None
    borderline: Literal["thin_pass", "near_miss", "none"] | None = None
    route: list[str] | None = None
    size_class: Literal["large", "medium", "small", "micro"] | None = Field(default=None, alias="class")
    criteria: dict[str, Literal["pass", "fail", "unknown", "review"]] = Field(default_factory=dict)
    gaps: dict[str, float] = Field(default_factory=dict)
    lever_gaps: dict[str, float] = Field(default_factory=dict)


class Scenario(Frozen):
    """One firm (``input`` over the file's ``base``) and what the rule set must make of it."""

    name: str
    input: dict[str, object] = Field(default_factory=dict)
    as_of: dt.date | None = None
    purpose: Purpose | None = None
    # ``regime``: the file's rule set is forced (the default); ``in_force``: the engine chooses as it
    # does for a user (by the day for applications, by the round of the title's expiry year for
    # re-reviews), and the scenario fails unless it chooses this file's rule set.
    chosen: Literal["regime", "in_force"] = "regime"
    expected: Expected


class ScenarioFile(Frozen):
    """``rules/scenarios/<ruleset id>.yaml``: worked cases a user re-runs after editing a rule file."""

    ruleset: str
    as_of: dt.date
    purpose: Purpose = "apply"
    base: dict[str, object] = Field(default_factory=dict)
    scenarios: list[Scenario] = Field(min_length=1)


class OverlayMeta(Frozen):
    """Which slot of which rule set a provincial overlay fills, and for which provinces."""

    id: str
    ruleset: str
    indicator: str
    provinces: list[str] = Field(min_length=1)
    label_zh: str
    label_en: str | None = None
    source: Source


class Overlay(Frozen):
    """A provincial overlay: 1–3 local indicators replacing an ``input`` slot (63号 特色化, 15 points)."""

    overlay: OverlayMeta
    fields: list[FieldDef] = Field(default_factory=list)
    indicators: list[Indicator] = Field(min_length=1, max_length=3)
