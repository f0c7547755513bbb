"""Monitoring the 临界线 between rounds: firm updates in, an alert when a firm crosses a line.

The pool is screened once by the vectorised core. Each update (one JSON object per line, canonical
field ids in canonical units: ``{"credit_code": "...", "rd_expense_y1": 96.5}``) is merged into the
firm's record and the firm is re-assessed by the durable_rules backend, whose session for the firm
keeps its facts between updates. When a firm's status or borderline mark changes for any tier, one
alert names the tier, the change, and the criteria that moved (status or margin) with their values,
thresholds and gaps. A malformed line, an unknown firm or an unknown field yields an error record;
the monitor keeps going. The records of updated firms can be saved to a state file and loaded on the
next start. The monitor needs the ``eligibility[durable]`` extra and says so when it starts without it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from eligibility.assessment import Assessment, Backend, Purpose, assess_one, evaluate
from eligibility.backends import require_durable
from eligibility.errors import Severity, StateError
from eligibility.findings import Findings, build_findings
from eligibility.input.prepare import OneFirm
from eligibility.input.table import InputTable
from eligibility.labels import Lang, text
from eligibility.language.ruleset import RuleSet, parse_as_of
from eligibility.render.files import atomic_write
from eligibility.render.words import criterion_labels, format_quantity, tier_label
from eligibility.units import Unit

if TYPE_CHECKING:  # the pool needs the extra eligibility[pool]
    from eligibility.pool import Pool
    from eligibility.pool.watching import Position, WatchStart

__all__ = ["Applied", "Monitor", "PoolMonitor", "canonical_records"]

STATE_VERSION = 1


def canonical_records(assessment: Assessment) -> dict[str, dict[str, Any]]:
    """Each firm's inputs as canonical ids and units (what an update speaks), by credit code.

    Numbers in the catalogue's units, categories as their ids, yes/no as booleans, dates as ISO days.
    A credit code that repeats keeps its first row (the repeat is a data issue already).
    """
    rules, prepared = assessment.rules, assessment.prepared
    codes = prepared.text.get("credit_code")
    if codes is None:
        return {}
    records: dict[str, dict[str, Any]] = {}
    for i, code in enumerate(codes):  # once per firm at start-up: the monitor then works firm by firm
        if code is None or code in records:
            continue
        record: dict[str, Any] = {}
        for name, values in prepared.columns.items():
            value = float(values[i])
            if math.isnan(value):
                continue
            spec = rules.fields[name]
            if spec.unit is Unit.CATEGORY:
                record[name] = spec.choice_ids[int(value)]
            elif spec.unit is Unit.BOOL:
                record[name] = bool(value)
            else:
                record[name] = value
        for name, dates in prepared.dates.items():
            if not np.isnat(dates[i]):
                record[name] = str(dates[i])[:10]
        for name, texts in prepared.text.items():
            if texts[i] is not None:
                record[name] = texts[i]
        records[str(code)] = record
    return records


@dataclass(frozen=True)
class Applied:
    """One update line as applied: the firm's credit code and results after it (None when the line
    was an error), and the output records (alerts, or one error)."""

    code: str | None
    after: dict[str, Any] | None
    outputs: list[dict[str, Any]]


@dataclass
class Monitor:
    """Per-firm records and last results; :meth:`feed` turns update lines into output records.

    ``backend="durable"`` (the default) assesses with durable_rules and keeps each updated firm's
    last results; any other backend (``"numpy"``) keeps only the records and assesses a firm's
    previous record again when it is updated (memory bounded by the records, for a long watch).
    """

    rules: RuleSet
    as_of: str
    purpose: Purpose = "apply"
    regime: str | None = None
    lang: Lang = "zh"
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: set[str] = field(default_factory=set)
    backend: Backend = "durable"
    known: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    """By credit code, the stored status and borderline mark ("" for none) of each tier, when the
    monitor starts from stored results (the pool database): an update whose results keep every
    tier's status and mark raises no alert, so its firm's previous record is not assessed again;
    only an update that moves a tier assesses it, for the criteria that moved."""
    sessions: int = 1024
    """With ``backend="durable"``, at most this many firms keep their durable_rules session and
    last results: the firm updated least recently is forgotten (its session released through the
    backend's ``forget``) and assessed again from its record when it is next updated, so the
    working set stays fixed however many firms a long watch touches."""
    _pool: Findings | None = None
    _position: dict[str, int] = field(default_factory=dict)
    _typing: OneFirm = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._typing = OneFirm(self.rules)
        if self.backend == "durable":
            require_durable()  # every update is assessed by the durable backend

    @classmethod
    def from_pool(
        cls,
        table: InputTable,
        rules: RuleSet,
        as_of: str,
        purpose: Purpose = "apply",
        regime: str | None = None,
        lang: Lang = "zh",
    ) -> Monitor:
        """Screen the pool once (vectorised); firms enter the rule engine on their first update."""
        require_durable()  # before the pool is screened, which can take a while
        pool = evaluate(table, rules, as_of=as_of, purpose=purpose, regime=regime)
        monitor = cls(rules, as_of, purpose, regime, lang, records=canonical_records(pool))
        monitor._pool = build_findings(pool)  # the pool's findings, built once for every alert
        codes = pool.prepared.text.get("credit_code", np.full(pool.n, None, dtype=object))
        for i, code in enumerate(codes):
            if code is not None and str(code) not in monitor._position:
                monitor._position[str(code)] = i
        return monitor

    # -- state ------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the records and results of every updated firm (atomically)."""
        state = {
            "version": STATE_VERSION,
            "as_of": self.as_of,
            "purpose": self.purpose,
            "regime": self.regime,
            "firms": {code: {"record": self.records[code]} for code in sorted(self.updated)},
        }
        return atomic_write(path, lambda stream: json.dump(state, stream, ensure_ascii=False, indent=1))

    def load(self, path: str | Path) -> int:
        """Start from a saved state: its firms' records replace the pool's. Returns how many firms.

        Raises:
            StateError: the file is not a state this monitor can use (truncated or not JSON, binary,
                another structure or version, a record with unknown fields or unusable values); the
                message says which, in the monitor's language.
            OSError: the file cannot be read.
        """
        try:
            state = json.loads(Path(path).read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise StateError(text("state_binary", self.lang)) from None
        except json.JSONDecodeError as exc:
            raise StateError(text("state_not_json", self.lang, line=exc.lineno, column=exc.colno)) from None
        if not isinstance(state, dict):
            raise StateError(text("state_shape", self.lang, detail=type(state).__name__))
        if state.get("version") != STATE_VERSION:
            found = state.get("version")
            raise StateError(text("state_version", self.lang, found=found, expected=STATE_VERSION))
        firms = state.get("firms", {})
        if not isinstance(firms, dict) or not all(
            isinstance(saved, dict) and isinstance(saved.get("record"), dict) for saved in firms.values()
        ):
            raise StateError(text("state_shape", self.lang, detail="firms"))
        for code, saved in firms.items():
            unknown = sorted(str(k) for k in saved["record"] if k not in self.rules.fields)
            if unknown:
                raise StateError(
                    text(
                        "state_record",
                        self.lang,
                        code=code,
                        detail=text("enumeration", self.lang).join(unknown),
                    )
                )
        for code, saved in firms.items():
            self.records[code] = dict(saved["record"])
            try:
                self._keep(code, self._assess(code))
            except (ValueError, TypeError, KeyError) as exc:
                detail = type(exc).__name__
                raise StateError(text("state_record", self.lang, code=code, detail=detail)) from exc
            self.updated.add(code)
        return len(firms)

    # -- updates ----------------------------------------------------------------------------------

    def feed(self, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Output records (alerts and errors) for a stream of update lines, in order."""
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield from self.update(line, number)

    def update(self, line: str, number: int = 0) -> list[dict[str, Any]]:
        """Apply one update line; the alerts it causes, or one error record."""
        return self.apply(line, number).outputs

    def apply(self, line: str, number: int = 0) -> Applied:
        """Apply one update line: the firm, its results after it, and the output records."""
        try:
            update = json.loads(line)
        except json.JSONDecodeError as exc:
            return Applied(None, None, [self._error(number, "malformed_line", detail=exc.msg)])
        if not isinstance(update, dict):
            return Applied(None, None, [self._error(number, "malformed_line", detail=type(update).__name__)])
        code = update.get("credit_code")
        if not isinstance(code, str) or code not in self.records:
            return Applied(None, None, [self._error(number, "unknown_firm", code=code)])
        unknown = sorted(k for k in update if k not in self.rules.fields)
        if unknown:
            fields = text("enumeration", self.lang).join(unknown)
            return Applied(None, None, [self._error(number, "unknown_field", code=code, fields=fields)])
        merged = {**self.records[code], **{k: v for k, v in update.items() if v is not None}}
        for k, v in update.items():
            if v is None:
                merged.pop(k, None)  # null clears a value
        problems = [
            i
            for i in self._typing.prepare(merged).issues  # as prepare() types a one-row table
            if i.severity is Severity.ERROR and i.field in update
        ]
        if problems:
            bad = problems[0]
            reason = text(f"short_{bad.code.value}", self.lang)
            detail = text("watch_value", self.lang, field=bad.field, value=bad.value, reason=reason)
            return Applied(None, None, [self._error(number, "bad_value", code=code, detail=detail)])
        previous = self.records[code]
        stored = self.known.get(code)
        before = None
        if stored is None:
            before = self.results.get(code)
            if before is None:  # a firm updated before and forgotten since is assessed again
                before = self._assess(code) if code in self.updated else self._pool_record(code)
        self.records[code] = merged
        after = self._assess(code)
        self._keep(code, after)
        self.updated.add(code)
        if stored is not None:
            now = _marks(after)
            self.known[code] = now
            if all(stored.get(tier, mark) == mark for tier, mark in now.items()):
                return Applied(code, after, [])  # no tier moved: no alert, nothing more to assess
            before = self._assess(code, previous)
        assert before is not None
        return Applied(code, after, self._alerts(code, before, after, number))

    def _keep(self, code: str, results: dict[str, Any]) -> None:
        """Keep a durable-assessed firm's results, most recent last; forget the least recent beyond
        :attr:`sessions`."""
        if self.backend != "durable":
            return
        self.results.pop(code, None)
        self.results[code] = results
        while len(self.results) > max(self.sessions, 1):
            from eligibility.backends.durable import durable_decisions

            oldest = next(iter(self.results))
            del self.results[oldest]
            durable_decisions().forget(oldest)

    def _assess(self, code: str, record: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return assess_one(
            self.records[code] if record is None else record,
            self.rules,
            as_of=self.as_of,
            purpose=self.purpose,
            regime=self.regime,
            backend=self.backend,
        )

    def _pool_record(self, code: str) -> dict[str, Any]:
        if self._pool is None or code not in self._position:
            return self._assess(code)
        return self._pool.firm(self._position[code])

    def _alerts(
        self, code: str, before: Mapping[str, Any], after: Mapping[str, Any], number: int
    ) -> list[dict[str, Any]]:
        alerts = []
        for tier, now in after["tiers"].items():
            was = before["tiers"].get(tier)
            if was is None or (was["status"], was["borderline"]) == (now["status"], now["borderline"]):
                continue
            pool = self._pool
            applied = self.rules.rulesets.get(str((now.get("ruleset") or {}).get("id")))
            files = (
                pool.rule_files(tier)
                if pool and tier in pool.tiers
                else [applied]
                if applied is not None
                else []
            )
            labels = criterion_labels(files, self.lang, self.rules) if files else {}
            old = {c["id"]: c for c in was["criteria"]}
            moved = [
                {
                    "criterion": c["id"],
                    "label": labels.get(c["id"], c["id"]),
                    "before": old[c["id"]]["status"] if c["id"] in old else None,
                    "after": c["status"],
                    "within_margin": c["within_margin"],
                    "field": c["field"],
                    "value_before": old[c["id"]]["value"] if c["id"] in old else None,
                    "value": c["value"],
                    "op": c["op"],
                    "threshold": c["threshold"],
                    "gap": c["gap"],
                }
                for c in now["criteria"]
                if c["id"] not in old
                or (old[c["id"]]["status"], old[c["id"]]["within_margin"])
                != (c["status"], c["within_margin"])
            ]
            alerts.append(
                {
                    "type": "alert",
                    "line": number,
                    "credit_code": code,
                    "name": after.get("name"),
                    "tier": tier,
                    "before": {"status": was["status"], "borderline": was["borderline"]},
                    "after": {"status": now["status"], "borderline": now["borderline"]},
                    "moved": moved,
                }
            )
        return alerts

    def _error(self, number: int, kind: str, **details: Any) -> dict[str, Any]:
        return {
            "type": "error",
            "line": number,
            "error": kind,
            "message": text(f"watch_{kind}", self.lang, line=number, **details),
            **{k: v for k, v in details.items() if k != "detail"},
        }

    # -- words ------------------------------------------------------------------------------------

    def describe(self, record: Mapping[str, Any]) -> str:
        """The terminal line for an output record, Chinese first."""
        if record["type"] in ("error", "snapshot"):
            return str(record["message"])
        lang = self.lang
        label = (
            tier_label(self.rules, record["tier"], lang)
            if record["tier"] in self.rules.tiers
            else record["tier"]
        )

        def state(part: Mapping[str, Any]) -> str:
            word = text(part["status"], lang)
            if not part["borderline"]:
                return word
            return text("status_marked", lang, status=word, mark=text(part["borderline"], lang))

        parts = []
        for moved in record["moved"]:
            spec = self.rules.fields.get(moved["field"] or "")
            unit = spec.unit if spec is not None else Unit.POINTS
            was, now = _shown(moved["value_before"], unit, lang), _shown(moved["value"], unit, lang)
            parts.append(text("change_from_to", lang, label=moved["label"], was=was, now=now))
        return text(
            "watch_alert",
            lang,
            name=record.get("name") or "",
            code=record["credit_code"],
            tier=label,
            before=state(record["before"]),
            after=state(record["after"]),
            moved=text("list_separator", lang).join(parts) or text("no_value", lang),
        )


@dataclass
class PoolMonitor:
    """The monitor on the pool database (``watch --db``): a :class:`Monitor` on the latest
    snapshot's records, the before of every firm its stored results (so an update that moves no
    tier is assessed once), and every update line stored with its alerts and the read position in
    one transaction (:meth:`~eligibility.pool.Pool.apply_update`). When ``pool add`` stores a newer
    snapshot while it runs, the next line is applied on that snapshot's records, after a record
    saying so (``{"type": "snapshot", …}``)."""

    pool: Pool
    start: WatchStart
    monitor: Monitor
    source: str = "-"
    as_of: str | None = None
    regime: str | None = None

    @classmethod
    def open(
        cls, pool: Pool, start: WatchStart, as_of: str | None, regime: str | None, lang: Lang, source: str
    ) -> PoolMonitor:
        """The monitor as of ``as_of`` (the snapshot's date when None) on ``start``'s records; the
        stored results stand for the firms' before only when they were judged alike (the
        snapshot's date, no other regime)."""
        return cls(pool, start, _pool_monitor(pool, start, as_of, regime, lang), source, as_of, regime)

    def apply(self, line: str, number: int, position: Position | None) -> list[dict[str, Any]]:
        """Apply one update line and store it (firm, results, alerts, read position) in one
        transaction; its output records, after a switch record when a newer snapshot arrived."""
        from eligibility.pool.watching import Applied as Stored

        switched = self._switch(number)
        applied = self.monitor.apply(line, number)
        stored = None
        if applied.code is not None and applied.after is not None:
            stored = Stored(
                self.start.keys[applied.code],
                self.monitor.records[applied.code],
                applied.after["tiers"],
                [r for r in applied.outputs if r["type"] == "alert"],
            )
        self.pool.apply_update(self.start.snapshot_id, stored, position, self.source)
        return [*switched, *applied.outputs]

    def _switch(self, number: int) -> list[dict[str, Any]]:
        """Move to the latest snapshot when it is no longer the one watched (one query a line)."""
        latest = self.pool.latest_snapshot()
        if latest is None or latest == self.start.snapshot_id:
            return []
        start = self.pool.watch_start()
        if start is None:  # pragma: no cover - a snapshot is never deleted under the monitor
            return []
        was, lang = self.start, self.monitor.lang
        self.start, self.monitor = start, _pool_monitor(self.pool, start, self.as_of, self.regime, lang)
        return [
            {
                "type": "snapshot",
                "line": number,
                "snapshot": start.snapshot_id,
                "as_of": start.as_of.isoformat(),
                "firms": len(start.records),
                "updated": start.updated,
                "message": text(
                    "watch_db_switched",
                    lang,
                    line=number,
                    as_of=start.as_of.isoformat(),
                    firms=len(start.records),
                    updated=start.updated,
                    was=was.as_of.isoformat(),
                ),
            }
        ]


def _pool_monitor(
    pool: Pool, start: WatchStart, as_of: str | None, regime: str | None, lang: Lang
) -> Monitor:
    day = as_of or start.as_of.isoformat()
    purpose = cast(Purpose, start.purpose)
    monitor = Monitor(pool.rules, day, purpose, regime, lang, records=start.records, backend="numpy")
    if parse_as_of(day) == start.as_of and regime is None:
        marks = pool.watch_marks(start.snapshot_id)
        monitor.known = {code: marks[key] for code, key in start.keys.items() if key in marks}
    return monitor


def _marks(record: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Each tier's status and borderline mark ("" for none) in an assessed record."""
    return {
        tier: _mark(str(result["status"]), str(result["borderline"] or ""))
        for tier, result in record["tiers"].items()
    }


_MARKS: dict[tuple[str, str], tuple[str, str]] = {}


def _mark(status: str, borderline: str) -> tuple[str, str]:
    """One shared pair per status and mark (a pool of 10,000 firms holds a handful of them)."""
    return _MARKS.setdefault((status, borderline), (status, borderline))


def _shown(value: float | None, unit: Unit, lang: Lang) -> str:
    """A value as the monitor prints it: ratios as per cent."""
    if value is not None and unit is Unit.FRACTION:
        return f"{value * 100:.2f}%"
    return format_quantity(value, unit, lang)
