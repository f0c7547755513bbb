"""The cultivation pool (培育库): three quarterly sheets of one pool, on SQLite and on PostgreSQL.

The sheets (``tests/pool_data.py``) are built by hand so that every change between them is known:
firms entering and leaving, a title gained, a firm crossing the 3% R&D line of 专精特新 down and back
up, a renamed firm, a data issue that appears and is fixed. The same assertions run on a SQLite file
and on a database of a private PostgreSQL cluster started for the test run. A killed import leaves
no partial snapshot; two imports at once run one after the other; a database of another rule
setting or pool is refused.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from eligibility.apps.cli import main
from eligibility.labels import has_text
from eligibility.pool import Pool, PoolMismatchError, SnapshotExistsError
from eligibility.pool.changes import KINDS
from eligibility.pool.schema import METADATA, VERSION_TABLE
from eligibility.pool.store import PAUSE_ENV
from tests.conftest import copy_rules
from tests.pool_data import (
    ENTERING,
    ISSUE,
    LEAVING,
    QUARTERS,
    RD,
    RENAMED,
    TITLED,
    PrivateCluster,
    quarter,
)

ROOT = Path(__file__).resolve().parents[1]
Q2, Q3, Q4 = QUARTERS


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    started = PrivateCluster()  # fails (never skips) when PostgreSQL is not installed
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "培育库.sqlite")
    cluster: PrivateCluster = request.getfixturevalue("cluster")
    return cluster.new_database()


def _filled(url: str, quarters: int = 3) -> Pool:
    pool = Pool(url)
    for k in range(quarters):
        pool.add(quarter(k), as_of=QUARTERS[k], label=f"2026Q{k + 2}")
    return pool


def _rows(changes: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    return list(zip(changes["kind"], changes["firm_key"], changes["tier"], strict=True))


def test_changes_between_the_quarters(url: str) -> None:
    with _filled(url) as pool:
        first = pool.changes(until=Q2)
        assert first.attrs["since"] is None
        assert sorted(_rows(first)) == sorted(
            ("entered", code, None) for code in (RD, TITLED, LEAVING, RENAMED, ISSUE)
        )

        q3 = pool.changes(Q2, Q3)
        assert _rows(q3) == [
            ("became_ineligible", RD, "srdi_sme"),
            ("issues_appeared", ISSUE, None),
            ("left", LEAVING, None),
            ("became_eligible", TITLED, "srdi_sme"),
            ("title_gained", TITLED, "innovative_sme"),
            ("entered", ENTERING, None),
        ]
        down = q3.iloc[0]
        assert (down["before"], down["after"]) == ("eligible", "ineligible")
        assert (down["borderline_before"], down["borderline_after"]) == ("", "near_miss")
        assert (down["now_failing"], down["now_passing"]) == ("rd_ratio_min_y1", "")
        assert (q3.iloc[1]["after"], q3.iloc[1]["field"]) == ("out_of_range", "market_share")
        assert q3.iloc[3]["now_passing"] == "requires_title"  # the new title satisfies 专精特新's need
        assert (q3.iloc[4]["before"], q3.iloc[4]["after"]) == ("", "innovative_sme")
        assert q3.iloc[2]["name"] == "高平液压支架有限公司"  # a firm that left keeps its name

        q4 = pool.changes()  # the latest and the one before it
        assert (q4.attrs["since"].isoformat(), q4.attrs["until"].isoformat()) == (Q3, Q4)
        assert _rows(q4) == [
            ("became_eligible", RD, "srdi_sme"),
            ("renamed", RENAMED, None),
            ("issues_fixed", ISSUE, None),
        ]
        up = q4.iloc[0]
        assert (up["borderline_before"], up["borderline_after"], up["now_passing"]) == (
            "near_miss",
            "thin_pass",
            "rd_ratio_min_y1",
        )
        assert (q4.iloc[1]["before"], q4.iloc[1]["after"]) == (
            "陵川精密铸件有限公司",
            "陵川精密铸件股份有限公司",
        )
        # over half a year the R&D firm is eligible both times, at the line only at the end
        assert _rows(pool.changes(Q2, Q4)) == [
            ("into_borderline", RD, "srdi_sme"),
            ("left", LEAVING, None),
            ("became_eligible", TITLED, "srdi_sme"),
            ("title_gained", TITLED, "innovative_sme"),
            ("entered", ENTERING, None),
            ("renamed", RENAMED, None),
        ]


def test_one_firms_history(url: str) -> None:
    with _filled(url) as pool:
        history = pool.history(RD)
        srdi = history[history["tier"] == "srdi_sme"]
        assert srdi["as_of"].map(str).tolist() == list(QUARTERS)
        assert srdi["status"].tolist() == ["eligible", "ineligible", "eligible"]
        assert srdi["mark"].tolist() == ["", "near_miss", "thin_pass"]
        assert srdi["failed"].tolist() == ["", "rd_ratio_min_y1", ""]
        assert srdi["label"].tolist() == ["2026Q2", "2026Q3", "2026Q4"]
        innovative = history[history["tier"] == "innovative_sme"]
        # one indicator unknown: an interval; the R&D correction moves both ends by 5 points
        assert innovative["score_low"].tolist() == [85.0, 80.0, 85.0]
        assert innovative["score_high"].tolist() == [90.0, 85.0, 90.0]
        # a part of the new name finds the renamed firm; both names stay in its history
        renamed = pool.history("股份")
        assert renamed.drop_duplicates("as_of")["name"].tolist() == [
            "陵川精密铸件有限公司",
            "陵川精密铸件有限公司",
            "陵川精密铸件股份有限公司",
        ]
        assert pool.history("陵川精密铸件有限公司")["firm_key"].iloc[0] == RENAMED
        left = pool.history(LEAVING).drop_duplicates("as_of")
        assert left["present"].tolist() == [True, False, False]
        firms = pool.find("有限公司")
        assert len(firms) == 6


def test_targets_and_candidates(url: str) -> None:
    with _filled(url, quarters=2) as pool:  # Q3: the R&D firm is a near miss with a gap
        closest = pool.candidates("srdi_sme")
        assert closest["firm_key"].tolist()[:2] == [TITLED, RD]
        assert closest["mark"].tolist()[:2] == ["", "near_miss"]
        gap = closest.iloc[1]["gaps"]
        assert [(g["criterion"], g["lever"]) for g in gap] == [("rd_ratio_min_y1", "rd_expense_y1")]
        assert gap[0]["lever_amount"] == pytest.approx(4.0)  # 3% of 4,000 万元 = 120, from 116
        pool.add(quarter(2), as_of=Q4)
        pool.set_targets(2026, {"tech_innovative_sme": 1, "srdi_sme": 3})
        targets = pool.targets().set_index("tier")
        assert targets.attrs["baseline"].isoformat() == Q2
        bottom = targets.loc["tech_innovative_sme"].to_dict()
        assert [bottom[c] for c in ("target", "gained", "eligible_now", "near_miss")] == [1, 1, 3, 0]
        assert targets.loc["tech_innovative_sme", "outlook"] == "met"
        srdi = targets.loc["srdi_sme"].to_dict()
        assert [srdi[c] for c in ("gained", "eligible_now", "shortfall")] == [0, 2, 1]
        assert srdi["outlook"] == "short"
        pool.set_targets(2026, {"srdi_sme": 2})
        assert pool.targets().set_index("tier").loc["srdi_sme", "outlook"] == "reachable"
        pool.set_targets(2026, {"srdi_sme": 0})
        assert pool.targets()["tier"].tolist() == ["tech_innovative_sme"]


def test_the_firms_table_remembers_who_left(url: str) -> None:
    with _filled(url) as pool, pool.engine.connect() as connection:
        firms = {r.firm_key: r for r in connection.execute(sa.text("SELECT * FROM firms"))}
        assert len(firms) == 6
        assert str(firms[LEAVING].left_on) == Q3
        assert str(firms[LEAVING].last_seen) == Q2
        assert str(firms[ENTERING].first_seen) == Q3
        assert firms[RENAMED].name == "陵川精密铸件股份有限公司"
        assert all(firms[k].left_on is None for k in (RD, TITLED, ENTERING, RENAMED, ISSUE))
        counts: dict[int, int] = dict(
            connection.execute(
                sa.text("SELECT snapshot_id, COUNT(*) FROM results GROUP BY snapshot_id")
            ).all()
        )
        assert sorted(counts.values()) == [40, 40, 40]  # 5 firms × 8 tiers in each quarter


def test_a_date_is_stored_once_unless_replaced(tmp_path: Path) -> None:
    with _filled(str(tmp_path / "p.sqlite"), quarters=1) as pool:
        with pytest.raises(SnapshotExistsError):
            pool.add(quarter(0), as_of=Q2)
        replaced = pool.add(quarter(1), as_of=Q2, replace=True, label="corrected")
        assert replaced.replaced
        stored = pool.snapshots()
        assert stored["label"].tolist() == ["corrected"]
        assert stored["firms"].tolist() == [5]


def test_the_migrations_make_the_schema(tmp_path: Path) -> None:
    with Pool(str(tmp_path / "p.sqlite")) as pool, pool.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, METADATA) == []
        assert pool.identity == {}  # the pool's identity is written with its first snapshot


def test_every_kind_and_outlook_has_words() -> None:
    keys = [f"pool_kind_{k}" for k in KINDS] + [
        f"pool_outlook_{o}" for o in ("met", "reachable", "with_near_misses", "short")
    ]
    keys += [f"pool_mismatch_{k}" for k in ("rules", "pool", "schema")]
    assert [k for k in keys if not has_text(k)] == []


def _sheets(tmp_path: Path) -> list[Path]:
    paths = []
    for k in range(3):
        path = tmp_path / f"2026Q{k + 2}.csv"
        quarter(k).to_csv(path, index=False)
        paths.append(path)
    return paths


def test_the_commands(tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    db = str(tmp_path / "培育库.sqlite")
    runner = CliRunner()
    for k, path in enumerate(sheets):
        done = runner.invoke(main, ["pool", "add", str(path), "--as-of", QUARTERS[k], "--db", db])
        assert done.exit_code == (1 if k == 1 else 0), done.output  # Q3 holds an error issue
        assert f"{QUARTERS[k]}" in done.output
        assert "5 家企业" in done.output
    again = runner.invoke(main, ["pool", "add", str(sheets[0]), "--as-of", Q2, "--db", db])
    assert again.exit_code == 2
    assert "--replace" in again.output

    done = runner.invoke(main, ["pool", "changes", "--db", db, "-o", str(tmp_path / "变化.xlsx")])
    assert done.exit_code == 0, done.output
    assert "培育库变化：2026-09-30 → 2026-12-31" in done.output
    assert "【新符合】晋泽铸造有限公司（91140500000000001P）　专精特新中小企业" in done.output
    assert "不符合（临界未过） → 符合（临界通过）" in done.output
    table = pd.read_excel(tmp_path / "变化.xlsx", dtype=str, engine="calamine")
    assert table["变化"].tolist() == ["新符合", "企业更名", "数据问题已改正"]
    ids = tmp_path / "changes.csv"
    done = runner.invoke(
        main, ["pool", "changes", "--db", db, "--from", Q2, "--to", Q3, "-o", str(ids), "--ids"]
    )
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(ids, dtype=str, encoding="utf-8-sig")
    assert frame["kind"].tolist()[:2] == ["became_ineligible", "issues_appeared"]
    english = runner.invoke(main, ["pool", "changes", "--db", db, "--lang", "en"])
    assert "[newly eligible]" in english.output

    done = runner.invoke(main, ["pool", "firm", "晋泽铸造", "--db", db], env={"COLUMNS": "160"})
    assert done.exit_code == 0, done.output
    assert "不符合（临界未过）" in done.output
    assert "2026-09-30" in done.output
    many = runner.invoke(main, ["pool", "firm", "有限公司", "--db", db])
    assert many.exit_code == 2
    assert "有 6 家企业" in many.output
    none = runner.invoke(main, ["pool", "firm", "不存在", "--db", db])
    assert none.exit_code == 2

    done = runner.invoke(
        main, ["pool", "targets", "set", "2026", "tech_innovative_sme=1", "srdi_sme=3", "--db", db]
    )
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["pool", "targets", "--db", db])
    assert done.exit_code == 0, done.output
    assert (
        "专精特新中小企业：目标 3 家，今年已获称号 0 家，现可申报 2 家，临界未过 0 家 — 还差 1 家"
        in done.output
    )
    bad = runner.invoke(main, ["pool", "targets", "set", "2026", "srdi=2", "--db", db])
    assert bad.exit_code == 2
    assert "srdi_sme" in bad.output
    missing = runner.invoke(main, ["pool", "changes", "--db", str(tmp_path / "nope.sqlite")])
    assert missing.exit_code == 7


def test_a_database_of_other_rules_or_another_pool_is_refused(tmp_path: Path) -> None:
    sheet = _sheets(tmp_path)[0]
    db = str(tmp_path / "培育库.sqlite")
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["pool", "add", str(sheet), "--as-of", Q2, "--db", db, "--name", "泽州县"]
        ).exit_code
        == 0
    )
    other = copy_rules(tmp_path)
    # any change of a rule file's content is another rule setting (here a note at its end)
    with (other / "srdi_sme_2026.yaml").open("a", encoding="utf-8") as stream:
        stream.write("# 本省补充说明\n")
    refused = runner.invoke(main, ["pool", "changes", "--db", db, "--rules", str(other)])
    assert refused.exit_code == 7
    assert "该培育库是用另一套规则文件建立的" in refused.output
    with pytest.raises(PoolMismatchError) as caught:
        Pool(db, __import__("eligibility").load_rules(other))
    assert caught.value.kind == "rules"
    accepted = runner.invoke(
        main, ["pool", "add", str(sheet), "--as-of", Q3, "--db", db, "--rules", str(other), "--accept-rules"]
    )
    assert accepted.exit_code == 0, accepted.output
    assert runner.invoke(main, ["pool", "snapshots", "--db", db]).exit_code == 7  # now bound to the new rules
    county = runner.invoke(
        main,
        ["pool", "add", str(sheet), "--as-of", Q4, "--db", db, "--name", "高平市", "--rules", str(other)],
    )
    assert county.exit_code == 7
    assert "另一个培育库" in county.output


def _add_process(sheet: Path, as_of: str, db: str, pause: float | None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if pause is not None:
        env[PAUSE_ENV] = str(pause)
    command = [sys.executable, "-m", "eligibility", "pool", "add", str(sheet), "--as-of", as_of, "--db", db]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_pause(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    line = process.stderr.readline()  # the hook writes one line, then sleeps inside the transaction
    assert PAUSE_ENV in line, line + process.stderr.read()


def test_kill_9_during_an_import_leaves_the_pool_whole(url: str, tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    with _filled(url, quarters=1):
        pass
    process = _add_process(sheets[1], Q3, url, pause=60)
    _wait_for_pause(process)  # every row of the snapshot is written, not committed
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps the process and closes its pipes
    assert process.returncode == -signal.SIGKILL
    with Pool(url) as pool:
        assert pool.snapshots()["as_of"].map(str).tolist() == [Q2]
        with pool.engine.connect() as connection:
            for table in ("snapshot_firms", "results", "gaps", "issues"):
                orphans = connection.execute(
                    sa.text(
                        f"SELECT COUNT(*) FROM {table} WHERE snapshot_id NOT IN (SELECT id FROM snapshots)"
                    )
                ).scalar()
                assert orphans == 0, table
            assert connection.execute(sa.text("SELECT COUNT(*) FROM results")).scalar() == 40
        # the lock died with the process: the same import runs again
        pool.add(sheets[1], as_of=Q3)
        assert pool.snapshots()["as_of"].map(str).tolist() == [Q2, Q3]


def test_two_imports_at_once_run_one_after_the_other(url: str, tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    with _filled(url, quarters=1):
        pass
    first = _add_process(sheets[1], Q3, url, pause=3)
    _wait_for_pause(first)  # the first holds the writer lock
    started = time.monotonic()
    second = _add_process(sheets[2], Q4, url, pause=None)
    _, errors = second.communicate(timeout=120)
    waited = time.monotonic() - started
    assert second.returncode == 0, errors
    first.communicate(timeout=120)
    assert first.returncode == 1  # Q3 holds an error issue: stored, exit 1
    assert waited > 1.5  # the second import waited for the first's commit
    with Pool(url) as pool:
        stored = pool.snapshots()
        assert stored["as_of"].map(str).tolist() == [Q2, Q3, Q4]
        assert _rows(pool.changes())[0] == ("became_eligible", RD, "srdi_sme")


def test_a_database_of_the_first_schema_is_upgraded(url: str) -> None:
    """A pool made by the first release (schema 0001) opens: its snapshots get the 12-month horizon
    the engine used, and ``title_expiring`` from their dates."""
    from alembic import command

    from eligibility.pool.db import _config, open_engine

    engine = open_engine(url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0001")
        connection.execute(
            sa.text(
                "INSERT INTO snapshots (id, as_of, source, purpose, rules_hash, firms, imported_at)"
                " VALUES (1, :day, 'q3.xlsx', 'apply', 'x', 3, :now)"
            ).bindparams(sa.bindparam("day", type_=sa.Date), sa.bindparam("now", type_=sa.DateTime)),
            {"day": dt.date(2026, 9, 30), "now": dt.datetime(2026, 10, 1)},
        )
        for key, title, expires in (
            ("a", "srdi_sme", "2027-09-30"),  # the horizon's last day: due
            ("b", "srdi_sme", "2027-10-01"),
            ("c", None, "2026-01-01"),  # lapsed: no title held
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO snapshot_firms (snapshot_id, firm_key, sheet_row, title, title_expires,"
                    " promotion_candidate, at_risk, scale_up_candidate, data_issue, figures)"
                    " VALUES (1, :key, 2, :title, :expires, :no, :no, :no, :no, '{}')"
                ).bindparams(sa.bindparam("expires", type_=sa.Date), sa.bindparam("no", type_=sa.Boolean)),
                {"key": key, "title": title, "expires": dt.date.fromisoformat(expires), "no": False},
            )
    engine.dispose()
    with Pool(url, accept_rules=True) as pool, pool.engine.connect() as connection:
        due: dict[str, object] = dict(
            connection.execute(sa.text("SELECT firm_key, title_expiring FROM snapshot_firms")).all()
        )
        assert {k: bool(v) for k, v in due.items()} == {"a": True, "b": False, "c": False}
        assert pool.snapshots()["horizon_months"].tolist() == [12]
        assert connection.execute(sa.text("SELECT COUNT(*) FROM margins")).scalar() == 0


def test_export_holds_every_row(url: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    with _filled(url) as pool:
        pool.set_targets(2026, {"srdi_sme": 2})
        counts = pool.counts()
        assert counts["snapshots"] == 3
        assert counts["margins"] > 0
        assert counts["targets"] == 1
        folder = pool.export(tmp_path / "导出")
        book = pool.export(tmp_path / "导出.xlsx")
    assert folder.rows == counts
    assert book.rows == counts
    assert sorted(p.name for p in (tmp_path / "导出").iterdir()) == sorted(f"{t}.parquet" for t in counts)
    for table, rows in counts.items():
        assert pq.read_metadata(tmp_path / "导出" / f"{table}.parquet").num_rows == rows, table
    snapshots = pq.read_table(tmp_path / "导出" / "snapshots.parquet").to_pandas()
    assert snapshots["as_of"].map(str).tolist() == list(QUARTERS)  # typed dates
    workbook = load_workbook(tmp_path / "导出.xlsx", read_only=True)
    assert workbook.sheetnames == list(counts)
    for table, rows in counts.items():
        assert workbook[table].max_row == rows + 1, table  # the heading row
    done = CliRunner().invoke(main, ["pool", "export", "--db", url, "-o", str(tmp_path / "导出")])
    assert done.exit_code == 2  # a folder that holds files is never written over


def test_margins_to_every_line_over_the_quarters(url: str) -> None:
    with _filled(url) as pool:
        margins = pool.margins(RD, ["srdi_sme"])
        assert set(margins["tier"]) == {"srdi_sme"}
        ratio = margins[margins["criterion"] == "rd_ratio_min_y1"]
        assert ratio["as_of"].map(str).tolist() == list(QUARTERS)
        assert ratio["margin"].tolist() == pytest.approx([0.01, -0.001, 0.001])  # 4%, 2.9%, 3.1% of 3%
        assert ratio["value"].tolist() == pytest.approx([0.04, 0.029, 0.031])
        assert set(ratio["threshold"]) == {0.03}
        assert (ratio["unit"].iloc[0], ratio["op"].iloc[0], ratio["field"].iloc[0]) == (
            "fraction",
            ">=",
            "rd_ratio_y1",
        )
        # a passing line has its margin too: R&D expense 160, 116, 124 against 100 万元
        amount = margins[margins["criterion"] == "rd_amount_min_y1"]
        assert amount["margin"].tolist() == pytest.approx([60.0, 16.0, 24.0])
        assert set(amount["unit"]) == {"wan_yuan"}
        everything = pool.margins(RD)
        assert {"innovative_sme", "srdi_sme", "little_giant", "hnte"} <= set(everything["tier"])
        score = everything[everything["kind"] == "score"]
        assert set(score["unit"]) == {"points"}
        assert (score["margin_high"] >= score["margin"]).all()


def test_the_firm_command_shows_the_margins(tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    with _filled(db):
        pass
    done = CliRunner().invoke(
        main, ["pool", "firm", RD, "--db", db, "--tier", "srdi_sme"], env={"COLUMNS": "200"}
    )
    assert done.exit_code == 0, done.output
    line = next(row for row in done.output.splitlines() if "上年度研发费用占营业收入比重不低于3%" in row)
    assert [c.strip() for c in line.split("│")[-4:-1]] == ["+1个百分点", "−0.1个百分点", "+0.1个百分点"]
    bare = CliRunner().invoke(main, ["pool", "firm", RD, "--db", db, "--no-margins"])
    assert "个百分点" not in bare.output


def test_a_database_failing_under_a_command_is_one_line(tmp_path: Path) -> None:
    # A database damaged (or a server gone) after it was opened: one line and exit 7, no traceback.
    db = str(tmp_path / "培育库.sqlite")
    _filled(db, quarters=2).close()
    with sa.create_engine(f"sqlite:///{db}").begin() as connection:
        connection.exec_driver_sql("DROP TABLE results")
    done = subprocess.run(
        [sys.executable, "-m", "eligibility", "pool", "changes", "--db", db],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 7, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_alerts_go_into_the_changes_workbook_and_beside_the_csv(tmp_path: Path) -> None:
    import json

    from openpyxl import load_workbook

    db = str(tmp_path / "p.sqlite")
    _filled(db).close()
    updates = tmp_path / "u.jsonl"
    lines = [
        {"credit_code": RD, "rd_expense_y1": 116},
        {"credit_code": RD, "name": "=1+1", "rd_expense_y1": 160},
    ]
    updates.write_text("".join(json.dumps(u) + "\n" for u in lines), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["watch", "--db", db, "--updates", str(updates)]).exit_code == 0
    book = tmp_path / "变化.xlsx"
    done = runner.invoke(main, ["pool", "changes", "--db", db, "-o", str(book)])
    assert done.exit_code == 0, done.output
    workbook = load_workbook(book)
    assert workbook.sheetnames == ["培育库变化", "监测提醒"]
    sheet = workbook["监测提醒"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # the heading, then the two alerts in the order raised
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [(Q4, "u.jsonl", 1, RD), (Q4, "u.jsonl", 2, RD)]
    assert [r[6:10] for r in rows[1:]] == [
        ("符合", "不符合", "临界通过", "临界未过"),
        ("不符合", "符合", "临界未过", None),
    ]
    assert rows[1][10] == "上年度研发费用占营业收入比重不低于3%（3.10% → 2.90%）"
    assert (sheet["E3"].value, sheet["E3"].data_type) == ("=1+1", "s")  # text, never a formula

    csv = tmp_path / "变化.csv"
    done = runner.invoke(main, ["pool", "changes", "--db", db, "-o", str(csv)])
    assert done.exit_code == 0, done.output
    beside = tmp_path / "变化-监测提醒.csv"
    assert str(beside) in done.output
    alerts = pd.read_csv(beside, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert alerts.columns[:4].tolist() == ["快照", "更新文件", "行号", "统一社会信用代码"]
    assert alerts["企业名称"].tolist() == ["晋泽铸造有限公司", "'=1+1"]  # a leading ' as in every CSV
    ids = tmp_path / "changes.csv"
    done = runner.invoke(main, ["pool", "changes", "--db", db, "-o", str(ids), "--ids"])
    assert done.exit_code == 0, done.output
    programs = pd.read_csv(
        tmp_path / "changes-alerts.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    assert programs[["line", "tier", "before", "after", "borderline_after", "moved"]].values.tolist() == [
        ["1", "srdi_sme", "eligible", "ineligible", "near_miss", "rd_ratio_min_y1"],
        ["2", "srdi_sme", "ineligible", "eligible", "", "rd_ratio_min_y1"],
    ]
    # between the first two quarters there is no alert: the file beside says so with its heading only
    done = runner.invoke(main, ["pool", "changes", "--db", db, "--from", Q2, "--to", Q3, "-o", str(csv)])
    assert done.exit_code == 0, done.output
    assert pd.read_csv(beside, encoding="utf-8-sig").shape == (0, 12)
    assert load_workbook(book).sheetnames == ["培育库变化", "监测提醒"]
