"""eligibility watch: alerts when a firm crosses a threshold or the borderline zone, state on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from eligibility.apps.cli import main
from eligibility.labels import text

POOL = Path(__file__).parent / "data" / "watch" / "pool.csv"
FIRM = "91140500000000001P"  # revenue 4000万, R&D 160万 = 4.0%, eligible for 专精特新 (2号)
AS_OF = "2026-11-26"


def _update(**fields: Any) -> str:
    return json.dumps({"credit_code": FIRM, **fields})


def _run(lines: list[str], *extra: str) -> tuple[list[dict[str, Any]], str]:
    result = CliRunner().invoke(
        main, ["watch", "--pool", str(POOL), "--as-of", AS_OF, *extra], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return records, result.stderr


def _brief(record: dict[str, Any]) -> tuple[Any, ...]:
    if record["type"] == "error":
        return ("error", record["line"], record["error"])
    moved = tuple((m["criterion"], m["before"], m["after"]) for m in record["moved"])
    return (
        "alert",
        record["line"],
        record["tier"],
        (record["before"]["status"], record["before"]["borderline"]),
        (record["after"]["status"], record["after"]["borderline"]),
        moved,
    )


MALFORMED = '{"credit_code": "' + FIRM + '", "rd_expense_y1": 116'


def _json_error(line: str) -> str:
    try:
        json.loads(line)
    except json.JSONDecodeError as exc:
        return exc.msg
    raise AssertionError(line)


def test_rd_ratio_slips_and_recovers() -> None:
    records, terminal = _run(
        [
            _update(rd_expense_y1=136),  # 3.4%: still a pass, but within the 0.5-point margin
            _update(rd_expense_y1=122),  # 3.05%: a thin pass as before: nothing to report
            MALFORMED,  # malformed: an error, then go on
            _update(rd_expense_y1=116),  # 2.9%: fails, by 0.1 point: a near miss
            _update(rd_expense_y1=136),  # back to 3.4%
        ]
    )
    assert [_brief(r) for r in records] == [
        (
            "alert",
            1,
            "srdi_sme",
            ("eligible", None),
            ("eligible", "thin_pass"),
            (("rd_ratio_min_y1", "pass", "pass"),),
        ),
        ("error", 3, "malformed_line"),
        (
            "alert",
            4,
            "srdi_sme",
            ("eligible", "thin_pass"),
            ("ineligible", "near_miss"),
            (("rd_ratio_min_y1", "pass", "fail"),),
        ),
        (
            "alert",
            5,
            "srdi_sme",
            ("ineligible", "near_miss"),
            ("eligible", "thin_pass"),
            (("rd_ratio_min_y1", "fail", "pass"),),
        ),
    ]
    fail = records[2]["moved"][0]
    assert fail["value"] == 0.029
    assert fail["threshold"] == 0.03
    assert abs(fail["gap"] - 0.001) < 1e-12  # 0.1 point short
    # A wording snapshot, on purpose: the alert line as README.md shows it.
    assert "专精特新中小企业：符合（临界通过） → 不符合（临界未过）" in terminal
    assert "上年度研发费用占营业收入比重不低于3%（3.05% → 2.90%）" in terminal
    assert text("watch_malformed_line", "zh", line=3, detail=_json_error(MALFORMED)) + "\n" in terminal


def test_bad_lines_are_reported_and_skipped() -> None:
    records, terminal = _run(
        [
            json.dumps({"credit_code": "99999", "rd_expense_y1": 1}),
            _update(rd_budget=1),
            _update(revenue_y1="约4000"),
            "[1, 2]",
            _update(rd_expense_y1=116),  # still processed after four bad lines
        ]
    )
    assert [_brief(r) for r in records][:4] == [
        ("error", 1, "unknown_firm"),
        ("error", 2, "unknown_field"),
        ("error", 3, "bad_value"),
        ("error", 4, "malformed_line"),
    ]
    assert _brief(records[4])[:5] == ("alert", 5, "srdi_sme", ("eligible", None), ("ineligible", "near_miss"))
    assert text("watch_unknown_field", "zh", line=2, code=FIRM, fields="rd_budget") + "\n" in terminal
    reason = text("short_not_a_number", "zh")
    detail = text("watch_value", "zh", field="revenue_y1", value="约4000", reason=reason)
    assert text("watch_bad_value", "zh", line=3, code=FIRM, detail=detail) + "\n" in terminal


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run([_update(rd_expense_y1=136)], "--state", str(state))
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["firms"][FIRM]["record"]["rd_expense_y1"] == 136
    # Restarted from the state the firm is at 3.4% (a thin pass), not at the pool's 4.0%.
    records, terminal = _run([_update(rd_expense_y1=116)], "--state", str(state))
    assert text("watch_state_loaded", "zh", firms=1, path=state) in terminal
    assert _brief(records[0])[3:5] == (("eligible", "thin_pass"), ("ineligible", "near_miss"))
    assert json.loads(state.read_text(encoding="utf-8"))["firms"][FIRM]["record"]["rd_expense_y1"] == 116


def test_follow_reads_a_growing_file(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    updates = tmp_path / "updates.jsonl"
    updates.write_text(_update(rd_expense_y1=136) + "\n", encoding="utf-8")
    state = tmp_path / "state.json"
    command = [sys.executable, "-m", "eligibility", "watch", "--pool", str(POOL), "--as-of", AS_OF]
    command += ["--updates", str(updates), "--follow", "--state", str(state)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = json.loads(process.stdout.readline())
            assert first["after"]["borderline"] == "thin_pass"
            with updates.open("a", encoding="utf-8") as stream:
                stream.write(_update(rd_expense_y1=116) + "\n")
            second = json.loads(process.stdout.readline())
            assert second["after"]["status"] == "ineligible"
        finally:
            process.terminate()  # SIGTERM: the monitor saves its state and stops
            process.wait(timeout=30)
    deadline = time.time() + 10
    while not state.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert json.loads(state.read_text(encoding="utf-8"))["firms"][FIRM]["record"]["rd_expense_y1"] == 116


def test_a_fixed_working_set_of_durable_sessions() -> None:
    """With room for one firm's session, the monitor releases the least recently updated firm's
    session and assesses it again from its record when it comes back: the same alerts."""
    from eligibility import load_rules, read_input
    from eligibility.apps.watch import Monitor
    from eligibility.backends.durable import durable_decisions

    rules = load_rules()
    other = "91140500000000002T"
    lines = [_update(rd_expense_y1=116), json.dumps({"credit_code": other, "employees_y1": 130})]
    lines += [_update(rd_expense_y1=160)]
    outputs = []
    for room in (1024, 1):
        monitor = Monitor.from_pool(read_input(POOL, rules, as_of=AS_OF), rules, AS_OF)
        monitor.sessions = room
        outputs.append([_brief(r) for n, line in enumerate(lines, 1) for r in monitor.update(line, n)])
        if room == 1:
            assert list(monitor.results) == [FIRM]
            assert durable_decisions().facts(other) == {}  # released when FIRM came back
    assert outputs[0] == outputs[1]
    assert [o[:2] for o in outputs[1]] == [("alert", 1), ("alert", 3)]
