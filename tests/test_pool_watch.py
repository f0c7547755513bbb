"""eligibility watch --db: the monitor on the pool database, on SQLite and on PostgreSQL.

It starts from the latest snapshot's firms; every update line is applied in one transaction with its
alerts and the read position, so a monitor killed with kill -9 inside a line's transaction resumes
after the last line it applied: no alert lost, none repeated. A database of another pool is refused.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from eligibility.apps.cli import main
from eligibility.apps.watch import PoolMonitor
from eligibility.pool import Pool
from eligibility.pool.watching import PAUSE_ENV
from tests.pool_data import QUARTERS, RD, TITLED, PrivateCluster, quarter

ROOT = Path(__file__).resolve().parents[1]
Q2 = QUARTERS[0]
# RD's 2025 R&D expense of 4,000 万元 revenue: 2.9% (under the 3% line of 专精特新, within its
# margin), 3.1% (just over), 2.9% again; a malformed line and an unknown firm in between.
UPDATES = [
    {"credit_code": RD, "rd_expense_y1": 116},
    "not json",
    {"credit_code": RD, "rd_expense_y1": 124},
    {"credit_code": "no such firm", "rd_expense_y1": 1},
    {"credit_code": TITLED, "employees_y1": 120},
    {"credit_code": RD, "rd_expense_y1": 116},
]
EXPECTED = [  # (line, firm, tier, before, after, borderline before, borderline after)
    (1, RD, "srdi_sme", "eligible", "ineligible", "", "near_miss"),
    (3, RD, "srdi_sme", "ineligible", "eligible", "near_miss", "thin_pass"),
    (6, RD, "srdi_sme", "eligible", "ineligible", "thin_pass", "near_miss"),
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    started = PrivateCluster()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = str(tmp_path / "培育库.sqlite")
    else:
        cluster: PrivateCluster = request.getfixturevalue("cluster")
        target = cluster.new_database()
    with Pool(target, name="泽州县") as pool:
        pool.add(quarter(0), as_of=Q2, label="2026Q2")
    return target


def _updates(path: Path) -> Path:
    lines = [u if isinstance(u, str) else json.dumps(u, ensure_ascii=False) for u in UPDATES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _alerts(url: str) -> list[tuple[object, ...]]:
    with Pool(url) as pool:
        found = pool.alerts()
    columns = ["line", "firm_key", "tier", "before", "after", "borderline_before", "borderline_after"]
    return [tuple(r) for r in found[columns].itertuples(index=False, name=None)]


def _position(url: str) -> tuple[int, int]:
    with Pool(url) as pool, pool.engine.connect() as connection:
        row = connection.execute(sa.text('SELECT "offset", line FROM watch_positions')).one()
    return int(row[0]), int(row[1])


def test_updates_are_applied_and_alerts_stored(url: str, tmp_path: Path) -> None:
    updates = _updates(tmp_path / "更新.jsonl")
    runner = CliRunner()
    done = runner.invoke(main, ["watch", "--db", url, "--updates", str(updates)])
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["type"], r["line"]) for r in records] == [
        ("alert", 1),
        ("error", 2),
        ("alert", 3),
        ("error", 4),
        ("alert", 6),
    ]
    assert _alerts(url) == EXPECTED
    assert _position(url) == (updates.stat().st_size, len(UPDATES))
    with Pool(url) as pool, pool.engine.connect() as connection:
        results: dict[str, str] = dict(
            connection.execute(
                sa.text("SELECT firm_key, status FROM watch_results WHERE tier = 'srdi_sme'")
            ).all()
        )
        stored = json.loads(
            connection.execute(  # type: ignore[arg-type]
                sa.text("SELECT record FROM watch_firms WHERE firm_key = :k"), {"k": RD}
            ).scalar()
        )
        start = pool.watch_start()
        moved = pool.alerts()["moved"].iloc[0]
    assert results == {RD: "ineligible", TITLED: results[TITLED]}
    assert stored["rd_expense_y1"] == 116
    assert start is not None
    assert start.updated == 2
    assert start.records[TITLED]["employees_y1"] == 120
    assert [m["criterion"] for m in moved] == ["rd_ratio_min_y1"]
    # a restart on the same file applies nothing again
    again = runner.invoke(main, ["watch", "--db", url, "--updates", str(updates)])
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert _alerts(url) == EXPECTED
    # a line appended later is applied on the records the earlier lines left
    with updates.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps({"credit_code": RD, "rd_expense_y1": 124}) + "\n")
    more = runner.invoke(main, ["watch", "--db", url, "--updates", str(updates)])
    assert [json.loads(x)["line"] for x in more.stdout.splitlines()] == [7]
    assert _alerts(url)[-1] == (7, RD, "srdi_sme", "ineligible", "eligible", "near_miss", "thin_pass")
    # pool changes shows them
    shown = runner.invoke(main, ["pool", "changes", "--db", url])
    assert shown.exit_code == 0, shown.output
    assert "监测提醒 4 条" in shown.output
    assert "更新.jsonl 第 6 行" in shown.output


def _watch_process(url: str, updates: Path, pause: str | None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(PAUSE_ENV, None)
    if pause is not None:
        env[PAUSE_ENV] = pause
    command = [sys.executable, "-m", "eligibility", "watch", "--db", url, "--updates", str(updates)]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_kill_9_inside_a_line_loses_and_repeats_nothing(url: str, tmp_path: Path) -> None:
    updates = _updates(tmp_path / "updates.jsonl")
    process = _watch_process(url, updates, pause="3:60")
    assert process.stderr is not None
    for line in process.stderr:  # the hook writes one line, then sleeps inside line 3's transaction
        if PAUSE_ENV in line:
            break
    else:
        pytest.fail(process.communicate(timeout=30)[1])
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert _alerts(url) == EXPECTED[:1]  # line 3's alert was written, not committed
    first_two = len((json.dumps(UPDATES[0]) + "\nnot json\n").encode())
    assert _position(url) == (first_two, 2)
    restarted = _watch_process(url, updates, pause=None)
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    assert "第 2 行及之前已应用" in err
    assert [json.loads(x)["line"] for x in out.splitlines()] == [3, 4, 6]
    assert _alerts(url) == EXPECTED
    assert _position(url) == (updates.stat().st_size, len(UPDATES))


def test_a_replaced_file_is_read_from_its_start(tmp_path: Path) -> None:
    db = str(tmp_path / "培育库.sqlite")
    with Pool(db) as pool:
        pool.add(quarter(0), as_of=Q2)
    updates = _updates(tmp_path / "u.jsonl")
    runner = CliRunner()
    assert runner.invoke(main, ["watch", "--db", db, "--updates", str(updates)]).exit_code == 0
    updates.unlink()
    updates.write_text(json.dumps({"credit_code": RD, "rd_expense_y1": 124}) + "\n", encoding="utf-8")
    done = runner.invoke(main, ["watch", "--db", db, "--updates", str(updates)])
    assert "已不是上次读取的文件" in done.stderr
    assert [json.loads(x)["line"] for x in done.stdout.splitlines()] == [1]
    assert _position(db) == (updates.stat().st_size, 1)


def test_another_pool_or_rule_setting_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "培育库.sqlite")
    with Pool(db, name="泽州县") as pool:
        pool.add(quarter(0), as_of=Q2)
    updates = _updates(tmp_path / "u.jsonl")
    runner = CliRunner()
    other = runner.invoke(main, ["watch", "--db", db, "--name", "高平市", "--updates", str(updates)])
    assert other.exit_code == 7
    assert "另一个培育库" in other.output
    assert _alerts(db) == []
    from tests.conftest import copy_rules

    rules = copy_rules(tmp_path)
    with (rules / "srdi_sme_2026.yaml").open("a", encoding="utf-8") as stream:
        stream.write("# 本省补充说明\n")
    changed = runner.invoke(main, ["watch", "--db", db, "--rules", str(rules), "--updates", str(updates)])
    assert changed.exit_code == 7
    accepted = runner.invoke(
        main, ["watch", "--db", db, "--rules", str(rules), "--accept-rules", "--updates", str(updates)]
    )
    assert accepted.exit_code == 0, accepted.output
    assert len(_alerts(db)) == 3


def test_usage(tmp_path: Path) -> None:
    db = str(tmp_path / "培育库.sqlite")
    runner = CliRunner()
    assert runner.invoke(main, ["watch", "--updates", "-"]).exit_code == 2
    state = ["--state", str(tmp_path / "s.json")]
    assert runner.invoke(main, ["watch", "--db", db, *state]).exit_code == 2
    assert runner.invoke(main, ["watch", "--db", db]).exit_code == 7  # no such database
    with Pool(db):
        pass
    empty = runner.invoke(main, ["watch", "--db", db], input="")
    assert empty.exit_code == 2


def test_follow_waits_for_a_whole_line_and_resumes_after_it(tmp_path: Path) -> None:
    db = str(tmp_path / "培育库.sqlite")
    with Pool(db) as pool:
        pool.add(quarter(0), as_of=Q2)
    updates = tmp_path / "u.jsonl"
    updates.write_text(json.dumps({"credit_code": RD, "rd_expense_y1": 116}) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "eligibility", "watch", "--db", db, "--updates", str(updates)]
    command.append("--follow")
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            assert json.loads(process.stdout.readline())["line"] == 1
            half = json.dumps({"credit_code": RD, "rd_expense_y1": 124})
            with updates.open("a", encoding="utf-8") as stream:  # a line written in two parts
                stream.write(half[:20])
                stream.flush()
                time.sleep(0.6)  # the monitor polls every 0.2 s: it sees the partial line first
                stream.write(half[20:] + "\n")
            second = json.loads(process.stdout.readline())
            assert (second["line"], second["after"]["status"]) == (2, "eligible")
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert _position(db) == (updates.stat().st_size, 2)
    again = CliRunner().invoke(main, ["watch", "--db", db, "--updates", str(updates)])
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert [a[0] for a in _alerts(db)] == [1, 2]


def test_a_newer_snapshot_is_watched_from_the_next_line(tmp_path: Path) -> None:
    """``pool add`` while the monitor runs: the next line says the monitor moved to the new
    snapshot and is applied on that snapshot's records; its alert is stored under it."""
    db = str(tmp_path / "培育库.sqlite")
    updates = tmp_path / "更新.jsonl"
    source = str(updates)
    with Pool(db, name="泽州县") as pool:
        pool.add(quarter(0), as_of=Q2, label="2026Q2")
        start = pool.watch_start()
        assert start is not None
        watching = PoolMonitor.open(pool, start, None, None, "zh", source)
        first = watching.apply(json.dumps({"credit_code": RD, "rd_expense_y1": 116}), 1, None)
        assert [r["type"] for r in first] == ["alert"]
        with Pool(db) as other:  # another process's import, in effect
            other.add(quarter(1), as_of=QUARTERS[1], label="2026Q3")
        second = watching.apply(json.dumps({"credit_code": RD, "rd_expense_y1": 124}), 2, None)
        third = watching.apply(json.dumps({"credit_code": RD, "rd_expense_y1": 116}), 3, None)
        alerts = pool.alerts()
    switch, alert = second
    assert switch["type"] == "snapshot"
    assert (switch["line"], switch["as_of"], switch["updated"]) == (2, QUARTERS[1], 0)
    assert switch["firms"] == len(quarter(1))
    assert "2026-09-30" in watching.monitor.describe(switch)
    assert "2026-06-30" in watching.monitor.describe(switch)
    # Q3's sheet already has RD's 116 (2.9%): the update to 124 crosses the line on Q3's record
    assert (alert["type"], alert["tier"], alert["after"]["status"]) == ("alert", "srdi_sme", "eligible")
    assert [r["type"] for r in third] == ["alert"]  # no second switch
    assert [(str(a), int(n)) for a, n in alerts[["as_of", "line"]].itertuples(index=False)] == [
        (Q2, 1),
        (QUARTERS[1], 2),
        (QUARTERS[1], 3),
    ]
