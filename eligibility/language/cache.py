"""A cache of parsed rule files: the YAML tree of a file (with the line and column of every key and
item, :func:`eligibility.language.yaml.plain_tree`), kept as JSON under the user's cache folder and
keyed by the SHA-256 of the file's bytes and the reader's version.

Reading YAML with line numbers (ruamel's pure-Python round-trip parser) is nearly all the time
``load_rules`` takes; a file whose bytes are unchanged is read from its cached tree instead. Every
check still runs on every load, and an edit to any rule file changes its key, so it is always seen.

The cache holds data only (JSON: maps, lists, numbers, text, dates), never code, in a folder only
its owner may enter (created 0700; a folder that others can write to, or that belongs to someone
else, is not used). Each entry names the hash of the bytes it was made from, checked when read.
``ELIGIBILITY_CACHE_DIR`` moves the folder; ``ELIGIBILITY_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_folder", "cached", "store"]


def cache_folder() -> Path | None:
    """The folder of the cache (made when missing), or None when there is none to use safely."""
    chosen = os.environ.get("ELIGIBILITY_CACHE_DIR")
    if chosen == "off":
        return None
    if chosen:
        folder = Path(chosen)
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "eligibility"
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "eligibility"
    folder = folder / "rules"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if os.name != "nt" and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return None  # another user could put trees here that we would then read as rules
    return folder


def _key(data: bytes, form: str) -> str:
    return hashlib.sha256(form.encode() + b"\0" + data).hexdigest()


def cached(data: bytes, form: str) -> Any | None:
    """What was stored for the bytes ``data`` in the format ``form`` (the reader's version), if any."""
    folder = cache_folder()
    if folder is None:
        return None
    key = _key(data, form)
    try:
        entry = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry["tree"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or damaged: parsed again (and stored again)


def store(data: bytes, form: str, tree: Any) -> None:
    """Keep ``tree`` (JSON data) for the bytes ``data`` (quietly nothing when the cache is unusable)."""
    folder = cache_folder()
    if folder is None:
        return
    key = _key(data, form)
    try:
        text = json.dumps({"key": key, "tree": tree}, ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, folder / f"{key}.json")  # whole or not at all, for a concurrent reader
    except (OSError, TypeError, ValueError):
        return
