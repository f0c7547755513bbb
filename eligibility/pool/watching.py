"""The monitor's side of the pool: where it starts, and every applied update in one transaction.

Owns the records the monitor starts from (the latest snapshot's figures turned back into canonical
ids and units, with the updates already applied on top of that snapshot), the read position of an
updates file (its identity, the byte offset after the last applied line and that line's number), and
writing one applied update — the firm's merged record and its results per tier, its alerts and the
new read position — in one transaction, so a monitor killed at any moment resumes after the last
line it applied: no update applied twice, no alert lost or repeated.

Must not: assess a firm or word an alert (the monitor in ``apps/watch.py`` does).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.engine import Connection

from eligibility.language.ruleset import RuleSet
from eligibility.pool.db import writing
from eligibility.pool.schema import (
    ALERTS,
    RESULTS,
    SNAPSHOT_FIRMS,
    SNAPSHOTS,
    WATCH_FIRMS,
    WATCH_POSITIONS,
    WATCH_RESULTS,
)
from eligibility.units import Unit

__all__ = [
    "ALERT_COLUMNS",
    "PAUSE_ENV",
    "Applied",
    "Position",
    "WatchStart",
    "alerts_frame",
    "apply_update",
    "canonical_figures",
    "file_identity",
    "latest_snapshot",
    "read_position",
    "stored_marks",
    "watch_start",
]

# A test hook, "LINE:SECONDS": while applying update line LINE, sleep inside its transaction after
# its rows are written and before the commit (the kill -9 test ends the monitor there).
PAUSE_ENV = "ELIGIBILITY_TEST_WATCH_PAUSE"


@dataclass(frozen=True)
class Position:
    """How far an updates file was read: the byte offset after the last applied line, its number."""

    source: str
    identity: str
    offset: int = 0
    line: int = 0


@dataclass(frozen=True)
class WatchStart:
    """What the monitor starts from: the latest snapshot and every firm's current record."""

    snapshot_id: int
    as_of: dt.date
    purpose: str
    records: dict[str, dict[str, Any]]
    """By credit code: the snapshot's figures, or the record after the updates applied on it."""
    keys: dict[str, str]
    """Credit code → firm key."""
    updated: int
    """Firms with updates already applied on this snapshot."""


@dataclass(frozen=True)
class Applied:
    """One update as the monitor applied it: the firm, its merged record, its results per tier
    (``status``, ``borderline``, ``failed``) and its alert records."""

    firm_key: str
    record: Mapping[str, Any]
    results: Mapping[str, Mapping[str, Any]]
    alerts: Sequence[Mapping[str, Any]] = field(default_factory=list)


def file_identity(path: str | Path) -> str:
    """Which file is at ``path`` (device and inode): a file rotated or replaced there is another."""
    stat = os.stat(path)
    return f"{stat.st_dev}:{stat.st_ino}"


def canonical_figures(figures: str, rules: RuleSet) -> dict[str, Any]:
    """A snapshot's stored figures (one JSON object) as an update speaks them: categories as their
    ids, yes/no as booleans; derived numbers left out (the engine derives them again)."""
    record: dict[str, Any] = {}
    for key, stored in json.loads(figures).items():
        if stored is None:
            continue
        spec = rules.fields.get(key)
        if spec is not None and spec.derived:
            continue
        if spec is not None and spec.unit is Unit.CATEGORY:
            record[key] = spec.choice_ids[int(stored)]
        elif spec is not None and spec.unit is Unit.BOOL:
            record[key] = bool(stored)
        else:
            record[key] = stored
    return record


def latest_snapshot(engine: Engine) -> int | None:
    """The id of the latest snapshot (by date), the one the monitor watches; None for none."""
    with engine.connect() as connection:
        return connection.execute(
            select(SNAPSHOTS.c.id).order_by(SNAPSHOTS.c.as_of.desc()).limit(1)
        ).scalar_one_or_none()


def watch_start(engine: Engine, rules: RuleSet) -> WatchStart | None:
    """The latest snapshot's firms with a credit code (the key an update names), each with the
    record the updates applied on this snapshot left; None for a pool without snapshots."""
    with engine.connect() as connection:
        latest = connection.execute(
            select(SNAPSHOTS.c.id, SNAPSHOTS.c.as_of, SNAPSHOTS.c.purpose).order_by(SNAPSHOTS.c.as_of.desc())
        ).first()
        if latest is None:
            return None
        snapshot_id = int(latest.id)
        firms = connection.execute(
            select(
                SNAPSHOT_FIRMS.c.firm_key,
                SNAPSHOT_FIRMS.c.credit_code,
                SNAPSHOT_FIRMS.c.name,
                SNAPSHOT_FIRMS.c.figures,
            )
            .where(SNAPSHOT_FIRMS.c.snapshot_id == snapshot_id)
            .order_by(SNAPSHOT_FIRMS.c.sheet_row)
        ).all()
        updated = dict(
            connection.execute(
                select(WATCH_FIRMS.c.firm_key, WATCH_FIRMS.c.record).where(
                    WATCH_FIRMS.c.snapshot_id == snapshot_id
                )
            ).all()
        )
    records: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    for key, code, name, figures in firms:
        if code is None or code in records:  # a repeated code keeps its first row, as the monitor does
            continue
        if key in updated:
            records[code] = dict(json.loads(updated[key]))
        else:
            records[code] = canonical_figures(figures, rules) | {"credit_code": code, "name": name}
            records[code] = {k: v for k, v in records[code].items() if v is not None}
        keys[code] = str(key)
    return WatchStart(snapshot_id, latest.as_of, str(latest.purpose), records, keys, len(updated))


def stored_marks(engine: Engine, snapshot_id: int) -> dict[str, dict[str, tuple[str, str]]]:
    """By firm key, each tier's stored status and borderline mark ("" for none): the monitor's
    results of a firm it updated on this snapshot, else the snapshot's own results."""
    pairs: dict[tuple[str, str], tuple[str, str]] = {}  # one shared pair per status and mark
    marks: dict[str, dict[str, tuple[str, str]]] = {}
    with engine.connect() as connection:
        for table in (RESULTS, WATCH_RESULTS):  # the monitor's results override the snapshot's
            rows = connection.execute(
                select(table.c.firm_key, table.c.tier, table.c.status, table.c.mark).where(
                    table.c.snapshot_id == snapshot_id
                )
            )
            for key, tier, status, mark in rows:
                pair = pairs.setdefault((status, mark), (str(status), str(mark or "")))
                marks.setdefault(str(key), {})[str(tier)] = pair
    return marks


def read_position(engine: Engine, source: str) -> Position | None:
    """The stored read position of the updates file ``source`` (its resolved path)."""
    with engine.connect() as connection:
        row = connection.execute(select(WATCH_POSITIONS).where(WATCH_POSITIONS.c.source == source)).first()
    if row is None:
        return None
    return Position(str(row.source), str(row.identity), int(row.offset), int(row.line))


def apply_update(
    engine: Engine, snapshot_id: int, applied: Applied | None, position: Position | None, source: str
) -> None:
    """Store one update line in one transaction: the firm's record and results and its alerts
    (``applied``; None for a line that changed nothing, such as an error record) and the position
    after the line (None for a stream that cannot be read again, such as standard input)."""
    now = dt.datetime.now(dt.UTC)
    with writing(engine) as connection:
        if applied is not None:
            line = position.line if position is not None else _line(applied)
            _store_firm(connection, snapshot_id, applied, source, line, now)
        if position is not None:
            connection.execute(delete(WATCH_POSITIONS).where(WATCH_POSITIONS.c.source == position.source))
            connection.execute(
                insert(WATCH_POSITIONS).values(
                    source=position.source,
                    identity=position.identity,
                    offset=position.offset,
                    line=position.line,
                    updated_at=now,
                )
            )
        _pause(position.line if position is not None else 0)


def _line(applied: Applied) -> int:
    return int(applied.alerts[0]["line"]) if applied.alerts else 0


def _store_firm(
    connection: Connection, snapshot_id: int, applied: Applied, source: str, line: int, now: dt.datetime
) -> None:
    key = applied.firm_key
    mine = (WATCH_FIRMS.c.snapshot_id == snapshot_id) & (WATCH_FIRMS.c.firm_key == key)
    connection.execute(delete(WATCH_FIRMS).where(mine))
    connection.execute(
        insert(WATCH_FIRMS).values(
            snapshot_id=snapshot_id,
            firm_key=key,
            record=json.dumps(dict(applied.record), ensure_ascii=False, sort_keys=True),
            source=source,
            line=line,
            updated_at=now,
        )
    )
    connection.execute(
        delete(WATCH_RESULTS).where(
            (WATCH_RESULTS.c.snapshot_id == snapshot_id) & (WATCH_RESULTS.c.firm_key == key)
        )
    )
    rows = [
        {
            "snapshot_id": snapshot_id,
            "firm_key": key,
            "tier": tier,
            "status": str(result["status"]),
            "mark": str(result.get("borderline") or ""),
            "failed": ";".join(result.get("failed") or []),
        }
        for tier, result in applied.results.items()
    ]
    if rows:
        connection.execute(insert(WATCH_RESULTS), rows)
    alerts = [
        {
            "snapshot_id": snapshot_id,
            "source": source,
            "line": int(alert["line"]),
            "firm_key": key,
            "credit_code": alert.get("credit_code"),
            "name": alert.get("name"),
            "tier": str(alert["tier"]),
            "before": str(alert["before"]["status"]),
            "after": str(alert["after"]["status"]),
            "borderline_before": str(alert["before"]["borderline"] or ""),
            "borderline_after": str(alert["after"]["borderline"] or ""),
            "moved": json.dumps(list(alert["moved"]), ensure_ascii=False),
            "raised_at": now,
        }
        for alert in applied.alerts
    ]
    if alerts:
        connection.execute(insert(ALERTS), alerts)


ALERT_COLUMNS = [
    "id",
    "as_of",
    "source",
    "line",
    "firm_key",
    "credit_code",
    "name",
    "tier",
    "before",
    "after",
    "borderline_before",
    "borderline_after",
    "moved",
    "raised_at",
]


def alerts_frame(connection: Connection, since: dt.date | None, until: dt.date | None) -> pd.DataFrame:
    """The stored alerts raised on the data of the snapshots dated ``since`` to ``until`` (both
    inclusive, None: open), in the order they were raised; ``moved`` decoded (a list of dicts)."""
    query = select(SNAPSHOTS.c.as_of, *(ALERTS.c[c] for c in ALERT_COLUMNS if c != "as_of")).join(
        SNAPSHOTS, SNAPSHOTS.c.id == ALERTS.c.snapshot_id
    )
    if since is not None:
        query = query.where(SNAPSHOTS.c.as_of >= since)
    if until is not None:
        query = query.where(SNAPSHOTS.c.as_of <= until)
    result = connection.execute(query.order_by(ALERTS.c.id))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    frame["moved"] = frame["moved"].map(json.loads) if not frame.empty else frame["moved"]
    return frame[ALERT_COLUMNS]


def _pause(line: int) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    at, _, seconds = wanted.partition(":")
    if int(at) == line:
        print(f"{PAUSE_ENV}: paused in the transaction of line {line}", file=sys.stderr, flush=True)
        time.sleep(float(seconds))
