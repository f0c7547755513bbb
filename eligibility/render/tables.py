"""The lists a reviewer reads, as tables: one builder shared by the workbook and the HTML report.

Every table is a :class:`pandas.DataFrame` whose column names are label keys (``col_code``,
``col_gaps`` …) so each renderer translates its own headings. Columns are filled per tier with numpy
indexing and joined to the gap sentences with a merge; no Python loop over firms.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.findings import MARKS, STATUS_NAMES, Assessment, Findings, as_findings, join_masks
from eligibility.labels import Lang, rounds_words, text
from eligibility.render.words import criterion_labels, gap_sentences, risk_words, tier_label

__all__ = ["MARKS", "Tables", "status_words"]

ObjectArray = npt.NDArray[np.object_]


def status_words(lang: Lang = "zh") -> dict[tuple[str, str], str]:
    """Every word a status cell can hold, by (status, mark): the status alone (``("eligible", "")``:
    符合), the status with its borderline mark (``("eligible", "thin_pass")``: 符合（临界通过）, the
    全部明细 cells) and the mark alone (``("", "thin_pass")``: 临界通过, the 临界 columns)."""
    words = {("", mark): text(mark, lang) for mark in MARKS[1:]}
    for status in STATUS_NAMES:
        words[(str(status), "")] = text(str(status), lang)
        for mark in MARKS[1:]:
            words[(str(status), mark)] = text(
                "status_marked", lang, status=text(str(status), lang), mark=text(mark, lang)
            )
    return words


class Tables:
    """Words the flag lists and the per-tier details of one run's findings in one language."""

    def __init__(self, results: Findings | Assessment, lang: Lang = "zh") -> None:
        self.a = as_findings(results)  # an assessment is read through its findings, built once here
        self.lang = lang

    @property
    def codes(self) -> ObjectArray:
        return self.a.codes

    @property
    def names(self) -> ObjectArray:
        return self.a.names

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """Gap sentences per (position, tier)."""
        return gap_sentences(self.a, self.lang)

    @cached_property
    def review_gaps(self) -> pd.DataFrame:
        """Gap sentences of the re-review results for the firms at risk (the same frame as ``gaps``
        when there is no separate review)."""
        if self.a.review_gaps is self.a.gaps:
            return self.gaps
        return gap_sentences(self.a, self.lang, review=True)

    @cached_property
    def tier_words(self) -> dict[str, str]:
        return {t: tier_label(self.a.rules, t, self.lang) for t in self.a.rules.tiers}

    @cached_property
    def title_words(self) -> ObjectArray:
        words = self.tier_words
        return np.array([words[t] if t else "" for t in self.a.title_tier], dtype=object)

    def _rank(self, flag: str) -> npt.NDArray[np.int64]:
        return np.arange(1, len(self.a.ranked(flag)) + 1, dtype=np.int64)

    @staticmethod
    def _by_tier(gaps: pd.DataFrame, n: int) -> dict[str, ObjectArray]:
        """The gap sentences per tier, one array over every firm ("" where none)."""
        positions = gaps["position"].to_numpy()
        sentences = gaps["text"].to_numpy(dtype=object)
        tier_of = gaps["tier"].to_numpy(dtype=object)
        out: dict[str, ObjectArray] = {}
        for tier in pd.unique(tier_of):
            mine = tier_of == tier
            column = np.full(n, "", dtype=object)
            column[positions[mine]] = sentences[mine]
            out[str(tier)] = column
        return out

    @cached_property
    def _gaps_by_tier(self) -> dict[str, ObjectArray]:
        return self._by_tier(self.gaps, self.a.n)

    @cached_property
    def _review_gaps_by_tier(self) -> dict[str, ObjectArray]:
        if self.review_gaps is self.gaps:
            return self._gaps_by_tier
        return self._by_tier(self.review_gaps, self.a.n)

    def gap_text(
        self, positions: npt.NDArray[np.int64], tiers: ObjectArray, review: bool = False
    ) -> ObjectArray:
        """The gap sentences of each (position, tier) pair ("" where none); with ``review``, those of the
        re-review rules. Looked up in one array per tier, not joined per call."""
        by_tier = self._review_gaps_by_tier if review else self._gaps_by_tier
        out = np.full(len(positions), "", dtype=object)
        for tier in pd.unique(tiers):
            column = by_tier.get(str(tier))
            if column is not None:
                mask = tiers == tier
                out[mask] = column[positions[mask]]
        return out

    def pair_columns(
        self, positions: npt.NDArray[np.int64], tiers: ObjectArray, full: bool = False
    ) -> dict[str, ObjectArray | npt.NDArray[np.float64]]:
        """Status, borderline mark, score (and in ``full`` the rule set, score interval, route and failed
        criteria) for each (position, tier) pair, filled tier by tier."""
        a, lang = self.a, self.lang
        m = len(positions)
        status = np.full(m, "", dtype=object)
        border = np.full(m, "", dtype=object)
        score = np.full(m, np.nan)
        low = np.full(m, np.nan)
        high = np.full(m, np.nan)
        ruleset = np.full(m, "", dtype=object)
        route = np.full(m, "", dtype=object)
        failed = np.full(m, "", dtype=object)
        words = status_words(lang)
        plain = np.array([words[(str(s), "")] for s in STATUS_NAMES], dtype=object)
        border_words = {"": "", **{mark: words[("", mark)] for mark in MARKS[1:]}}
        marked = np.array([border_words[m] for m in MARKS], dtype=object)
        for tier in pd.unique(tiers):
            mask = tiers == tier
            rows = positions[mask]
            status[mask] = plain[a.status(str(tier))[rows]]
            border[mask] = marked[a.mark(str(tier))[rows]]
            interval = a.score(str(tier))
            if interval is not None:
                lo, hi = interval
                low[mask], high[mask] = lo[rows], hi[rows]
                score[mask] = np.where(lo[rows] == hi[rows], lo[rows], np.nan)
            if full:
                ruleset[mask] = a.ruleset_ids(str(tier))[rows]
                route[mask] = a.route(str(tier))[rows]
                failed[mask] = a.failed(str(tier))[rows]
        columns: dict[str, ObjectArray | npt.NDArray[np.float64]] = {
            "col_status": status,
            "col_borderline": border,
            "col_score": score,
        }
        if full:
            columns |= {
                "col_ruleset": ruleset,
                "col_score_min": low,
                "col_score_max": high,
                "col_route": route,
                "col_failed": failed,
            }
        return columns

    @cached_property
    def carried(self) -> dict[str, ObjectArray]:
        """乡镇（街道） and 服务专员 by heading key (``col_township``), only those the input has."""
        return {f"col_{k}": v for k, v in self.a.carried.items()}

    def _firm_columns(self, positions: npt.NDArray[np.int64]) -> dict[str, ObjectArray]:
        """Code and name, then the carried text columns the input has, of the firms at ``positions``."""
        return {
            "col_code": self.codes[positions],
            "col_name": self.names[positions],
            **{k: v[positions] for k, v in self.carried.items()},
        }

    def promotion(self) -> pd.DataFrame:
        """晋级候选, ranked: the next tier, its status and borderline mark, score and the gaps."""
        order = self.a.ranked("promotion_candidate")
        targets = self.a.flags.tier["promotion_candidate"][order].astype(object)
        pairs = self.pair_columns(order, targets)
        words = self.tier_words
        return pd.DataFrame(
            {
                "col_rank": self._rank("promotion_candidate"),
                **self._firm_columns(order),
                "col_title": self.title_words[order],
                "col_target": pd.Series(targets, dtype=object).map(words).to_numpy(dtype=object),
                **pairs,
                "col_gaps": self.gap_text(order, targets),
            }
        )

    def borderline(self) -> pd.DataFrame:
        """临界企业: every (firm, tier) with a thin pass or a near miss, by firm then tier order."""
        a = self.a
        positions, tiers = self._pairs(lambda t: a.mark(t) > 0)
        return self._pairs_frame(positions, tiers, full=False)

    def details(self) -> pd.DataFrame:
        """全部明细: every firm × every tier."""
        positions, tiers = self._pairs(lambda t: np.ones(self.a.n, dtype=bool))
        return self._pairs_frame(positions, tiers, full=True)

    def _pairs(self, select: object) -> tuple[npt.NDArray[np.int64], ObjectArray]:
        tier_ids = self.a.tiers
        chosen = np.stack([select(t) for t in tier_ids], axis=1)  # type: ignore[operator]
        firm_index, tier_index = np.nonzero(chosen)  # row-major: by firm, then tier order
        return firm_index.astype(np.int64), np.array(tier_ids, dtype=object)[tier_index]

    def _pairs_frame(self, positions: npt.NDArray[np.int64], tiers: ObjectArray, full: bool) -> pd.DataFrame:
        words = self.tier_words
        columns = self.pair_columns(positions, tiers, full=full)
        return pd.DataFrame(
            {
                **self._firm_columns(positions),
                "col_tier": pd.Series(tiers, dtype=object).map(words).to_numpy(dtype=object),
                "col_status": columns.pop("col_status"),
                "col_borderline": columns.pop("col_borderline"),
                "col_score": columns.pop("col_score"),
                **columns,
                "col_gaps": self.gap_text(positions, tiers),
            }
        )

    def gap_column(self, tier: str) -> ObjectArray:
        """The gap sentences of ``tier`` for every firm ("" where none)."""
        column = self._gaps_by_tier.get(tier)
        return column.copy() if column is not None else np.full(self.a.n, "", dtype=object)

    def firms(self) -> pd.DataFrame:
        """全部明细: one row per firm — code, name, title, flags, then per tier its status (with the
        borderline mark), its score (tiers with a points table) and what fails in words: the failed
        criteria that have no gap, then the gap sentences. Headings are already translated."""
        a, lang = self.a, self.lang
        n = a.n
        separator = text("list_separator", lang)
        bar = text("heading_bar", lang)
        columns: dict[str, object] = {
            text("col_code", lang): self.codes,
            text("col_name", lang): self.names,
            **{text(k, lang): v for k, v in self.carried.items()},
            text("col_title", lang): self.title_words,
            text("col_flags", lang): self.flag_words(),
        }
        # Status and borderline mark in one word per (status code, mark): 符合（临界通过）.
        marked = status_words(lang)
        words = np.array([marked[(str(s), m)] for s in STATUS_NAMES for m in MARKS], dtype=object)
        size = self.size_words()
        for tier in a.tiers:
            label = self.tier_words[tier]
            columns[label + bar + text("col_status", lang)] = words[a.status(tier) * 3 + a.mark(tier)]
            if tier == "sme_size" and size is not None:
                columns[label + bar + text("col_size_class", lang)] = size
            interval = a.score(tier)
            if interval is not None:
                low, high = interval
                columns[label + bar + text("col_score", lang)] = np.where(low == high, low, np.nan)
            failed = np.full(n, "", dtype=object)
            for part in a.parts(tier):  # one rule set at a time (review by the round)
                labels = criterion_labels([part.rule_file], lang, a.rules)
                names = [labels.get(k, k) for k in part.without_gap]
                joined = join_masks(names, [part.closest[k] for k in part.without_gap], n, separator)
                failed = joined if part.judged is None else np.where(part.judged, joined, failed)
            explained = self.gap_column(tier)
            has_failed = failed != ""
            both = has_failed & (explained != "")
            explained[has_failed & ~both] = failed[has_failed & ~both]
            explained[both] = failed[both] + separator + explained[both]
            columns[label + bar + text("col_explain", lang)] = explained
        return pd.DataFrame(
            {
                k: pd.Series(v, dtype=None if isinstance(v, np.ndarray) and v.dtype.kind == "f" else object)
                for k, v in columns.items()
            }
        )

    def _classes(self) -> list[tuple[str, str]] | None:
        """(class id, word) of the 300号 size classes, the SME classes first (中型, 小型, 微型), then the
        others (大型), then ``""`` for a firm whose class could not be determined; None without the size
        tier."""
        cls = self.a.classification
        if cls is None:
            return None
        order = [*cls.eligible_classes, *(c for c in cls.classes if c not in cls.eligible_classes)]
        words = [
            (cls.class_labels_zh.get(c) if self.lang == "zh" else None) or text(f"size_{c}", self.lang)
            for c in order
        ]
        return [*zip(order, words, strict=True), ("", text("size_undetermined", self.lang))]

    def size_words(self) -> ObjectArray | None:
        """Per firm, its 300号 size class in words (中型 …, 未能判定); None without the size tier."""
        classes, ids = self._classes(), self.a.size_class
        if classes is None or ids is None:
            return None
        return pd.Series(ids, dtype=object).map(dict(classes)).to_numpy(dtype=object)

    def size_classes(self) -> pd.DataFrame | None:
        """企业规模: the number of firms of each 300号 size class (every class listed, also with no firm);
        None without the size tier."""
        classes, ids, cls = self._classes(), self.a.size_class, self.a.classification
        if classes is None or ids is None or cls is None:
            return None
        counts = self.a.size_counts
        sme = set(cls.eligible_classes)
        notes = [
            text("size_note_" + ("undetermined" if not c else "sme" if c in sme else "not_sme"), self.lang)
            for c, _ in classes
        ]
        return pd.DataFrame(
            {
                "col_size_class": pd.Series([word for _, word in classes], dtype=object),
                "col_firms": pd.Series([int(counts.get(c, 0)) for c, _ in classes], dtype=np.int64),
                "col_size_note": pd.Series(notes, dtype=object),
            }
        )

    def flag_words(self) -> ObjectArray:
        """Per firm, its flags in words, the promotion target and the at-risk reason included."""
        a, lang = self.a, self.lang
        separator = text("list_separator", lang)
        colon = text("colon", lang)
        words = self.tier_words
        targets = a.flags.tier["promotion_candidate"]
        said_of = {
            "promotion_candidate": pd.Series(targets, dtype=object)
            .map(words)
            .fillna("")
            .to_numpy(dtype=object),
            "at_risk": risk_words(a.rules, a.flags.tier["at_risk"], a.flags.reason["at_risk"], lang),
        }
        parts: list[ObjectArray] = []
        for name, said in said_of.items():
            # Filled where flagged only, so that no flagged firm (or no firm) is an ordinary case.
            part = np.full(a.n, "", dtype=object)
            hit = a.flags.get(name)
            part[hit] = (text(name, lang) + colon + said[hit].astype(object)).astype(object)
            parts.append(part)
        parts += [
            np.where(a.flags.get(name), text(name, lang), "").astype(object)
            for name in ("scale_up_candidate", "data_issue")
        ]
        joined = parts[0].astype(object)
        for part in parts[1:]:
            both = (joined != "") & (part != "")
            joined = joined + np.where(both, separator, "").astype(object) + part
        return joined

    def at_risk(self) -> pd.DataFrame:
        """退库风险, ranked: expiry, reason and the gaps of the re-review rules."""
        order = self.a.ranked("at_risk")
        tiers = self.a.flags.tier["at_risk"][order]
        expires = self.a.title_expires[order]
        shown = np.datetime_as_string(expires.astype("datetime64[D]"))
        return pd.DataFrame(
            {
                "col_rank": self._rank("at_risk"),
                **self._firm_columns(order),
                "col_title": self.title_words[order],
                "col_expires": np.where(np.isnat(expires), "", shown).astype(object),
                "col_reason": risk_words(
                    self.a.rules, tiers, self.a.flags.reason["at_risk"][order], self.lang
                ),
                "col_review_rules": self._review_rules(order, tiers),
                "col_gaps": self.gap_text(order, tiers, review=True),
            }
        )

    def _review_rules(self, positions: npt.NDArray[np.int64], tiers: ObjectArray) -> ObjectArray:
        """The re-review round and the rule set that judged each (firm, tier): 2026年复核（63号）."""
        regimes, years = self.a.review_rules(positions, tiers)
        keys = pd.Series(years, dtype=object) + "|" + pd.Series(regimes, dtype=object)
        said = {
            key: text("review_round_rules", self.lang, year=key.split("|")[0], regime=key.split("|")[1])
            if key.split("|")[0]
            else key.split("|")[1]
            for key in pd.unique(keys)  # one sentence per distinct (round, regime)
        }
        return keys.map(said).to_numpy(dtype=object)

    def rules_used(self) -> pd.DataFrame:
        """规则: every rule set applied, per tier — to whom (application, re-review, or the re-review of
        expiring titles behind the at-risk flag) and to how many firms, its source, when it applies and
        the assumptions made. One table for the workbook and the report."""
        lang = self.lang
        separator = text("list_separator", lang)
        colon = text("colon", lang)
        rows: list[dict[str, object]] = []
        for use in self.a.rules_used:
            meta = use.rule_file.ruleset
            labels = criterion_labels([use.rule_file], lang, self.a.rules)
            rounds = meta.review_rounds
            if use.by_round and rounds is not None:
                span = rounds_words(rounds.first, rounds.last, lang)
            else:
                start, end = meta.effective(use.purpose)
                span = text(
                    "date_span",
                    lang,
                    start=start.isoformat(),
                    end=end.isoformat() if end else text("doc_open_end", lang),
                )
            rows.append(
                {
                    "col_tier": self.tier_words[use.tier],
                    "col_ruleset": meta.id,
                    "col_version": meta.version,
                    "col_regime": meta.regime,
                    "col_source": meta.source.document
                    + (f" {meta.source.article}" if meta.source.article else ""),
                    "col_effective": span,
                    "col_applied_to": separator.join(text(key, lang, firms=firms) for key, firms in use.uses),
                    "col_assumption": separator.join(
                        f"{labels.get(criterion, criterion)}{colon}"
                        f"{note_zh if lang == 'zh' else (note_en or note_zh)}"
                        + text("assumption_firms", lang, firms=firms)
                        for criterion, note_zh, note_en, firms in use.assumptions
                    ),
                }
            )
        return pd.DataFrame(rows, columns=list(self.RULES_COLUMNS), dtype=object)

    RULES_COLUMNS = (
        "col_tier",
        "col_ruleset",
        "col_version",
        "col_regime",
        "col_source",
        "col_effective",
        "col_applied_to",
        "col_assumption",
    )

    def scale_up(self) -> pd.DataFrame:
        """升规候选, ranked: main revenue and how far it is from the 规上 line."""
        a = self.a
        order = a.ranked("scale_up_candidate")
        main = a.value("main_revenue_y1")
        line = a.to_scale_line
        return pd.DataFrame(
            {
                "col_rank": self._rank("scale_up_candidate"),
                **self._firm_columns(order),
                "col_main_revenue": main[order],
                "col_to_line": line[order],
            }
        )
