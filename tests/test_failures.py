"""Failures that say what happened (issue 13 item 7): one line on standard error, an exit code of its
own, a traceback only with ``--debug``.

Exit codes (``eligibility.apps.cli``): 4 the input cannot be read, 5 an output cannot be written, 6 the
saved monitor state cannot be used, 3 a rule file refused by the YAML limits, 2 usage, 70 a bug.
Messages are checked by label key, never by wording.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from eligibility.apps.cli import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_RULES,
    EXIT_STATE,
    EXIT_UNREADABLE,
    EXIT_UNWRITABLE,
    EXIT_USAGE,
    main,
)
from eligibility.errors import ProblemCode, RuleSetError
from eligibility.input.mapping import read_mapping
from eligibility.labels import text
from eligibility.language.load import load_rules
from eligibility.render.files import atomic_folder, atomic_path, atomic_write
from tests.conftest import base_firm, copy_rules, valid_code

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "pool.csv"  # workbook outputs use it: it has a firm in every list
WATCH_POOL = Path(__file__).parent / "data" / "watch" / "pool.csv"
EXECUTABLE = Path(sys.executable).parent / "eligibility"
AS_OF = "2026-03-31"


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def one_line(result: Result, code: int) -> str:
    """The failure ended with ``code`` and exactly one non-empty line on stderr, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].strip()
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def strict_words(lang: str = "zh") -> str:
    """The fixed words of the --strict message (after its count)."""
    return text("strict_stopped", "en" if lang == "en" else "zh", count="\0").split("\0")[-1]


@pytest.fixture
def clean_csv(tmp_path: Path) -> Path:
    path = tmp_path / "clean.csv"
    pd.DataFrame([dict(base_firm(), credit_code=valid_code(i)) for i in range(3)]).to_csv(path, index=False)
    return path


# -- inputs that cannot be read ----------------------------------------------------------------------

UNREADABLE: dict[str, Callable[[Path], Path]] = {
    "random bytes named .xlsx": lambda d: _write(d / "random.xlsx", os.urandom(4096)),
    "empty .xlsx": lambda d: _write(d / "empty.xlsx", b""),
    "directory named x.xlsx": lambda d: _folder(d / "x.xlsx"),
    "truncated workbook": lambda d: _write(
        d / "cut.xlsx", (ROOT / "samples" / "pool.xlsx").read_bytes()[:5000]
    ),
    "random bytes named .csv": lambda d: _write(d / "random.csv", bytes(range(256)) * 16),
    "text without a header": lambda d: _write(d / "notes.csv", b"a,b\n1,2\n"),
}


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    (path / "inside.txt").write_text("x", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
@pytest.mark.parametrize("strict", [False, True])
def test_unreadable_input_is_one_line_and_exit_4(tmp_path: Path, kind: str, strict: bool) -> None:
    source = UNREADABLE[kind](tmp_path)
    out = tmp_path / "out.csv"
    args = ["screen", str(source), "--as-of", AS_OF, "-o", str(out)] + (["--strict"] if strict else [])
    line = one_line(run(*args), EXIT_UNREADABLE)
    assert str(source) in line
    # The file cannot be read at all: that is not what --strict stops on, with or without it.
    assert "--strict" not in line
    assert strict_words() not in line
    assert not out.exists()
    english = one_line(run(*args, "--lang", "en"), EXIT_UNREADABLE)
    assert strict_words("en") not in english


@pytest.mark.parametrize("kind", ["random bytes named .xlsx", "directory named x.xlsx", "empty .xlsx"])
def test_explain_and_watch_say_the_same_of_an_unreadable_pool(tmp_path: Path, kind: str) -> None:
    source = UNREADABLE[kind](tmp_path)
    one_line(run("explain", str(source), "--as-of", AS_OF, "--firm", "x"), EXIT_UNREADABLE)
    one_line(run("watch", "--pool", str(source), "--as-of", AS_OF, input=""), EXIT_UNREADABLE)


def test_unreadable_results_for_diff(tmp_path: Path, clean_csv: Path) -> None:
    good = tmp_path / "good.csv"
    assert run("screen", str(clean_csv), "--as-of", AS_OF, "-o", str(good), "-q").exit_code == EXIT_OK
    broken = _write(tmp_path / "broken.jsonl", b'{"credit_code": "1"\n')
    line = one_line(run("diff", str(good), str(broken)), EXIT_UNREADABLE)
    assert str(broken) in line
    one_line(run("diff", str(_folder(tmp_path / "folder.csv")), str(good)), EXIT_UNREADABLE)


def test_missing_updates_file_is_unreadable(tmp_path: Path) -> None:
    missing = tmp_path / "updates.jsonl"
    line = one_line(run("watch", "--pool", str(WATCH_POOL), "--as-of", AS_OF, "--updates", str(missing)), 4)
    assert str(missing) in line


def test_strict_wording_only_when_strict_was_given(tmp_path: Path) -> None:
    plain = run("screen", str(SAMPLE), "--as-of", AS_OF, "-o", str(tmp_path / "a.csv"), "-q")
    assert plain.exit_code == EXIT_INPUT  # the sample's deliberate dirty cells: finished, with errors
    assert strict_words() not in plain.output
    assert "--strict" not in plain.output
    strict = run("screen", str(SAMPLE), "--as-of", AS_OF, "-o", str(tmp_path / "b.csv"), "--strict")
    assert strict.exit_code == EXIT_INPUT
    assert strict_words() in strict.stderr
    assert not (tmp_path / "b.csv").exists()
    english = run(
        "screen", str(SAMPLE), "--as-of", AS_OF, "-o", str(tmp_path / "c.csv"), "--strict", "--lang", "en"
    )
    assert strict_words("en") in english.stderr


# -- outputs that cannot be written ------------------------------------------------------------------


def test_parent_is_a_file_for_every_output(tmp_path: Path, clean_csv: Path) -> None:
    good = tmp_path / "good.csv"
    assert run("screen", str(clean_csv), "--as-of", AS_OF, "-o", str(good), "-q").exit_code == EXIT_OK
    blocker = _write(tmp_path / "blocker", b"a file, not a folder")
    why = text("write_parent_file", parent=blocker)
    for target in (blocker / "r.csv", blocker / "deeper" / "r.xlsx", blocker / "r.jsonl"):
        pool = SAMPLE if target.suffix == ".xlsx" else clean_csv
        line = one_line(run("screen", str(pool), "--as-of", AS_OF, "-o", str(target), "-q"), 5)
        assert str(target) in line
        assert why in line
    html = blocker / "r.html"
    line = one_line(
        run(
            "screen",
            str(SAMPLE),
            "--as-of",
            AS_OF,
            "-o",
            str(tmp_path / "r.csv"),
            "--html",
            str(html),
            "-q",
        ),
        EXIT_UNWRITABLE,
    )
    assert str(html) in line
    one_line(run("template", "-o", str(blocker / "t.xlsx")), EXIT_UNWRITABLE)
    one_line(run("rules", "docs", "-o", str(blocker / "docs")), EXIT_UNWRITABLE)
    one_line(run("diff", str(good), str(good), "-o", str(blocker / "d.csv")), EXIT_UNWRITABLE)
    state = blocker / "state.json"
    one_line(run("watch", "--pool", str(WATCH_POOL), "--as-of", AS_OF, "--state", str(state), input=""), 5)
    assert blocker.read_bytes() == b"a file, not a folder"


def test_output_that_is_a_folder(tmp_path: Path, clean_csv: Path) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    line = one_line(run("screen", str(clean_csv), "--as-of", AS_OF, "-o", str(folder), "-q"), 5)
    assert text("write_is_folder") in line
    assert list(tmp_path.glob(".out.csv.*")) == []


@pytest.mark.parametrize(
    ("code", "key"),
    [(errno.EROFS, "write_readonly"), (errno.ENOSPC, "write_full"), (errno.EACCES, "write_denied")],
)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_read_only_and_full_disk(
    tmp_path: Path, clean_csv: Path, monkeypatch: pytest.MonkeyPatch, code: int, key: str, suffix: str
) -> None:
    """As root a chmod does not stop a write, so the rename onto the target fails as the OS would."""

    def refuse(source: Any, target: Any) -> None:
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(os, "replace", refuse)
    out = tmp_path / f"r{suffix}"
    pool = SAMPLE if suffix == ".xlsx" else clean_csv
    line = one_line(run("screen", str(pool), "--as-of", AS_OF, "-o", str(out), "-q"), 5)
    assert str(out) in line
    assert text(key) in line
    english = one_line(run("screen", str(pool), "--as-of", AS_OF, "-o", str(out), "-q", "--lang", "en"), 5)
    assert text(key, "en") in english
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.csv"]  # no temporary file left


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path: Path, clean_csv: Path) -> None:
    """The installed command, in a real process: a folder that cannot be created, an unreadable input."""
    if not EXECUTABLE.exists():
        pytest.skip("the eligibility script is not installed next to this Python")
    cases = [
        (["screen", str(clean_csv), "--as-of", AS_OF, "-o", "/proc/eligibility-test/r.csv", "-q"], 5),
        (["screen", str(_write(tmp_path / "x.xlsx", os.urandom(999))), "--as-of", AS_OF, "-o", "r.csv"], 4),
        (["watch", "--pool", str(WATCH_POOL), "--as-of", AS_OF, "--state", str(_corrupt(tmp_path))], 6),
        (["rules", "check", str(_bomb_rules(tmp_path))], EXIT_RULES),
    ]
    for args, code in cases:
        done = subprocess.run(
            [str(EXECUTABLE), *args], capture_output=True, text=True, check=False, cwd=tmp_path, input=""
        )
        assert done.returncode == code, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr


def _corrupt(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt-state.json"
    path.write_text('{"version": 1, "firms": {"9114', encoding="utf-8")
    return path


# -- usage ---------------------------------------------------------------------------------------------


def test_same_path_for_both_outputs_is_refused(tmp_path: Path, clean_csv: Path) -> None:
    out = tmp_path / "same.xlsx"
    spelt_otherwise = tmp_path / "sub" / ".." / "same.xlsx"
    for html in (out, spelt_otherwise):
        result = run("screen", str(clean_csv), "--as-of", AS_OF, "-o", str(out), "--html", str(html))
        assert one_line(result, EXIT_USAGE)
    assert not out.exists()


def test_outputs_never_overwrite_the_input(tmp_path: Path, clean_csv: Path) -> None:
    original = clean_csv.read_bytes()
    for extra in (["-o", str(clean_csv)], ["-o", str(tmp_path / "r.xlsx"), "--html", str(clean_csv)]):
        one_line(run("screen", str(clean_csv), "--as-of", AS_OF, *extra), EXIT_USAGE)
    assert clean_csv.read_bytes() == original


# -- rule files the YAML parser cannot be trusted with -------------------------------------------------


def _bomb_rules(tmp_path: Path) -> Path:
    """The bundled rules with one file replaced by a billion laughs (9 levels of 9 aliases: 9⁹ leaves)."""
    rules = copy_rules(tmp_path / "bomb")
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines.extend(f"lol{n}: &lol{n} [" + ", ".join([f"*lol{n - 1}"] * 9) + "]" for n in range(1, 10))
    (rules / "hnte_2016.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules


def test_alias_bomb_is_refused_quickly_with_file_and_line(tmp_path: Path, clean_csv: Path) -> None:
    rules = _bomb_rules(tmp_path)
    started = time.perf_counter()
    with pytest.raises(RuleSetError) as caught:
        load_rules(rules)
    elapsed = time.perf_counter() - started
    assert elapsed < 10  # about 0.4 s for the whole directory; expanding it would never finish
    [problem] = caught.value.problems
    assert (Path(problem.file).name, problem.code) == ("hnte_2016.yaml", ProblemCode.YAML_TOO_LARGE)
    assert problem.line == 6  # lol5, whose aliases make 597,871 nodes (lol4: 66,430)
    line = one_line(run("rules", "check", str(rules)), EXIT_RULES)
    assert "hnte_2016.yaml:6:" in line
    result = run(
        "screen", str(clean_csv), "--as-of", AS_OF, "-o", str(tmp_path / "r.csv"), "--rules", str(rules)
    )
    one_line(result, EXIT_RULES)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "extra.yaml").write_text("ruleset: &self\n  again: *self\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(rules)
    assert [(p.code, p.line) for p in caught.value.problems] == [(ProblemCode.YAML_TOO_LARGE, 2)]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("[" * 100_000 + "\n", 1),
        ("- " * 100_000 + "x\n", 1),
        ("".join(" " * i + "k:\n" for i in range(200)), 64),
    ],
)
def test_deep_nesting_is_refused_not_recursed(tmp_path: Path, body: str, line: int) -> None:
    rules = copy_rules(tmp_path)
    (rules / "tech_sme_2017.yaml").write_text(body, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(RuleSetError) as caught:
        load_rules(rules)
    assert time.perf_counter() - started < 10
    assert [(Path(p.file).name, p.code, p.line) for p in caught.value.problems] == [
        ("tech_sme_2017.yaml", ProblemCode.YAML_TOO_DEEP, line)
    ]
    one_line(run("rules", "check", str(rules), "--lang", "en"), EXIT_RULES)


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  上年营收: &revenue {field: revenue_y1, unit: 元}\n  营收: *revenue\n", "utf-8"
    )
    assert read_mapping(mapping)["营收"] == {"field": "revenue_y1", "unit": "元"}


# -- a saved monitor state that cannot be used ---------------------------------------------------------

STATES: dict[str, bytes] = {
    "truncated JSON": b'{"version": 1, "as_of": "2026-11-26", "firms": {"911405',
    "binary": bytes(range(128, 256)) * 8,
    "a list": b"[1, 2, 3]",
    "another version": b'{"version": 99, "firms": {}}',
    "firms not a mapping": b'{"version": 1, "firms": [1, 2]}',
    "record not a mapping": b'{"version": 1, "firms": {"91140500000000001P": {"record": 5}}}',
    "unknown field": b'{"version": 1, "firms": {"91140500000000001P": {"record": {"revenu_y1": 1}}}}',
    "empty file": b"",
}


@pytest.mark.parametrize("kind", sorted(STATES))
def test_corrupt_state_is_one_line_and_exit_6(tmp_path: Path, kind: str) -> None:
    state = _write(tmp_path / "state.json", STATES[kind])
    args = ["watch", "--pool", str(WATCH_POOL), "--as-of", "2026-11-26", "--state", str(state)]
    line = one_line(run(*args, input=""), EXIT_STATE)
    assert str(state) in line
    assert state.read_bytes() == STATES[kind]  # a state that could not be read is not overwritten
    one_line(run(*args, "--lang", "en", input=""), EXIT_STATE)


def test_a_good_state_still_loads(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    update = json.dumps({"credit_code": "91140500000000001P", "rd_expense_y1": 136})
    args = ["watch", "--pool", str(WATCH_POOL), "--as-of", "2026-11-26", "--state", str(state)]
    assert run(*args, input=update + "\n").exit_code == EXIT_OK
    assert run(*args, input="").exit_code == EXIT_OK


# -- bugs -----------------------------------------------------------------------------------------------


def test_an_unexpected_error_is_one_line_unless_debug(
    tmp_path: Path, clean_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("eligibility.assessment.evaluate", broken)  # the command imports it when run
    args = ["screen", str(clean_csv), "--as-of", AS_OF, "-o", str(tmp_path / "r.csv"), "-q"]
    line = one_line(run(*args), EXIT_INTERNAL)
    assert "--debug" in line
    assert "RuntimeError" in line
    for debug in (["screen", *args[1:], "--debug"], ["--debug", *args]):
        result = run(*debug)
        assert result.exit_code == EXIT_INTERNAL
        assert "Traceback" in result.stderr
        assert "a bug" in result.stderr
        assert result.stderr.splitlines()[-1] == text("internal_error", kind="RuntimeError")


def test_debug_shows_the_cause_of_an_expected_failure(tmp_path: Path) -> None:
    source = _write(tmp_path / "random.xlsx", os.urandom(512))
    result = run("screen", str(source), "--as-of", AS_OF, "-o", str(tmp_path / "r.csv"), "--debug")
    assert result.exit_code == EXIT_UNREADABLE
    assert "Traceback" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["screen", "--help"],
        ["explain", "--help"],
        ["diff", "--help"],
        ["watch", "--help"],
        ["template", "--help"],
        ["rules", "check", "--help"],
        ["rules", "test", "--help"],
        ["rules", "docs", "--help"],
        ["serve", "--help"],
    ],
)
def test_every_command_takes_debug(command: list[str]) -> None:
    assert "--debug" in run(*command).output


# -- temporary files of interrupted writes ---------------------------------------------------------------


def _leftover(folder: Path, name: str, age: float) -> Path:
    path = _write(folder / name, b"half a file")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_stale_temporary_files_are_removed_by_the_next_write(tmp_path: Path, clean_csv: Path) -> None:
    dead, alive = 999_999_999, os.getpid()
    minutes, days = 60.0, 2 * 86400.0
    stale = [
        _leftover(tmp_path, f".r.csv.{dead}-abcdefgh.tmp", 20 * minutes),
        _leftover(tmp_path, f".r.csv.{alive}-oldoldol.tmp", days),  # alive, but a day old: a reused pid
    ]
    kept = [
        _leftover(tmp_path, f".r.csv.{dead}-youngone.tmp", 1 * minutes),  # may be a slow writer elsewhere
        _leftover(tmp_path, f".r.csv.{alive}-runnings.tmp", 20 * minutes),  # a writer that is still running
        _leftover(tmp_path, f".r.jsonl.{dead}-abcdefgh.tmp", days),  # another target's
        _leftover(tmp_path, f".r.{dead}-abcdefgh.tmp", days),  # another target's (r, not r.csv)
        _leftover(tmp_path, f".r.csv.{dead}-abcdefgh.xlsx", days),  # another writer's suffix
        _leftover(tmp_path, "r.csv.tmp", days),  # not a temporary name of ours
    ]
    result = run("screen", str(clean_csv), "--as-of", AS_OF, "-o", str(tmp_path / "r.csv"), "-q")
    assert result.exit_code == EXIT_OK
    assert [p.exists() for p in stale] == [False] * len(stale)
    assert [p.exists() for p in kept] == [True] * len(kept)
    workbook_leftover = _leftover(tmp_path, f".r.xlsx.{dead}-abcdefgh.xlsx", 20 * minutes)
    workbook = run("screen", str(SAMPLE), "--as-of", AS_OF, "-o", str(tmp_path / "r.xlsx"), "-q")
    assert workbook.exit_code == EXIT_INPUT  # written; the sample's deliberate dirty cells
    assert not workbook_leftover.exists()


def test_a_killed_writer_leaves_a_file_that_the_next_write_removes(tmp_path: Path) -> None:
    target = tmp_path / "结果.csv"
    code = (
        "import os, sys\n"
        "from eligibility.render.files import atomic_path\n"
        "with atomic_path(sys.argv[1]) as temporary:\n"
        "    temporary.write_text('half')\n"
        "    os._exit(9)  # killed in the middle of the write\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(target)], check=False, cwd=ROOT)
    assert done.returncode == 9
    [left] = list(tmp_path.glob(".结果.csv.*.tmp"))
    _leftover(tmp_path, left.name, 11 * 60.0)  # the writer is gone and the file is old enough
    atomic_write(target, lambda stream: stream.write("whole"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["结果.csv"]
    assert target.read_text(encoding="utf-8") == "whole"


def test_concurrent_writers_keep_their_own_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    with atomic_path(target) as first:
        first.write_text("one", encoding="utf-8")
        os.utime(first, (time.time() - 3600, time.time() - 3600))  # old, but its writer (us) is alive
        atomic_write(target, lambda stream: stream.write("two"))
        assert first.exists()
    assert target.read_text(encoding="utf-8") == "one"


def test_a_partitioned_output_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "results"

    def interrupted() -> None:
        with atomic_folder(target) as folder:
            (folder / "part-0.csv").write_text("a", encoding="utf-8")
            raise RuntimeError("a worker died")

    with pytest.raises(RuntimeError):
        interrupted()
    assert list(tmp_path.iterdir()) == []
    stale = tmp_path / ".results.999999999-abcdefgh.tmp"
    (stale / "sub").mkdir(parents=True)
    _leftover(stale, "part-0.csv", 0)
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    with atomic_folder(target) as folder:
        (folder / "part-0.csv").write_text("b", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert (target / "part-0.csv").read_text(encoding="utf-8") == "b"
