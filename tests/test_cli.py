"""The command line: exit codes, the output contract (README), golden runs on the bundled sample."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility import IssueCode, RuleSet, Severity, load_rules, read_input
from eligibility.apps.cli import main
from eligibility.input.prepare import prepare
from eligibility.labels import Lang, issue_message, text
from tests.conftest import base_firm, copy_rules, valid_code

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "pool.csv"
GOLDEN = Path(__file__).parent / "data" / "golden"

TIER_COLUMNS = ["status", "score", "score_min", "score_max", "borderline", "failed", "route", "ruleset"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def screened(firms: int, as_of: str, lang: Lang = "zh") -> str:
    """The first line of the summary of an application screening."""
    return text("summary_title", lang, firms=firms, as_of=as_of, purpose=text("purpose_apply", lang))


@pytest.fixture
def clean_csv(tmp_path: Path) -> Path:
    path = tmp_path / "clean.csv"
    firms = [dict(base_firm(), credit_code=valid_code(i)) for i in range(3)]
    firms[1]["name"] = "=1+1 公司"
    firms[2]["rd_expense_y1"] = 60
    pd.DataFrame(firms).to_csv(path, index=False)
    return path


def test_screen_csv_meets_the_output_contract(tmp_path: Path, clean_csv: Path) -> None:
    out = tmp_path / "result.csv"
    code, output = run("screen", str(clean_csv), "--as-of", "2026-03-31", "-o", str(out))
    assert code == 0, output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    expected = ["credit_code", "name"]
    tiers = (
        "sme_size",
        "tech_sme",
        "innovative_sme",
        "srdi_sme",
        "little_giant",
        "hnte",
        "above_scale_industrial",
    )
    for tier in tiers:
        expected += [f"{tier}.{c}" for c in TIER_COLUMNS]
        if tier == "sme_size":
            expected.append("sme_size.class")
    expected += ["flag.promotion_candidate", "flag.at_risk", "flag.scale_up_candidate", "flag.data_issue"]
    assert list(frame.columns) == expected
    assert frame["srdi_sme.status"].tolist() == ["eligible", "eligible", "ineligible"]
    assert frame["srdi_sme.score"].tolist() == ["78.0", "78.0", "74.0"]
    assert frame["srdi_sme.failed"].tolist() == ["", "", "rd_amount_min;rd_ratio_min"]
    assert frame["srdi_sme.route"].tolist() == ["score", "score", ""]
    assert frame["sme_size.class"].tolist() == ["small"] * 3
    assert frame["flag.data_issue"].tolist() == ["false"] * 3
    # A name that would start a formula is written as text.
    assert frame["name"][1] == "'=1+1 公司"
    assert screened(3, "2026-03-31") in output


def test_screen_jsonl_carries_the_trace_with_full_trace(tmp_path: Path, clean_csv: Path) -> None:
    out = tmp_path / "result.jsonl"
    args = ("screen", str(clean_csv), "--as-of", "2026-03-31", "--format", "jsonl", "-o", str(out), "-q")
    code, _ = run(*args)
    assert code == 0
    compact = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["credit_code"] for r in compact] == [valid_code(0), valid_code(1), valid_code(2)]
    srdi = compact[2]["tiers"]["srdi_sme"]
    assert srdi["ruleset"] == {"id": "srdi_sme_2022", "version": "2022.1", "regime": "63号"}
    assert "rd_ratio_min" in srdi["failed"]
    assert "criteria" not in srdi  # the default: no trace
    code, _ = run(*args, "--full-trace")
    assert code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    srdi = records[2]["tiers"]["srdi_sme"]
    assert srdi["ruleset"] == {
        "id": "srdi_sme_2022",
        "version": "2022.1",
        "regime": "63号",
        "source": srdi["ruleset"]["source"],
    }
    ratio = next(c for c in srdi["criteria"] if c["id"] == "rd_ratio_min")
    assert (ratio["status"], ratio["lever"], ratio["lever_gap"]) == (
        "fail",
        "rd_expense_y1",
        pytest.approx(30.0),
    )
    assert ratio["source"].startswith("63号附件2")


def test_english_and_quiet(tmp_path: Path, clean_csv: Path) -> None:
    code, output = run(
        "screen", str(clean_csv), "--as-of", "2026-03-31", "-o", str(tmp_path / "r.csv"), "--lang", "en"
    )
    assert code == 0
    assert screened(3, "2026-03-31", "en") in output
    code, output = run(
        "screen", str(clean_csv), "--as-of", "2026-03-31", "-o", str(tmp_path / "r.csv"), "--quiet"
    )
    assert (code, output) == (0, "")


def test_exit_codes(tmp_path: Path, clean_csv: Path) -> None:
    original = clean_csv.read_bytes()
    code, output = run("screen", str(clean_csv), "--as-of", "2026-03-31", "-o", str(clean_csv))
    assert code == 2
    assert text("same_file", "zh", path=clean_csv) in output
    assert clean_csv.read_bytes() == original
    code, output = run("screen", str(clean_csv), "--as-of", "31/03/2026", "-o", str(tmp_path / "r.csv"))
    assert code == 2
    code, _ = run(
        "screen", str(clean_csv), "--as-of", "2026-03-31", "--purpose", "renew", "-o", str(tmp_path / "r.csv")
    )
    assert code == 2
    code, _ = run(
        "screen", str(tmp_path / "missing.csv"), "--as-of", "2026-03-31", "-o", str(tmp_path / "r.csv")
    )
    assert code == 4  # the input cannot be read: it is not there


def test_dirty_sample_exits_1_and_strict_stops(tmp_path: Path, rules: RuleSet) -> None:
    issues = prepare(read_input(SAMPLE, rules, as_of="2026-03-31"), rules).issues
    bad = next(i for i in issues if (i.row, i.field) == (19, "revenue_y1"))
    assert (bad.code, bad.severity) == (IssueCode.NOT_A_NUMBER, Severity.ERROR)
    errors = [i for i in issues if i.severity is Severity.ERROR]
    out = tmp_path / "r.csv"
    code, output = run("screen", str(SAMPLE), "--as-of", "2026-03-31", "-o", str(out))
    assert code == 1
    assert issue_message(bad) in output
    assert len(pd.read_csv(out)) == 300
    strict_out = tmp_path / "strict.csv"
    code, output = run("screen", str(SAMPLE), "--as-of", "2026-03-31", "-o", str(strict_out), "--strict")
    assert code == 1
    assert text("strict_stopped", "zh", count=len(errors)) in output
    assert issue_message(bad) in output
    assert not strict_out.exists()


def test_regime_is_chosen_by_date_and_can_be_replayed(tmp_path: Path, clean_csv: Path) -> None:
    before, after, replay = (tmp_path / n for n in ("before.jsonl", "after.jsonl", "replay.jsonl"))
    run("screen", str(clean_csv), "--as-of", "2026-03-31", "--format", "jsonl", "-o", str(before), "-q")
    run("screen", str(clean_csv), "--as-of", "2026-04-01", "--format", "jsonl", "-o", str(after), "-q")
    run(
        "screen",
        str(clean_csv),
        "--as-of",
        "2026-04-01",
        "--regime",
        "63号",
        "--format",
        "jsonl",
        "-o",
        str(replay),
        "-q",
    )
    first = json.loads(before.read_text(encoding="utf-8").splitlines()[0])
    second = json.loads(after.read_text(encoding="utf-8").splitlines()[0])
    third = json.loads(replay.read_text(encoding="utf-8").splitlines()[0])
    assert first["tiers"]["srdi_sme"]["ruleset"]["regime"] == "63号"
    assert second["tiers"]["srdi_sme"]["ruleset"]["regime"] == "2号"
    assert second["tiers"]["tech_innovative_sme"]["ruleset"]["id"] == "tech_innovative_sme_2026"
    assert "tech_innovative_sme" not in first["tiers"]
    assert third["tiers"]["srdi_sme"]["ruleset"]["regime"] == "63号"


def test_golden_run_on_the_sample(tmp_path: Path) -> None:
    """The bundled sample's result is committed; set UPDATE_GOLDEN=1 to accept a deliberate change."""
    out = tmp_path / "pool.csv"
    run("screen", str(SAMPLE), "--as-of", "2026-03-31", "-o", str(out), "-q")
    golden = GOLDEN / "pool_2026-03-31.csv"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(out.read_bytes())
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "eligibility", "rules", "check", "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    rules = load_rules()
    counts = {"count": len(rules.rulesets), "fields": len(rules.fields), "directory": rules.directory}
    assert result.stdout == text("rules_ok", "en", **counts) + "\n"


def test_output_permissions_follow_the_umask(tmp_path: Path, clean_csv: Path) -> None:
    out = tmp_path / "r.csv"
    run("screen", str(clean_csv), "--as-of", "2026-03-31", "-o", str(out), "-q")
    current = os.umask(0o022)
    os.umask(current)
    assert out.stat().st_mode & 0o777 == 0o666 & ~current
    assert not list(tmp_path.glob(".r.csv.*"))  # no temporary file left behind


def test_summary_says_why_a_tier_was_not_evaluated(tmp_path: Path, clean_csv: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "hnte_2016.yaml").unlink()
    _, output = run(
        "screen",
        str(clean_csv),
        "--as-of",
        "2017-01-01",
        "-o",
        str(tmp_path / "r.csv"),
        "--rules",
        str(rules),
    )
    tiers = load_rules(rules).tiers
    not_in_force = text("enumeration", "zh").join(tiers[t].label_zh for t in ("tech_sme", "innovative_sme"))
    assert text("skipped_no_ruleset_in_force", "zh", tiers=not_in_force) in output
    assert text("skipped_no_ruleset", "zh", tiers=tiers["hnte"].label_zh) in output


def test_little_giant_review_round_of_2026_and_its_replay(tmp_path: Path, clean_csv: Path) -> None:
    """The 2026 小巨人 re-review used 63号 (117号); --regime replays it under either rule set."""

    def regime(*extra: str) -> str:
        out = tmp_path / "r.jsonl"
        args = [
            "screen",
            str(clean_csv),
            "--format",
            "jsonl",
            "-o",
            str(out),
            "-q",
            "--purpose",
            "review",
            *extra,
        ]
        run(*args)
        return str(
            json.loads(out.read_text(encoding="utf-8").splitlines()[0])["tiers"]["little_giant"]["ruleset"][
                "id"
            ]
        )

    assert regime("--as-of", "2026-09-30") == "little_giant_2022"
    assert regime("--as-of", "2027-03-01") == "little_giant_2026"
    assert regime("--as-of", "2026-09-30", "--regime", "2号") == "little_giant_2026"
    assert regime("--as-of", "2027-03-01", "--regime", "63号") == "little_giant_2022"
