"""Rule sets rendered as readable documents (Markdown): criteria, bands, margins, sources, dates.

``eligibility rules docs [DIR] -o docs/rules/`` writes one page per rule set and an index. The pages
are committed, and a test regenerates them to prove they are fresh. Literals appear as the rule file
writes them ("100万元", "3%"), so a reader can hold the page against the policy text. Each page links to
its document's section of ``docs/policy.md`` (relative to ``docs/rules/``, where the pages live).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from eligibility.labels import Lang, rounds_words, text
from eligibility.language.model import (
    Criterion,
    Indicator,
    Margin,
    Measure,
    Overlay,
    Range,
    RuleSetFile,
    Source,
)
from eligibility.language.ruleset import FieldSpec, RuleSet
from eligibility.render.files import atomic_write
from eligibility.units import Unit

__all__ = ["policy_anchor", "render_rule_docs", "write_rule_docs"]

_OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_WITH_UNIT = (Unit.WAN_YUAN, Unit.PERSONS, Unit.COUNT, Unit.RANK, Unit.YEARS, Unit.POINTS, Unit.LEVEL)
# docs/policy.md anchors its sections by the document's number: 115号 → #115, 国统字〔2010〕87号 → #87.
# The regime names are the rule files' own (Chinese in both languages), so the mark is labels.py's.
_DOCUMENT_NUMBER = re.compile(rf"(\d+){re.escape(text('doc_number_mark'))}$")


def policy_anchor(regime: str) -> str:
    """The ``docs/policy.md`` anchor of a regime's document (``#115``), or ``""`` when it has no number."""
    found = _DOCUMENT_NUMBER.search(regime)
    return f"#{found.group(1)}" if found else ""


def render_rule_docs(rules: RuleSet, lang: Lang = "zh") -> dict[str, str]:
    """Every page by file name: ``README.md`` (the index) and ``<ruleset id>.md``."""
    pages = {f"{rid}.md": _Page(rules, rs, lang).render() for rid, rs in sorted(rules.rulesets.items())}
    pages["README.md"] = _index(rules, lang)
    return pages


def write_rule_docs(rules: RuleSet, directory: Path, lang: Lang = "zh") -> list[Path]:
    """Write the pages into ``directory`` (created if needed), each atomically."""
    written = []
    for name, content in render_rule_docs(rules, lang).items():

        def write(stream: IO[str], page: str = content) -> None:
            stream.write(page)

        written.append(atomic_write(directory / name, write))
    return written


def _label(rules: RuleSet, tier: str, lang: Lang) -> str:
    meta = rules.tiers[tier]
    return meta.label_en if lang == "en" and meta.label_en else meta.label_zh


def _purposes(purposes: list[str], lang: Lang) -> str:
    return text("enumeration", lang).join(text(f"purpose_{p}", lang) for p in purposes)


def _index(rules: RuleSet, lang: Lang) -> str:
    lines = [
        f"# {text('doc_index_title', lang)}",
        "",
        text("doc_index_intro", lang),
        "",
        text("doc_policy", lang, anchor=""),
        "",
        text("doc_index_head", lang),
    ]
    lines.append("|---|---|---|---|---|")
    order = {tier: i for i, tier in enumerate(rules.tier_order())}
    for rid, rs in sorted(
        rules.rulesets.items(), key=lambda item: (order[item[1].ruleset.tier], item[1].ruleset.effective_from)
    ):
        meta = rs.ruleset
        lines.append(
            f"| {_label(rules, meta.tier, lang)} | [{rid}]({rid}.md) | {meta.regime} | "
            f"{_effective(rs, lang)} | {_purposes(list(meta.purposes), lang)} |"
        )
    return "\n".join(lines) + "\n"


def _effective(ruleset: RuleSetFile, lang: Lang) -> str:
    """When the rule set is in force, per purpose where the dates differ."""
    meta = ruleset.ruleset
    spans = {p: meta.effective(p) for p in meta.purposes}
    parts = []
    for purpose, (start, end) in spans.items():
        if purpose == "review" and meta.review_rounds is not None:  # chosen by the round, not the day
            rounds = rounds_words(meta.review_rounds.first, meta.review_rounds.last, lang)
            parts.append(f"{text('purpose_review', lang)}{text('colon', lang)}{rounds}")
            continue
        shown = text(
            "doc_effective_for",
            lang,
            purpose=text(f"purpose_{purpose}", lang),
            start=start.isoformat(),
            end=end.isoformat() if end else text("doc_open_end", lang),
        )
        parts.append(shown)
    if len(set(spans.values())) == 1 and meta.review_rounds is None:
        start, end = next(iter(spans.values()))
        shown_end = end.isoformat() if end else text("doc_open_end", lang)
        return text("doc_span", lang, start=start.isoformat(), end=shown_end)
    return text("list_separator", lang).join(parts)


class _Page:
    def __init__(self, rules: RuleSet, ruleset: RuleSetFile, lang: Lang) -> None:
        self.rules, self.ruleset, self.lang = rules, ruleset, lang

    def t(self, key: str, **params: object) -> str:
        return text(key, self.lang, **params)

    def field(self, field_id: str) -> str:
        spec = self.rules.fields[field_id]
        return spec.label_en if self.lang == "en" else spec.label_zh

    def source(self, source: Source | None) -> str:
        if source is None:
            return ""
        parts = [source.document + (f" {source.article}" if source.article else "")]
        if source.confidence:
            parts.append(f"{self.t('doc_confidence')} {self.t('doc_conf_' + source.confidence)}")
        if source.note:
            parts.append(source.note)
        return self.t("list_separator").join(parts)

    def literal(self, spec: FieldSpec, value: object) -> str:
        """A threshold as the rule file writes it; bare numbers get their unit."""
        if not isinstance(value, str) and spec.unit in _WITH_UNIT:
            return self.t(f"unit_{spec.unit.value}", value=f"{float(str(value)):g}")
        return str(value)

    def margin(self, spec: FieldSpec | None, unit: Unit, threshold: float, margin: Margin | None) -> str:
        value = self.rules.margin_of(spec.id if spec else None, unit, threshold, margin)
        if value <= 0:
            return ""
        chosen = margin or (spec.margin if spec else None) or self.rules.margins.get(unit)
        amount = value * 100 if unit is Unit.FRACTION else value
        shown = self.t(f"unit_{unit.value}", value=f"{amount:g}")
        if chosen is not None and chosen.relative is not None:
            shown = self.t("doc_margin_relative", pct=f"{chosen.relative * 100:g}%", value=shown)
        return self.t("doc_margin", margin=shown)

    # -- the page ----------------------------------------------------------------------------------
    def item(self, key: str, value: str) -> str:
        """A line of the page's head: ``- label: value``."""
        return f"- {self.t(key)}{self.t('colon')}{value}"

    def render(self) -> str:
        meta = self.ruleset.ruleset
        label = meta.label_zh if self.lang == "zh" else (meta.label_en or meta.label_zh)
        lines = [f"# {self.t('with_note', value=label, note=meta.regime)}", ""]
        version = f"{self.t('doc_version')} {meta.version}"
        lines.append(self.item("doc_ruleset", f"`{meta.id}`{self.t('comma')}{version}"))
        lines.append(self.item("doc_source", self.source(meta.source)))
        lines.append(f"- {self.t('doc_policy', anchor=policy_anchor(meta.regime))}")
        lines.append(self.item("doc_effective", _effective(self.ruleset, self.lang)))
        lines.append(self.item("doc_purposes", _purposes(list(meta.purposes), self.lang)))
        if meta.validity_years:
            lines.append(self.item("doc_validity", self.t("doc_years", n=meta.validity_years)))
        if meta.review_rounds is not None:
            rounds = meta.review_rounds
            said = rounds_words(rounds.first, rounds.last, self.lang) + self.t("doc_rounds_rule")
            if rounds.source is not None:
                said = self.t("with_note", value=said, note=self.source(rounds.source))
            lines.append(self.item("doc_rounds", said))
            if rounds.note:
                lines.append(f"  {rounds.note}")
        if meta.requires_title:
            lines.append(self.item("doc_requires_title", _label(self.rules, meta.requires_title, self.lang)))
        if meta.note:
            lines.append(self.item("doc_note", meta.note))
        if self.ruleset.criteria is not None:
            lines += ["", f"## {self.t('doc_criteria')}", ""]
            lines += list(self.criterion(self.ruleset.criteria, 0))
        if self.ruleset.points is not None:
            lines += ["", *self.points()]
            for overlay in self.rules.overlays.get(meta.id, ()):
                lines += ["", *self.overlay(overlay)]
        if self.ruleset.classification is not None:
            lines += ["", *self.classification()]
        return "\n".join(lines) + "\n"

    def criterion(self, node: Criterion, depth: int) -> Iterator[str]:
        indent = "  " * depth
        label = node.label_zh if self.lang == "zh" else (node.label_en or node.label_zh)
        tags = []
        if node.purposes:
            tags.append(self.t("doc_only", purposes=_purposes(list(node.purposes), self.lang)))
        if node.route:
            tags.append(self.t("doc_route", route=node.route))
        tag = self.t("doc_tags", tags=self.t("comma").join(tags)) if tags else ""
        if node.children:
            kind = self.t("doc_all" if node.all is not None else "doc_any")
            yield f"{indent}- {tag}{self.t('doc_node', label=label, kind=kind, id=node.id)}"
            for child in node.children:
                yield from self.criterion(child, depth + 1)
            return
        detail = self.leaf(node)
        source = self.source(node.source)
        yield (
            f"{indent}- {tag}{label} `{node.id}`"
            + (self.t("colon") + detail if detail else "")
            + (self.t("doc_cited", source=source) if source else "")
        )

    def leaf(self, node: Criterion) -> str:
        if node.compare is not None:
            spec = self.rules.fields[node.compare.field]
            threshold = self.rules.quantity(spec.id, node.compare.value)
            parts = [
                f"{self.field(spec.id)} {_OPS[node.compare.op]} {self.literal(spec, node.compare.value)}"
            ]
            margin = self.margin(spec, spec.unit, threshold, node.compare.margin)
            if margin:
                parts.append(margin)
            if node.missing is not None:
                parts.append(
                    self.t(
                        "doc_missing",
                        note=node.missing.note_zh
                        if self.lang == "zh"
                        else (node.missing.note_en or node.missing.note_zh),
                    )
                )
            return self.t("comma").join(parts)
        if node.match is not None:
            spec = self.rules.fields[node.match.field]
            values = "/".join(self.choice(spec, v) for v in node.match.in_)
            shown = self.t("doc_match", field=self.field(spec.id), values=values)
            if node.missing is not None:
                note = (
                    node.missing.note_zh
                    if self.lang == "zh"
                    else (node.missing.note_en or node.missing.note_zh)
                )
                shown += self.t("comma") + self.t("doc_missing", note=note)
            return shown
        if node.review is not None:
            verdict = node.review.verdict
            return (
                self.t("doc_review_verdict", field=self.field(verdict)) if verdict else self.t("doc_review")
            )
        if node.requires is not None:
            return self.t("doc_requires", tier=_label(self.rules, node.requires.tier, self.lang))
        if node.holds is not None:
            return self.t("doc_holds", tier=_label(self.rules, node.holds.tier, self.lang))
        if node.score is not None:
            test = node.score
            group = self.t("doc_total") if test.group == "total" else self.group_label(test.group)
            shown = self.t("doc_score", group=group, op=_OPS[test.op], value=f"{test.value:g}")
            margin = self.margin(None, Unit.POINTS, test.value, test.margin)
            return shown + (self.t("comma") + margin if margin else "")
        return ""

    def choice(self, spec: FieldSpec, value: object) -> str:
        if spec.unit is Unit.BOOL:
            return self.t("doc_yes" if value in (True, "true") else "doc_no")
        choice = (spec.choices or {}).get(str(value))
        if choice is None:
            return str(value)
        return str(choice.label_en if self.lang == "en" and choice.label_en else choice.label_zh)

    def group_label(self, group_id: str) -> str:
        points = self.ruleset.points
        assert points is not None
        group = next(g for g in points.groups if g.id == group_id)
        return group.label_zh if self.lang == "zh" else (group.label_en or group.label_zh)

    # -- points tables -----------------------------------------------------------------------------
    def points(self) -> Iterator[str]:
        points = self.ruleset.points
        assert points is not None
        yield f"## {self.t('doc_points', max=f'{points.max:g}')}"
        for group in points.groups:
            yield ""
            yield f"### {self.t('doc_group', label=self.group_label(group.id), max=f'{group.max:g}')}"
            yield ""
            yield self.t("doc_points_head")
            yield "|---|---|---|---|"
            for indicator in group.indicators:
                yield self.indicator_row(indicator)

    def indicator_row(self, indicator: Indicator) -> str:
        label = indicator.label_zh if self.lang == "zh" else (indicator.label_en or indicator.label_zh)
        if indicator.best_of is not None:
            measures = [
                f"({k + 1}) {m.label_zh or ''} {self.measure(m)}" for k, m in enumerate(indicator.best_of)
            ]
            rule = self.t("doc_best_of") + self.t("colon") + self.t("list_separator").join(measures)
        else:
            rule = self.measure(indicator.measures[0])
        return f"| {label} `{indicator.id}` | {indicator.max:g} | {rule} | {self.source(indicator.source)} |"

    def overlay(self, overlay: Overlay) -> Iterator[str]:
        meta = overlay.overlay
        label = meta.label_zh if self.lang == "zh" else (meta.label_en or meta.label_zh)
        yield f"## {label} `{meta.id}`"
        yield ""
        provinces = self.t("enumeration").join(meta.provinces)
        yield self.t(
            "doc_overlay_intro",
            indicator=meta.indicator,
            provinces=provinces,
            source=self.source(meta.source),
        )
        yield ""
        yield self.t("doc_points_head")
        yield "|---|---|---|---|"
        for indicator in overlay.indicators:
            yield self.indicator_row(indicator)

    def measure(self, measure: Measure) -> str:
        separator = self.t("list_separator")
        if measure.bands is not None:
            spec = self.rules.fields[measure.bands.field]
            bands = [
                self.t("doc_band_points", range=self.range(spec, r), points=f"{r.points:g}")
                for r in measure.bands.ranges
            ]
            return self.field(spec.id) + self.t("colon") + separator.join(bands)
        if measure.lookup is not None:
            spec = self.rules.fields[measure.lookup.field]
            items = [
                self.t("doc_lookup_value", label=self.choice(spec, k), points=f"{v:g}")
                for k, v in measure.lookup.map.items()
            ]
            return self.field(spec.id) + self.t("colon") + separator.join(items)
        if measure.per is not None:
            spec = self.rules.fields[measure.per.field]
            return self.t(
                "doc_per",
                field=self.field(spec.id),
                step=self.literal(spec, measure.per.step),
                points=f"{measure.per.points:g}",
                max=f"{measure.per.max:g}",
            )
        if measure.count is not None:
            fields = self.t("enumeration").join(self.field(f) for f in measure.count.fields)
            return self.t(
                "doc_count", points=f"{measure.count.points:g}", max=f"{measure.count.max:g}", fields=fields
            )
        if measure.cascade is not None:
            steps = []
            for step in measure.cascade.steps:
                threshold = self.literal(self.rules.fields[step.field], step.value)
                condition = f"{self.field(step.field)} {_OPS[step.op]} {threshold}"
                steps.append(self.t("doc_band_points", range=condition, points=f"{step.points:g}"))
            steps.append(self.t("doc_cascade_otherwise", points=f"{measure.cascade.otherwise:g}"))
            return separator.join(steps)
        if measure.input is not None:
            return self.t("doc_input", field=self.field(measure.input.field), max=f"{measure.input.max:g}")
        raise AssertionError(measure)  # pragma: no cover - the model guarantees one kind

    def range(self, spec: FieldSpec, band: Range) -> str:
        parts = []
        for key, op in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            raw = getattr(band, key)
            if raw is not None:
                parts.append(f"{op}{self.literal(spec, raw)}")
        return self.t("doc_and").join(parts) if parts else self.t("doc_any_value")

    # -- size classes ------------------------------------------------------------------------------
    def classification(self) -> Iterator[str]:
        cls = self.ruleset.classification
        assert cls is not None
        names = [cls.class_labels_zh.get(c, c) if self.lang == "zh" else c for c in cls.classes]
        eligible = self.t("enumeration").join(
            cls.class_labels_zh.get(c, c) if self.lang == "zh" else c for c in cls.eligible_classes
        )
        by = self.rules.fields[cls.by]
        yield f"## {self.t('doc_classes', by=self.field(by.id))}"
        yield ""
        yield self.t("doc_classes_intro", order=" → ".join(names[:-1]), last=names[-1], eligible=eligible)
        yield ""
        yield self.t("doc_classes_head", classes=" | ".join(names[:-1]))
        yield "|---|" + "---|" * (len(names) - 1) + "---|"
        for table in cls.tables:
            industries = self.t("enumeration").join(self.choice(by, i) for i in table.industries)
            cells = []
            for class_id in cls.classes[:-1]:
                bounds = table.bounds.get(class_id, {})
                cells.append(
                    self.t("doc_and").join(
                        f"{self.field(f)}{_OPS[cls.op]}{self.literal(self.rules.fields[f], v)}"
                        for f, v in bounds.items()
                    )
                )
            yield f"| {industries} | " + " | ".join(cells) + f" | {self.source(table.source)} |"
