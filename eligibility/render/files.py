"""Machine-readable outputs (README "Output contract") written atomically: CSV and JSON lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from eligibility.findings import CARRIED_TEXT, Assessment, Findings

__all__ = [
    "atomic_folder",
    "atomic_path",
    "atomic_write",
    "escape_formula",
    "write_csv",
    "write_jsonl",
    "write_table_csv",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would read as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# A temporary file of a writer that was killed stays behind; the next write to the same target
# removes it once its process is gone and it is old enough not to be a slow writer on another machine
# sharing the folder (whose pid means nothing here), or once it is very old whatever its pid says.
_STALE_DEAD = 10 * 60.0
_STALE_ANY = 24 * 3600.0


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a pid we can ask about
    return True


def _remove_stale(target: Path, suffix: str) -> None:
    """Remove leftovers of interrupted writes to ``target``: only its own temporary names
    (``.{name}.{pid}-XXXXXXXX{suffix}``), never those of another target in the same folder."""
    own = re.compile(re.escape(f".{target.name}.") + r"(\d+)-[a-z0-9_]{8}" + re.escape(suffix))
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        match = own.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if age > _STALE_ANY or (age > _STALE_DEAD and not _alive(int(match.group(1)))):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)  # an interrupted atomic_folder
                else:
                    os.unlink(entry.path)
        except OSError:
            continue  # removed by another writer meanwhile, or not ours to remove


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path in the target's folder; renamed onto the target when the block succeeds,
    removed when it fails, so a reader never sees a half-written file. Leftovers of earlier
    interrupted writes to the same target are removed first."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target, suffix)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}-", suffix=suffix, dir=target.parent
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """A temporary folder next to ``path`` (which must be absent or empty), renamed onto it when the
    block succeeds and removed when it fails: partitioned outputs appear whole or not at all."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target, ".tmp")
    temporary = tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp makes 0700
        os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def atomic_write(path: str | Path, write: Callable[[IO[str]], object]) -> Path:
    """Write text through a temporary file in the target folder, then rename it into place."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as stream:
        write(stream)
    return Path(path)


def write_table_csv(frame: pd.DataFrame, path: str | Path, escape: Iterable[str] | None = None) -> Path:
    """A table as UTF-8 CSV with a BOM (so Excel reads the Chinese), written atomically; the text of
    the ``escape`` columns (default: every text column) that a spreadsheet would read as a formula
    gets a leading ``'``."""
    frame = frame.copy()
    if escape is None:
        escape = [
            c
            for c in frame.columns
            if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])
        ]
    for column in escape:
        if column in frame:
            frame[column] = frame[column].map(escape_formula)

    def write(stream: IO[str]) -> None:
        stream.write("\ufeff")
        frame.to_csv(stream, index=False, lineterminator="\n")

    return atomic_write(path, write)


def write_csv(assessment: Findings | Assessment, path: str | Path) -> Path:
    """The wide table as UTF-8 CSV (with BOM, so Excel reads the Chinese names)."""
    frame = assessment.wide()
    flag_columns = [c for c in frame.columns if c.startswith("flag.")]
    for column in flag_columns:
        frame[column] = np.where(frame[column].to_numpy(dtype=bool), "true", "false")
    # Only the text that comes from the spreadsheet can start like a formula.
    return write_table_csv(frame, path, escape=("credit_code", "name", *CARRIED_TEXT))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def write_jsonl(assessment: Findings | Assessment, path: str | Path) -> Path:
    """One JSON object per firm, in input order: results, per-criterion trace, flags and issues."""

    def write(stream: IO[str]) -> None:
        for record in assessment.iter_firms():
            stream.write(json.dumps(record, ensure_ascii=False, default=_json_default))
            stream.write("\n")

    return atomic_write(path, write)
