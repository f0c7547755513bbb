"""The loaded rule set: tiers, rule sets by regime and the field catalogue, every literal a number.

Owns the :class:`RuleSet` the engine reads and the small helpers every layer shares (``parse_as_of``,
``walk_criteria``). Nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eligibility.errors import AsOfRangeError, RegimeError
from eligibility.language.expr import Expression
from eligibility.language.model import (
    Criterion,
    Margin,
    Overlay,
    RuleSetFile,
    TierDef,
)
from eligibility.units import Unit

__all__ = [
    "AS_OF",
    "AS_OF_FIRST",
    "AS_OF_LAST",
    "FieldSpec",
    "RuleSet",
    "parse_as_of",
    "tier_dependencies",
    "topological_order",
    "walk_criteria",
]


AS_OF = "as_of"  # in expressions: the assessment date, in days since 1970-01-01 like date fields


@dataclass(frozen=True)
class FieldSpec:
    """A resolved field: yearly fields are expanded (``revenue`` → ``revenue_y1`` …)."""

    id: str
    base: str
    year: str | None
    label_zh: str
    label_en: str
    unit: Unit
    aliases: tuple[str, ...]
    choices: Mapping[str, Any] | None
    min: float | None
    max: float | None
    margin: Margin | None
    expression: Expression | None = None
    levers: tuple[str, ...] = ()
    choices_from: str | None = None
    partial_date: str = "earliest"
    year_base: str = "fiscal"
    not_choices: tuple[str, ...] = ()
    warn_above: float | None = None
    note: str | None = None
    note_en: str | None = None

    @property
    def derived(self) -> bool:
        """Whether this field is computed from others."""
        return self.expression is not None

    @property
    def choice_ids(self) -> tuple[str, ...]:
        """Category ids in declaration order (their codes are their positions)."""
        return tuple(self.choices) if self.choices else ()


@dataclass(frozen=True)
class RuleSet:
    """Every loaded rule set, the field catalogue and the tier ladder."""

    directory: Path
    fields: Mapping[str, FieldSpec]
    derived_order: tuple[str, ...]
    margins: Mapping[Unit, Margin]
    tiers: Mapping[str, TierDef]
    rulesets: Mapping[str, RuleSetFile]
    files: Mapping[str, Path] = field(default_factory=dict)
    overlays: Mapping[str, tuple[Overlay, ...]] = field(default_factory=dict)
    ignore_headers: tuple[str, ...] = ()
    plausible: Mapping[Unit, float] = field(default_factory=dict)
    literals: Mapping[tuple[str, Unit], float] = field(default_factory=dict)
    """Every text literal of the rule files with its unit (``("100万元", Unit.WAN_YUAN)``) → its
    number, resolved when the files were loaded and checked."""
    plans: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    """What a consumer compiles from these rules once and reuses for every call (``assess_one``'s
    one-firm plan), by the consumer's name; never part of the rules themselves."""

    def number(self, literal: object, unit: Unit) -> float:
        """A rule-file literal as a number in ``unit``: a number as it is, a text literal ("100万元")
        as resolved at load — evaluation never parses text.

        Raises:
            LookupError: for a text literal that no rule file holds (a bug, not a user error).
        """
        if isinstance(literal, int | float) and not isinstance(literal, bool):
            return float(literal)
        try:
            return self.literals[(literal, unit)]  # type: ignore[index]
        except (KeyError, TypeError):
            raise LookupError(
                f"literal {literal!r} ({unit.value}) was not resolved when the rules were loaded"
            ) from None

    def quantity(self, field_id: str, literal: object) -> float:
        """A threshold literal as a number in the canonical unit of ``field_id``."""
        return self.number(literal, self.fields[field_id].unit)

    def margin_of(self, field_id: str | None, unit: Unit, threshold: float, margin: Margin | None) -> float:
        """The borderline margin of a threshold: its own, else its field's, else its unit's default."""
        chosen = margin
        if chosen is None and field_id is not None:
            chosen = self.fields[field_id].margin
        if chosen is None:
            chosen = self.margins.get(unit)
        if chosen is None:
            return 0.0
        if chosen.relative is not None:
            return abs(threshold) * chosen.relative
        return self.number(chosen.absolute, unit)

    def validity_years(self, tier: str) -> int:
        """The years a title stays valid, from its rule files (the shortest where regimes differ;
        0 where no rule file says)."""
        found = [r.ruleset.validity_years for r in self.for_tier(tier) if r.ruleset.validity_years]
        return min(found) if found else 0

    def for_tier(self, tier: str) -> list[RuleSetFile]:
        """All rule sets of a tier, oldest first."""
        found = [r for r in self.rulesets.values() if r.ruleset.tier == tier]
        return sorted(found, key=lambda r: r.ruleset.effective_from)

    def select(
        self, tier: str, as_of: dt.date, purpose: str, regime: str | None = None
    ) -> RuleSetFile | None:
        """The rule set of ``tier`` in force at ``as_of`` for ``purpose`` (or of ``regime``, if given)."""
        candidates = [r for r in self.for_tier(tier) if purpose in r.ruleset.purposes]
        if regime is not None:
            chosen = [r for r in candidates if r.ruleset.regime == regime]
            return chosen[-1] if chosen else None
        in_force = []
        for candidate in candidates:
            start, end = candidate.ruleset.effective(purpose)
            if start <= as_of and (end is None or as_of <= end):
                in_force.append((start, candidate))
        return max(in_force, key=lambda item: item[0])[1] if in_force else None

    def has_rounds(self, tier: str) -> bool:
        """Whether the review rule set of ``tier`` is chosen by the round (``review_rounds``)."""
        return any(r.ruleset.review_rounds is not None for r in self.for_tier(tier))

    def for_round(self, tier: str, year: int) -> RuleSetFile | None:
        """The rule set that judges the re-review round of ``year`` for ``tier`` (titles expiring in
        that year), or None when no rule set of the tier declares that round."""
        for candidate in self.for_tier(tier):
            rounds = candidate.ruleset.review_rounds
            if rounds is not None and "review" in candidate.ruleset.purposes and rounds.covers(year):
                return candidate
        return None

    def tier_order(self) -> list[str]:
        """Tier ids ordered so that every ``passes`` dependency comes first."""
        order = self.plans.get("tier_order")
        if order is None:  # the rules never change: ordered once
            order = self.plans["tier_order"] = topological_order(
                self.tiers, tier_dependencies(self.rulesets.values())
            )[0]
        return list(order)


AS_OF_FIRST = dt.date(1900, 1, 1)
AS_OF_LAST = dt.date(2199, 12, 31)  # horizons of up to 10 years stay within pandas' dates (to 2262)


def parse_as_of(value: dt.date | str | None) -> dt.date:
    """An assessment date from a date or ``YYYY-MM-DD`` text (today when None), between
    :data:`AS_OF_FIRST` and :data:`AS_OF_LAST`.

    Raises:
        RegimeError: for anything else, so that a mistyped date is a usage error, not a crash;
            :class:`~eligibility.errors.AsOfRangeError` for a date outside those years.
    """
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise RegimeError(f"as_of must be a date YYYY-MM-DD, got {value!r}") from None
    if not AS_OF_FIRST <= day <= AS_OF_LAST:
        raise AsOfRangeError(day.isoformat(), AS_OF_FIRST.isoformat(), AS_OF_LAST.isoformat())
    return day


def tier_dependencies(rulesets: Iterable[RuleSetFile]) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {}
    for rs in rulesets:
        found = deps.setdefault(rs.ruleset.tier, set())
        if rs.criteria is not None:
            found.update(n.passes.tier for n in walk_criteria(rs.criteria) if n.passes is not None)
    return deps


def topological_order(tiers: Mapping[str, Any], deps: Mapping[str, set[str]]) -> tuple[list[str], list[str]]:
    """Tiers ordered with dependencies first; the second value names a cycle, if there is one."""
    order: list[str] = []
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(tier: str, stack: list[str]) -> None:
        if cycle or state.get(tier) == 2:
            return
        if state.get(tier) == 1:
            cycle.extend([*stack[stack.index(tier) :], tier])
            return
        state[tier] = 1
        for dep in sorted(deps.get(tier, ())):
            visit(dep, [*stack, tier])
        state[tier] = 2
        order.append(tier)

    for tier in list(tiers) + sorted(deps):
        visit(tier, [])
    return [t for t in dict.fromkeys(order) if t in deps or t in tiers], cycle


def walk_criteria(node: Criterion) -> Iterator[Criterion]:
    """Every node of a criteria tree, parents before children."""
    yield node
    for child in node.children:
        yield from walk_criteria(child)
