"""The cultivation pool (培育库) that remembers: snapshots of screenings in a database.

Owns :class:`Pool`: opening a database (SQLite file or PostgreSQL URL, migrated on open), checking
that it belongs to this rule setting and pool, adding a snapshot in one transaction, and the
queries that answer what changed, one firm's history and the year's targets — each as a DataFrame
of ids and numbers.

Must not: word anything for people (``words.py`` does), or be imported by the engine, the reader or
the renderers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Date, DateTime, Table, delete, func, insert, select
from sqlalchemy.engine import Connection

from eligibility.assessment import Purpose, evaluate
from eligibility.input.read import read_input
from eligibility.input.table import InputTable
from eligibility.language.load import load_rules
from eligibility.language.ruleset import RuleSet, parse_as_of
from eligibility.pool.changes import FIRM_COLUMNS, SnapshotData, compare_snapshots
from eligibility.pool.db import open_engine, upgrade, writing
from eligibility.pool.errors import (
    FirmLookupError,
    PoolMismatchError,
    SnapshotExistsError,
    UnknownSnapshotError,
)
from eligibility.pool.export import TABLES, Export, export_pool
from eligibility.pool.lines import KEY_LIMIT, key_lines
from eligibility.pool.schema import (
    ALERTS,
    FIRMS,
    GAPS,
    ISSUES,
    MARGIN_LINES,
    MARGINS,
    META,
    RESULTS,
    SNAPSHOT_FIRMS,
    SNAPSHOTS,
    TARGETS,
    WATCH_FIRMS,
    WATCH_RESULTS,
)
from eligibility.pool.snapshot import snapshot_rows
from eligibility.pool.tasks import officer_table, township_table
from eligibility.pool.watching import (
    Applied,
    Position,
    WatchStart,
    alerts_frame,
    apply_update,
    latest_snapshot,
    read_position,
    stored_marks,
    watch_start,
)

__all__ = ["PAUSE_ENV", "Pool", "Snapshot", "rules_hash"]

# A test hook: seconds to sleep inside the import's transaction, after its rows are written and
# before the commit (the kill -9 test ends the process there). Never set in use.
PAUSE_ENV = "ELIGIBILITY_TEST_POOL_PAUSE"
# The tables of one snapshot, children first (the order a replaced snapshot's rows are deleted in).
_SNAPSHOT_TABLES = (
    ALERTS,
    WATCH_RESULTS,
    WATCH_FIRMS,
    MARGINS,
    MARGIN_LINES,
    GAPS,
    ISSUES,
    RESULTS,
    SNAPSHOT_FIRMS,
)


def rules_hash(rules: RuleSet) -> str:
    """The content hash (sha256) of the rule files that decide results: every ``.yaml`` under the
    rules folder but the worked scenarios, by relative path and bytes — the same rules in another
    folder or clone hash alike."""
    root = Path(rules.directory)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("scenarios/"):
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A stored snapshot: its id, date, label, source file, firms and the issues it holds."""

    id: int
    as_of: dt.date
    label: str | None
    source: str
    firms: int
    issues: int
    errors: int = 0
    """Input issues of error severity (the screening's exit code 1)."""
    replaced: bool = False


class Pool:
    """A pool database: ``Pool("培育库.sqlite")`` or ``Pool("postgresql://user@host/db")``.

    Opening migrates the database to this program's schema and checks that it was made with the
    same rule files (their content hash) and, when ``name`` is given, for the same pool; either
    mismatch raises :class:`~eligibility.pool.errors.PoolMismatchError` unless ``accept_rules`` is
    set (the next snapshot then records the new rules). Every write is one transaction holding the
    database's writer lock: an interrupted import leaves the database as it was, and two imports
    at once run one after the other.
    """

    def __init__(
        self,
        url: str | Path,
        rules: RuleSet | None = None,
        *,
        name: str | None = None,
        accept_rules: bool = False,
    ) -> None:
        self.rules = rules if rules is not None else load_rules()
        self.rules_hash = rules_hash(self.rules)
        self.name = name
        self.accept_rules = accept_rules
        self.engine = open_engine(url)
        upgrade(self.engine)
        with self._reading() as connection:
            self._check(self._meta(connection))

    # -- opening and closing ---------------------------------------------------------------------
    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    @staticmethod
    def _meta(connection: Connection) -> dict[str, str]:
        rows = connection.execute(select(META.c.key, META.c.value)).all()
        return {str(k): str(v) for k, v in rows}

    def _check(self, meta: Mapping[str, str]) -> None:
        stored = meta.get("rules_hash")
        if stored is not None and stored != self.rules_hash and not self.accept_rules:
            raise PoolMismatchError("rules", stored[:12], self.rules_hash[:12])
        stored_name = meta.get("pool_name")
        if self.name is not None and stored_name is not None and stored_name != self.name:
            raise PoolMismatchError("pool", stored_name, self.name)

    @property
    def where(self) -> str:
        """The database for messages: a SQLite file's path, or the URL without its password."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return url.database or ""
        return url.render_as_string(hide_password=True)

    @property
    def identity(self) -> dict[str, str]:
        """What the database says it is: ``pool_id``, ``pool_name`` (when given), ``rules_hash``,
        ``created_at``."""
        with self._reading() as connection:
            return self._meta(connection)

    # -- writing -----------------------------------------------------------------------------------
    def add(
        self,
        data: pd.DataFrame | InputTable | str | Path,
        *,
        as_of: dt.date | str,
        label: str | None = None,
        purpose: Purpose = "apply",
        sheet: str | None = None,
        source: str | None = None,
        replace: bool = False,
        horizon_months: int = 12,
    ) -> Snapshot:
        """Screen ``data`` (a sheet's path, an :class:`InputTable` or a DataFrame of field ids) as of
        ``as_of`` and store it as one snapshot: every firm's figures, results per tier, gaps, the
        margin to every threshold compared, and every input issue. A title expiring within
        ``horizon_months`` comes up for review (the at-risk flag's horizon, as ``evaluate``). A
        snapshot of the same date is refused
        (:class:`~eligibility.pool.errors.SnapshotExistsError`) unless ``replace``."""
        day = parse_as_of(as_of)
        if isinstance(data, str | Path):
            path = Path(data)
            source = source or path.name
            data = read_input(path, self.rules, as_of=day, sheet=sheet)
        elif isinstance(data, InputTable):
            source = source or data.source
        assessment = evaluate(data, self.rules, as_of=day, purpose=purpose, horizon_months=horizon_months)
        rows = snapshot_rows(assessment)
        sheet_name = assessment.prepared.sheet
        with writing(self.engine) as connection:
            meta = self._meta(connection)
            self._check(meta)  # again under the lock: another program may have written meanwhile
            found = connection.execute(select(SNAPSHOTS.c.id).where(SNAPSHOTS.c.as_of == day)).scalar()
            if found is not None:
                if not replace:
                    raise SnapshotExistsError(day.isoformat())
                for table in _SNAPSHOT_TABLES:
                    connection.execute(delete(table).where(table.c.snapshot_id == found))
                connection.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.id == found))
            inserted = connection.execute(
                insert(SNAPSHOTS).values(
                    as_of=day,
                    label=label,
                    source=source or "<frame>",
                    sheet=sheet_name,
                    purpose=purpose,
                    rules_hash=self.rules_hash,
                    firms=len(rows.firms),
                    imported_at=dt.datetime.now(dt.UTC),
                    horizon_months=horizon_months,
                )
            ).inserted_primary_key
            snapshot_id = int(inserted[0]) if inserted is not None else 0
            for table, frame in (
                (SNAPSHOT_FIRMS, rows.firms),
                (RESULTS, rows.results),
                (GAPS, rows.gaps),
                (ISSUES, rows.issues),
                (MARGIN_LINES, rows.lines),
                (MARGINS, rows.margins),
            ):
                _insert(connection, table, frame, snapshot_id)
            _pause()
            self._refresh_firms(connection)
            self._write_meta(connection, meta)
        return Snapshot(
            id=snapshot_id,
            as_of=day,
            label=label,
            source=source or "<frame>",
            firms=len(rows.firms),
            issues=len(rows.issues),
            errors=int((rows.issues["severity"] == "error").sum()),
            replaced=found is not None,
        )

    def _write_meta(self, connection: Connection, meta: Mapping[str, str]) -> None:
        wanted = {"rules_hash": self.rules_hash}
        if "pool_id" not in meta:
            wanted |= {"pool_id": str(uuid.uuid4()), "created_at": dt.datetime.now(dt.UTC).isoformat()}
        if self.name is not None and "pool_name" not in meta:
            wanted["pool_name"] = self.name
        for key, value in wanted.items():
            if meta.get(key) == value:
                continue
            if key in meta:
                connection.execute(META.update().where(META.c.key == key).values(value=value))
            else:
                connection.execute(insert(META).values(key=key, value=value))

    @staticmethod
    def _refresh_firms(connection: Connection) -> None:
        """The ``firms`` table from every snapshot: first and last seen, the latest name and code, and
        the date of the first snapshot a firm was missing from after it was last seen (left)."""
        seen = _frame(
            connection,
            select(
                SNAPSHOT_FIRMS.c.firm_key,
                SNAPSHOT_FIRMS.c.credit_code,
                SNAPSHOT_FIRMS.c.name,
                SNAPSHOTS.c.as_of,
            ).join(SNAPSHOTS, SNAPSHOTS.c.id == SNAPSHOT_FIRMS.c.snapshot_id),
        ).sort_values("as_of", kind="stable")
        connection.execute(delete(FIRMS))
        if seen.empty:
            return
        dates = np.array(sorted(seen["as_of"].unique()), dtype="datetime64[D]")
        grouped = seen.groupby("firm_key", sort=False)
        firms = grouped.last().rename(columns={"as_of": "last_seen"})
        firms["first_seen"] = grouped["as_of"].min()
        last = firms["last_seen"].to_numpy(dtype="datetime64[D]")
        after = np.searchsorted(dates, last, side="right")
        gone = after < dates.size
        left = np.full(last.size, None, dtype=object)
        left[gone] = pd.to_datetime(dates[after[gone]]).date
        firms["left_on"] = left
        _insert(connection, FIRMS, firms.reset_index(), None)

    def set_targets(self, year: int, counts: Mapping[str, int]) -> None:
        """The year's targets: new titles per tier (``{"tech_innovative_sme": 5, "srdi_sme": 2}``);
        a tier set again replaces its number, a count of 0 removes it."""
        unknown = sorted(set(counts) - set(self.rules.tiers))
        if unknown:
            raise KeyError(unknown[0])
        with writing(self.engine) as connection:
            for tier, count in counts.items():
                connection.execute(delete(TARGETS).where((TARGETS.c.year == year) & (TARGETS.c.tier == tier)))
                if count > 0:
                    connection.execute(insert(TARGETS).values(year=year, tier=tier, count=int(count)))

    # -- the monitor (eligibility watch --db) ----------------------------------------------------------
    def watch_start(self) -> WatchStart | None:
        """What the monitor starts from: the latest snapshot's firms, each with the record the
        updates already applied on it left (see :mod:`eligibility.pool.watching`); None when the
        pool holds no snapshot."""
        return watch_start(self.engine, self.rules)

    def latest_snapshot(self) -> int | None:
        """The id of the latest snapshot (by date), which ``watch --db`` watches; None for none."""
        return latest_snapshot(self.engine)

    def watch_marks(self, snapshot_id: int) -> dict[str, dict[str, tuple[str, str]]]:
        """By firm key, each tier's stored status and borderline mark on the snapshot: the
        monitor's latest results of the firms it updated, else the snapshot's."""
        return stored_marks(self.engine, snapshot_id)

    def watch_position(self, source: str) -> Position | None:
        """How far the updates file ``source`` (its resolved path) was read and applied."""
        return read_position(self.engine, source)

    def apply_update(
        self, snapshot_id: int, applied: Applied | None, position: Position | None, source: str
    ) -> None:
        """One update line in one transaction: the firm's record, results and alerts, and the read
        position after the line — a killed monitor resumes after the last line it applied."""
        apply_update(self.engine, snapshot_id, applied, position, source)

    def alerts(self, since: str | dt.date | None = None, until: str | dt.date | None = None) -> pd.DataFrame:
        """The monitor's alerts raised on the data of the snapshots from ``since`` to ``until``
        (dates or labels, both included; every snapshot by default), in the order raised: ``id``,
        ``as_of`` (the snapshot the update was applied on), ``source`` (the updates file), ``line``,
        ``firm_key``, ``credit_code``, ``name``, ``tier``, ``before``, ``after``,
        ``borderline_before``, ``borderline_after``, ``moved`` (the criteria that moved: a list of
        dicts as the monitor's alert records hold them), ``raised_at``."""
        first = self.snapshot(since)["as_of"] if since is not None else None
        last = self.snapshot(until)["as_of"] if until is not None else None
        with self._reading() as connection:
            return alerts_frame(connection, first, last)

    # -- reading -----------------------------------------------------------------------------------
    def snapshots(self) -> pd.DataFrame:
        """Every snapshot, oldest first: ``id``, ``as_of``, ``label``, ``source``, ``firms``,
        ``issues``, ``imported_at``, ``rules_hash``, ``horizon_months``."""
        issues = (
            select(ISSUES.c.snapshot_id, func.count().label("issues"))
            .group_by(ISSUES.c.snapshot_id)
            .subquery()
        )
        query = (
            select(
                SNAPSHOTS.c.id,
                SNAPSHOTS.c.as_of,
                SNAPSHOTS.c.label,
                SNAPSHOTS.c.source,
                SNAPSHOTS.c.firms,
                func.coalesce(issues.c.issues, 0).label("issues"),
                SNAPSHOTS.c.imported_at,
                SNAPSHOTS.c.rules_hash,
                SNAPSHOTS.c.horizon_months,
            )
            .outerjoin(issues, issues.c.snapshot_id == SNAPSHOTS.c.id)
            .order_by(SNAPSHOTS.c.as_of)
        )
        with self._reading() as connection:
            return _frame(connection, query)

    def snapshot(self, key: str | dt.date | None = None) -> pd.Series:
        """One snapshot by date (``2026-09-30``) or label; the latest when ``key`` is None."""
        stored = self.snapshots()
        if stored.empty:
            raise UnknownSnapshotError(str(key or ""), [])
        if key is None:
            return stored.iloc[-1]
        text_key = key.isoformat() if isinstance(key, dt.date) else str(key).strip()
        dates = stored["as_of"].map(lambda d: d.isoformat())
        hit = stored[(dates == text_key) | (stored["label"] == text_key)]
        if hit.empty:
            raise UnknownSnapshotError(text_key, dates.tolist())
        return hit.iloc[-1]

    def _data(self, connection: Connection, snapshot_id: int) -> SnapshotData:
        firms = _frame(
            connection,
            select(*(SNAPSHOT_FIRMS.c[c] for c in FIRM_COLUMNS)).where(
                SNAPSHOT_FIRMS.c.snapshot_id == snapshot_id
            ),
        )
        results = _frame(connection, select(RESULTS).where(RESULTS.c.snapshot_id == snapshot_id))
        issues = _frame(connection, select(ISSUES).where(ISSUES.c.snapshot_id == snapshot_id))
        return SnapshotData(firms, results, issues)

    def changes(self, since: str | dt.date | None = None, until: str | dt.date | None = None) -> pd.DataFrame:
        """What changed from snapshot ``since`` to ``until`` (dates or labels; by default the latest
        and the one before it — an empty pool before the first), most urgent first: the columns of
        :data:`~eligibility.pool.changes.CHANGE_COLUMNS`."""
        after = self.snapshot(until)
        before = self._before(after) if since is None else self.snapshot(since)
        with self._reading() as connection:
            old = self._data(connection, int(before["id"])) if before is not None else None
            new = self._data(connection, int(after["id"]))
        frame = compare_snapshots(old, new, self.rules)
        frame.attrs["since"] = before["as_of"] if before is not None else None
        frame.attrs["until"] = after["as_of"]
        return frame

    def _before(self, after: pd.Series) -> pd.Series | None:
        stored = self.snapshots()
        earlier = stored[stored["as_of"] < after["as_of"]]
        return earlier.iloc[-1] if not earlier.empty else None

    def officers(self, at: str | dt.date | None = None) -> pd.DataFrame:
        """The service officers' task lists of snapshot ``at`` (a date or a label; the latest by
        default): one row per firm, by officer (firms without one last), township and code, with its
        title and expiry (the next review), per tier ``{tier}.status``, ``{tier}.mark`` and
        ``{tier}.lacks`` (the failed criteria with their stored gap facts), and ``changes`` since
        the snapshot before (see :func:`~eligibility.pool.tasks.officer_table`). ``attrs``: ``as_of``,
        ``since`` (None for the first snapshot)."""
        now_row = self.snapshot(at)
        before = self._before(now_row)
        snapshot_id = int(now_row["id"])
        with self._reading() as connection:
            now = self._data(connection, snapshot_id)
            old = self._data(connection, int(before["id"])) if before is not None else None
            gaps = _frame(
                connection, select(GAPS).where(GAPS.c.snapshot_id == snapshot_id).order_by(GAPS.c.id)
            )
        changes = compare_snapshots(old, now, self.rules)
        tiers = self._tiers_in(now.results)
        frame = officer_table(now, gaps, changes, tiers)
        frame.attrs["as_of"] = now_row["as_of"]
        frame.attrs["since"] = before["as_of"] if before is not None else None
        frame.attrs["tiers"] = tiers
        return frame

    def _tiers_in(self, results: pd.DataFrame) -> list[str]:
        """The tiers of the rules that ``results`` hold, in the rules' order. The column's distinct
        values are taken once: a set of the whole column per tier walked 80,000 results eight times
        (4.7 s on a 10,000-firm snapshot)."""
        held = set(results["tier"].unique())
        return [t for t in self.rules.tiers if t in held]

    def townships(self, at: str | dt.date | None = None) -> pd.DataFrame:
        """Per township of snapshot ``at`` (firms without one last, ``township`` None): firms,
        officers, titles held, titles up for review, at risk, borderline, near misses, and per tier
        ``eligible.{tier}`` — firms eligible now not holding a title that counts for it (see
        :func:`~eligibility.pool.tasks.township_table`)."""
        now_row = self.snapshot(at)
        with self._reading() as connection:
            now = self._data(connection, int(now_row["id"]))
        tiers = self._tiers_in(now.results)
        frame = township_table(now, tiers, {t: self._counting(t) for t in tiers})
        frame.attrs["as_of"] = now_row["as_of"]
        frame.attrs["tiers"] = tiers
        return frame

    def export(self, path: str | Path) -> Export:
        """Every table of the pool at ``path`` — a workbook (``.xlsx``, a sheet per table) or a folder
        of Parquet files (one per table; absent or empty) — written atomically, read in one
        transaction; see :mod:`eligibility.pool.export`."""
        return export_pool(self.engine, Path(path))

    def counts(self) -> dict[str, int]:
        """The rows of every table, by table name (what an export must hold)."""
        with self._reading() as connection:
            return {
                t.name: int(connection.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in TABLES
            }

    def find(self, key: str) -> list[tuple[str, str]]:
        """The firms that answer to ``key``, as ``(firm_key, latest name)``: an exact credit code or
        firm key, else an exact name of any snapshot, else every firm whose name contains ``key``."""
        key = key.strip()
        with self._reading() as connection:
            names = _frame(
                connection,
                select(SNAPSHOT_FIRMS.c.firm_key, SNAPSHOT_FIRMS.c.credit_code, SNAPSHOT_FIRMS.c.name),
            ).drop_duplicates()
            latest = dict(connection.execute(select(FIRMS.c.firm_key, FIRMS.c.name)).all())
        for hit in (
            (names["firm_key"] == key) | (names["credit_code"] == key),
            names["name"] == key,
            names["name"].fillna("").str.contains(key, regex=False),
        ):
            found = sorted(set(names.loc[hit, "firm_key"]))
            if found:
                return [(k, latest.get(k) or "") for k in found]
        return []

    def history(self, firm: str) -> pd.DataFrame:
        """One firm over every snapshot (``firm``: a credit code or a name, as :meth:`find`): per
        snapshot × tier ``as_of``, ``label``, ``present``, ``name``, ``title``, ``tier``, ``status``,
        ``mark``, ``score_low``, ``score_high``, ``failed``. A snapshot the firm is missing from has
        one row with ``present`` false. Several firms answering raise
        :class:`~eligibility.pool.errors.FirmLookupError` with the candidates."""
        found = self.find(firm)
        if len(found) != 1:
            raise FirmLookupError(firm, found[:20], len(found))
        key = found[0][0]
        stored = self.snapshots()[["id", "as_of", "label"]]
        with self._reading() as connection:
            firms = _frame(
                connection,
                select(SNAPSHOT_FIRMS.c.snapshot_id, SNAPSHOT_FIRMS.c.name, SNAPSHOT_FIRMS.c.title).where(
                    SNAPSHOT_FIRMS.c.firm_key == key
                ),
            )
            results = _frame(
                connection,
                select(
                    RESULTS.c.snapshot_id,
                    RESULTS.c.tier,
                    RESULTS.c.status,
                    RESULTS.c.mark,
                    RESULTS.c.score_low,
                    RESULTS.c.score_high,
                    RESULTS.c.failed,
                ).where(RESULTS.c.firm_key == key),
            )
        order = {t: i for i, t in enumerate(self.rules.tiers)}
        results = results.assign(_order=results["tier"].map(order)).sort_values(["snapshot_id", "_order"])
        frame = stored.merge(firms, left_on="id", right_on="snapshot_id", how="left", indicator="_seen")
        frame["present"] = frame["_seen"] == "both"
        frame = frame.drop(columns=["_seen", "snapshot_id"]).merge(
            results.drop(columns="_order"), left_on="id", right_on="snapshot_id", how="left"
        )
        frame.insert(0, "firm_key", key)
        columns = ["firm_key", "as_of", "label", "present", "name", "title", "tier", "status", "mark"]
        frame = frame.sort_values("as_of", kind="stable")
        return frame[[*columns, "score_low", "score_high", "failed"]].reset_index(drop=True)

    def margins(self, firm: str, tiers: list[str] | None = None) -> pd.DataFrame:
        """One firm's margin to every threshold it was compared with, over the snapshots (``firm``
        as :meth:`history`): per snapshot × tier × criterion ``as_of``, ``label``, ``tier``,
        ``ruleset``, ``criterion``, ``kind``, ``field``, ``unit``, ``op``, ``value``, ``threshold``,
        ``margin`` (value − threshold, in the field's unit; points for a score) and, for a score
        interval, ``value_high`` and ``margin_high``. Ordered by tier, the criterion's place in its
        rule set, then date. Snapshots stored before schema 0002 hold none."""
        found = self.find(firm)
        if len(found) != 1:
            raise FirmLookupError(firm, found[:20], len(found))
        key = found[0][0]
        lines, margins = MARGIN_LINES, MARGINS
        query = (
            select(
                SNAPSHOTS.c.as_of,
                SNAPSHOTS.c.label,
                lines.c.line,
                lines.c.tier,
                lines.c.ruleset,
                lines.c.criterion,
                lines.c.kind,
                lines.c.field,
                lines.c.unit,
                lines.c.op,
                margins.c.value,
                margins.c.value_high,
                margins.c.threshold,
                margins.c.margin,
                margins.c.margin_high,
            )
            .join(lines, (lines.c.snapshot_id == margins.c.snapshot_id) & (lines.c.line == margins.c.line))
            .join(SNAPSHOTS, SNAPSHOTS.c.id == margins.c.snapshot_id)
            .where(margins.c.firm_key == key)
        )
        if tiers:
            query = query.where(lines.c.tier.in_(tiers))
        with self._reading() as connection:
            frame = _frame(connection, query)
        order = {t: i for i, t in enumerate(self.rules.tiers)}
        frame = frame.assign(_tier=frame["tier"].map(order)).sort_values(
            ["_tier", "line", "as_of"], kind="stable"
        )
        frame.insert(0, "firm_key", key)
        return frame.drop(columns=["_tier", "line"]).reset_index(drop=True)

    def key_lines(self, firm: str, tiers: list[str] | None = None, limit: int = KEY_LIMIT) -> pd.DataFrame:
        """:meth:`margins` with the firm's key lines marked: per row ``slack`` (the room to the line,
        positive met), ``borderline``, ``closeness`` (the room in borderline margins), ``bearing``,
        and per tier × criterion ``key`` (``headline``, ``failed``, ``closest`` or empty) and
        ``key_rank`` — see :mod:`eligibility.pool.lines`."""
        margins = self.margins(firm, tiers)
        history = self.history(str(margins["firm_key"].iloc[0])) if not margins.empty else self.history(firm)
        return key_lines(margins, history, self.rules, limit)

    def targets_set(self) -> pd.DataFrame:
        """The stored targets: ``year``, ``tier``, ``count``."""
        with self._reading() as connection:
            return _frame(connection, select(TARGETS).order_by(TARGETS.c.year, TARGETS.c.tier))

    def _year_data(self, year: int | None) -> tuple[int, pd.Series, pd.Series | None]:
        """The year, its latest snapshot, and the baseline: the last snapshot before the year, else
        the year's first (a title held then is not counted as gained this year)."""
        stored = self.snapshots()
        if stored.empty:
            raise UnknownSnapshotError("", [])
        years = stored["as_of"].map(lambda d: d.year)
        year = int(years.iloc[-1]) if year is None else year
        mine = stored[years == year]
        if mine.empty:
            raise UnknownSnapshotError(str(year), stored["as_of"].map(lambda d: d.isoformat()).tolist())
        earlier = stored[years < year]
        baseline = earlier.iloc[-1] if not earlier.empty else (mine.iloc[0] if len(mine) > 1 else None)
        return year, mine.iloc[-1], baseline

    def _counting(self, tier: str) -> set[str]:
        """The titles that count for ``tier``: its own and those that satisfy it (科技型 and 创新型
        satisfy the 2号 bottom tier)."""
        meta = self.rules.tiers.get(tier)
        return {tier, *(meta.satisfied_by if meta is not None else [])}

    def targets(self, year: int | None = None) -> pd.DataFrame:
        """Per tier with a target of ``year`` (default: the latest snapshot's): ``target``, ``gained``
        (firms of the baseline without a title that counts there and holding one in the year's
        latest snapshot: a firm entering the pool with its title is not counted, its award date being
        unknown),
        ``eligible_now`` (eligible and not holding it), ``near_miss`` (临界未过, not holding it),
        ``shortfall`` (what the gained and the eligible leave), and ``outlook``: ``met``,
        ``reachable`` (gained + eligible now suffice), ``with_near_misses`` or ``short``."""
        year, latest, baseline = self._year_data(year)
        wanted = self.targets_set()
        wanted = wanted[wanted["year"] == year]
        with self._reading() as connection:
            now = self._data(connection, int(latest["id"]))
            then = self._data(connection, int(baseline["id"])) if baseline is not None else None
        rows = []
        for tier, target in zip(wanted["tier"], wanted["count"], strict=True):
            counting = self._counting(str(tier))
            holds = now.firms.set_index("firm_key")["title"].isin(counting)
            base = then.firms if then is not None else now.firms.iloc[:0]
            without = base.loc[~base["title"].isin(counting), "firm_key"]
            gained = int((holds & holds.index.isin(without)).sum())
            mine = now.results[
                (now.results["tier"] == tier) & ~now.results["firm_key"].isin(holds[holds].index)
            ]
            eligible = int((mine["status"] == "eligible").sum())
            near = int((mine["mark"] == "near_miss").sum())
            short = max(0, int(target) - gained - eligible)
            outlook = (
                "met"
                if gained >= target
                else "reachable"
                if short == 0
                else "with_near_misses"
                if short <= near
                else "short"
            )
            rows.append(
                {
                    "year": year,
                    "tier": tier,
                    "target": int(target),
                    "gained": gained,
                    "eligible_now": eligible,
                    "near_miss": near,
                    "shortfall": short,
                    "outlook": outlook,
                }
            )
        frame = pd.DataFrame(
            rows,
            columns=["year", "tier", "target", "gained", "eligible_now", "near_miss", "shortfall", "outlook"],
        )
        frame.attrs["as_of"] = latest["as_of"]
        frame.attrs["baseline"] = baseline["as_of"] if baseline is not None else None
        return frame

    def candidates(self, tier: str, year: int | None = None, limit: int | None = 10) -> pd.DataFrame:
        """The firms of the year's latest snapshot that could gain ``tier``'s title, closest first:
        eligible now, then 临界未过, then by status (review, incomplete, ineligible), fewest failed
        criteria and fewest points short. Columns: ``firm_key``, ``credit_code``, ``name``,
        ``township``, ``officer``, ``status``, ``mark``, ``failed``, ``failed_count``,
        ``points_short``, ``ruleset``, and ``gaps``: a list of the gap facts per failed criterion
        (``criterion``, ``field``, ``unit``, ``op``, ``amount``, ``lever``, ``lever_unit``,
        ``lever_amount``)."""
        _, latest, _ = self._year_data(year)
        snapshot_id = int(latest["id"])
        with self._reading() as connection:
            now = self._data(connection, snapshot_id)
            gaps = _frame(
                connection, select(GAPS).where((GAPS.c.snapshot_id == snapshot_id) & (GAPS.c.tier == tier))
            )
        firms = now.firms.set_index("firm_key")
        held = firms.index[firms["title"].isin(self._counting(tier))]
        mine = now.results[(now.results["tier"] == tier) & ~now.results["firm_key"].isin(held)].copy()
        rank = {"eligible": 0, "review": 2, "incomplete": 3, "ineligible": 4}
        mine["_rank"] = mine["status"].map(rank).fillna(5)
        mine.loc[(mine["mark"] == "near_miss"), "_rank"] = 1
        mine = mine.sort_values(["_rank", "failed_count", "points_short", "firm_key"], kind="stable")
        if limit is not None:
            mine = mine.head(limit)
        columns = ["criterion", "field", "unit", "op", "amount", "lever", "lever_unit", "lever_amount"]
        by_firm = (
            {k: g[columns].to_dict("records") for k, g in gaps.groupby("firm_key")} if not gaps.empty else {}
        )
        out = mine.join(firms[["credit_code", "name", "township", "officer"]], on="firm_key")
        out["gaps"] = out["firm_key"].map(lambda k: by_firm.get(k, []))
        keep = ["firm_key", "credit_code", "name", "township", "officer", "status", "mark", "failed"]
        return out[[*keep, "failed_count", "points_short", "ruleset", "gaps"]].reset_index(drop=True)


def _frame(connection: Connection, query: Any) -> pd.DataFrame:
    """The rows of ``query`` as a frame. They go to pandas as tuples, which it would make of them
    anyway: handed SQLAlchemy rows, it first asks each for a ``dtype`` (two failed attribute
    look-ups a row, 4 s of the 10 s that reading a 10,000-firm snapshot took)."""
    result = connection.execute(query)
    return pd.DataFrame(list(map(tuple, result.fetchall())), columns=list(result.keys()))


def _insert(connection: Connection, table: Table, frame: pd.DataFrame, snapshot_id: int | None) -> None:
    """Many rows in one executemany: the frame's columns as the table's, NaN as NULL. A table
    without dates goes to the driver as it is, skipping SQLAlchemy's per-value processing: the
    margins of 10,000 firms (480,000 rows) take 3.9 s instead of 7.0 s on SQLite."""
    if frame.empty:
        return
    if snapshot_id is not None:
        frame = frame.assign(snapshot_id=snapshot_id)
    columns = [c.name for c in table.c if c.name in frame.columns]
    cleaned = frame[columns].astype(object).where(frame[columns].notna(), None)
    if any(isinstance(c.type, Date | DateTime) for c in table.c):
        records = cast(list[dict[str, Any]], cleaned.to_dict("records"))
        connection.execute(insert(table), records)
        return
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=columns)
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup or []]
        rows: list[Any] = [tuple(r[k] for k in order) for r in cleaned.itertuples(index=False, name=None)]
    else:
        rows = cleaned.to_dict("records")
    connection.exec_driver_sql(str(compiled), rows)


def _pause() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print(f"{PAUSE_ENV}: paused in the transaction", file=sys.stderr, flush=True)
        time.sleep(float(seconds))
