"""Machine-readable outputs (SPEC §7) written atomically: CSV and JSON lines."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from eligibility.assessment import Assessment

__all__ = ["atomic_path", "atomic_write", "escape_formula", "write_csv", "write_jsonl"]

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


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path in the target's folder; renamed onto the target when the block succeeds,
    removed when it fails, so a reader never sees a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix, dir=target.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, write: Callable[[IO[str]], object]) -> Path:
    """Write text through a temporary file in the target folder, then rename it into place."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as stream:
        write(stream)
    return Path(path)


def write_csv(assessment: Assessment, path: str | Path) -> Path:
    """The wide table of SPEC §7 as UTF-8 CSV (with BOM, so Excel reads the Chinese names)."""
    frame = assessment.wide()
    for column in ("credit_code", "name"):
        frame[column] = frame[column].map(escape_formula)
    flag_columns = [c for c in frame.columns if c.startswith("flag.")]
    for column in flag_columns:
        frame[column] = np.where(frame[column].to_numpy(dtype=bool), "true", "false")

    def write(stream: IO[str]) -> None:
        stream.write("\ufeff")
        frame.to_csv(stream, index=False, lineterminator="\n")

    return atomic_write(path, write)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def write_jsonl(assessment: Assessment, path: str | Path) -> Path:
    """One JSON object per firm, in input order: results, per-criterion trace, flags and issues."""

    def write(stream: IO[str]) -> None:
        for record in assessment.iter_firms():
            stream.write(json.dumps(record, ensure_ascii=False, default=_json_default))
            stream.write("\n")

    return atomic_write(path, write)
